// Faults, the way a machine fails: the real `wfm` process killed with SIGKILL at a random moment, or its
// database sessions ended by the server mid-transaction, during an update in place, a 6.5 migration, a
// performance migration, a backup, a restore, an ETL cycle and the Data Aggregator. After each fault the user's next step
// (run it again, or --resume) must finish, and the data must verify: nothing missing, nothing twice.
// And the way a user stops a command: SIGINT (Ctrl-C) or SIGTERM at a random moment of `wfm run`, a backup
// and a restore, which must end it in order (exit 130 or 143 within 30 s, the last line naming the command
// that goes on, a run's journal saying which step was interrupted, no backup under its final name, no half
// restored database); the command it names must then finish, and the data verify.
// Moments are drawn from a seeded generator: WFM_FAULT_SEED replays a run, WFM_FAULT_TRIALS sets the trials
// per operation and fault (1 inside `npm test`, 20 in `npm run test:faults`), WFM_FAULT_OPERATIONS picks
// operations. Every trial is recorded in artifacts/faults/ for docs/reliability.md.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withConnection, type ConnectionTarget } from '../src/engine/dialect/index.ts';
import { ETL_TABLES } from '../src/wfm/etl/tables.ts';
import type { Release } from '../src/wfm/releases/versions.ts';
import type { RunJournal } from '../src/wfm/run.ts';
import { wfm } from './helpers/cli.ts';
import { databaseContent } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';
import { clearRecords, cutAt, cutConnections, killedAt, record, seededRandom, signalledAt, type Outcome, type StopSignal } from './helpers/faults.ts';

const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const TRIALS = Number(process.env.WFM_FAULT_TRIALS ?? '1');
const SEED = Number(process.env.WFM_FAULT_SEED ?? '20261130');
const engines = await testEngines();
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const servers = engines.filter((e) => e.engine !== 'sqlite');
const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-faults-'));
let files = 0;
const newFile = (name: string): string => join(directory, `${++files}-${name}`);

type Content = Map<string, { rows: number; hash: string }>;

async function generated(on: TestEngine, release: Release, label: string, size: { agents: number; days: number }): Promise<TestDatabase> {
  return generatedDatabase(fresh, on, label, release, { ...size, seed: 11 });
}

// When each release step was applied differs from run to run by nature; what was applied must not.
const comparedColumns = (table: string): string[] | undefined => (table === 'wm_db_version' ? ['version', 'checksum', 'tool_version'] : undefined);
const contentOf = (url: string): Promise<Content> => withConnection(url, (connection) => databaseContent(connection, comparedColumns));
const tail = (text: string): string => text.slice(-600);

/** The tables where two content maps differ, with their row counts. */
function differences(actual: Content, expected: Content, only?: readonly string[]): string[] {
  const names = only ?? [...new Set([...actual.keys(), ...expected.keys()])];
  return names
    .filter((name) => actual.get(name)?.hash !== expected.get(name)?.hash)
    .map((name) => `${name}: ${actual.get(name)?.rows ?? 'absent'} rows, expected ${expected.get(name)?.rows ?? 'absent'}`);
}

function succeeded(args: string[], what: string): string {
  const result = wfm(args);
  assert.equal(result.status, 0, `${what}: ${tail(result.stderr)}`);
  return result.stdout;
}

interface Trial {
  /** The command the fault interrupts. */
  args: string[];
  /** The database whose sessions a connection cut ends. */
  target: ConnectionTarget;
  /** The user's next step after the fault, then the check; returns what it did, throws when it did not hold. */
  recover(outcome: Outcome): Promise<string>;
}

interface Operation {
  name: string;
  /** Sets up one trial on `engine`. */
  trial(engine: TestEngine): Promise<Trial>;
}

/** How long the operation takes uninterrupted, so that fault moments spread over all of it. */
const durations = new Map<string, number>();

