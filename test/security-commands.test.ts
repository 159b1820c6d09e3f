// Commands that fail, run as the real `wfm` process against real databases: each prints its message and
// exits with its code within a second (no connection left open keeps it alive), and the advice a command
// prints works when it is followed.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parseConnectionString, withConnection } from '../src/engine/dialect/index.ts';
import { DATABASE_LOCK } from '../src/wfm/database.ts';
import { wfm } from './helpers/cli.ts';
import { targetUrl, testEngines, trackedDatabases, uniqueName } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = await testEngines();
const fresh = trackedDatabases();
const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const HOLD_LOCK = fileURLToPath(new URL('./fixtures/hold-lock.ts', import.meta.url));

interface TimedRun {
  status: number | null;
  stderr: string;
  /** Milliseconds from the first sight of the awaited message on stderr to the process's end. */
  exitAfterMessageMs: number | undefined;
}

/** Runs `wfm`, noting when `message` shows on stderr and when the process ends; a run past `limitMs` is killed. */
async function timedWfm(args: string[], message: RegExp, limitMs = 60_000): Promise<TimedRun> {
  const child = spawn(process.execPath, [WFM, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let messageAt: number | undefined;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (messageAt === undefined && message.test(stderr)) messageAt = performance.now();
  });
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const [status] = (await once(child, 'exit')) as [number | null];
  clearTimeout(limit);
  return { status, stderr, exitAfterMessageMs: messageAt === undefined ? undefined : performance.now() - messageAt };
}

