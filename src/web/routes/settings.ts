// The settings the guide asks to verify: the Verification report, and the Organization and Users pages
// whose forms fix what it names.
import type { FastifyInstance } from 'fastify';
import { withConnection, type Connection } from '../../engine/dialect/index.ts';
import { errorMessage } from '../../engine/errors.ts';
import { loadKey } from '../../wfm/secrets.ts';
import { checkSettings, organizationRows, setOrganization, setUser, settingsReleaseProblem, userRows } from '../../wfm/settings.ts';
import { render, type ConsoleContext } from '../context.ts';
import { notAtCurrentRelease, organizationPage, usersPage } from '../views/settings.ts';
import type { Html } from '../views/html.ts';
import { verifyPage } from '../views/verify.ts';

type Form = Record<string, string | undefined>;

/** A form field's text, trimmed; undefined when it is empty, which leaves the setting as it is. */
const fieldOf = (form: Form, name: string): string | undefined => (form[name]?.trim() ? form[name]?.trim() : undefined);

/** A module's page: its rows read from an 8.5.2 database, or a card saying why it works on none other. */
function modulePage<T>(app: FastifyInstance, context: ConsoleContext, path: string, title: string, read: (c: Connection) => Promise<T>, view: (rows: T) => Html): void {
  app.get(path, async (request, reply) => {
    const rows = await withConnection(context.options.database, async (c) => (await settingsReleaseProblem(c)) ?? { rows: await read(c) });
    return render(context, request, reply, { title, active: path, body: typeof rows === 'string' ? notAtCurrentRelease(rows, title) : view(rows.rows) });
  });
}

export function settingsRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const { options } = context;

  app.get('/verify', async (request, reply) => {
    const checks = await withConnection(options.database, checkSettings).catch((error: unknown) => errorMessage(error));
    return render(context, request, reply, { title: 'Verification', active: '/verify', body: verifyPage(checks) });
  });

  modulePage(app, context, '/organization', 'Organization', organizationRows, organizationPage);
  app.post('/organization', async (request, reply) => {
    const form = request.body as Form;
    const text = (name: string): string | undefined => fieldOf(form, name);
    const password = form.password ? { secret: form.password, key: loadKey(options.keyFile, true, (notice) => process.stderr.write(`wfm web: ${notice}\n`)) } : undefined;
    await withConnection(options.database, (c) =>
      setOrganization(c, form.object === 'business unit' ? 'business unit' : 'site', String(form.name), {
        timeZone: text('timeZone'),
        dataAggregator: text('dataAggregator'),
        tenant: text('tenant'),
        password,
        timeProfile: text('timeProfile'),
        wfmServer: form.object === 'site' ? text('wfmServer') : undefined,
      }),
    );
    return reply.redirect('/organization');
  });

  modulePage(app, context, '/users', 'Users', userRows, usersPage);
  app.post('/users', async (request, reply) => {
    const form = request.body as Form;
    const text = (name: string): string | undefined => fieldOf(form, name);
    await withConnection(options.database, (c) => setUser(c, String(form.login), { timeZone: text('timeZone'), builder: text('builder'), role: text('role') }));
    return reply.redirect('/users');
  });
}
