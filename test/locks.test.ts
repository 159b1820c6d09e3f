// One lock per database for every operation that writes it, on every engine: while a real `wfm` process
// holds a database (stopped with SIGSTOP once it has taken the lock, so that it holds it as long as the
// test needs), another operation on that database is refused at once with exit 1, naming the holder and
// what it is doing; the holder then finishes as if nothing had happened. Two restores into the same
// absent database give one success and one clear refusal, and creating a database is never an internal
// error when another session creates it at the same moment.
import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, dialectFor, parseConnectionString, withConnection, type ConnectionTarget } from '../src/engine/dialect/index.ts';
import { backupDatabase } from '../src/wfm/backup.ts';
import { DATABASE_LOCK, detectRelease } from '../src/wfm/database.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { SERVER_URLS, targetUrl, testEngines, trackedDatabases, uniqueName, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const engines = await testEngines();
const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-locks-'));
/**
 * The holder is stopped for as long as the test likes, so any refusal shows that nothing waited for it; the
 * bound catches a wait, leaving room for the process's start and a restore's check of its file on a busy machine.
 */
const REFUSAL_SECONDS = 30;

/** A database that does not exist yet, dropped when the file's tests end. */
function absentDatabase(engine: TestEngine, label: string): string {
  const server = engine.engine === 'postgres' || engine.engine === 'mysql' ? SERVER_URLS[engine.engine] : undefined;
  const target: ConnectionTarget = server ? { ...parseConnectionString(server), database: uniqueName(label) } : { engine: 'sqlite', path: join(directory, `${uniqueName(label)}.db`) };
  after(async () => (await dialectFor(target.engine)).dropDatabase(target));
  return targetUrl(target);
}

async function releaseOf(url: string): Promise<string> {
  const state = await withConnection(url, detectRelease);
  return 'release' in state ? state.release : state.kind;
}

/** Whether some session has recorded itself as the holder of the database lock. */
async function lockRecorded(url: string): Promise<boolean> {
  try {
    return await withConnection(url, async (c) => (await c.query(`SELECT holder FROM ${c.compiler.quoteIdentifier('wm_lock')} WHERE name = ${c.compiler.parameter(1)}`, [DATABASE_LOCK])).length > 0);
  } catch {
    // Not created yet, or the lock's table not yet: the holder has not got that far.
    return false;
  }
}

interface Holder {
  child: ChildProcess;
  /** Lets the holder go on and resolves with how it ended. */
  finish(): Promise<CliResult>;
}