/** Runs the command set up by `start` once without a fault, checks what it did, and keeps how long it took. */
async function calibrated(name: string, engine: TestEngine, start: () => Promise<{ args: string[]; check(outcome: Outcome): Promise<string> }>): Promise<number> {
  const key = `${name}/${engine.engine}`;
  const known = durations.get(key);
  if (known !== undefined) return known;
  const trial = await start();
  const outcome = await killedAt(trial.args, 600_000);
  assert.equal(outcome.code, 0, `${name} without a fault: ${tail(outcome.stderr)}`);
  await trial.check(outcome);
  durations.set(key, outcome.durationMs);
  return outcome.durationMs;
}

const UPDATE_SIZE = { agents: 50, days: 7 };

/** `make` run once per engine: every trial that asks shares its promise. */
function perEngine<T>(make: (engine: TestEngine) => Promise<T>): (engine: TestEngine) => Promise<T> {
  const made = new Map<string, Promise<T>>();
  return (engine) => {
    let promise = made.get(engine.engine);
    if (!promise) made.set(engine.engine, (promise = make(engine)));
    return promise;
  };
}

/** One 6.5 source, on SQLite, for every trial: it is only ever read. */
let legacy: Promise<TestDatabase> | undefined;
const legacySource = (): Promise<TestDatabase> => (legacy ??= generated(sqlite, '6.5.201', 'fault-legacy', { agents: 50, days: 14 }));

const updateInPlace: Operation = {
  name: 'update in place',
  async trial(engine) {
    const reference = await updatedReference(engine);
    const db = await generated(engine, '7.6', 'fault-update', UPDATE_SIZE);
    return {
      args: ['dbu', 'update', '--db', db.url],
      target: db.target,
      async recover() {
        succeeded(['dbu', 'update', '--db', db.url], 'the update run again');
        const wrong = differences(await contentOf(db.url), await reference);
        assert.deepEqual(wrong, [], 'the database equals the same one updated without a fault');
        return 'run again: equal to an update without a fault';
      },
    };
  },
};

const updatedReference = perEngine(async (engine) => {
  const db = await generated(engine, '7.6', 'fault-update-ref', UPDATE_SIZE);
  succeeded(['dbu', 'update', '--db', db.url], 'the reference update');
  return contentOf(db.url);
});

const legacyMigration: Operation = {
  name: '6.5 migration',
  async trial(engine) {
    const source = await legacySource();
    const target = await fresh(engine, 'fault-migrate');
    return {
      args: ['dbu', 'migrate', '--from', source.url, '--to', target.url, '--chunk-rows', '2000'],
      target: target.target,
      async recover(outcome) {
        const resumed = outcome.code !== 0;
        if (resumed) succeeded(['dbu', 'migrate', '--from', source.url, '--to', target.url, '--resume'], 'the migration resumed');
        succeeded(['verify', '--from', source.url, '--to', target.url], 'the verification of every table');
        return `${resumed ? 'resumed' : 'had finished'}: every table verified against the source`;
      },
    };
  },
};

const PERFORMANCE_TABLES = ['activity_performance', 'agent_adherence'];

/** An 8.5.2 database after step one of a two-step migration: performance data still in 6.5. */
async function stepOne(engine: TestEngine, label: string): Promise<TestDatabase> {
  const source = await legacySource();
  const target = await fresh(engine, label);
  succeeded(['dbu', 'migrate', '--from', source.url, '--to', target.url, '--allow-migrate-performance', '0'], 'step one');
  return target;
}

const performanceReference = perEngine(async (engine) => {
  const source = await legacySource();
  const db = await stepOne(engine, 'fault-perf-ref');
  succeeded(['dbu', 'migrate-performance', '--from', source.url, '--to', db.url], 'the reference step two');
  return contentOf(db.url);
});

const performanceMigration: Operation = {
  name: 'performance migration',
  async trial(engine) {
    const source = await legacySource();
    const reference = await performanceReference(engine);
    const target = await stepOne(engine, 'fault-perf');
    return {
      args: ['dbu', 'migrate-performance', '--from', source.url, '--to', target.url, '--chunk-rows', '2000'],
      target: target.target,
      async recover(outcome) {
        if (outcome.code !== 0) succeeded(['dbu', 'migrate-performance', '--from', source.url, '--to', target.url], 'step two run again');
        assert.deepEqual(differences(await contentOf(target.url), reference, PERFORMANCE_TABLES), [], 'performance data equal to a step two without a fault');
        return `${outcome.code !== 0 ? 'run again' : 'had finished'}: performance tables equal to a step two without a fault`;
      },
    };
  },
};

