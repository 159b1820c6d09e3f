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
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
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
        const row = new RegExp(`<tr data-run="${runId}"><td class="id">${runId}<br><span class="muted">update in place</span></td><td class="conn">([^<]+)</td><td class="conn">([^<]+)</td><td class="done">done</td><td>\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}</td><td class="n">[\\d.]+ (ms|s|min \\d+ s)</td></tr>`).exec(runsPage.body);
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

describe('a two-step migration on the overview', () => {
  it('shows step two pending after step one, then the performance migration with its conflicts', async () => {
    const legacy = await generatedDatabase(fresh, sqlite, 'dashboard-65', '6.5.201', { agents: 8, days: 2, seed: 5 });
    const target = await fresh(sqlite, 'dashboard-852');
    const directory = scratchFolder();
    const runs = join(directory, 'runs');
    const stepOne = wfm(['run', '--from', legacy.url, '--to', target.url, '--two-step', '--runs-dir', runs, '--backup-dir', directory, '--force']);
    assert.equal(stepOne.status, 0, stepOne.stderr + stepOne.stdout);
    const runId = stepOne.stdout.split('\n')[0] as string;
    const dashboard = consoleOn(target.url, runs, directory);
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
