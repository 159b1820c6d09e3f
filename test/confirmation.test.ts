// Actions that drop or replace data say what they remove and ask: `wfm rollback`, `bru restore --replace`
// (long options and the original syntax) and `dbu migrate-performance --conflict overwrite`, run as the
// real `wfm` process; the console shows the same statement on a page and acts only on the confirmed form. Without a terminal and without --yes they refuse with exit 2, print the statement
// and change nothing; with --yes they go on; on a terminal, answering n changes nothing.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { connect, parseConnectionString, withConnection } from '../src/engine/dialect/index.ts';
import type { Release } from '../src/wfm/releases/versions.ts';
import { buildConsole } from '../src/web/server.ts';
import { wfm } from './helpers/cli.ts';
import { databaseContent, tableHash } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = await testEngines();
const fresh = trackedDatabases();

async function database(engine: TestEngine, release: Release): Promise<string> {
  return (await generatedDatabase(fresh, engine, 'confirm', release, { agents: 8, days: 1, seed: 9 })).url;
}

const contentOf = (url: string) => withConnection(url, (connection) => databaseContent(connection));

/** A refusal: exit 2, the statement of what would be removed, and how to confirm. */
function assertRefused(result: { status: number | null; stderr: string; stdout: string }, statement: RegExp): void {
  assert.equal(result.status, 2, result.stderr + result.stdout);
  assert.match(result.stderr, statement);
  assert.match(result.stderr, /pass --yes to confirm/);
  assert.doesNotMatch(result.stderr, /internal error/);
}

/** A site's own table, beside the WFM tables: a restore with --replace leaves it alone, and its statement says so. */
async function addPayroll(url: string): Promise<void> {
  await withConnection(url, async (connection) => {
    await connection.execute('CREATE TABLE payroll (id integer PRIMARY KEY, amount numeric)');
    await connection.execute('INSERT INTO payroll (id, amount) VALUES (1, 1250.50), (2, 980.25)');
  });
}

/** The tables a statement lists as removed, in the order it lists them. */
function listedTables(stderr: string): string[] {
  return [...stderr.matchAll(/^\s+(\w+): [\d,]+ rows?$/gm)].map((match) => match[1] as string);
}

const tablesOf = (url: string): Promise<string[]> => withConnection(url, (connection) => connection.introspector.tableNames());

/** Every table's rows but payroll's, whose type this tool does not read; payroll's rows as text. */
async function contentBesidePayroll(url: string): Promise<{ wfm: Map<string, { rows: number; hash: string }>; payroll: string[] }> {
  return withConnection(url, async (connection) => {
    const schema = await connection.introspector.introspect((await connection.introspector.tableNames()).filter((name) => name !== 'payroll'));
    const wfm = new Map<string, { rows: number; hash: string }>();
    for (const table of schema.tables) {
      const columns = table.columns.map((c) => c.name);
      wfm.set(table.name, await tableHash(connection, table.name, columns, table.primaryKey.length > 0 ? table.primaryKey : columns));
    }
    const payroll = (await connection.query('SELECT id, amount FROM payroll ORDER BY id')).map((row) => `${String(row.id)}:${String(row.amount)}`);
    return { wfm, payroll };
  });
}

/** A backup of a generated database, and the database as it holds now. */
async function backedUp(engine: TestEngine): Promise<{ url: string; file: string }> {
  const url = await database(engine, '8.5.2');
  const file = join(mkdtempSync(join(tmpdir(), 'wfm-confirm-')), 'wfm.backup.db');
  const backup = wfm(['bru', 'backup', '--db', url, '--file', file]);
  assert.equal(backup.status, 0, backup.stderr);
  return { url, file };
}