/** Starts a real `wfm` process and stops it (SIGSTOP) as soon as it holds the lock of the database at `url`. */
async function holdWith(url: string, args: string[]): Promise<Holder> {
  const child = spawn(process.execPath, [WFM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  let running = true;
  void exited.then(() => (running = false));
  while (running && !(await lockRecorded(url))) await sleep(5);
  assert.ok(running, `wfm ${args.join(' ')} ended before the test saw it hold the lock:\n${stderr}${stdout}`);
  child.kill('SIGSTOP');
  return {
    child,
    finish: async () => {
      child.kill('SIGCONT');
      const [status] = await exited;
      return { status, stdout, stderr };
    },
  };
}

interface Contest {
  /** The command run while the holder held the database, and how long it took. */
  refused: CliResult & { seconds: number };
  /** How the holder ended once let go. */
  held: CliResult;
}

/** Runs a `wfm` command while `holder` holds the database, then lets the holder finish. */
async function contend(holder: Holder, args: string[]): Promise<Contest> {
  const started = performance.now();
  const refused = wfm(args);
  const seconds = (performance.now() - started) / 1000;
  return { refused: { ...refused, seconds }, held: await holder.finish() };
}

/** The contender was refused at once, naming the holder's process and operation; the holder finished. */
function assertRefused(contest: Contest, holderOperation: string, holder: Holder): void {
  const { refused, held } = contest;
  assert.equal(refused.status, 1, `the command was not refused:\n${refused.stderr}${refused.stdout}`);
  assert.doesNotMatch(refused.stderr, /internal error/);
  assert.match(refused.stderr, new RegExp(`${DATABASE_LOCK} of .* is held by ${holderOperation} \\(process ${holder.child.pid} on `));
  assert.ok(refused.seconds < REFUSAL_SECONDS, `the refusal took ${refused.seconds.toFixed(1)} s`);
  assert.equal(held.status, 0, `the holder did not finish: ${held.stderr}${held.stdout}`);
}

for (const engine of engines) {
  describe(`one lock per database on ${engine.engine}`, { skip: engine.skip }, () => {
    let backup: string;
    let legacy: string;

    it('sets up a 7.6 database, its backup and a 6.5 database', async () => {
      const database = await generatedDatabase(fresh, engine, 'lockbackup', '7.6', { agents: 10, days: 2, seed: 3 });
      backup = join(directory, `${engine.engine}-7.6.backup.db`);
      await backupDatabase(database.target, backup);
      legacy = (await generatedDatabase(fresh, engine, 'locklegacy', '6.5.104', { agents: 10, days: 2, seed: 3 })).url;
    });

    it('refuses an update while a restore holds the database, and the restore completes', async () => {
      const url = (await generatedDatabase(fresh, engine, 'restoreupdate', '8.5.1', { agents: 10, days: 2, seed: 4 })).url;
      const holder = await holdWith(url, ['bru', 'restore', '--file', backup, '--db', url, '--replace', '--yes']);
      assertRefused(await contend(holder, ['dbu', 'update', '--db', url]), 'wfm bru restore', holder);
      assert.equal(await releaseOf(url), '7.6', 'the database holds the restored backup, not updated');
    });

    it('refuses a restore while an update holds the database, and the update completes', async () => {
      const url = (await generatedDatabase(fresh, engine, 'updaterestore', '7.6', { agents: 10, days: 2, seed: 5 })).url;
      const holder = await holdWith(url, ['dbu', 'update', '--db', url]);
      const contest = await contend(holder, ['bru', 'restore', '--file', backup, '--db', url, '--replace', '--yes']);
      assertRefused(contest, 'wfm dbu update', holder);
      assert.match(contest.held.stdout, /8\.5\.2/);
      assert.equal(await releaseOf(url), '8.5.2');
    });

    it('refuses a restore into the target of a migration under way, and the migration verifies', async () => {
      const url = absentDatabase(engine, 'migraterestore');
      const holder = await holdWith(url, ['dbu', 'migrate', '--from', legacy, '--to', url, '--json']);
      const contest = await contend(holder, ['bru', 'restore', '--file', backup, '--db', url, '--replace', '--yes']);
      assertRefused(contest, 'wfm dbu migrate', holder);
      const tables = (JSON.parse(contest.held.stdout) as { tables: { verified: boolean }[] }).tables;
      assert.ok(tables.length > 0 && tables.every((t) => t.verified));
      assert.equal(await releaseOf(url), '8.5.2');
    });

    it('refuses a migration into a database a restore is filling, and the restore completes', async () => {
      const url = absentDatabase(engine, 'restoremigrate');
      const holder = await holdWith(url, ['bru', 'restore', '--file', backup, '--db', url]);
      assertRefused(await contend(holder, ['dbu', 'migrate', '--from', legacy, '--to', url]), 'wfm bru restore', holder);
      assert.equal(await releaseOf(url), '7.6', 'the database holds the restored backup, not a migration');
    });

    it('gives two restores into the same absent database one success and one clear refusal', async () => {
      const url = absentDatabase(engine, 'tworestores');
      const run = async (): Promise<CliResult> => {
        const child = spawn(process.execPath, [WFM, 'bru', 'restore', '--file', backup, '--db', url], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const [status] = (await once(child, 'exit')) as [number | null];
        return { status, stdout, stderr };
      };
      const results = await Promise.all([run(), run()]);
      const succeeded = results.filter((r) => r.status === 0);
      const refused = results.filter((r) => r.status !== 0);
      assert.equal(succeeded.length, 1, results.map((r) => r.stderr).join('\n'));
      const refusal = refused[0]?.stderr ?? '';
      assert.doesNotMatch(refusal, /internal error/);
      // Refused by the lock while the other loads, or, had it finished first, because the database is no longer empty.
      assert.match(refusal, new RegExp(`${DATABASE_LOCK} of .* is held by wfm bru restore|not empty`));
      assert.equal(await releaseOf(url), '7.6');
    });

    it('creates an absent database once when two sessions create it at the same moment', { skip: engine.engine === 'sqlite' ? 'a SQLite file is created by opening it' : undefined }, async () => {
      const target = parseConnectionString(absentDatabase(engine, 'createtwice'));
      const dialect = await dialectFor(target.engine);
      for (let attempt = 0; attempt < 5; attempt++) {
        const created = await Promise.all([dialect.createDatabase(target), dialect.createDatabase(target)]);
        assert.deepEqual([...created].sort(), [false, true]);
        const connection = await connect(target);
        await connection.close();
        await dialect.dropDatabase(target);
      }
    });
  });
}