const backupSource = perEngine(async (engine) => {
  const db = await generated(engine, '8.5.2', 'fault-backup-src', { agents: 50, days: 10 });
  return { db, content: await contentOf(db.url) };
});

/** Restores `file` into a new SQLite database and compares it with `content`. */
async function restoresTo(file: string, content: Content): Promise<void> {
  const check = await fresh(sqlite, 'fault-check');
  succeeded(['bru', 'restore', '--db', check.url, '--file', file], 'a restore of the backup');
  assert.deepEqual(differences(await contentOf(check.url), content), [], 'the restored database equals the source');
}

const backup: Operation = {
  name: 'backup',
  async trial(engine) {
    const source = await backupSource(engine);
    const file = newFile('fault.backup.db');
    return {
      args: ['bru', 'backup', '--db', source.db.url, '--file', file],
      target: source.db.target,
      async recover(outcome) {
        let detail = 'had finished';
        if (outcome.code !== 0) {
          // What the fault left must never pass for a backup.
          if (existsSync(file)) {
            const verdict = wfm(['bru', 'verify', '--file', file]);
            assert.notEqual(verdict.status, 0, 'an interrupted backup does not verify');
            assert.match(verdict.stdout + verdict.stderr, /unfinished|not a backup|damaged|truncated/, tail(verdict.stdout + verdict.stderr));
          }
          succeeded(['bru', 'backup', '--db', source.db.url, '--file', file], 'the backup run again');
          detail = `the interrupted file ${existsSync(file) ? 'was refused by verify, then ' : ''}completed by the backup run again`;
        }
        succeeded(['bru', 'verify', '--file', file], 'the verification of the backup');
        await restoresTo(file, source.content);
        return `${detail}; verified and restored equal to the source`;
      },
    };
  },
};

const backupFile = perEngine(async (engine) => {
  const source = await backupSource(engine);
  const file = newFile('restore-source.backup.db');
  succeeded(['bru', 'backup', '--db', source.db.url, '--file', file], 'the backup to restore');
  return { file, content: source.content };
});

const restore: Operation = {
  name: 'restore',
  async trial(engine) {
    const { file, content } = await backupFile(engine);
    const target = await fresh(engine, 'fault-restore');
    return {
      args: ['bru', 'restore', '--db', target.url, '--file', file],
      target: target.target,
      async recover(outcome) {
        let detail = 'had finished';
        if (outcome.code !== 0) {
          // The restore loads a scratch and swaps it in at the end: whatever ended it, the database it found empty is empty still.
          const left = await tablesOf(target);
          assert.deepEqual(left, [], `the interrupted restore left tables in the database it found empty: ${left.join(', ')}`);
          const again = wfm(['bru', 'restore', '--db', target.url, '--file', file]);
          assert.equal(again.status, 0, `the same restore run again (no --replace) exited ${again.status}: ${tail(again.stderr + again.stdout)}`);
          detail = 'left empty; the same restore run again';
        }
        assert.deepEqual(differences(await contentOf(target.url), content), [], 'the restored database equals the source');
        return `${detail}: equal to the source`;
      },
    };
  },
};

/** One WFM database at 8.5.2 (2024-01-01 to 2024-01-14), on SQLite, for every ETL trial: it is only ever read. */
let etlWfm: Promise<TestDatabase> | undefined;
const etlSource = (): Promise<TestDatabase> => (etlWfm ??= generated(sqlite, '8.5.2', 'fault-etl-wfm', { agents: 40, days: 14 }));

/** A fortnight's window, one day per transaction: fifteen chunks for a fault to fall between or into. */
const ETL_WINDOW = ['--today', '2024-01-08', '--days-back', '7', '--days-ahead', '7', '--day-chunk', '1'];

