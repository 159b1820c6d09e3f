// The console as the administrator's dashboard, through fastify's inject on real SQLite files and a real
// PostgreSQL server: the overview shows each database's release, size and rows as the database holds
// them, its maintenance mode, components and open verification items; a run started with the wfm command
// appears on the overview and in Plans & runs; the Backup & restore page lists the backups of the folder
// with their state, only to a WFM user who holds Allow Backup/Restore; sign-out ends the session; and a
// two-step migration shows step two pending until the performance migration has run.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse as Reply } from 'fastify';
import { parseConnectionString, withConnection, type Connection } from '../src/engine/dialect/index.ts';
import { recordHeartbeat, setMaintenanceMode } from '../src/wfm/aggregator/store.ts';
import { buildConsole } from '../src/web/server.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = (await testEngines()).filter((e) => e.engine === 'sqlite' || e.engine === 'postgres');
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const fresh = trackedDatabases();
const scratchFolder = (): string => mkdtempSync(join(tmpdir(), 'wfm-dashboard-'));

interface Console {
  app: FastifyInstance;
  get(path: string, cookie: string): Promise<Reply>;
  post(path: string, values: Record<string, string>, cookie: string): Promise<Reply>;
  signIn(login?: string): Promise<string>;
}

function consoleOn(url: string, runsDirectory: string, backupDirectory: string): Console {
  const app = buildConsole({
    database: parseConnectionString(url),
    tokens: [
      { token: 'admin-token', role: 'administrator' },
      { token: 'viewer-token', role: 'viewer' },
    ],
    runsDirectory,
    backupDirectory,
    keyFile: join(backupDirectory, 'key'),
    resolve: async (text) => parseConnectionString(text),
  });
  return {
    app,
    get: (path, cookie) => app.inject({ url: path, headers: { cookie } }),
    post: (path, values, cookie) =>
      app.inject({ method: 'POST', url: path, payload: new URLSearchParams(values).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie } }),
    signIn: async (login) => {
      const response = await app.inject({ url: `/sign-in?token=admin-token${login === undefined ? '' : `&login=${encodeURIComponent(login)}`}` });
      assert.equal(response.statusCode, 302, response.body.slice(0, 300));
      return String(response.headers['set-cookie']).split(';')[0] as string;
    },
  };
}

/** Every row of every table, counted here, apart from the code under test. */
async function rowsOf(connection: Connection): Promise<number> {
  let rows = 0;
  for (const table of await connection.introspector.tableNames()) {
    const [row] = await connection.query(`SELECT COUNT(*) AS n FROM ${connection.compiler.quoteIdentifier(table)}`);
    rows += Number(row?.n);
  }
  return rows;
}

/** A login that holds Allow Backup/Restore, and one that does not. */
async function loginsOf(connection: Connection): Promise<{ allowed: string; refused: string }> {
  const logins = await connection.query(
    "SELECT u.login, MAX(CASE WHEN rp.privilege = 'general.allow_backup_restore' THEN 1 ELSE 0 END) AS allowed FROM wfm_user u LEFT JOIN role_privilege rp ON rp.role_id = u.role_id WHERE u.disabled = 0 GROUP BY u.login ORDER BY u.login",
  );
  const allowed = logins.find((l) => Number(l.allowed) === 1)?.login;
  const refused = logins.find((l) => Number(l.allowed) === 0)?.login;
  assert.ok(allowed && refused, 'the generated users include both');
  return { allowed: String(allowed), refused: String(refused) };
}

const escaped = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