/** Another process holding `name` on the database, until the test file ends. */
async function holdLock(url: string, name: string): Promise<ChildProcess> {
  const holder = spawn(process.execPath, ['--import', 'tsx', HOLD_LOCK, url, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  after(() => holder.kill('SIGKILL'));
  const [chunk] = (await once(holder.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString().trim(), 'locked');
  return holder;
}

function assertEndsPromptly(run: TimedRun, message: RegExp, status: number): void {
  assert.match(run.stderr, message);
  assert.equal(run.status, status, run.stderr);
  assert.ok(run.exitAfterMessageMs !== undefined && run.exitAfterMessageMs < 1000, `exited ${run.exitAfterMessageMs} ms after its message`);
  assert.doesNotMatch(run.stderr, /internal error/);
}

for (const engine of engines) {
  describe(`failing commands end at once on ${engine.engine}`, { skip: engine.skip }, () => {
    // SQLite has one lock file per database whatever the name: the holder may be named under another lock.
    const held = /is held by/;

    it('dbu migrate with the database lock held by another process: the holder, exit 1, within a second', async () => {
      const legacy = await generatedDatabase(fresh, engine, 'heldsource', '6.5.104', { agents: 4, days: 1, seed: 3 });
      const target = await fresh(engine, 'heldtarget');
      await holdLock(target.url, DATABASE_LOCK);
      assertEndsPromptly(await timedWfm(['dbu', 'migrate', '--from', legacy.url, '--to', target.url], held), held, 1);
    });

    it('dbu migrate into a target another session is changing (its creation would fail): exit 1, within a second', async () => {
      const legacy = await generatedDatabase(fresh, engine, 'createsource', '6.5.104', { agents: 4, days: 1, seed: 3 });
      const target = await fresh(engine, 'createtarget');
      await holdLock(target.url, DATABASE_LOCK);
      assertEndsPromptly(await timedWfm(['dbu', 'migrate', '--from', legacy.url, '--to', target.url], held), held, 1);
    });

    it('dbu update with the database lock held by another process: the holder, exit 1, within a second', async () => {
      const database = await generatedDatabase(fresh, engine, 'heldupdate', '7.6', { agents: 4, days: 1, seed: 3 });
      await holdLock(database.url, DATABASE_LOCK);
      assertEndsPromptly(await timedWfm(['dbu', 'update', '--db', database.url], held), held, 1);
    });

    it('verify against a database that does not exist: exit 3 (could not connect), within a second', { skip: engine.engine === 'sqlite' ? 'SQLite creates the file it opens' : undefined }, async () => {
      const legacy = await generatedDatabase(fresh, engine, 'verifysource', '6.5.104', { agents: 4, days: 1, seed: 3 });
      const missing = targetUrl({ ...parseConnectionString(legacy.url), database: uniqueName('missing') });
      const refused = /cannot connect to/;
      assertEndsPromptly(await timedWfm(['verify', '--from', legacy.url, '--to', missing], refused), refused, 3);
    });
  });
}

for (const engine of engines) {
  describe(`advice that works when followed on ${engine.engine}`, { skip: engine.skip }, () => {
    it('after a restore stopped before it recorded the release, info and dbu create advise a restore with --replace, which works', async () => {
      const source = await generatedDatabase(fresh, engine, 'advicesource', '8.5.2', { agents: 4, days: 1, seed: 3 });
      const file = join(mkdtempSync(join(tmpdir(), 'wfm-advice-')), 'wfm.backup.db');
      assert.equal(wfm(['bru', 'backup', '--db', source.url, '--file', file]).status, 0);
      const target = await fresh(engine, 'advicetarget');
      assert.equal(wfm(['bru', 'restore', '--db', target.url, '--file', file]).status, 0);
      // What a restore killed before it loaded wm_db_version leaves: every table, and no release recorded.
      await withConnection(target.url, (connection) => connection.execute('DELETE FROM wm_db_version'));

      const info = wfm(['info', '--db', target.url]);
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stdout, /restore the backup again with wfm bru restore --replace/);
      const create = wfm(['dbu', 'create', '--db', target.url]);
      assert.equal(create.status, 2, create.stderr);
      assert.doesNotMatch(create.stderr, /internal error/);
      assert.match(create.stderr, /wfm bru restore --replace/);

      const followed = wfm(['bru', 'restore', '--db', target.url, '--file', file, '--replace', '--yes']);
      assert.equal(followed.status, 0, followed.stderr);
      assert.match(wfm(['info', '--db', target.url]).stdout, /release +a WFM 8\.5\.2 database/);
    });
  });
}

for (const engine of engines) {
  // SQLite keeps a text of any length in a varchar column: it refuses none of these.
  describe(`values the database refuses are bad input on ${engine.engine}`, { skip: engine.skip ?? (engine.engine === 'sqlite' ? 'SQLite refuses none of these values' : undefined) }, () => {
    it('a setting too long for its column, or an agent id out of range: exit 2 naming the object, nothing changed, no internal error', async () => {
      const database = await generatedDatabase(fresh, engine, 'refused', '8.5.2', { agents: 4, days: 1, seed: 3 });
      const [user] = await withConnection(database.url, (connection) => connection.query('SELECT login FROM wfm_user ORDER BY login'));
      const [site] = await withConnection(database.url, (connection) => connection.query('SELECT name FROM site WHERE deleted = 0 ORDER BY name'));
      const login = String(user?.login);
      const tooLong = wfm(['user', 'set', '--db', database.url, '--login', login, '--builder', 'b'.repeat(500)]);
      assert.equal(tooLong.status, 2, tooLong.stderr);
      assert.match(tooLong.stderr, new RegExp(`^wfm: user "${login}": the database refused the settings given .*; nothing was changed`, 'm'));
      const outOfRange = wfm(['org', 'set', '--db', database.url, '--site', String(site?.name), '--assign-agents', '99999999999']);
      assert.equal(outOfRange.status, 2, outOfRange.stderr);
      // PostgreSQL refuses the number as an integer; MariaDB finds no such agent.
      assert.match(outOfRange.stderr, /^wfm: (site ".+": the database refused the settings given|.+ has no agent 99999999999; nothing was changed)/m);
      const [after] = await withConnection(database.url, (connection) => connection.query(`SELECT builder_name FROM wfm_user WHERE login = ${connection.compiler.parameter(1)}`, [login]));
      assert.notEqual(after?.builder_name, 'b'.repeat(500));
    });
  });
}

describe('a file that is not a SQLite database', () => {
  it('is refused by name by every command that reads it, with exit 2 and no internal error', () => {
    const directory = mkdtempSync(join(tmpdir(), 'wfm-notadb-'));
    const text = join(directory, 'notes.db');
    writeFileSync(text, 'these are notes, not a database\n'.repeat(100));
    const url = `sqlite:${text}`;
    const other = `sqlite:${join(directory, 'other.db')}`;
    for (const args of [
      ['bru', 'backup', '--db', url, '--file', join(directory, 'x.backup.db')],
      ['dbu', 'migrate', '--from', url, '--to', other],
      ['verify', '--from', url, '--to', other],
    ]) {
      const result = wfm(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^wfm: cannot connect to ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: file is not a database`, 'm'));
    }
  });
});

/** A column type each engine has and this tool does not know. */
const FOREIGN_TYPES: Record<string, string> = { sqlite: 'fancytype', postgres: 'int4range', mysql: 'geometry' };

for (const engine of engines) {
  describe(`a type this tool does not know on ${engine.engine}`, { skip: engine.skip }, () => {
    it('in a table beside the WFM schema: the backup leaves that table out and names it, no internal error', async () => {
      const database = await generatedDatabase(fresh, engine, 'foreigntype', '8.5.2', { agents: 2, days: 1, seed: 3 });
      await withConnection(database.url, (connection) => connection.execute(`CREATE TABLE extra (id integer primary key, shape ${FOREIGN_TYPES[engine.engine]})`));
      const backup = wfm(['bru', 'backup', '--db', database.url, '--file', join(mkdtempSync(join(tmpdir(), 'wfm-foreign-')), 'x.backup.db')]);
      assert.equal(backup.status, 0, backup.stderr);
      assert.match(backup.stdout, /^not backed up, not WFM 8\.5\.2 tables: extra$/m);
      assert.doesNotMatch(backup.stderr, /internal error/);
    });
  });
}