/** When and by which cycle a row was written differs from run to run by nature; what it says must not. */
const ETL_LINEAGE = new Set(['WFM_TIMESTAMP', 'CREATE_AUDIT_KEY', 'UPDATE_AUDIT_KEY']);

/** Every dimension and fact of an ETL database, surrogate keys included, lineage left out. */
async function etlContent(url: string): Promise<Content> {
  const columnsOf = (table: string): string[] | undefined => {
    const declared = ETL_TABLES.find((t) => t.name === table);
    return declared && [`${table}_KEY`, ...declared.columns.map((c) => c.name).filter((c) => !ETL_LINEAGE.has(c))];
  };
  const content = await withConnection(url, (connection) => databaseContent(connection, columnsOf));
  return new Map([...content].filter(([table]) => table.startsWith('WFM_')));
}

/** A new ETL database on `engine`, created by `wfm etl create`. */
async function etlDatabase(engine: TestEngine, label: string): Promise<TestDatabase> {
  const etl = await fresh(engine, label);
  succeeded(['etl', 'create', '--db', etl.url], 'the ETL database created');
  return etl;
}

const etlReference = perEngine(async (engine) => {
  const source = await etlSource();
  const etl = await etlDatabase(engine, 'fault-etl-ref');
  succeeded(['etl', 'run', '--from', source.url, '--to', etl.url, ...ETL_WINDOW], 'the reference cycle');
  return etlContent(etl.url);
});

async function etlHistory(url: string): Promise<string[]> {
  return withConnection(url, async (connection) => {
    const q = connection.compiler;
    const rows = await connection.query(`SELECT ${q.quoteIdentifier('STATUS')} AS status FROM ${q.quoteIdentifier('CTL_ETL_HISTORY')} ORDER BY ${q.quoteIdentifier('CTL_ETL_HISTORY_KEY')}`);
    return rows.map((row) => String(row.status));
  });
}

const etlCycle: Operation = {
  name: 'etl cycle',
  async trial(engine) {
    const source = await etlSource();
    const reference = await etlReference(engine);
    const etl = await etlDatabase(engine, 'fault-etl');
    const args = ['etl', 'run', '--from', source.url, '--to', etl.url, ...ETL_WINDOW];
    return {
      args,
      target: etl.target,
      async recover(outcome) {
        succeeded(args, 'the next cycle');
        const history = await etlHistory(etl.url);
        if (outcome.code === 0) assert.deepEqual(history, ['COMPLETED', 'COMPLETED'], 'two cycles, both complete');
        else assert.ok(['COMPLETED', 'FAILED,COMPLETED'].includes(history.join()), `one history row per cycle, the interrupted one FAILED or never begun: ${history.join(', ')}`);
        assert.deepEqual(differences(await etlContent(etl.url), await reference), [], 'every dimension and fact equal to a cycle without a fault, keys included');
        const equal = 'every dimension and fact equal to a cycle without a fault';
        if (outcome.code === 0) return `had finished; run again, it changed nothing: ${equal}`;
        return `${history.length === 1 ? 'stopped before its history row' : 'its history row FAILED'}; the next cycle completed it: ${equal}`;
      },
    };
  },
};

/** The Data Aggregator as a process of its own, on a spool directory that outlives it. */
async function startAggregator(url: string, spool: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [WFM, 'aggregator', '--db', url, '--port', '0', '--spool-dir', spool], { stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the aggregator exited with ${code}`)));
  });
  return { child, address: line.replace('listening on ', '') };
}

async function stopAggregator(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function waitForDrain(address: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const status = (await (await fetch(`${address}/status`)).json()) as { spooledEvents: number; state: string };
    if (status.spooledEvents === 0 && status.state === 'collecting') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the aggregator at ${address} did not drain its spool in 60 s`);
}

interface AggregatorFixture {
  events: string[];
  reference: Content;
}

const EVENT_START = new Date(Math.floor(Date.now() / 86_400_000 - 1) * 86_400_000).toISOString();