for (const engine of engines) {
  describe(`the console's dashboard on ${engine.engine}`, { skip: engine.skip }, () => {
    it('shows the facts of a database updated by wfm run, the run, and its backup only to a user who may restore it', async () => {
      const database = await generatedDatabase(fresh, engine as TestEngine, 'dashboard', '7.6', { agents: 12, days: 1, seed: 27 });
      const directory = scratchFolder();
      const runs = join(directory, 'runs');
      const backups = join(directory, 'backups');
      const run = wfm(['run', '--from', database.url, '--runs-dir', runs, '--backup-dir', backups, '--force']);
      assert.equal(run.status, 0, run.stderr + run.stdout);
      const runId = run.stdout.split('\n')[0] as string;
      assert.match(runId, /^run-\d{8}T\d{6}Z$/);

      const facts = await withConnection(database.url, async (c) => {
        await setMaintenanceMode(c, true);
        await recordHeartbeat(c, { name: 'WFM Data Aggregator dashboard', kind: 'data-aggregator', release: '8.5.2', host: 'localhost', pid: 4242, endpoint: null, startedAt: Math.floor(Date.now() / 1000), state: 'running' });
        return { rows: await rowsOf(c), logins: await loginsOf(c) };
      });
      const dashboard = consoleOn(database.url, runs, backups);
      try {
        const cookie = await dashboard.signIn(facts.logins.allowed);

        const overview = await dashboard.get('/', cookie);
        assert.equal(overview.statusCode, 200, overview.body.slice(0, 300));
        assert.match(overview.body, /<dd class="release">a WFM 8\.5\.2 database<\/dd>/);
        assert.ok(overview.body.includes(`<dd class="rows">${facts.rows.toLocaleString('en-US')}</dd>`), `the overview counts the ${facts.rows} rows the database holds`);
        assert.match(overview.body, /<dt>maintenance<\/dt><dd><span class="warn">on<\/span>/);
        assert.match(overview.body, /WFM Data Aggregator dashboard/);
        assert.match(overview.body, /<a class="warn" href="\/verify">\d+ items? to fix<\/a>/);
        assert.ok(overview.body.includes(`<tr data-run="${runId}">`), 'the run started with the wfm command is among the last runs');
        assert.ok(overview.body.includes(`1 backup in ${escaped(backups)}: <span class="complete">1 complete</span>.\nThe latest complete: ${runId}.backup.db, release 7.6, taken `), 'the backup the run took');
        assert.ok(overview.body.includes(`Signed in: <b>${escaped(facts.logins.allowed)}</b> (administrator)`), 'the signed-in user is shown');

        const status = (await dashboard.get('/api/status', cookie)).json() as { databases: { rows: number; maintenance: boolean }[]; runs: { runId: string; state: string }[] };
        assert.equal(status.databases[0]?.rows, facts.rows);
        assert.equal(status.databases[0]?.maintenance, true);
        assert.deepEqual(status.runs.map((r) => [r.runId, r.state]), [[runId, 'done']]);

        const runsPage = await dashboard.get('/runs', cookie);
        const row = new RegExp(`<tr data-run="${runId}"><td class="id"><a href="/runs/${runId}">${runId}</a><br><span class="muted">update in place</span></td><td class="conn">([^<]+)</td><td class="conn">([^<]+)</td><td class="done">done</td><td class="when">\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}</td><td class="n">[\\d.]+ (ms|s|min \\d+ s)</td></tr>`).exec(runsPage.body);
        assert.ok(row, `the run with its source, target, state and duration:\n${runsPage.body.slice(runsPage.body.indexOf('<table id="runs">'), runsPage.body.indexOf('<table id="runs">') + 700)}`);
        assert.equal(row[1], escaped(database.url));

        // Beside the run's backup: an unfinished one, a truncated copy and a file that is no backup.
        const complete = join(backups, `${runId}.backup.db`);
        copyFileSync(complete, join(backups, 'cut.backup.db'));
        truncateSync(join(backups, 'cut.backup.db'), 8192);
        writeFileSync(join(backups, 'later.backup.db.partial'), 'SQLite format 3\0');
        writeFileSync(join(backups, 'notes.txt'), 'not a backup');
        const backupPage = await dashboard.get('/backups', cookie);
        assert.equal(backupPage.statusCode, 200, backupPage.body.slice(0, 300));
        const completeRow = new RegExp(`<tr data-backup="${runId}\\.backup\\.db"><td class="conn">[^<]+</td><td class="n">[\\d.]+ (KiB|MiB)</td><td>7\\.6 <span class="muted">\\(${engine.engine}\\)</span></td><td>\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}</td><td class="n">([\\d,]+)</td><td><span class="complete">complete</span></td><td><span class="seal [a-z]+">[^<]+</span>[^\\n]*</td></tr>`).exec(backupPage.body);
        assert.ok(completeRow, 'the run’s backup: size, release 7.6 (taken before the update), date, rows and state');
        assert.match(backupPage.body, /<tr data-backup="cut\.backup\.db">.*<span class="damaged">damaged<\/span><br><span class="muted">it is truncated/);
        assert.match(backupPage.body, /<tr data-backup="later\.backup\.db\.partial">.*<span class="unfinished">unfinished<\/span>/);
        assert.doesNotMatch(backupPage.body, /notes\.txt/);
        assert.match(backupPage.body, /<button name="action" value="backup">Back up<\/button>/);

        const refused = await dashboard.signIn(facts.logins.refused);
        const denied = await dashboard.get('/backups', refused);
        assert.equal(denied.statusCode, 403);
        assert.match(denied.body, /does not hold Allow Backup\/Restore/);
        assert.ok(!denied.body.includes(`${runId}.backup.db`) && !denied.body.includes('value="backup"'), 'no list and no form');
        const refusedBackup = await dashboard.post('/backups', { action: 'backup' }, refused);
        assert.equal(refusedBackup.statusCode, 403);
        const anonymous = await dashboard.signIn();
        assert.equal((await dashboard.get('/backups', anonymous)).statusCode, 403, 'signed in without a WFM user');
        assert.equal((await dashboard.post('/backups/user', { login: facts.logins.refused }, anonymous)).statusCode, 302);
        assert.equal((await dashboard.get('/backups', anonymous)).statusCode, 403, 'naming a user without the privilege opens nothing');
        assert.equal((await dashboard.post('/backups/user', { login: 'nobody-by-that-name' }, anonymous)).statusCode, 400);

        const signedOut = await dashboard.post('/sign-out', {}, cookie);
        assert.equal(signedOut.statusCode, 302);
        assert.equal(signedOut.headers.location, '/sign-in');
        for (const path of ['/', '/runs', '/backups']) {
          const after = await dashboard.get(path, cookie);
          assert.equal(after.statusCode, 302, `${path} after sign-out`);
          assert.equal(after.headers.location, '/sign-in');
        }
        assert.equal((await dashboard.get('/api/status', cookie)).statusCode, 401);
        assert.equal((await dashboard.get('/', refused)).statusCode, 200, 'another session goes on');
      } finally {
        await dashboard.app.close();
      }
    });
  });
}

