// `wfm web`: the console. Administrators sign in with a token (from the configuration, or a one-time link
// printed on start) and follow plans, runs, backups and restores live, read the verification report and fix
// the Organization and Users settings it names. While maintenance mode is on, everyone else gets the
// "under construction" page. State-changing requests must come from the console's own pages.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifySession from '@fastify/session';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { withConnection, type Connection, type ConnectionTarget } from '../engine/dialect/index.ts';
import { describeTarget } from '../engine/dialect/connection-string.ts';
import { isSameDatabase } from '../engine/dialect/identity.ts';
import { errorMessage, InputError } from '../engine/errors.ts';
import { requireBackupRestorePrivilege } from '../wfm/access.ts';
import { epochOfTimestamp, maintenanceMode } from '../wfm/aggregator/index.ts';
import { backupDatabase, restoreDatabase } from '../wfm/backup.ts';
import type { ConfigFile } from '../wfm/config/index.ts';
import { describeState, detectRelease } from '../wfm/database.ts';
import { restoreStatement, rollbackStatement, statementLines, type DestructiveStatement } from '../wfm/destructive.ts';
import { planMigration } from '../wfm/plan.ts';
import { listRuns, loadJournal, requireRunId, rollbackRun, startRun, type RunJournal, type RunOptions } from '../wfm/run.ts';
import { loadKey } from '../wfm/secrets.ts';
import { checkSettings, organizationRows, setOrganization, setUser, settingsReleaseProblem, type SettingsCheck } from '../wfm/settings.ts';
import { TIME_ZONES } from '../wfm/time-zones.ts';
import { html, page, type Html } from './html.ts';
import { LiveJobs, type LiveEvent } from './live-runs.ts';
import { counted } from '../engine/wording.ts';

export type Role = 'administrator' | 'viewer';

export interface ConsoleOptions {
  /** The database the console works on. */
  database: ConnectionTarget;
  config?: ConfigFile;
  /** Tokens that sign in; a one-time token is forgotten once used. */
  tokens: { token: string; role: Role; oneTime?: boolean }[];
  runsDirectory: string;
  backupDirectory: string;
  keyFile: string;
  /** Resolves a connection text typed in a form (a URL, or an access point's name). */
  resolve: (text: string) => Promise<ConnectionTarget>;
}

const SESSION_COOKIE = 'wfm_session';

declare module 'fastify' {
  interface Session {
    /** Who signed in: set once a token signs in, absent before. */
    role?: Role;
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

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

export function buildConsole(options: ConsoleOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const jobs = new LiveJobs();
  const tokens = [...options.tokens];

  app.register(fastifyFormbody);
  // The console's browser scripts, which lint and the type checker read as the files they are.
  app.register(fastifyStatic, { root: fileURLToPath(new URL('./static/', import.meta.url)), prefix: '/static/' });
  app.register(fastifyCookie);
  // Sessions live in this process only: a restarted console asks everyone to sign in again.
  app.register(fastifySession, {
    secret: randomBytes(32).toString('base64url'),
    cookieName: SESSION_COOKIE,
    cookie: { httpOnly: true, sameSite: 'strict', secure: false, path: '/' },
    saveUninitialized: false,
  });

  const sessionOf = (request: FastifyRequest): { role: Role } | undefined => {
    const role = request.session.role;
    return role === undefined ? undefined : { role };
  };

  const readMaintenance = async (): Promise<boolean> => {
    const web = options.config?.applicationOfType('web');
    if (options.config && web && options.config.option(web, 'Options', 'Maintenance') === '1') return true;
    return withConnection(options.database, async (c) => {
      const state = await detectRelease(c);
      return state.kind === 'current' && state.release === '8.5.2' && (await maintenanceMode(c));
    }).catch(() => false);
  };
  // Read once per request: the gate, the banner and the overview all ask.
  const maintenanceOfRequest = new WeakMap<FastifyRequest, Promise<boolean>>();
  const inMaintenance = (request: FastifyRequest): Promise<boolean> => {
    let known = maintenanceOfRequest.get(request);
    if (!known) maintenanceOfRequest.set(request, (known = readMaintenance()));
    return known;
  };

  const signIn = async (request: FastifyRequest, reply: FastifyReply, token: string): Promise<FastifyReply> => {
    const match = tokens.find((t) => sameToken(t.token, token));
    if (!match) return reply.code(401).type('text/html').send(page({ title: 'Sign in' }, signInForm('That token does not sign anyone in.')));
    if (match.oneTime) tokens.splice(tokens.indexOf(match), 1);
    // A new session id on sign-in: one planted before it never becomes a signed-in session.
    await request.session.regenerate();
    request.session.role = match.role;
    return reply.redirect('/');
  };

  // After the plugins above, so that the session is read before this hook asks for it.
  app.after(() => app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    // A state-changing request from another site's page is refused, whatever cookie it carries.
    if (request.method !== 'GET' && request.method !== 'HEAD' && fromAnotherPage(request)) {
      return reply.code(403).send({ error: 'requests that change anything must come from the console’s own pages' });
    }
    if (path === '/sign-in' || path.startsWith('/static/')) return;
    const session = sessionOf(request);
    if (!session) return path.startsWith('/api/') ? reply.code(401).send({ error: 'sign in first' }) : reply.redirect('/sign-in');
    if (session.role !== 'administrator' && (await inMaintenance(request))) {
      return reply.code(503).type('text/html').send(page({ title: 'Under construction' }, html`<div class="card"><h1>Under construction</h1><p>WFM is being migrated. It will be back shortly.</p></div>`));
    }
    if (session.role !== 'administrator' && request.method !== 'GET') return reply.code(403).send({ error: 'only an administrator may change anything' });
  }));