/** A seeded day part of events, sent once to an aggregator with no fault: what every trial must reach. */
const aggregatorFixture = perEngine(async (engine): Promise<AggregatorFixture> => {
  const db = await generated(engine, '8.5.2', 'fault-agg-ref', { agents: 12, days: 1 });
  const aggregator = await startAggregator(db.url, mkdtempSync(join(directory, 'spool-')));
  const eventsFile = newFile('events.jsonl');
  succeeded(['simulate', '--url', aggregator.address, '--seed', '5', '--start', EVENT_START, '--duration', '4h', '--rate', '1200', '--speed', 'max', '--events-out', eventsFile], 'the simulated events');
  await waitForDrain(aggregator.address);
  await stopAggregator(aggregator.child);
  const events = readFileSync(eventsFile, 'utf8').split('\n').filter((line) => line.trim() !== '');
  return { events, reference: await aggregatedContent(db.url) };
});

async function aggregatedContent(url: string): Promise<Content> {
  const content = await contentOf(url);
  return new Map(PERFORMANCE_TABLES.map((name) => [name, content.get(name) ?? { rows: 0, hash: '' }]));
}

/**
 * Sends the events in batches as a source does: a batch that gets no 202 is sent again (to whichever
 * aggregator is listening by then), so events may arrive twice but are never dropped by the sender.
 */
async function sendAll(events: readonly string[], addressOf: () => string): Promise<number> {
  let resent = 0;
  for (let i = 0; i < events.length; i += 50) {
    const body = events.slice(i, i + 50).join('\n');
    for (;;) {
      const status = await fetch(`${addressOf()}/events`, { method: 'POST', body }).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 202) break;
      resent++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return resent;
}

/** The aggregator under faults: one trial is a whole sending, with the fault at a random moment in it. */
async function aggregatorTrial(engine: TestEngine, fault: 'SIGKILL' | 'connection cut', delayMs: number): Promise<{ interrupted: boolean; detail: string }> {
  const fixture = await aggregatorFixture(engine);
  const db = await generated(engine, '8.5.2', 'fault-agg', { agents: 12, days: 1 });
  const spool = mkdtempSync(join(directory, 'spool-'));
  let current = await startAggregator(db.url, spool);
  let interrupted = false;
  let finished = false;
  const faultDone = (async () => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (finished) return;
    interrupted = true;
    if (fault === 'connection cut') return cutConnections(db.target);
    const exited = new Promise((resolve) => current.child.once('exit', resolve));
    current.child.kill('SIGKILL');
    await exited;
    current = await startAggregator(db.url, spool);
  })();
  const resent = await sendAll(fixture.events, () => current.address);
  finished = true;
  await faultDone;
  await waitForDrain(current.address);
  await stopAggregator(current.child);
  assert.deepEqual(differences(await aggregatedContent(db.url), fixture.reference), [], 'every event counted once, as without a fault');
  return { interrupted, detail: `${fixture.events.length} events, ${resent} batch sends repeated; performance and adherence equal to a run without a fault` };
}

/** How long one sending takes without a fault, so that fault moments spread over all of it. */
const aggregatorCalibration = perEngine(async (engine) => {
  const fixture = await aggregatorFixture(engine);
  const db = await generated(engine, '8.5.2', 'fault-agg-cal', { agents: 12, days: 1 });
  const aggregator = await startAggregator(db.url, mkdtempSync(join(directory, 'spool-')));
  const started = performance.now();
  await sendAll(fixture.events, () => aggregator.address);
  const duration = performance.now() - started;
  await stopAggregator(aggregator.child);
  return duration;
});

/** A command a stop signal ends in order, as SIGINT and SIGTERM trials set it up. */
interface SignalTrial {
  args: string[];
  /** Checks what the stopped command left, given the command it named to go on, before that command runs. */
  left(next: string[]): Promise<string> | string;
  /** The data checked once the command, or the one it named, has finished; returns what held. */
  verify(): Promise<string>;
}

interface SignalOperation {
  name: string;
  trial(engine: TestEngine): Promise<SignalTrial>;
}

const STOP_EXIT_CODES: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** The chunk being written is committed or rolled back first, then the process ends: well within this. */
const STOP_LIMIT_MS = 30_000;

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

