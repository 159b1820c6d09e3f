// `wfm web`: the console. Administrators sign in with a token (from the configuration, or a one-time link
// printed on start) and follow plans, runs, backups and restores live, read the verification report and fix
// the Organization and Users settings it names. While maintenance mode is on, everyone else gets the
// "under construction" page. State-changing requests must come from the console's own pages. This file
// holds the plugins, the gate every request passes and the error page; the pages are in routes/ and
// views/, the stylesheet and the browser script in static/.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifySession from '@fastify/session';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { errorMessage } from '../engine/errors.ts';
import { inMaintenance, signedInUser, type ConsoleContext, type ConsoleOptions } from './context.ts';
import { LiveJobs } from './live-runs.ts';
import { backupRoutes } from './routes/backups.ts';
import { overviewRoutes } from './routes/overview.ts';
import { reportRoutes } from './routes/reports.ts';
import { runRoutes } from './routes/runs.ts';
import { sessionRoutes } from './routes/session.ts';
import { settingsRoutes } from './routes/settings.ts';
import { notDonePage, underConstructionPage } from './views/notices.ts';

export type { ConsoleOptions, Role } from './context.ts';

const SESSION_COOKIE = 'wfm_session';

/**
 * Whether the browser says the request comes from a page of another origin: its Origin, or without one its
 * Referer, or Sec-Fetch-Site. A page on another port of this host is same-site but not the console's own.
 */
function fromAnotherPage(request: FastifyRequest): boolean {
  const own = `http://${request.headers.host}`;
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  if (origin !== undefined) return origin !== own;
  const referer = request.headers.referer;
  if (referer === undefined) return false;
  return !URL.canParse(referer) || new URL(referer).origin !== own;
}

/** Every request but the sign-in page and static files needs a session; a viewer only reads, and not during maintenance. */
async function gate(context: ConsoleContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const path = request.url.split('?')[0] ?? '/';
  // A state-changing request from another site's page is refused, whatever cookie it carries.
  if (request.method !== 'GET' && request.method !== 'HEAD' && fromAnotherPage(request)) {
    return reply.code(403).send({ error: 'requests that change anything must come from the console’s own pages' });
  }
  if (path === '/sign-in' || path.startsWith('/static/')) return undefined;
  const user = signedInUser(request);
  if (!user) return path.startsWith('/api/') ? reply.code(401).send({ error: 'sign in first' }) : reply.redirect('/sign-in');
  // Signing out changes nothing but the user's own session, whoever they are and whatever the mode.
  if (path === '/sign-out') return undefined;
  if (user.role !== 'administrator' && (await inMaintenance(context, request))) {
    return reply.code(503).type('text/html').send(underConstructionPage());
  }
  if (user.role !== 'administrator' && request.method !== 'GET') return reply.code(403).send({ error: 'only an administrator may change anything' });
  return undefined;
}

/**
 * The status of a request the console refuses: fastify's own for what it refused before a route ran (413
 * for a body over its limit, 415 for a type it does not parse), 400 for what a route found wrong.
 */
function clientErrorStatus(error: unknown): number {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 400;
}

export function buildConsole(options: ConsoleOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const context: ConsoleContext = { options, jobs: new LiveJobs(), tokens: [...options.tokens] };

  app.register(fastifyFormbody);
  // The console's stylesheet and browser script, which lint and the type checker read as the files they are.
  app.register(fastifyStatic, { root: fileURLToPath(new URL('./static/', import.meta.url)), prefix: '/static/' });
  app.register(fastifyCookie);
  // Sessions live in this process only: a restarted console asks everyone to sign in again.
  app.register(fastifySession, {
    secret: randomBytes(32).toString('base64url'),
    cookieName: SESSION_COOKIE,
    cookie: { httpOnly: true, sameSite: 'strict', secure: false, path: '/' },
    saveUninitialized: false,
  });
  // After the plugins above, so that the session is read before the gate asks for it.
  app.after(() => app.addHook('onRequest', async (request, reply) => gate(context, request, reply)));

  sessionRoutes(app, context);
  overviewRoutes(app, context);
  runRoutes(app, context);
  settingsRoutes(app, context);
  backupRoutes(app, context);
  reportRoutes(app, context);

  app.setErrorHandler(async (error, request, reply) => {
    const message = errorMessage(error);
    const status = clientErrorStatus(error);
    if (request.url.startsWith('/api/')) return reply.code(status).send({ error: message });
    return reply.code(status).type('text/html').send(notDonePage(message, signedInUser(request)));
  });
  return app;
}
