// The console's API through fastify's inject, on real databases: sign-in, pages, a run started from the
// page and followed to its end over server-sent events, the verification report and a fix, maintenance
// mode for non-administrators, the Allow Backup/Restore privilege, and requests from other origins.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { connect, parseConnectionString } from '../src/engine/dialect/index.ts';
import { setMaintenanceMode } from '../src/wfm/aggregator/store.ts';
import type { Release } from '../src/wfm/releases/versions.ts';
import type { LiveEvent } from '../src/web/live-runs.ts';
import { buildConsole } from '../src/web/server.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const sqlite = (await testEngines()).find((e) => e.engine === 'sqlite') as TestEngine;
const fresh = trackedDatabases();

async function database(release: Release): Promise<string> {
  return (await generatedDatabase(fresh, sqlite, 'web', release, { agents: 12, days: 1, seed: 4 })).url;
}

function consoleFor(url: string, directory = mkdtempSync(join(tmpdir(), 'wfm-web-'))): FastifyInstance {
  return buildConsole({
    database: parseConnectionString(url),
    tokens: [
      { token: 'admin-token', role: 'administrator' },
      { token: 'viewer-token', role: 'viewer' },
      { token: 'once', role: 'administrator', oneTime: true },
    ],
    runsDirectory: join(directory, 'runs'),
    backupDirectory: directory,
    keyFile: join(directory, 'key'),
    resolve: async (text) => parseConnectionString(text),
  });
}

async function signIn(app: FastifyInstance, token: string): Promise<string> {
  const response = await app.inject({ url: `/sign-in?token=${token}` });
  assert.equal(response.statusCode, 302, response.body);
  const cookie = String(response.headers['set-cookie']).split(';')[0] as string;
  assert.match(cookie, /^wfm_session=/);
  return cookie;
}