for (const engine of engines) {
  describe(`confirmation of what is removed (${engine.engine})`, { skip: engine.skip }, () => {
    it('bru restore --replace without a terminal and without --yes refuses, names the tables and rows, and replaces nothing', async () => {
      const { url, file } = await backedUp(engine);
      const before = await contentOf(url);
      for (const args of [['bru', 'restore', '--db', url, '--file', file, '--replace'], ['bru', '-RESTORE', '-DB', url, '-FILE', file, '--replace']]) {
        assertRefused(wfm(args), /this will drop every table below in .* and write .*wfm\.backup\.db's tables in their place\n[\s\S]*\n\s+activity_performance: [\d,]+ rows\n/);
        assert.deepEqual(await contentOf(url), before, `${args[1]}: nothing replaced`);
      }
      const selective = wfm(['bru', 'restore', '--db', url, '--file', file, '--tables', 'agent_adherence', '--replace']);
      assertRefused(selective, /delete every row of the tables below[^\n]*\n\s+agent_adherence: [\d,]+ rows\n/);
    });

    it('bru restore --replace over a database holding a site table lists only the WFM tables it drops, and the site table as left alone', async () => {
      const { url, file } = await backedUp(engine);
      await addPayroll(url);
      const before = await contentBesidePayroll(url);
      const refused = wfm(['bru', 'restore', '--db', url, '--file', file, '--replace']);
      assertRefused(refused, /this will drop every table below/);
      const wfmTables = (await tablesOf(url)).filter((name) => name !== 'payroll');
      assert.deepEqual(listedTables(refused.stderr).sort(), [...wfmTables].sort(), 'every WFM table listed, and nothing else');
      assert.match(refused.stderr, /\n\s+left as they are, not WFM tables: payroll\n/);
      assert.match(refused.stderr, /everything written to them since/);
      assert.deepEqual(await contentBesidePayroll(url), before, 'nothing replaced');

      const replaced = wfm(['bru', 'restore', '--db', url, '--file', file, '--replace', '--yes']);
      assert.equal(replaced.status, 0, replaced.stderr);
      assert.deepEqual(listedTables(replaced.stderr), listedTables(refused.stderr), 'the statement printed before replacing is the same');
      assert.deepEqual(await contentBesidePayroll(url), before, 'the WFM tables restored as the backup holds them, payroll as it was');
    });

    it('bru restore --replace --yes replaces, after printing what it removes', async () => {
      const { url, file } = await backedUp(engine);
      const before = await contentOf(url);
      const result = wfm(['bru', 'restore', '--db', url, '--file', file, '--replace', '--yes']);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /this will drop every table below/);
      assert.deepEqual(await contentOf(url), before);
    });
  });
}