describe("the console's stylesheet and its pages' header", () => {
  it('serves one stylesheet with a layout for 800 pixels, and every page names the user with a sign-out', async () => {
    const database = await generatedDatabase(fresh, sqlite, 'dashboard-css', '8.5.2', { agents: 6, days: 1, seed: 3 });
    const directory = scratchFolder();
    const dashboard = consoleOn(database.url, join(directory, 'runs'), directory);
    try {
      const css = await dashboard.app.inject({ url: '/static/console.css' });
      assert.equal(css.statusCode, 200);
      assert.match(String(css.headers['content-type']), /text\/css/);
      assert.match(css.body, /@media \(max-width: 900px\)/);
      const viewer = String((await dashboard.app.inject({ url: '/sign-in?token=viewer-token' })).headers['set-cookie']).split(';')[0] as string;
      for (const path of ['/', '/runs', '/verify', '/organization', '/users']) {
        const page = await dashboard.get(path, viewer);
        assert.equal(page.statusCode, 200, path);
        assert.match(page.body, /<link rel="stylesheet" href="\/static\/console\.css">/);
        assert.match(page.body, /Signed in: <b>viewer<\/b>/);
        assert.match(page.body, /<form method="post" action="\/sign-out"><button>Sign out<\/button><\/form>/);
      }
      assert.equal((await dashboard.post('/sign-out', {}, viewer)).statusCode, 302, 'a viewer, who may change nothing, may sign out');
      assert.equal((await dashboard.get('/', viewer)).statusCode, 302);
    } finally {
      await dashboard.app.close();
    }
  });
});

/** Step one of a two-step migration of a small 6.5 database, run with the wfm command, and a console on its new database. */
async function stepOneOfTwo(label: string, seed: number): Promise<{ legacy: TestDatabase; target: TestDatabase; runId: string; dashboard: Console }> {
  const legacy = await generatedDatabase(fresh, sqlite, `${label}-65`, '6.5.201', { agents: 8, days: 2, seed });
  const target = await fresh(sqlite, `${label}-852`);
  const directory = scratchFolder();
  const runs = join(directory, 'runs');
  const stepOne = wfm(['run', '--from', legacy.url, '--to', target.url, '--two-step', '--runs-dir', runs, '--backup-dir', directory, '--force']);
  assert.equal(stepOne.status, 0, stepOne.stderr + stepOne.stdout);
  return { legacy, target, runId: stepOne.stdout.split('\n')[0] as string, dashboard: consoleOn(target.url, runs, directory) };
}

