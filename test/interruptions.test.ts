// SIGINT and SIGTERM sent to the real `wfm` process once it has printed that it is copying: the command
// stops after the chunk it is writing, says what to run next on its last line and exits 130 or 143; a run's
// journal says which step was interrupted; what it names then finishes and verifies, and an interrupted
// backup leaves nothing under its file's name; a signal while wfm is still starting is answered so too.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, withConnection } from '../src/engine/dialect/index.ts';
import type { RunJournal } from '../src/wfm/run.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';

const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const all = await testEngines();
const engine = (name: string): TestEngine => all.find((e) => e.engine === name) as TestEngine;
const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-interruptions-'));

/** Copying takes a few seconds: a signal sent once the first table is copied finds the larger ones under way. */
async function legacyDatabase(on: TestEngine): Promise<TestDatabase> {
  const database = await fresh(on, 'legacy');
  succeeded(['generate', '--version', '6.5.201', '--db', database.url, '--agents', '150', '--days', '60', '--seed', '23'], 'the 6.5 database');
  return database;
}

function succeeded(args: string[], what: string): CliResult {
  const result = wfm(args);
  assert.equal(result.status, 0, `${what} (wfm ${args.join(' ')}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

interface Interrupted {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `wfm args`, sends `signal` once `copying` holds of what it printed, and waits for it to end. */
async function interrupt(args: string[], signal: 'SIGINT' | 'SIGTERM', copying: (stdout: string, stderr: string) => boolean): Promise<Interrupted> {
  const child = spawn(process.execPath, [WFM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = false;
  const watch = (): void => {
    if (sent || !copying(stdout, stderr)) return;
    sent = true;
    child.kill(signal);
  };
  child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString('utf8')), watch()));
  child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString('utf8')), watch()));
  const [status, ended] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, by) => resolve([code, by])));
  assert.ok(sent, `the command ended before it printed that it was copying:\n${stdout}\n${stderr}`);
  return { status, signal: ended, stdout, stderr };
}

/** A table's copy reported done on stderr (every table has its line with --verbose): the copy is under way. */
const tableCopied = (_stdout: string, stderr: string): boolean => / rows? in /.test(stderr);

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

function verified(legacy: TestDatabase, migrated: TestDatabase): void {
  succeeded(['verify', '--from', legacy.url, '--to', migrated.url], 'the verification of every table against the 6.5 source');
}

describe('interruptions', () => {
  it('SIGINT during `wfm run` on SQLite: exit 130, the journal interrupted at its step, and --resume completes and verifies', async () => {
    const legacy = await legacyDatabase(engine('sqlite'));
    const target = await fresh(engine('sqlite'), 'runtarget');
    const runsDir = join(directory, 'runs');
    const args = ['run', '--from', legacy.url, '--to', target.url, '--backup-dir', directory, '--runs-dir', runsDir, '--force', '--verbose'];
    // Once the backup is done, the next table copied is the migration's.
    let backedUp: number | undefined;
    const migrating = (stdout: string, stderr: string): boolean => {
      if (backedUp === undefined && /back up\s+DONE/.test(stdout)) backedUp = stderr.length;
      return backedUp !== undefined && tableCopied(stdout, stderr.slice(backedUp));
    };
    const run = await interrupt(args, 'SIGINT', migrating);
    const runId = run.stdout.split('\n')[0] ?? '';
    assert.match(runId, /^run-/, run.stdout);
    assert.equal(run.status, 130, `${run.stdout}\n${run.stderr}`);
    assert.equal(lastLine(run.stderr), `wfm: to go on, run: wfm run --resume ${runId} --runs-dir ${runsDir} --backup-dir ${directory}`, run.stderr);
    const journal = JSON.parse(readFileSync(join(runsDir, `${runId}.json`), 'utf8')) as RunJournal;
    assert.equal(journal.state, 'interrupted');
    const step = journal.steps.find((s) => s.state === 'interrupted');
    assert.equal(step?.name, 'migrate or update', JSON.stringify(journal.steps));
    assert.match(step?.detail ?? '', /^interrupted \(SIGINT\): .*; every chunk copied is committed with its checkpoint$/);
    assert.match(run.stdout, /migrate or update\s+INTERRUPTED/);

    const resumed = succeeded(['run', '--resume', runId, '--runs-dir', runsDir, '--backup-dir', directory, '--force'], 'the run resumed');
    assert.match(resumed.stdout, new RegExp(`${runId} done`));
    assert.equal((JSON.parse(readFileSync(join(runsDir, `${runId}.json`), 'utf8')) as RunJournal).state, 'done');
    verified(legacy, target);
  });

  it('SIGINT during the back-up step of `wfm run`: only the partial file is left, and --resume goes on from it', async () => {
    const legacy = await legacyDatabase(engine('sqlite'));
    const target = await fresh(engine('sqlite'), 'runbackup');
    const runsDir = join(directory, 'backup-runs');
    const args = ['run', '--from', legacy.url, '--to', target.url, '--backup-dir', directory, '--runs-dir', runsDir, '--force', '--verbose'];
    const run = await interrupt(args, 'SIGINT', (stdout, stderr) => /stop server components\s+DONE/.test(stdout) && tableCopied(stdout, stderr));
    const runId = run.stdout.split('\n')[0] ?? '';
    assert.equal(run.status, 130, `${run.stdout}\n${run.stderr}`);
    assert.equal(lastLine(run.stderr), `wfm: to go on, run: wfm run --resume ${runId} --runs-dir ${runsDir} --backup-dir ${directory}`, run.stderr);
    const journal = JSON.parse(readFileSync(join(runsDir, `${runId}.json`), 'utf8')) as RunJournal;
    assert.equal(journal.state, 'interrupted');
    assert.equal(journal.steps.find((s) => s.state === 'interrupted')?.name, 'back up', JSON.stringify(journal.steps));
    assert.equal(existsSync(journal.backupFile), false, 'nothing under the name of the backup');
    assert.equal(existsSync(`${journal.backupFile}.partial`), true, 'the partial backup kept for --resume');

    const copiedBefore = /^ {4}(\w+): [\d,]+ rows in /m.exec(run.stderr)?.[1] as string;
    const resumed = succeeded(['run', '--resume', runId, '--runs-dir', runsDir, '--backup-dir', directory, '--force', '--verbose'], 'the run resumed');
    assert.match(resumed.stdout, new RegExp(`${runId} done`));
    assert.doesNotMatch(resumed.stderr, new RegExp(`^ {4}${copiedBefore}: `, 'm'), `${copiedBefore} was backed up again rather than resumed`);
    assert.equal(existsSync(`${journal.backupFile}.partial`), false);
    succeeded(['bru', 'verify', '--file', journal.backupFile], 'the verification of the resumed backup');
    verified(legacy, target);
  });

  it('SIGTERM during `bru backup`: exit 143, no file under its name, and the backup run again verifies', async () => {
    const legacy = await legacyDatabase(engine('sqlite'));
    const file = join(directory, 'interrupted.backup.db');
    const args = ['bru', 'backup', '--db', legacy.url, '--file', file, '--verbose'];
    const backup = await interrupt(args, 'SIGTERM', tableCopied);
    assert.equal(backup.status, 143, backup.stderr);
    assert.equal(lastLine(backup.stderr), `wfm: to go on, run: wfm ${args.join(' ')}`, backup.stderr);
    for (const left of [file, `${file}-wal`, `${file}-shm`, `${file}.partial`, `${file}.partial-wal`, `${file}.partial-shm`]) assert.equal(existsSync(left), false, `${left} is left`);

    succeeded(args, 'the backup run again');
    succeeded(['bru', 'verify', '--file', file], 'the verification of the backup');
    assert.equal(existsSync(`${file}.partial`), false);
  });

  it('SIGTERM while wfm is starting: exit 143, the last line says to run the same command again, and nothing is created', async () => {
    const source = join(directory, 'starting.db');
    const file = join(directory, 'starting.backup.db');
    const loading = join(directory, 'starting.mark');
    // A module hook holds the loading of the command's main module (compiled, or the source), and says so:
    // the signal then comes while wfm is starting, whatever the speed of the machine.
    const hooks = `import { writeFileSync } from 'node:fs';
      export async function load(url, context, nextLoad) {
        if (url.endsWith('/src/cli/main.ts') || url.endsWith('/dist/cli/main.js')) { writeFileSync(${JSON.stringify(loading)}, ''); await new Promise((resolve) => setTimeout(resolve, 60000)); }
        return nextLoad(url, context);
      }`;
    const preload = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const args = ['--import', `data:text/javascript,${encodeURIComponent(preload)}`, WFM, 'bru', 'backup', '--db', `sqlite:${source}`, '--file', file];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    let ended = false;
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => ((ended = true), resolve(code))));
    while (!existsSync(loading) && !ended) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(!ended, `wfm ended before its main module was loaded: ${stderr}`);
    child.kill('SIGTERM');
    assert.equal(await closed, 143, stderr);
    assert.equal(lastLine(stderr), 'wfm: to go on, run the same command again', stderr);
    assert.equal(existsSync(source), false, 'the database was not opened');
    assert.equal(existsSync(file), false, 'no backup file');
  });

  it('SIGINT while a restore makes its scratch on PostgreSQL: exit 130, the database left empty, and the restore run again finishes', { skip: engine('postgres').skip }, async () => {
    const source = await fresh(engine('sqlite'), 'restoresource');
    succeeded(['generate', '--version', '8.5.2', '--db', source.url, '--agents', '3', '--days', '1', '--seed', '23'], 'the database to back up');
    const file = join(directory, 'creating.backup.db');
    succeeded(['bru', 'backup', '--db', source.url, '--file', file], 'the backup');
    const target = await fresh(engine('postgres'), 'restorecreating');
    // Another session creates the restore's scratch schema and keeps its transaction open: the restore's
    // own CREATE SCHEMA waits for it until that transaction ends.
    const holder = await connect(target.url);
    let release = (): void => undefined;
    const created = new Promise<void>((resolve) => {
      void holder
        .transaction(async () => {
          await holder.execute('CREATE SCHEMA wfm_restoring');
          await holder.execute('CREATE TABLE wfm_restoring.site (id integer)');
          resolve();
          await new Promise<void>((end) => (release = end));
          throw new Error('rolled back on purpose');
        })
        .catch(() => undefined);
    });
    await created;
    const args = ['bru', 'restore', '--db', target.url, '--file', file];
    const child = spawn(process.execPath, [WFM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    let ended = false;
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => ((ended = true), resolve(code))));
    // Seen from a session of its own: one inside a transaction sees the activity as it was when that began.
    const watcher = await connect(target.url);
    const waiting = async (): Promise<boolean> =>
      Number((await watcher.query("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))[0]?.n) > 0;
    while (!ended && !(await waiting())) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!ended, `the restore ended before it waited for the scratch: ${stderr}`);
    child.kill('SIGINT');
    // The stop is asked for while the restore waits; it goes on once the other transaction ends.
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();
    const status = await closed;
    await Promise.all([holder.close(), watcher.close()]);
    assert.equal(status, 130, stderr);
    assert.equal(lastLine(stderr), `wfm: to go on, run: wfm ${args.join(' ')}`, stderr);
    assert.deepEqual(await withConnection(target.url, (connection) => connection.introspector.tableNames()), [], 'the database left as empty as it was');
    const scratch = await withConnection(target.url, (connection) => connection.query("SELECT nspname FROM pg_namespace WHERE nspname = 'wfm_restoring'"));
    assert.deepEqual(scratch, [], 'no scratch left behind');
    succeeded(args, 'the restore run again');
  });

  for (const name of ['sqlite', 'postgres']) {
    it(`SIGINT during \`dbu migrate\` on ${name}: exit 130, then the same command with --resume completes and verifies`, { skip: engine(name).skip }, async () => {
      const legacy = await legacyDatabase(engine(name));
      const target = await fresh(engine(name), 'migratetarget');
      const args = ['dbu', 'migrate', '--from', legacy.url, '--to', target.url, '--chunk-rows', '5000', '--verbose'];
      const migration = await interrupt(args, 'SIGINT', tableCopied);
      assert.equal(migration.status, 130, migration.stderr);
      assert.match(migration.stderr, /\nwfm: interrupted \(SIGINT\): .*; every chunk copied is committed with its checkpoint\n/);
      assert.equal(lastLine(migration.stderr), `wfm: to go on, run: wfm ${[...args, '--resume'].join(' ')}`, migration.stderr);

      succeeded([...args, '--resume'], 'the migration resumed');
      verified(legacy, target);
    });
  }
});