describe('confirmation of a rollback', () => {
  const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;

  it('wfm rollback without a terminal and without --yes refuses and restores nothing; with --yes it rolls back', async () => {
    const url = await database(sqlite, '7.6');
    const original = await contentOf(url);
    const directory = mkdtempSync(join(tmpdir(), 'wfm-confirm-'));
    const runsDir = join(directory, 'runs');
    const stopped = wfm(['run', '--from', url, '--backup-dir', directory, '--runs-dir', runsDir], { WFM_RUN_FAIL_AT: 'verify' });
    assert.equal(stopped.status, 1, stopped.stderr + stopped.stdout);
    const updated = await contentOf(url);
    const refused = wfm(['rollback', '--run', 'last', '--runs-dir', runsDir]);
    assertRefused(refused, /this will restore .*\.backup\.db over .*: every table below is dropped[^\n]*\n(\s+\w+: [\d,]+ rows?\n)+\s+everything written to .* since the run ended/);
    assert.deepEqual(await contentOf(url), updated, 'nothing restored');
    const done = wfm(['rollback', '--run', 'last', '--runs-dir', runsDir, '--yes']);
    assert.equal(done.status, 0, done.stderr + done.stdout);
    assert.deepEqual(await contentOf(url), original, 'every table as it was before the run');
  });

  it('wfm rollback of an update in place lists the WFM tables its restore drops, and a site table as left alone', async () => {
    const url = await database(sqlite, '7.6');
    const directory = mkdtempSync(join(tmpdir(), 'wfm-confirm-'));
    const runsDir = join(directory, 'runs');
    const run = wfm(['run', '--from', url, '--backup-dir', directory, '--runs-dir', runsDir]);
    assert.equal(run.status, 0, run.stderr + run.stdout);
    // The site adds a table of its own once the database is at 8.5.2.
    await addPayroll(url);
    const refused = wfm(['rollback', '--run', 'last', '--runs-dir', runsDir]);
    assertRefused(refused, /this will restore .*\.backup\.db over /);
    const wfmTables = (await tablesOf(url)).filter((name) => name !== 'payroll');
    assert.deepEqual(listedTables(refused.stderr).sort(), [...wfmTables].sort(), 'every WFM table listed, and nothing else');
    assert.match(refused.stderr, /\n\s+left as they are, not WFM tables: payroll\n/);
  });

  it('wfm rollback of a migration names the new database it drops and the tables changed since the run', async () => {
    const legacy = await database(sqlite, '6.5.104');
    const target = await fresh(sqlite, 'confirm-target');
    const directory = mkdtempSync(join(tmpdir(), 'wfm-confirm-'));
    const runsDir = join(directory, 'runs');
    const run = wfm(['run', '--from', legacy, '--to', target.url, '--backup-dir', directory, '--runs-dir', runsDir]);
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const connection = await connect(target.url);
    try {
      await connection.execute("UPDATE site SET time_zone = 'Europe/Paris'");
    } finally {
      await connection.close();
    }
    const refused = wfm(['rollback', '--run', 'last', '--runs-dir', runsDir]);
    assertRefused(refused, /this will drop the new database [^\n]*\n(\s+\w+: [\d,]+ rows?\n)+\s+changed since the run \(no longer what the run migrated\): [^\n]*site \(/);
    assert.ok((await contentOf(target.url)).size !== 0, 'the new database is still there');
  });

  it('on a terminal, answering n to the question restores nothing', async (t) => {
    if (spawnSync('script', ['--version']).status !== 0) {
      t.skip('SKIPPED LOUDLY: util-linux script is not installed, so no pseudo-terminal can be given to wfm');
      return;
    }
    const { url, file } = await backedUp(sqlite);
    const before = await contentOf(url);
    const bin = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
    const command = [process.execPath, bin, 'bru', 'restore', '--db', url, '--file', file, '--replace'].map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
    const answered = spawnSync('script', ['-qec', command, '/dev/null'], { input: 'n\n', encoding: 'utf8', timeout: 120_000 });
    assert.match(answered.stdout, /this will drop every table below/);
    assert.match(answered.stdout, /Go on\? \(y\/N\)/);
    assert.match(answered.stdout, /not confirmed: nothing was changed/);
    assert.equal(answered.status, 2, answered.stdout);
    assert.deepEqual(await contentOf(url), before, 'nothing replaced');
  });
});

describe('confirmation of --conflict overwrite', () => {
  const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;

  it('without a terminal and without --yes it refuses and writes nothing; with --yes it goes on', async () => {
    const legacy = await database(sqlite, '6.5.104');
    const target = await fresh(sqlite, 'confirm-852');
    const stepOne = wfm(['dbu', 'migrate', '--from', legacy, '--to', target.url, '--allow-migrate-performance', '0']);
    assert.equal(stepOne.status, 0, stepOne.stderr);
    const stepTwo = wfm(['dbu', 'migrate-performance', '--from', legacy, '--to', target.url]);
    assert.equal(stepTwo.status, 0, stepTwo.stderr);
    const before = await contentOf(target.url);
    const refused = wfm(['dbu', 'migrate-performance', '--from', legacy, '--to', target.url, '--conflict', 'overwrite']);
    assertRefused(refused, /this will write the 6\.5 rows over the rows the new Data Aggregator collected[^\n]*\n\s+activity_performance: [\d,]+ rows/);
    assert.deepEqual(await contentOf(target.url), before, 'nothing written');
    const confirmed = wfm(['dbu', 'migrate-performance', '--from', legacy, '--to', target.url, '--conflict', 'overwrite', '--yes']);
    assert.equal(confirmed.status, 0, confirmed.stderr);
  });
});

/** The console on `url`, with the runs folder `runsDirectory`, signed in as an administrator. */
type Reply = { statusCode: number; body: string; headers: Record<string, unknown> };

async function consoleOn(
  url: string,
  runsDirectory: string,
): Promise<{ app: FastifyInstance; backupDirectory: string; get: (path: string) => Promise<Reply>; post: (path: string, values: Record<string, string>) => Promise<Reply> }> {
  const directory = mkdtempSync(join(tmpdir(), 'wfm-confirm-web-'));
  const app = buildConsole({
    database: parseConnectionString(url),
    tokens: [{ token: 'admin-token', role: 'administrator' }],
    runsDirectory,
    backupDirectory: directory,
    keyFile: join(directory, 'key'),
    resolve: async (text) => parseConnectionString(text),
  });
  const signedIn = await app.inject({ url: '/sign-in?token=admin-token' });
  const cookie = String(signedIn.headers['set-cookie']).split(';')[0] as string;
  const get = (path: string): Promise<Reply> => app.inject({ url: path, headers: { cookie } });
  const post = (path: string, values: Record<string, string>): Promise<Reply> =>
    app.inject({ method: 'POST', url: path, payload: new URLSearchParams(values).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie } });
  return { app, backupDirectory: directory, get, post };
}