  const render = async (request: FastifyRequest, reply: FastifyReply, title: string, active: string, body: Html, script?: string): Promise<FastifyReply> =>
    reply.type('text/html').send(page({ title, active, signedIn: Boolean(sessionOf(request)), maintenance: await inMaintenance(request), script }, body));

  app.get('/sign-in', async (request, reply) => {
    const token = (request.query as { token?: string }).token;
    if (token) return signIn(request, reply, token);
    return reply.type('text/html').send(page({ title: 'Sign in' }, signInForm()));
  });
  app.post('/sign-in', async (request, reply) => signIn(request, reply, String((request.body as { token?: string }).token ?? '')));

  app.get('/api/status', async () => overview(options));
  app.get('/', async (request, reply) => render(request, reply, 'Overview', '/', overviewPage(await overview(options), await inMaintenance(request))));

  app.get('/runs', async (request, reply) => render(request, reply, 'Plans & runs', '/runs', runsPage(jobs.list(), listRuns(options.runsDirectory), options)));
  app.post('/runs', async (request, reply) => {
    const form = request.body as { from?: string; to?: string; twoStep?: string; action?: string };
    const from = await options.resolve(form.from || describeTarget(options.database));
    const toText = form.to?.trim() ? form.to.trim() : undefined;
    const to = toText ? await options.resolve(toText) : undefined;
    if (form.action === 'plan') {
      const job = jobs.start('plan', `plan ${describeTarget(from)}`, async (emit) => {
        const plan = await planMigration(from, to, { config: options.config, twoStep: form.twoStep === 'on', backupDirectory: options.backupDirectory });
        for (const c of plan.checks) emit({ type: 'step', name: c.name, state: c.status, detail: `${c.detail}${c.action ? ` → ${c.action}` : ''}` });
        for (const s of plan.steps) emit({ type: 'log', text: `${s.name}${s.estimateSeconds !== undefined ? ` (about ${s.estimateSeconds} s)` : ''}: ${s.description}` });
        return `${plan.path}: ${plan.ok ? 'ready, no check failed' : 'not ready'}`;
      });
      return reply.redirect(`/jobs/${job.id}`);
    }
    const job = jobs.start('run', `run ${describeTarget(from)}${to ? ` → ${describeTarget(to)}` : ''}`, async (emit, live) => {
      const journal = await startRun({ from: form.from || describeTarget(options.database), to: toText, resolve: options.resolve }, runOptionsFor(options, emit, (runId) => (live.runId = runId), form.twoStep === 'on'));
      if (journal.state !== 'done') live.state = 'failed';
      return `${journal.runId}: ${journal.state}`;
    });
    return reply.redirect(`/jobs/${job.id}`);
  });
  app.post('/rollback', async (request, reply) => {
    const form = request.body as { run?: string; confirm?: string };
    // Checked before the journal is read: the form's text names a file of the runs folder, nothing else.
    const journal = loadJournal(options.runsDirectory, requireRunId(String(form.run ?? '')));
    const statement = await rollbackStatement(journal, options.resolve);
    await refuseOwnDatabase(statement, options.database);
    if (statement.removesData && form.confirm !== 'yes') {
      return render(request, reply, 'Roll back', '/runs', confirmationPage(`Roll back ${journal.runId}?`, statement, '/rollback', { run: journal.runId }, '/runs'));
    }
    const job = jobs.start('rollback', `rollback ${journal.runId}`, async (emit) => {
      const done = await rollbackRun(journal, options.resolve, runOptionsFor(options, emit, () => undefined, false));
      for (const line of done) emit({ type: 'log', text: line });
      return `${journal.runId} rolled back`;
    });
    return reply.redirect(`/jobs/${job.id}`);
  });

