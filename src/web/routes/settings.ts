// The settings the guide asks to verify: the Verification report, and the Organization and Users pages
// whose forms fix what it names.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { describeTarget, withConnection, type Connection } from '../../engine/dialect/index.ts';
import { errorMessage, InputError } from '../../engine/errors.ts';
import { counted } from '../../engine/wording.ts';
import { loadKey } from '../../wfm/secrets.ts';
import { checkSettings, databaseArguments, organizationRows, setOrganization, setUser, setUsers, settingsReleaseProblem, userRows } from '../../wfm/settings.ts';
import { render, type ConsoleContext } from '../context.ts';
import { notAtCurrentRelease, organizationPage, usersPage } from '../views/settings.ts';
import type { Html } from '../views/html.ts';
import { verifyPage } from '../views/verify.ts';

type Form = Record<string, string | string[] | undefined>;

/** A form field's text, trimmed; undefined when it is empty, which leaves the setting as it is. */
function fieldOf(form: Form, name: string): string | undefined {
  const value = form[name];
  const text = typeof value === 'string' ? value.trim() : undefined;
  return text ? text : undefined;
}

/** Every value a repeated field was given: the logins ticked in a table. */
const valuesOf = (form: Form, name: string): string[] => [form[name] ?? []].flat().map((v) => v.trim()).filter((v) => v !== '');

/** A query parameter's text; a parameter given twice is bad input. */
function queryText(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  if (Array.isArray(value)) throw new InputError(`give ${name} once`);
  return value?.trim() ?? '';
}

/** A module's page: its rows read from an 8.5.2 database, or a card saying why it works on none other. */
function modulePage<T>(app: FastifyInstance, context: ConsoleContext, path: string, title: string, read: (c: Connection) => Promise<T>, view: (rows: T, query: string) => Html): void {
  app.get(path, async (request, reply) => {
    const query = queryText(request, 'q');
    const rows = await withConnection(context.options.database, async (c) => (await settingsReleaseProblem(c)) ?? { rows: await read(c) });
    return render(context, request, reply, { title, active: path, body: typeof rows === 'string' ? notAtCurrentRelease(rows, title) : view(rows.rows, query) });
  });
}

/** How the commands on the Verification page open the console's database: by its access point when it came from one. */
function consoleDatabaseArguments(options: ConsoleContext['options']): string {
  const accessPoint = options.accessPoint !== undefined && options.config ? { name: options.accessPoint, configFile: options.config.path } : undefined;
  return databaseArguments({ description: describeTarget(options.database), passwordGiven: options.database.password !== undefined, accessPoint });
}

export function settingsRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const { options } = context;

  app.get('/verify', async (request, reply) => {
    const filter = { scope: queryText(request, 'scope'), openOnly: queryText(request, 'open') === '1' };
    const checks = await withConnection(options.database, (c) => checkSettings(c, consoleDatabaseArguments(options))).catch((error: unknown) => errorMessage(error));
    return render(context, request, reply, { title: 'Verification', active: '/verify', body: verifyPage(checks, filter) });
  });

  modulePage(app, context, '/organization', 'Organization', organizationRows, (rows, query) => organizationPage({ ...rows, query }));
  app.post('/organization', async (request, reply) => {
    const form = request.body as Form;
    const text = (name: string): string | undefined => fieldOf(form, name);
    // A password is taken as typed, spaces and all.
    const secret = typeof form.password === 'string' && form.password !== '' ? form.password : undefined;
    const password = secret ? { secret, key: loadKey(options.keyFile, true, (notice) => process.stderr.write(`wfm web: ${notice}\n`)) } : undefined;
    const changed = await withConnection(options.database, (c) =>
      setOrganization(c, form.object === 'business unit' ? 'business unit' : 'site', String(form.name), {
        timeZone: text('timeZone'),
        dataAggregator: text('dataAggregator'),
        tenant: text('tenant'),
        password,
        timeProfile: text('timeProfile'),
        wfmServer: form.object === 'site' ? text('wfmServer') : undefined,
      }),
    );
    request.session.notice = `Saved: ${changed.join('; ')}.`;
    return reply.redirect('/organization');
  });

  modulePage(app, context, '/users', 'Users', userRows, (rows, query) => usersPage({ ...rows, query }));
  app.post('/users', async (request, reply) => {
    const form = request.body as Form;
    const text = (name: string): string | undefined => fieldOf(form, name);
    const changed = await withConnection(options.database, (c) => setUser(c, String(form.login), { timeZone: text('timeZone'), builder: text('builder'), role: text('role') }));
    request.session.notice = `Saved: ${changed.join('; ')}.`;
    return reply.redirect('/users');
  });

  app.post('/users/bulk', async (request, reply) => {
    const form = request.body as Form;
    const text = (name: string): string | undefined => fieldOf(form, name);
    const result = await withConnection(options.database, (c) => setUsers(c, valuesOf(form, 'login'), { timeZone: text('timeZone'), builder: text('builder'), role: text('role') }));
    request.session.notice = `Saved for ${counted(result.users, 'user')}: ${result.changes.join('; ')}.`;
    return reply.redirect('/users');
  });
}
