// The Overview page and its data as JSON (/api/status).
import type { FastifyInstance } from 'fastify';
import { installationOverview } from '../../wfm/overview.ts';
import { render, type ConsoleContext } from '../context.ts';
import { overviewPage } from '../views/overview.ts';

export function overviewRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const { options } = context;
  const overview = () => installationOverview(options);
  app.get('/api/status', async () => overview());
  app.get('/', async (request, reply) => render(context, request, reply, { title: 'Overview', active: '/', body: overviewPage(await overview(), options.backupDirectory) }));
}