describe('a two-step migration on the overview', () => {
  it('shows step two pending after step one, then the performance migration with its conflicts', async () => {
    const { legacy, target, runId, dashboard } = await stepOneOfTwo('dashboard', 5);
    try {
      const cookie = await dashboard.signIn();
      const pending = (await dashboard.get('/', cookie)).body;
      assert.ok(pending.includes(`<tr><td class="id">${runId}</td><td class="conn">${escaped(target.url)}</td><td class="done">done</td><td><span class="warn">pending</span></td></tr>`), 'step two pending');
      const stepTwo = wfm(['dbu', 'migrate-performance', '--from', legacy.url, '--to', target.url, '--allow-migrate-performance', '1', '--json']);
      assert.equal(stepTwo.status, 0, stepTwo.stderr + stepTwo.stdout);
      const after = (await dashboard.get('/', cookie)).body;
      assert.match(after, new RegExp(`<tr><td class="id">${runId}</td><td class="conn">[^<]+</td><td class="done">done</td><td>1 run, the last finished \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC \\([\\d,]+ rows? added\\); <span class="ok">0 conflicts</span></td></tr>`));
      assert.match(after, /<dt>step two<\/dt><dd>1 run, the last finished/);
    } finally {
      await dashboard.app.close();
    }
  });
});