/** A command line as the interrupted command prints it: words, some in single quotes. */
function shellWords(text: string): string[] {
  return (text.match(/'[^']*'|\S+/g) ?? []).map((word) => (word.startsWith("'") ? word.slice(1, -1) : word));
}

/** The command the last line of `stderr` names to go on, as arguments of `wfm`; `args` where it says to run the same command again. */
function namedNextStep(stderr: string, args: string[]): string[] {
  const line = lastLine(stderr);
  if (line === 'wfm: to go on, run the same command again') return args;
  const named = /^wfm: to go on, run: wfm (.+)$/.exec(line);
  assert.ok(named, `the last line names the command that goes on: ${tail(stderr)}`);
  return shellWords(named[1] as string);
}

/** The journals of a runs folder (none before a run began). */
function journalsIn(runsDir: string): RunJournal[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(runsDir, name), 'utf8')) as RunJournal);
}

const signalledRun: SignalOperation = {
  name: 'run',
  async trial(engine) {
    const source = await legacySource();
    const target = await fresh(engine, 'fault-run');
    const folder = mkdtempSync(join(directory, 'run-'));
    const runsDir = join(folder, 'runs');
    const args = ['run', '--from', source.url, '--to', target.url, '--backup-dir', folder, '--runs-dir', runsDir];
    return {
      args,
      left(next) {
        const [journal, ...others] = journalsIn(runsDir);
        assert.equal(others.length, 0, 'one run');
        if (!journal) {
          assert.deepEqual(next, args, 'stopped before its journal was written: the same command again');
          return 'stopped before its journal';
        }
        const step = journal.steps.find((s) => s.state === 'interrupted');
        assert.equal(journal.state, 'interrupted', JSON.stringify(journal));
        assert.ok(step, `the journal names the step interrupted: ${JSON.stringify(journal.steps)}`);
        assert.deepEqual(next, ['run', '--resume', journal.runId, '--runs-dir', runsDir, '--backup-dir', folder]);
        return `journal interrupted at "${step.name}"`;
      },
      async verify() {
        const journals = journalsIn(runsDir);
        assert.deepEqual(journals.map((journal) => journal.state), ['done'], 'one run, done');
        // The run's verify step is `wfm verify --from --to`: every table recomputed on both sides under the mapping.
        const verified = journals[0]?.steps.find((step) => step.name === 'verify');
        assert.match(verified?.detail ?? '', /^all \d+ tables equal to the source under the mapping/, JSON.stringify(verified));
        return 'the run done, its verify step found every table equal to the source';
      },
    };
  },
};

const signalledBackup: SignalOperation = {
  name: 'backup',
  async trial(engine) {
    const source = await backupSource(engine);
    const file = newFile('signal.backup.db');
    return {
      args: ['bru', 'backup', '--db', source.db.url, '--file', file],
      left() {
        for (const name of [file, `${file}-wal`, `${file}-shm`]) assert.equal(existsSync(name), false, `${name} left under the final name`);
        return `nothing under the file's name${existsSync(`${file}.partial`) ? ', the .partial file kept' : ''}`;
      },
      async verify() {
        succeeded(['bru', 'verify', '--file', file], 'the verification of the backup');
        await restoresTo(file, source.content);
        return 'verified and restored equal to the source';
      },
    };
  },
};

/** The tables a database holds; none when it does not exist. */
async function tablesOf(database: TestDatabase): Promise<string[]> {
  if (database.target.engine === 'sqlite' && !existsSync(database.target.path ?? '')) return [];
  return withConnection({ ...database.target, readOnly: true }, (connection) => connection.introspector.tableNames());
}

const signalledRestore: SignalOperation = {
  name: 'restore',
  async trial(engine) {
    const { file, content } = await backupFile(engine);
    const target = await fresh(engine, 'fault-restore-signal');
    return {
      args: ['bru', 'restore', '--db', target.url, '--file', file],
      async left() {
        assert.deepEqual(await tablesOf(target), [], 'an interrupted restore leaves the database as empty as it found it');
        return 'the database left empty';
      },
      async verify() {
        assert.deepEqual(differences(await contentOf(target.url), content), [], 'the restored database equals the source');
        return 'equal to the source';
      },
    };
  },
};