const form = (values: Record<string, string>): { payload: string; headers: Record<string, string> } => ({
  payload: new URLSearchParams(values).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** The job's events, once it has ended: the event stream closes with the job. */
async function eventsOf(app: FastifyInstance, cookie: string, location: string): Promise<LiveEvent[]> {
  const response = await app.inject({ url: `${location}/events`, headers: { cookie } });
  assert.equal(response.headers['content-type'], 'text/event-stream');
  return response.body
    .split('\n\n')
    .filter((chunk) => chunk.startsWith('data: '))
    .map((chunk) => JSON.parse(chunk.slice(6)) as LiveEvent);
}

describe('the console', () => {
  it('lets nobody in without a valid session, and a one-time link only once', async () => {
    const app = consoleFor(await database('8.5.2'));
    assert.equal((await app.inject({ url: '/' })).headers.location, '/sign-in');
    assert.equal((await app.inject({ url: '/api/status' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/sign-in?token=wrong' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/', headers: { cookie: 'wfm_session=forged' } })).statusCode, 302);
    await signIn(app, 'once');
    assert.equal((await app.inject({ url: '/sign-in?token=once' })).statusCode, 401, 'a one-time token is used up');
    await app.close();
  });

  it('runs an update from the page and reports every step live, to the end', async () => {
    const url = await database('7.6');
    const app = consoleFor(url);
    const cookie = await signIn(app, 'admin-token');
    for (const path of ['/', '/runs', '/verify', '/organization', '/users']) {
      const response = await app.inject({ url: path, headers: { cookie } });
      assert.equal(response.statusCode, 200, `${path}: ${response.body.slice(0, 300)}`);
    }
    const backups = await app.inject({ url: '/backups', headers: { cookie } });
    assert.equal(backups.statusCode, 403, 'no WFM user named at sign-in: no backup page');
    assert.match(backups.body, /signed in without naming a WFM user/);
    const started = await app.inject({ method: 'POST', url: '/runs', ...form({ from: url, action: 'run' }), headers: { ...form({}).headers, cookie } });
    assert.equal(started.statusCode, 302);
    const location = String(started.headers.location);
    assert.match(location, /^\/runs\/run-\d{8}T\d{6}Z$/, 'the run’s page, once its journal exists');
    const stream = (await app.inject({ url: `${location}/events`, headers: { cookie } })).body;
    const views = stream.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => JSON.parse(e.slice(6)) as { state: string; live: string });
    const last = views.at(-1);
    assert.equal(last?.state, 'done', 'the stream follows the run to its end');
    const done = [...(last?.live ?? '').matchAll(/<tr data-step="([^"]+)"><td>[^<]+<\/td><td class="done">/g)].map((m) => m[1]);
    assert.deepEqual(done, ['check prerequisites', 'disable access', 'stop server components', 'back up', 'migrate or update', 'deploy', 'verify', 'enable access']);
    assert.match(last?.live ?? '', /<tr data-table="[^"]+">/, 'per-table progress of the backup');
    const page = await app.inject({ url: location, headers: { cookie } });
    assert.match(page.body, /<script src="\/static\/run\.js"><\/script>/);
    const script = await app.inject({ url: '/static/live.js' });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
    assert.match(script.body, /new EventSource/);
    for (const url of ['/static/../server.ts', '/static/%2e%2e/server.ts', '/static/..%2fserver.ts']) {
      const outside = await app.inject({ url });
      assert.notEqual(outside.statusCode, 200, `${url}: nothing outside static/ is served`);
      assert.doesNotMatch(outside.body, /buildConsole/);
    }
    await app.close();
  });

  it('refuses a run whose connection holds a password (a journal would keep it), and shows it nowhere', async () => {
    const app = consoleFor(await database('8.5.2'));
    const cookie = await signIn(app, 'admin-token');
    for (const action of ['run', 'plan']) {
      const refused = await app.inject({ method: 'POST', url: '/runs', ...form({ from: 'postgres://wfm:pw-in-form-zq7@127.0.0.1:5432/wfm', action }), headers: { ...form({}).headers, cookie } });
      assert.equal(refused.statusCode, 400, `${action}: refused as bad input, before a job, an address or a journal holds it`);
      assert.match(refused.body, /--password-env/);
      assert.ok(!refused.body.includes('pw-in-form-zq7') && !JSON.stringify(refused.headers).includes('pw-in-form-zq7'), `${action}: the password is shown nowhere`);
    }
    const linked = await app.inject({ url: `/plan?from=${encodeURIComponent('postgres://wfm:pw-in-form-zq7@127.0.0.1:5432/wfm')}`, headers: { cookie } });
    assert.equal(linked.statusCode, 400, 'nor is a plan asked for by its address');
    assert.ok(!linked.body.includes('pw-in-form-zq7'));
    await app.close();
  });

  it('shows the verification report, and a fix made in the Organization module clears its finding', async () => {
    const url = await database('8.5.2');
    const app = consoleFor(url);
    const cookie = await signIn(app, 'admin-token');
    const report = (await app.inject({ url: '/verify', headers: { cookie } })).body;
    const site = /<tr data-object="site" data-name="([^"]+)"><td>site<\/td><td>[^<]*<\/td><td class="warn check">/.exec(report)?.[1];
    assert.ok(site, 'the generated organization leaves a site setting to fix');
    const name = site.replaceAll('&amp;', '&').replaceAll('&#39;', "'").replaceAll('&quot;', '"');
    const saved = await app.inject({
      method: 'POST',
      url: '/organization',
      ...form({ object: 'site', name, dataAggregator: 'DA', tenant: 'T', password: 'p4ssw0rd', timeProfile: 'Default', wfmServer: 'WFMServer' }),
      headers: { ...form({}).headers, cookie, origin: 'http://localhost:80' },
    });
    assert.equal(saved.statusCode, 302, saved.body);
    const after = (await app.inject({ url: '/verify', headers: { cookie } })).body;
    assert.ok(after.includes(`<tr data-object="site" data-name="${site}"><td>site</td><td>${site}</td><td class="ok check">`), 'the site is now in place');
    assert.ok(!after.includes('p4ssw0rd') && !(await app.inject({ url: '/organization', headers: { cookie } })).body.includes('p4ssw0rd'), 'the password is write-only');
    await app.close();
  });

  it('shows the maintenance page to everyone but an administrator, and refuses foreign origins', async () => {
    const url = await database('8.5.2');
    const app = consoleFor(url);
    const admin = await signIn(app, 'admin-token');
    const viewer = await signIn(app, 'viewer-token');
    assert.equal((await app.inject({ url: '/', headers: { cookie: viewer } })).statusCode, 200);
    const connection = await connect(url);
    await setMaintenanceMode(connection, true);
    await connection.close();
    const blocked = await app.inject({ url: '/', headers: { cookie: viewer } });
    assert.equal(blocked.statusCode, 503);
    assert.match(blocked.body, /Under construction/);
    const adminPage = await app.inject({ url: '/', headers: { cookie: admin } });
    assert.equal(adminPage.statusCode, 200);
    assert.match(adminPage.body, /Maintenance mode is on/);
    const foreign = await app.inject({ method: 'POST', url: '/users', ...form({ login: 'x' }), headers: { ...form({}).headers, cookie: admin, origin: 'http://evil.example' } });
    assert.equal(foreign.statusCode, 403);
    await app.close();
  });

  it('backs up only for a WFM user who holds Allow Backup/Restore', async () => {
    const url = await database('8.5.2');
    const app = consoleFor(url);
    const connection = await connect(url);
    const logins = await connection.query("SELECT u.login, MAX(CASE WHEN rp.privilege = 'general.allow_backup_restore' THEN 1 ELSE 0 END) AS allowed FROM wfm_user u LEFT JOIN role_privilege rp ON rp.role_id = u.role_id GROUP BY u.login");
    await connection.close();
    const allowed = logins.find((l) => Number(l.allowed) === 1)?.login;
    const refused = logins.find((l) => Number(l.allowed) === 0)?.login;
    assert.ok(allowed && refused);
    const refusedCookie = await signIn(app, `admin-token&login=${encodeURIComponent(String(refused))}`);
    const denied = await app.inject({ method: 'POST', url: '/backups', ...form({ action: 'backup' }), headers: { ...form({}).headers, cookie: refusedCookie } });
    assert.equal(denied.statusCode, 403);
    assert.match(denied.body, /does not hold Allow Backup\/Restore/);
    const cookie = await signIn(app, `admin-token&login=${encodeURIComponent(String(allowed))}`);
    const started = await app.inject({ method: 'POST', url: '/backups', ...form({ action: 'backup' }), headers: { ...form({}).headers, cookie } });
    assert.equal(started.statusCode, 302);
    const events = await eventsOf(app, cookie, String(started.headers.location));
    assert.deepEqual(events.at(-1)?.type === 'end' ? (events.at(-1) as { state: string }).state : undefined, 'done');
    await app.close();
  });

  it('answers 413 to a body over its limit, not 400', async () => {
    const app = consoleFor(await database('8.5.2'));
    const cookie = await signIn(app, 'admin-token');
    const oversized = await app.inject({ method: 'POST', url: '/users', ...form({ login: 'x'.repeat(2 * 1024 * 1024) }), headers: { ...form({}).headers, cookie } });
    assert.equal(oversized.statusCode, 413, oversized.body.slice(0, 300));
    await app.close();
  });

  it('refuses a rollback whose run id leaves the runs folder, and drops nothing a planted journal names', async () => {
    const victim = await database('8.5.2');
    const directory = mkdtempSync(join(tmpdir(), 'wfm-web-'));
    const steps = ['check prerequisites', 'disable access', 'stop server components', 'back up', 'migrate or update', 'deploy', 'verify', 'enable access'].map((name) => ({ name, state: 'done' }));
    const planted = { runId: '../planted', from: victim, to: victim, config: null, path: 'migration', twoStep: false, backupFile: join(directory, 'x'), releasesBefore: {}, state: 'done', steps };
    writeFileSync(join(directory, 'planted.json'), JSON.stringify(planted));
    const app = consoleFor(await database('8.5.2'), directory);
    const cookie = await signIn(app, 'admin-token');
    const refused = await app.inject({ method: 'POST', url: '/rollback', ...form({ run: '../planted' }), headers: { ...form({}).headers, cookie } });
    assert.equal(refused.statusCode, 400, refused.body.slice(0, 300));
    assert.match(refused.body, /is not a run id/);
    assert.ok(existsSync(parseConnectionString(victim).path ?? ''), 'the database the planted journal names is still there');
    await app.close();
  });
});