describe('wfm web and its configuration', () => {
  it('shows every database of the configuration, creating none, and lists the backups of WFM Web Options.BackupDirectory', async () => {
    const database = await generatedDatabase(fresh, sqlite, 'dashboard-config', '8.5.2', { agents: 6, days: 1, seed: 8 });
    const older = await generatedDatabase(fresh, sqlite, 'dashboard-older', '7.6', { agents: 6, days: 1, seed: 8 });
    const { allowed } = await withConnection(database.url, loginsOf);
    const directory = scratchFolder();
    const backups = join(directory, 'configured-backups');
    mkdirSync(backups);
    assert.equal(wfm(['bru', 'backup', '--db', database.url, '--file', join(backups, 'configured.backup.db')]).status, 0);
    const config = join(directory, 'wfm.yaml');
    const missing = join(directory, 'mistyped.db');
    writeFileSync(
      config,
      `databases:\n  wfm852:\n    connection: ${database.url}\n  wfm76:\n    connection: ${older.url}\n  mistyped:\n    connection: sqlite:${missing}\napplications:\n  WFM Web:\n    type: web\n    release: 8.5.2\n    connections: [wfm852]\n    options:\n      Options:\n        AdminToken: config-admin-token\n        BackupDirectory: ${backups}\n`,
    );
    const bin = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'web', '--config', config, '--port', '0', '--runs-dir', join(directory, 'runs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let printed = '';
      child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
      const deadline = Date.now() + 60_000;
      while (!printed.includes('\n') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const base = /^console at (http:\/\/127\.0\.0\.1:\d+);/.exec(printed)?.[1];
      assert.ok(base, printed);
      const signedIn = await fetch(`${base}/sign-in?token=config-admin-token&login=${encodeURIComponent(allowed)}`, { redirect: 'manual' });
      assert.equal(signedIn.status, 302);
      const cookie = String(signedIn.headers.get('set-cookie')).split(';')[0] as string;
      const overview = await (await fetch(`${base}/`, { headers: { cookie } })).text();
      assert.match(overview, /<div class="card" data-database="wfm852"><b>wfm852<\/b> <span class="muted">sqlite:[^<]+<\/span>\n<dl class="facts">\n<dt>release<\/dt><dd class="release">a WFM 8\.5\.2 database<\/dd>/);
      assert.match(overview, /<div class="card" data-database="wfm76">.*\n<dl class="facts">\n<dt>release<\/dt><dd class="release">a WFM 7\.6 database<\/dd>/);
      assert.match(overview, /<div class="card" data-database="mistyped"><b>mistyped<\/b><p class="bad">unreachable: the SQLite file [^<]+mistyped\.db does not exist/);
      assert.ok(!existsSync(missing), 'the overview created no database');
      assert.match(overview, /<tr><td>WFM Web<\/td><td>WFM Web<\/td><td>8\.5\.2<\/td><td>wfm852<\/td><\/tr>/);
      const page = await (await fetch(`${base}/backups`, { headers: { cookie } })).text();
      assert.match(page, /<tr data-backup="configured\.backup\.db">.*<span class="complete">complete<\/span>/);
      assert.ok(page.includes(`Backups in ${escaped(backups)}`));
    } finally {
      child.kill('SIGTERM');
      await once(child, 'close');
    }
  });
});

/** Waits until the run's journal says `state`, as a page reading the runs folder would see it. */
async function runReaches(dashboard: Console, runId: string, cookie: string, state: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  let body = '';
  while (Date.now() < deadline) {
    body = (await dashboard.get(`/runs/${runId}`, cookie)).body;
    if (body.includes(`<span id="state" class="${state.replace(' ', '-')}">${state}</span>`)) return body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`${runId} did not become ${state}:\n${body.slice(body.indexOf('<main>'), body.indexOf('<main>') + 1500)}`);
}

/** The rows of the Steps table of a run's page, as [step, state]. */
const stepStates = (body: string): string[][] => [...body.matchAll(/<tr data-step="([^"]+)"><td>[^<]+<\/td><td class="([^"]+)">/g)].map((m) => [m[1] as string, m[2] as string]);

for (const engine of engines) {
  describe(`a plan's page and a run's page on ${engine.engine}`, { skip: engine.skip }, () => {
    it('shows the verdict, every check and the downtime with "Run this plan"; then every step of a run, its tables, its log and what it allows', async () => {
      const database = await generatedDatabase(fresh, engine as TestEngine, 'run-pages', '7.6', { agents: 12, days: 1, seed: 29 });
      const directory = scratchFolder();
      const runs = join(directory, 'runs');
      const dashboard = consoleOn(database.url, runs, directory);
      try {
        const cookie = await dashboard.signIn();
        const asked = await dashboard.post('/runs', { action: 'plan', from: database.url }, cookie);
        assert.equal(asked.statusCode, 302);
        assert.equal(asked.headers.location, `/plan?${new URLSearchParams({ from: database.url }).toString()}`, 'a plan has an address of its own');
        const plan = await dashboard.get(String(asked.headers.location), cookie);
        assert.equal(plan.statusCode, 200, plan.body.slice(0, 500));
        assert.match(plan.body, /<p class="verdict pass">Ready: update in place to 8\.5\.2, no check fails/);
        const checks = [...plan.body.matchAll(/<tr data-check="([^"]+)"><td>[^<]+<\/td><td class="(pass|warn|fail)">/g)].map((m) => m[1]);
        assert.ok(checks.includes('source release') || checks.length >= 3, `every check: ${checks.join(', ')}`);
        assert.ok(checks.includes('target') && checks.includes('privileges'), `the target and the privileges among the checks: ${checks.join(', ')}`);
        assert.match(plan.body, /<dd id="downtime"><b>about [\d.]+ (ms|s)<\/b><\/dd>/);
        assert.ok(plan.body.includes(`<input type="hidden" name="from" value="${escaped(database.url)}"><input type="hidden" name="to" value=""><button name="action" value="run">Run this plan</button>`), 'Run this plan sends the plan’s own source');

        // A run that stops at the back-up step, started with the wfm command into the console's runs folder.
        const failed = wfm(['run', '--from', database.url, '--runs-dir', runs, '--backup-dir', directory, '--force'], { WFM_RUN_FAIL_AT: 'back up' });
        assert.equal(failed.status, 1, failed.stderr + failed.stdout);
        const runId = failed.stdout.split('\n')[0] as string;
        const list = await dashboard.get('/runs', cookie);
        assert.ok(list.body.includes(`<td class="id"><a href="/runs/${runId}">${runId}</a>`), 'the run is listed with a link to its page');
        const stopped = await dashboard.get(`/runs/${runId}`, cookie);
        assert.equal(stopped.statusCode, 200, stopped.body.slice(0, 500));
        assert.deepEqual(stepStates(stopped.body), [
          ['check prerequisites', 'done'],
          ['disable access', 'done'],
          ['stop server components', 'done'],
          ['back up', 'failed'],
          ['migrate or update', 'pending'],
          ['deploy', 'pending'],
          ['verify', 'pending'],
          ['enable access', 'pending'],
        ]);
        assert.match(stopped.body, /stopped at: <b>back up<\/b>/);
        assert.ok(stopped.body.includes(`<form method="post" action="/runs/${runId}/resume"><button>Resume</button></form>`), 'a failed run offers Resume');
        assert.ok(stopped.body.includes(`<input type="hidden" name="run" value="${runId}"><button class="secondary">Roll back…</button>`), 'and Roll back');
        assert.doesNotMatch(stopped.body, /action="\/runs\/[^"]+\/(step-two|verify)"/, 'an update in place has no step two and no new database to verify');
        assert.match(stopped.body, new RegExp(`<pre class="log" id="log">\\s+0 ms  ${runId}: update in place of `), 'the log from the first second');
        assert.match(stopped.body, /back up: failed: drill: WFM_RUN_FAIL_AT stopped the run at &quot;back up&quot;/);

        const viewer = String((await dashboard.app.inject({ url: '/sign-in?token=viewer-token' })).headers['set-cookie']).split(';')[0] as string;
        const viewed = (await dashboard.get(`/runs/${runId}`, viewer)).body;
        assert.match(viewed, /Only an administrator may act on a run\./);
        assert.doesNotMatch(viewed, /<button>Resume<\/button>|Roll back…/, 'a viewer is offered no action');
        assert.equal((await dashboard.post(`/runs/${runId}/resume`, {}, viewer)).statusCode, 403, 'nor may take one');

        const resumed = await dashboard.post(`/runs/${runId}/resume`, {}, cookie);
        assert.equal(resumed.statusCode, 302);
        assert.equal(resumed.headers.location, `/runs/${runId}`);
        const done = await runReaches(dashboard, runId, cookie, 'done');
        assert.deepEqual(stepStates(done).map(([, state]) => state), Array(8).fill('done'));
        assert.match(done, /<b id="percent">100%<\/b> done/);
        assert.match(done, /<details data-step="back up"><summary><b>back up<\/b>: [\d,]+ tables, [\d,]+ rows<\/summary>/, 'the finished step’s tables, folded');
        const backedUp = done.slice(done.indexOf('<details data-step="back up">'));
        assert.ok(backedUp.includes('<tr data-table="agent">'), 'the backup’s tables, agent among them');
        assert.match(done, /back up: done: \d+ tables, [\d,]+ rows into /);
        assert.doesNotMatch(done, /action="\/runs\/[^"]+\/resume"/, 'a run that is done does not resume');
        assert.match(done, /data-rates="\[/);

        const stream = await dashboard.get(`/runs/${runId}/events`, cookie);
        assert.match(String(stream.headers['content-type']), /text\/event-stream/);
        const views = stream.body.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => JSON.parse(e.slice(6)) as { state: string; live: string; log: string });
        assert.equal(views.length, 1, 'a finished run is sent once, then the stream ends');
        assert.equal(views[0]?.state, 'done');
        assert.match(views[0]?.live ?? '', /<b id="percent">100%<\/b>/);

        for (const bad of ['run-1', 'last%2F..%2Fx', '..%2Fwfm']) {
          const refused = await dashboard.get(`/runs/${bad}`, cookie);
          assert.equal(refused.statusCode, 400, bad);
          assert.match(refused.body, /is not a run id/);
        }
      } finally {
        await dashboard.app.close();
      }
    });
  });
}

describe("a two-step run's page", () => {
  it('offers step two and the verification of the new database, and both run from the page', async () => {
    const { runId, dashboard } = await stepOneOfTwo('run-page', 31);
    try {
      const cookie = await dashboard.signIn();
      const page = (await dashboard.get(`/runs/${runId}`, cookie)).body;
      assert.ok(page.includes(`<form method="post" action="/runs/${runId}/step-two">`), 'step two is offered');
      assert.ok(page.includes(`<form method="post" action="/runs/${runId}/verify">`), 'so is verifying the new database');
      assert.match(page, /<h3>|<details data-step="migrate or update"><summary><b>migrate or update<\/b>: \d+ tables/);

      for (const action of ['verify', 'step-two']) {
        const started = await dashboard.post(`/runs/${runId}/${action}`, {}, cookie);
        assert.equal(started.statusCode, 302, started.body.slice(0, 300));
        const job = String(started.headers.location);
        assert.match(job, /^\/jobs\//);
        const events = (await dashboard.get(`${job}/events`, cookie)).body;
        const deadline = Date.now() + 60_000;
        let ended = events.includes('"type":"end"') ? events : '';
        while (!ended && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          const again = (await dashboard.get(`${job}/events`, cookie)).body;
          if (again.includes('"type":"end"')) ended = again;
        }
        assert.match(ended, /"type":"end","state":"done"/, `${action}: ${ended.slice(-600)}`);
        if (action === 'verify') assert.match(ended, /all \d+ tables equal to the source/);
        else assert.match(ended, /performance migration \d+: 0 conflicts/);
      }
      const wrongRun = await dashboard.post('/runs/run-20260101T000000Z/verify', {}, cookie);
      assert.equal(wrongRun.statusCode, 400, 'a run the folder does not hold');
    } finally {
      await dashboard.app.close();
    }
  });
});