/**
 * What a stop signal must leave: the exit code a shell reports for it, within STOP_LIMIT_MS, a last line
 * naming the command that goes on, and what the operation checks; then that command must finish.
 */
async function stoppedInOrder(setup: SignalTrial, outcome: Outcome, signal: StopSignal): Promise<string> {
  if (outcome.code === null && outcome.stderr !== '') {
    // Node gives signals back their default action as the process tears itself down, the command done: its work
    // must then be whole without any next step (which verify() below checks).
    assert.equal(outcome.signal, signal, tail(outcome.stderr));
    return `ended by ${signal} in Node's teardown, the command done`;
  }
  if (outcome.code === null) {
    // Before Node runs any of wfm, the signal's own action ends it: a shell reports the same 130 or 143, and nothing was begun.
    assert.equal(outcome.signal, signal, tail(outcome.stderr));
    succeeded(setup.args, 'the same command again');
    return `ended by ${signal} before wfm began; run again`;
  }
  assert.equal(outcome.code, STOP_EXIT_CODES[signal], `exit ${outcome.code}: ${tail(outcome.stderr)}`);
  assert.ok((outcome.stoppedMs ?? 0) <= STOP_LIMIT_MS, `stopped ${outcome.stoppedMs} ms after ${signal}`);
  const next = namedNextStep(outcome.stderr, setup.args);
  const left = await setup.left(next);
  succeeded(next, `the command it named (wfm ${next.join(' ')})`);
  return `exit ${outcome.code} ${outcome.stoppedMs} ms after ${signal}; ${left}; the command it named (${next.includes('--resume') ? '--resume' : 'the same again'}) finished`;
}

/** Stop signals have their own moments: adding them moved none of the trials above. */
const signalMoments = seededRandom(SEED + 1);

async function signalTrial(operation: SignalOperation, engine: TestEngine, signal: StopSignal, trial: number): Promise<void> {
  const duration = await calibrated(operation.name, engine, async () => {
    const setup = await operation.trial(engine);
    return { args: setup.args, check: () => setup.verify() };
  });
  const delayMs = Math.round(signalMoments() * duration);
  const setup = await operation.trial(engine);
  const outcome = await signalledAt(setup.args, delayMs, signal);
  trials++;
  const base = { operation: operation.name, fault: signal, engine: engine.engine, seed: SEED, trial, delayMs, interrupted: outcome.interrupted, code: outcome.code, stoppedMs: outcome.stoppedMs };
  try {
    // A signal that came as the command was ending may find its work done: it then exits 0.
    const stopped = outcome.code === 0 ? 'had finished' : await stoppedInOrder(setup, outcome, signal);
    const detail = `${stopped}; ${await setup.verify()}`;
    record({ ...base, held: true, detail });
    held++;
  } catch (error) {
    record({ ...base, held: false, detail: (error as Error).message });
    throw error;
  }
}

/** WFM_FAULT_OPERATIONS=backup,aggregator runs only those (their records replace the last run's). */
const chosen = process.env.WFM_FAULT_OPERATIONS?.split(',').map((name) => name.trim());
const runs = (name: string): boolean => chosen === undefined || chosen.includes(name);
const OPERATIONS = [updateInPlace, legacyMigration, performanceMigration, backup, restore, etlCycle].filter((operation) => runs(operation.name));
const SIGNAL_OPERATIONS = [signalledRun, signalledBackup, signalledRestore].filter((operation) => runs(operation.name));
const random = seededRandom(SEED);
clearRecords([...new Set([...OPERATIONS, ...SIGNAL_OPERATIONS].map((operation) => operation.name)), ...(runs('aggregator') ? ['aggregator'] : [])]);
let held = 0;
let trials = 0;

after(() => console.log(`faults: ${held} of ${trials} trials held (seed ${SEED}, ${TRIALS} per operation and fault)`));