  app.get('/jobs/:id', async (request, reply) => {
    const job = jobs.get((request.params as { id: string }).id);
    if (!job) return reply.code(404).type('text/html').send(page({ title: 'Not found', signedIn: true }, html`<div class="card">No such job.</div>`));
    return render(request, reply, job.title, '/runs', jobPage(job.title, job.state), 'live.js');
  });
  app.get('/jobs/:id/events', (request, reply) => {
    const job = jobs.get((request.params as { id: string }).id);
    if (!job) return reply.code(404).send({ error: 'no such job' });
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (event: LiveEvent): void => void reply.raw.write(`data: ${JSON.stringify(event)}\n\n`);
    for (const event of job.events) send(event);
    if (job.state !== 'running') return reply.raw.end();
    const stop = jobs.subscribe(job.id, (event) => {
      send(event);
      if (event.type === 'end') {
        stop();
        reply.raw.end();
      }
    });
    request.raw.on('close', stop);
  });

  app.get('/verify', async (request, reply) => {
    const checks = await withConnection(options.database, checkSettings).catch((error: unknown) => errorMessage(error));
    return render(request, reply, 'Verification', '/verify', verifyPage(checks));
  });

  app.get('/organization', async (request, reply) => render(request, reply, 'Organization', '/organization', await organizationPage(options.database)));
  app.post('/organization', async (request, reply) => {
    const form = request.body as Record<string, string | undefined>;
    const text = (name: string): string | undefined => (form[name]?.trim() ? form[name]?.trim() : undefined);
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

  app.get('/users', async (request, reply) => render(request, reply, 'Users', '/users', await usersPage(options.database)));
  app.post('/users', async (request, reply) => {
    const form = request.body as Record<string, string | undefined>;
    const text = (name: string): string | undefined => (form[name]?.trim() ? form[name]?.trim() : undefined);
    await withConnection(options.database, (c) => setUser(c, String(form.login), { timeZone: text('timeZone'), builder: text('builder'), role: text('role') }));
    return reply.redirect('/users');
  });

  app.get('/backups', async (request, reply) => render(request, reply, 'Backup & restore', '/backups', backupsPage(options)));
  app.post('/backups', async (request, reply) => {
    const form = request.body as { login?: string; file?: string; action?: string; into?: string; confirm?: string };
    const login = String(form.login ?? '').trim();
    const file = String(form.file ?? '').trim() || `${options.backupDirectory}/wfm-${Date.now()}.backup.db`;
    const restoring = form.action === 'restore';
    const into = String(form.into ?? '').trim();
    const target = restoring && into ? await options.resolve(into) : options.database;
    try {
      // The Allow Backup/Restore privilege of the original: checked before anything starts.
      await withConnection(options.database, async (c) => requireBackupRestorePrivilege(c, await detectRelease(c), login));
    } catch (error) {
      return reply.code(403).type('text/html').send(page({ title: 'Backup & restore', signedIn: true }, html`<div class="card bad">${errorMessage(error)}</div><p><a href="/backups">Back</a></p>`));
    }
    if (restoring) {
      const statement = await restoreStatement(file, target);
      await refuseOwnDatabase(statement, options.database);
      if (statement.removesData && form.confirm !== 'yes') {
        return render(request, reply, 'Backup & restore', '/backups', confirmationPage(`Restore ${file}?`, statement, '/backups', { login, file, into, action: 'restore' }, '/backups'));
      }
    }
    const job = jobs.start(restoring ? 'restore' : 'backup', `${restoring ? 'restore' : 'backup'} ${file}`, async (emit) => {
      const onProgress = (event: Parameters<NonNullable<RunOptions['onProgress']>>[0]): void => emit({ type: 'progress', event });
      if (restoring) {
        const result = await restoreDatabase(file, target, { replace: true, wfmUser: login, onProgress });
        return `${counted(result.tables.length, 'table')} restored from ${file}, each checked against the backup`;
      }
      const result = await backupDatabase(options.database, file, { wfmUser: login, onProgress });
      return `${counted(result.tables.length, 'table')} backed up to ${result.file}`;
    });
    return reply.redirect(`/jobs/${job.id}`);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const message = errorMessage(error);
    const status = clientErrorStatus(error);
    if (request.url.startsWith('/api/')) return reply.code(status).send({ error: message });
    return reply.code(status).type('text/html').send(page({ title: 'Not done', signedIn: Boolean(sessionOf(request)) }, html`<div class="card"><h1>Not done</h1><p class="bad">${message}</p><p><a href="javascript:history.back()">Back</a></p></div>`));
  });
  return app;
}

/**
 * The status of a request the console refuses: fastify's own for what it refused before a route ran (413
 * for a body over its limit, 415 for a type it does not parse), 400 for what a route found wrong.
 */
function clientErrorStatus(error: unknown): number {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 400;
}

function runOptionsFor(options: ConsoleOptions, emit: (event: LiveEvent) => void, onRunId: (runId: string) => void, twoStep: boolean): RunOptions {
  return {
    runsDirectory: options.runsDirectory,
    backupDirectory: options.backupDirectory,
    config: options.config,
    twoStep,
    onProgress: (event) => emit({ type: 'progress', event }),
    onStep: (step, journal) => {
      onRunId(journal.runId);
      emit({ type: 'step', name: step.name, state: step.state, durationMs: step.durationMs, detail: step.detail });
    },
  };
}

function signInForm(problem?: string): Html {
  return html`<div class="card" style="max-width:460px"><h1>Sign in</h1>${problem ? html`<p class="bad">${problem}</p>` : ''}
<form method="post" action="/sign-in"><label>Token<input type="password" name="token" autofocus></label><p><button>Sign in</button></p></form>
<p class="muted">An administrator's token is the WFM Web application's Options.AdminToken in wfm.yaml, or the one-time link wfm web printed.</p></div>`;
}

interface Overview {
  database: string;
  release: string;
  components: { name: string; kind: string; release: string; state: string; heartbeatSecondsAgo: number }[];
  databases: { name: string; release: string }[];
  applications: { name: string; type: string; release: string }[];
}

async function registeredComponents(connection: Connection): Promise<Overview['components']> {
  if (!(await connection.introspector.tableNames()).includes('component')) return [];
  const now = Date.now() / 1000;
  return (await connection.query('SELECT name, kind, wfm_release, state, heartbeat_at FROM component ORDER BY name')).map((r) => ({
    name: String(r.name),
    kind: String(r.kind),
    release: String(r.wfm_release),
    state: String(r.state),
    heartbeatSecondsAgo: Math.round(now - epochOfTimestamp(r.heartbeat_at ?? null)),
  }));
}

const unreachable = (error: unknown): string => `unreachable: ${errorMessage(error)}`;

async function overview(options: ConsoleOptions): Promise<Overview> {
  const { release, components } = await withConnection(options.database, async (c) => ({
    release: describeState(await detectRelease(c)),
    components: await registeredComponents(c).catch(() => []),
  })).catch((error: unknown) => ({ release: unreachable(error), components: [] }));
  const databases: Overview['databases'] = [];
  for (const point of options.config?.databases ?? []) {
    const state = await options
      .resolve(point.name)
      .then((target) => withConnection(target, async (c) => describeState(await detectRelease(c))))
      .catch(unreachable);
    databases.push({ name: point.name, release: state });
  }
  const applications = (options.config?.applications ?? []).map((a) => ({ name: a.name, type: a.type, release: a.release ?? '' }));
  return { database: describeTarget(options.database), release, components, databases, applications };
}

function overviewPage(data: Overview, maintenance: boolean): Html {
  return html`<h1>Overview</h1>
<div class="card"><b>${data.database}</b>: ${data.release}. Maintenance mode: <span class="${maintenance ? 'warn' : 'ok'}">${maintenance ? 'on' : 'off'}</span></div>
<h2>Registered components</h2>
${data.components.length === 0 ? html`<p class="muted">No component has registered with this database.</p>` : html`<table><tr><th>component</th><th>kind</th><th>release</th><th>state</th><th>heartbeat</th></tr>${data.components.map((c) => html`<tr><td>${c.name}</td><td>${c.kind}</td><td>${c.release}</td><td class="${c.state === 'stopped' ? 'muted' : c.heartbeatSecondsAgo < 30 ? 'ok' : 'warn'}">${c.state}</td><td class="n">${c.heartbeatSecondsAgo} s ago</td></tr>`)}</table>`}
${data.databases.length > 0 ? html`<h2>Database access points</h2><table><tr><th>name</th><th>release</th></tr>${data.databases.map((d) => html`<tr><td>${d.name}</td><td>${d.release}</td></tr>`)}</table>` : ''}
${data.applications.length > 0 ? html`<h2>Applications</h2><table><tr><th>application</th><th>type</th><th>release</th></tr>${data.applications.map((a) => html`<tr><td>${a.name}</td><td>${a.type}</td><td>${a.release}</td></tr>`)}</table>` : ''}`;
}

/**
 * The console never drops or replaces the database it serves: its own pages and jobs would go with it
 * (a job page that says "running" forever). That is done from the command line, the console stopped.
 */
async function refuseOwnDatabase(statement: DestructiveStatement, own: ConnectionTarget): Promise<void> {
  if (!statement.target || !statement.removesData) return;
  // A database that cannot be opened to tell who it is cannot be the one the console serves and reads.
  const same = await isSameDatabase(statement.target, own).catch(() => false);
  if (same) throw new InputError(`the console does not ${statement.action}: that is the database it serves (${describeTarget(own)}); stop it and do that with the wfm command`);
}

/** The statement of what an action removes, with Confirm (the same form again, confirmed) and Cancel. */
function confirmationPage(title: string, statement: DestructiveStatement, action: string, fields: Record<string, string>, back: string): Html {
  const [first, ...rest] = statementLines(statement);
  return html`<h1>${title}</h1>
<div class="card"><p class="warn"><b>${first ?? ''}</b></p><pre>${rest.join('\n')}</pre>
<form class="inline" method="post" action="${action}">${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<input type="hidden" name="confirm" value="yes">
<button>Confirm</button> <a href="${back}">Cancel</a></form></div>`;
}

function runsPage(jobs: ReturnType<LiveJobs['list']>, runs: RunJournal[], options: ConsoleOptions): Html {
  return html`<h1>Plans & runs</h1>
<div class="card"><form class="inline" method="post" action="/runs">
<label>From<input name="from" placeholder="${describeTarget(options.database)}"></label>
<label>To (a new database, for 6.5)<input name="to" placeholder="sqlite:wfm-8.5.2.db"></label>
<label><span>Two-step</span><input type="checkbox" name="twoStep" style="min-width:0"></label>
<button name="action" value="plan" class="secondary">Plan</button><button name="action" value="run">Run</button></form></div>
<div class="card">${runs.length === 0 ? html`<span class="muted">No run in ${options.runsDirectory} to roll back.</span>` : html`<form class="inline" method="post" action="/rollback"><label>Run<select name="run">${runs.map((r) => html`<option value="${r.runId}">${r.runId}: ${r.path}, ${r.state}</option>`)}</select></label><button class="secondary">Roll back…</button></form>`}</div>
<h2>Started here</h2>
${jobs.length === 0 ? html`<p class="muted">Nothing yet.</p>` : html`<table><tr><th>what</th><th>started</th><th>state</th></tr>${jobs.map((j) => html`<tr><td><a href="/jobs/${j.id}">${j.title}</a></td><td>${j.startedAt}</td><td class="${j.state}">${j.state}</td></tr>`)}</table>`}`;
}

function jobPage(title: string, state: string): Html {
  return html`<h1>${title} <span id="state" class="${state}">${state}</span></h1>
<h2>Steps</h2><table><thead><tr><th>step</th><th>state</th><th>duration</th><th>detail</th></tr></thead><tbody id="steps"></tbody></table>
<h2>Tables</h2><table><thead><tr><th>step</th><th>table</th><th>progress</th><th></th><th>rows</th><th>rate</th><th>ETA</th></tr></thead><tbody id="tables"></tbody></table>
<h2>Log</h2><pre class="log" id="log"></pre>`;
}

function verifyPage(checks: SettingsCheck[] | string): Html {
  if (typeof checks === 'string') return html`<h1>Verification</h1><div class="card bad">${checks}</div>`;
  const link = (check: SettingsCheck): string => `${check.object === 'user' ? '/users' : '/organization'}#${anchorOf(check.object, check.name)}`;
  const toFix = checks.filter((c) => c.findings.length > 0);
  const ordered = [...toFix, ...checks.filter((c) => c.findings.length === 0)];
  return html`<h1>Verification <span id="summary" class="${toFix.length === 0 ? 'ok' : 'warn'}">${toFix.length === 0 ? 'all settings in place' : `${toFix.length} of ${checks.length} to fix`}</span></h1>
<p class="muted">The guide's "Verify your connections and settings": Data Aggregator name, tenant, password and time profile of each business unit and site, the WFM Server of each site, the agents assigned to each site, and each user's time zone, WFM Builder and role.</p>
<table><tr><th>object</th><th>name</th><th>check</th><th>fix</th></tr>${ordered.map(
    (c) => html`<tr data-object="${c.object}" data-name="${c.name}"><td>${c.object}</td><td>${c.name}</td>${
      c.findings.length === 0
        ? html`<td class="ok check">✓ in place</td><td></td>`
        : html`<td class="warn check">${c.findings.map((f) => html`${f.problem}<br>`)}</td><td><a href="${link(c)}">fix it</a><br><span class="muted">or ${c.findings.map((f) => html`<code>${f.fix}</code><br>`)}</span></td>`
    }</tr>`,
  )}</table>`;
}

/** Where an object's form is on its module's page. */
function anchorOf(object: string, name: string): string {
  return `${object.replaceAll(' ', '-')}-${encodeURIComponent(name)}`;
}

/** The Organization and Users modules edit an 8.5.2 database; any other release gets a card that says so. */
function notAtCurrentRelease(problem: string, module: string): Html {
  return html`<h1>${module}</h1><div class="card warn">${problem}. The ${module} module works on an 8.5.2 database: update or migrate it first from <a href="/runs">Plans &amp; runs</a>.</div>`;
}

async function organizationPage(database: ConnectionTarget): Promise<Html> {
  const rows = await withConnection(database, async (c) => (await settingsReleaseProblem(c)) ?? organizationRows(c));
  if (typeof rows === 'string') return notAtCurrentRelease(rows, 'Organization');
  const form = (object: string, row: Record<string, unknown>): Html => html`<form class="inline" method="post" action="/organization">
<input type="hidden" name="object" value="${object}"><input type="hidden" name="name" value="${row.name}">
<label>Time zone<input name="timeZone" list="time-zones" value="${row.time_zone ?? ''}"></label>
<label>Data Aggregator<input name="dataAggregator" value="${row.data_aggregator_name ?? ''}"></label>
<label>Tenant<input name="tenant" value="${row.data_aggregator_tenant ?? ''}"></label>
<label>Password ${row.data_aggregator_password ? '(set)' : '(not set)'}<input type="password" name="password" autocomplete="new-password" placeholder="unchanged"></label>
<label>Time profile<input name="timeProfile" value="${row.data_aggregator_time_profile ?? ''}"></label>
${object === 'site' ? html`<label>WFM Server<input name="wfmServer" value="${row.wfm_server_name ?? ''}"></label>` : ''}
<button>Save</button></form>`;
  return html`<h1>Organization</h1>${timeZoneChoices()}
<h2>Business units</h2>${rows.units.map((u) => html`<div class="card" id="${anchorOf('business unit', String(u.name))}"><b>${u.name}</b>${form('business unit', u)}</div>`)}
<h2>Sites</h2>${rows.sites.map((s) => html`<div class="card" id="${anchorOf('site', String(s.name))}"><b>${s.name}</b> <span class="${Number(s.agents) > 0 ? 'muted' : 'warn'}">${counted(Number(s.agents), 'agent')}</span>${form('site', s)}</div>`)}`;
}

/** The zones the time zone fields offer: the list the check accepts, so that a choice from it is never refused. */
function timeZoneChoices(): Html {
  return html`<datalist id="time-zones">${TIME_ZONES.map((zone) => html`<option value="${zone}">`)}</datalist>`;
}

async function usersPage(database: ConnectionTarget): Promise<Html> {
  const read = await withConnection(database, async (c) => {
    const problem = await settingsReleaseProblem(c);
    if (problem) return problem;
    return {
      users: await c.query('SELECT u.login, u.full_name, u.time_zone, u.builder_name, r.name AS role FROM wfm_user u LEFT JOIN role r ON r.id = u.role_id ORDER BY u.login'),
      roles: (await c.query('SELECT name FROM role ORDER BY name')).map((r) => String(r.name)),
    };
  });
  if (typeof read === 'string') return notAtCurrentRelease(read, 'Users');
  const { users, roles } = read;
  return html`<h1>Users</h1>${timeZoneChoices()}<table><tr><th>user</th><th>time zone · WFM Builder · role</th></tr>
${users.map(
  (u) => html`<tr id="${anchorOf('user', String(u.login))}"><td><b>${u.login}</b><br><span class="muted">${u.full_name}</span></td><td><form class="inline" method="post" action="/users"><input type="hidden" name="login" value="${u.login}">
<label>Time zone<input name="timeZone" list="time-zones" value="${u.time_zone ?? ''}"></label><label>WFM Builder<input name="builder" value="${u.builder_name ?? ''}"></label>
<label>Role<select name="role"><option value="">${u.role ? '' : '(none)'}</option>${roles.map((r) => html`<option ${r === u.role ? 'selected' : ''}>${r}</option>`)}</select></label><button>Save</button></form></td></tr>`,
)}</table>`;
}

function backupsPage(options: ConsoleOptions): Html {
  return html`<h1>Backup & restore</h1>
<p class="muted">Both need a WFM user who holds Allow Backup/Restore (general.allow_backup_restore). A restore replaces what the database it goes into holds, after a page that says what it removes; the console never restores over ${describeTarget(options.database)}, the database it serves. Every row of the file is checked before it is written.</p>
<div class="card"><form class="inline" method="post" action="/backups">
<label>WFM user<input name="login" required></label><label>Backup file<input name="file" placeholder="${options.backupDirectory}/wfm.backup.db" size="40"></label>
<label>Restore into (not this console's database)<input name="into" placeholder="sqlite:wfm-restored.db"></label>
<button name="action" value="backup">Back up</button><button name="action" value="restore" class="secondary">Restore</button></form></div>`;
}