/** A WFM user of the database who holds Allow Backup/Restore: the console asks for one before a restore. */
async function backupRestoreUser(url: string): Promise<string> {
  const connection = await connect(url);
  try {
    const [row] = await connection.query("SELECT u.login FROM wfm_user u JOIN role_privilege rp ON rp.role_id = u.role_id WHERE rp.privilege = 'general.allow_backup_restore' AND u.disabled = 0");
    assert.ok(row, 'a user holds Allow Backup/Restore');
    return String(row.login);
  } finally {
    await connection.close();
  }
}

/** A 6.5 database migrated by `wfm run` into a new SQLite database, and the runs folder that recorded it. */
async function migratedRun(sqlite: TestEngine): Promise<{ runsDir: string; runId: string; target: string }> {
  const legacy = await database(sqlite, '6.5.104');
  const target = await fresh(sqlite, 'confirm-web');
  const directory = mkdtempSync(join(tmpdir(), 'wfm-confirm-'));
  const runsDir = join(directory, 'runs');
  const run = wfm(['run', '--from', legacy, '--to', target.url, '--backup-dir', directory, '--runs-dir', runsDir]);
  assert.equal(run.status, 0, run.stderr + run.stdout);
  return { runsDir, runId: run.stdout.split('\n')[0] as string, target: target.url };
}

describe("the console's rollback and restore", () => {
  const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;

  it('chooses the run from a list, shows what it drops, and drops only on the confirmed form', async () => {
    const { runsDir, runId, target } = await migratedRun(sqlite);
    const { app, get, post } = await consoleOn(await database(sqlite, '8.5.2'), runsDir);
    try {
      const page = await get('/runs');
      assert.match(page.body, new RegExp(`<select name="run"><option value="${runId}">`));
      const asked = await post('/rollback', { run: runId });
      assert.equal(asked.statusCode, 200, asked.body.slice(0, 300));
      assert.match(asked.body, /this will drop the new database/);
      assert.match(asked.body, /activity_performance: [\d,]+ rows/);
      assert.match(asked.body, new RegExp(`<input type="hidden" name="run" value="${runId}"><input type="hidden" name="confirm" value="yes">`));
      assert.ok(existsSync(parseConnectionString(target).path ?? ''), 'nothing dropped before the confirmation');
      const confirmed = await post('/rollback', { run: runId, confirm: 'yes' });
      assert.equal(confirmed.statusCode, 302, confirmed.body.slice(0, 300));
      const events = await get(`${String(confirmed.headers.location)}/events`);
      assert.match(events.body, /rolled back/);
      assert.ok(!existsSync(parseConnectionString(target).path ?? ''), 'the new database dropped once confirmed');
    } finally {
      await app.close();
    }
  });

  it('refuses to roll back or restore over the database it serves, and drops nothing', async () => {
    const { runsDir, runId, target } = await migratedRun(sqlite);
    const { app, backupDirectory, post } = await consoleOn(target, runsDir);
    try {
      const before = await contentOf(target);
      for (const confirm of ['', 'yes']) {
        const refused = await post('/rollback', { run: runId, confirm });
        assert.equal(refused.statusCode, 400, refused.body.slice(0, 300));
        assert.match(refused.body, /that is the database it serves/);
      }
      const file = join(backupDirectory, 'own.backup.db');
      assert.equal(wfm(['bru', 'backup', '--db', target, '--file', file]).status, 0);
      assert.equal((await post('/backups/user', { login: await backupRestoreUser(target) })).statusCode, 302);
      const restore = await post('/backups', { file, action: 'restore', confirm: 'yes' });
      assert.equal(restore.statusCode, 400, restore.body.slice(0, 300));
      assert.match(restore.body, /that is the database it serves/);
      assert.deepEqual(await contentOf(target), before, 'nothing dropped or replaced');
    } finally {
      await app.close();
    }
  });
});