async function faultTrial(operation: Operation, engine: TestEngine, fault: 'SIGKILL' | 'connection cut', trial: number): Promise<void> {
  const duration = await calibrated(operation.name, engine, async () => {
    const setup = await operation.trial(engine);
    return { args: setup.args, check: (outcome) => setup.recover(outcome) };
  });
  const delayMs = Math.round(random() * duration);
  const setup = await operation.trial(engine);
  const outcome = fault === 'SIGKILL' ? await killedAt(setup.args, delayMs) : await cutAt(setup.args, delayMs, setup.target);
  trials++;
  const base = { operation: operation.name, fault, engine: engine.engine, seed: SEED, trial, delayMs, interrupted: outcome.interrupted, code: outcome.code };
  try {
    if (fault === 'connection cut' && outcome.interrupted && outcome.code !== 0) {
      // Told in one line: a cut mid-work is an operation failure (1); one that ends a connection being opened reads as "cannot connect" (3).
      assert.ok(outcome.code === 1 || outcome.code === 3, `exit ${outcome.code}: ${tail(outcome.stderr)}`);
      assert.match(outcome.stderr, /^wfm: (?!internal error)/m, `a message, not a crash: ${tail(outcome.stderr)}`);
    }
    const detail = await setup.recover(outcome);
    record({ ...base, held: true, detail });
    held++;
  } catch (error) {
    record({ ...base, held: false, detail: (error as Error).message });
    throw error;
  }
}

for (const operation of OPERATIONS) {
  describe(`${operation.name} under faults`, () => {
    for (let trial = 1; trial <= TRIALS; trial++) {
      it(`SIGKILL at a random moment on sqlite (trial ${trial}): run again, verified`, () => faultTrial(operation, sqlite, 'SIGKILL', trial));
    }
    for (const engine of servers) {
      for (let trial = 1; trial <= TRIALS; trial++) {
        it(`connection cut on ${engine.engine} mid-transaction (trial ${trial}): run again, verified`, { skip: engine.skip }, () => faultTrial(operation, engine, 'connection cut', trial));
      }
    }
  });
}

describe('the Data Aggregator under faults', { skip: runs('aggregator') ? undefined : 'not in WFM_FAULT_OPERATIONS' }, () => {
  const cases: [TestEngine, 'SIGKILL' | 'connection cut'][] = [[sqlite, 'SIGKILL'], ...servers.map((engine): [TestEngine, 'connection cut'] => [engine, 'connection cut'])];
  for (const [engine, fault] of cases) {
    for (let trial = 1; trial <= TRIALS; trial++) {
      it(`${fault} at a random moment on ${engine.engine} (trial ${trial}): every event counted once`, { skip: engine.skip }, async () => {
        const delayMs = Math.round(random() * (await aggregatorCalibration(engine)));
        trials++;
        const base = { operation: 'aggregator', fault, engine: engine.engine, seed: SEED, trial, delayMs, code: null };
        try {
          const result = await aggregatorTrial(engine, fault, delayMs);
          record({ ...base, interrupted: result.interrupted, held: true, detail: result.detail });
          held++;
        } catch (error) {
          record({ ...base, interrupted: true, held: false, detail: (error as Error).message });
          throw error;
        }
      });
    }
  }
});

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Both signals on every engine when trials are asked for; inside `npm test` (no WFM_FAULT_TRIALS) one
 * signal per engine, alternating, since both take the same path to an orderly stop and `npm test` must stay short.
 */
function stopSignalsFor(engineIndex: number): readonly StopSignal[] {
  return process.env.WFM_FAULT_TRIALS ? STOP_SIGNALS : [STOP_SIGNALS[engineIndex % STOP_SIGNALS.length] as StopSignal];
}

for (const operation of SIGNAL_OPERATIONS) {
  describe(`${operation.name} stopped by SIGINT and SIGTERM`, () => {
    for (const [index, engine] of [sqlite, ...servers].entries()) {
      for (const signal of stopSignalsFor(index)) {
        for (let trial = 1; trial <= TRIALS; trial++) {
          it(`${signal} at a random moment on ${engine.engine} (trial ${trial}): exit ${STOP_EXIT_CODES[signal]}, the named command finishes, verified`, { skip: engine.skip }, () =>
            signalTrial(operation, engine, signal, trial),
          );
        }
      }
    }
  });
}
