// npm run bench: the 6.5 migration on PostgreSQL, measured against the engine's own bulk path (server-side
// COPY of the same target rows from a file) and against pgloader copying the two big tables as they are;
// then backup and restore of the migrated database against pg_dump/pg_restore (-Fc, and -Fd -j 2); then
// the two-step migration: step one, step two (the performance data merged) and a catch-up run; and how
// long `wfm --help` and `wfm info --help` take to start (`--only startup` for that alone); and the ETL
// cycle over the migrated database against the same adherence aggregation as one INSERT ... SELECT
// (`--only etl`); and an S3 round trip of the same backup against a local file, through the S3-compatible
// server the tests start (`--only s3`).
// A benchmark, not a test: it prints figures and asserts nothing. Sizes: --agents N --days D (default
// 2000 x 270: about 5 million performance rows and 13 million adherence rows); a quarter-size run is
// measured first so that peak memory can be compared as the size grows.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { connect, dialectFor, parseConnectionString, type ConnectionTarget } from '../src/engine/dialect/index.ts';
import { createDatabase, detectRelease } from '../src/wfm/database.ts';
import { addDays } from '../src/wfm/etl/index.ts';
import { generate } from '../src/wfm/generate/index.ts';
import { startS3Server } from '../test/helpers/s3-server.ts';

const DEFAULT_AGENTS = 2000;
const DEFAULT_DAYS = 270;
const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: String(DEFAULT_AGENTS) },
    days: { type: 'string', default: String(DEFAULT_DAYS) },
    pg: { type: 'string', default: process.env.WFM_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    only: { type: 'string' },
  },
});
const server = parseConnectionString(args.pg);
const WFM = new URL('../bin/wfm.js', import.meta.url).pathname;
const BIG_TABLES = [
  { legacy: 'performance_data', current: 'activity_performance' },
  { legacy: 'agent_compliance', current: 'agent_adherence' },
];

const at = (database: string): ConnectionTarget => ({ ...server, database });
const url = (target: ConnectionTarget): string => `postgres://${target.user ?? 'postgres'}@${target.host}:${target.port}/${target.database}`;
const log = (text: string): void => void process.stderr.write(`${text}\n`);

async function count(target: ConnectionTarget, table: string): Promise<number> {
  const connection = await connect(target);
  try {
    return Number((await connection.query(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n ?? 0);
  } finally {
    await connection.close();
  }
}

/** A generated 6.5.201 source, kept between runs: generating millions of rows is not what is measured. */
async function legacySource(agents: number, days: number): Promise<ConnectionTarget> {
  const target = at(`wfm_bench_src_${agents}_${days}`);
  const dialect = await dialectFor('postgres');
  await dialect.createDatabase(target);
  const connection = await connect(target);
  try {
    const state = await detectRelease(connection);
    if (state.kind === 'legacy' && Number((await connection.query('SELECT COUNT(*) AS n FROM agent_compliance'))[0]?.n) > 0) return target;
    await connection.close();
    await dialect.dropDatabase(target);
    await dialect.createDatabase(target);
    const fresh = await connect(target);
    log(`generating a 6.5.201 database of ${agents} agents and ${days} days on PostgreSQL ...`);
    const started = performance.now();
    await createDatabase(fresh, '6.5.201');
    const summary = await generate(fresh, '6.5.201', { agents, days, seed: 1 });
    await fresh.query('ANALYZE');
    await fresh.close();
    log(`  ${summary.totalRows.toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return target;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

interface Migration {
  seconds: number;
  rows: number;
  phases: { validate: number; copy: number; foreignKeys: number; verify: number };
  peakRssMiB: number;
}

/** The migration as a user runs it: its own process, measured by the kernel's peak resident size. */
async function migrate(source: ConnectionTarget, label: string): Promise<Migration> {
  const target = at(`wfm_bench_dst_${label}`);
  await (await dialectFor('postgres')).dropDatabase(target);
  log(`migrating ${source.database} into ${target.database} ...`);
  const run = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kib=%M', process.execPath, WFM, 'dbu', 'migrate', '--from', url(source), '--to', url(target), '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`the migration failed:\n${run.stderr.split('\n').slice(-10).join('\n')}`);
  const result = JSON.parse(run.stdout) as { seconds: number; phases: Migration['phases']; tables: { rowsWritten: number }[] };
  const peak = Number(/peak-rss-kib=(\d+)/.exec(run.stderr)?.[1] ?? 0);
  return { seconds: result.seconds, rows: result.tables.reduce((sum, t) => sum + t.rowsWritten, 0), phases: result.phases, peakRssMiB: peak / 1024 };
}

/** Server-side COPY of the migrated rows from a file into empty tables of the same definition. */
async function rawCopy(migrated: ConnectionTarget): Promise<{ rows: number; seconds: number }> {
  const connection = await connect(migrated);
  const folder = mkdtempSync(join(tmpdir(), 'wfm-bench-'));
  spawnSync('chmod', ['777', folder]);
  let rows = 0;
  let seconds = 0;
  try {
    for (const { current } of BIG_TABLES) {
      const file = join(folder, `${current}.copy`);
      await connection.execute(`COPY ${current} TO '${file}'`);
      await connection.execute(`CREATE TABLE bench_${current} (LIKE ${current} INCLUDING ALL)`);
      const started = performance.now();
      rows += await connection.execute(`COPY bench_${current} FROM '${file}'`);
      seconds += (performance.now() - started) / 1000;
      await connection.execute(`DROP TABLE bench_${current}`);
    }
  } finally {
    await connection.close();
    rmSync(folder, { recursive: true, force: true });
  }
  return { rows, seconds };
}

/** pgloader copying the two legacy tables as they are, PostgreSQL to PostgreSQL. */
async function pgloader(source: ConnectionTarget): Promise<{ rows: number; seconds: number } | string> {
  if (spawnSync('which', ['pgloader']).status !== 0) return 'pgloader is not installed (apt-get install pgloader)';
  const target = at('wfm_bench_pgloader');
  const dialect = await dialectFor('postgres');
  await dialect.dropDatabase(target);
  await dialect.createDatabase(target);
  const folder = mkdtempSync(join(tmpdir(), 'wfm-bench-'));
  const command = join(folder, 'load.pgl');
  writeFileSync(
    command,
    `LOAD DATABASE FROM ${url(source)} INTO ${url(target)}\n` +
      `  WITH include drop, create tables, create indexes, reset sequences, workers = 2, concurrency = 1\n` +
      `  INCLUDING ONLY TABLE NAMES MATCHING ${BIG_TABLES.map((t) => `'${t.legacy}'`).join(', ')} IN SCHEMA 'public';\n`,
  );
  const started = performance.now();
  // pgloader's default Lisp heap runs out on tables of millions of rows.
  const run = spawnSync('pgloader', ['--quiet', '--dynamic-space-size', '8192', command], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  rmSync(folder, { recursive: true, force: true });
  if (run.status !== 0) return `pgloader failed: ${(run.stderr || run.stdout).split('\n').slice(-5).join(' ')}`;
  let rows = 0;
  for (const { legacy } of BIG_TABLES) rows += await count(target, legacy);
  await dialect.dropDatabase(target);
  return { rows, seconds };
}

interface Timed {
  seconds: number;
  bytes?: number;
}

/** A command run to completion and timed; its output is only shown when it fails. */
function timed(command: string, args: string[]): number {
  const started = performance.now();
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`${command} failed: ${(run.stderr || run.stdout).split('\n').slice(-5).join(' ')}`);
  return (performance.now() - started) / 1000;
}

function sizeOf(path: string): number {
  return Number(spawnSync('du', ['-sb', path], { encoding: 'utf8' }).stdout.split('\t')[0]);
}

const megabytes = (bytes: number, decimals = 0): string => (bytes / 1024 / 1024).toFixed(decimals);
const megabytesPerSecond = (bytes: number, seconds: number): string => (bytes / 1024 / 1024 / seconds).toFixed(1);

/** The database's size on the server and its number of tables. */
async function databaseSize(database: ConnectionTarget): Promise<{ bytes: number; tables: number }> {
  const connection = await connect(database);
  try {
    return { bytes: await connection.sizeBytes(), tables: (await connection.introspector.introspect()).tables.length };
  } finally {
    await connection.close();
  }
}

/** A part's printed lines, and its headline ratios for the full bench's closing summary. */
interface BenchPart {
  lines: string[];
  summary: string;
}

/** Runs of each backup and restore, ours and pg_dump's in turn: this machine's speed drifts by 10 % and more over minutes. */
const ROUNDS = 2;

interface RestorePhases {
  check: number;
  load: number;
  finish: number;
}

/** wfm bru backup and restore of the migrated database, beside pg_dump and pg_restore of the same database. */
async function backupRestore(database: ConnectionTarget): Promise<BenchPart> {
  const dialect = await dialectFor('postgres');
  const { bytes: databaseBytes, tables } = await databaseSize(database);
  const folder = mkdtempSync(join(tmpdir(), 'wfm-bench-backup-'));
  const restoreTarget = at('wfm_bench_restore');
  const fresh = async (): Promise<void> => {
    await dialect.dropDatabase(restoreTarget);
    await dialect.createDatabase(restoreTarget);
  };
  try {
    log(`backing up with wfm bru and pg_dump -Fc, ${ROUNDS} times in turn, and pg_dump -Fd -j 2 ...`);
    const file = join(folder, 'wfm.backup.db');
    const ourBackups: number[] = [];
    const customBackups: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rmSync(file, { force: true });
      ourBackups.push(timed(process.execPath, [WFM, 'bru', 'backup', '--db', url(database), '--file', file, '--json']));
      customBackups.push(timed('pg_dump', ['-Fc', '-f', join(folder, 'dump.fc'), url(database)]));
    }
    const ours: Timed = { seconds: Math.min(...ourBackups), bytes: sizeOf(file) };
    const custom: Timed = { seconds: Math.min(...customBackups), bytes: sizeOf(join(folder, 'dump.fc')) };
    const directory: Timed = { seconds: timed('pg_dump', ['-Fd', '-j', '2', '-f', join(folder, 'dump.fd'), url(database)]), bytes: sizeOf(join(folder, 'dump.fd')) };
    log(`restoring each into an empty database, wfm bru and pg_restore ${ROUNDS} times in turn ...`);
    const ourRestores: { seconds: number; phases: RestorePhases }[] = [];
    const customRestores: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await dialect.dropDatabase(restoreTarget);
      const restored = wfmJson<{ phases: RestorePhases }>(['bru', 'restore', '--db', url(restoreTarget), '--file', file]);
      ourRestores.push({ seconds: restored.seconds, phases: restored.result.phases });
      await fresh();
      customRestores.push(timed('pg_restore', ['-d', url(restoreTarget), join(folder, 'dump.fc')]));
    }
    const best = ourRestores.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const ourRestore = best.seconds;
    const { check, load, finish } = best.phases;
    const customRestore = Math.min(...customRestores);
    await fresh();
    const directoryRestore = timed('pg_restore', ['-j', '2', '-d', url(restoreTarget), join(folder, 'dump.fd')]);
    await dialect.dropDatabase(restoreTarget);
    const runs = (seconds: number[]) => seconds.map((s) => s.toFixed(1)).join(', ');
    const mb = (bytes: number) => megabytes(bytes);
    const mbs = (seconds: number) => megabytesPerSecond(databaseBytes, seconds);
    const row = (name: string, backup: Timed, restore: number) =>
      `${name.padEnd(26)} backup ${backup.seconds.toFixed(1).padStart(6)} s (${mbs(backup.seconds).padStart(5)} MB/s)  file ${mb(backup.bytes ?? 0).padStart(5)} MB  restore ${restore.toFixed(1).padStart(6)} s (${mbs(restore).padStart(5)} MB/s)`;
    const parallelRatios = `backup ${(directory.seconds / ours.seconds).toFixed(2)}x the speed; restore ${(directoryRestore / ourRestore).toFixed(2)}x the speed`;
    const lines = [
      '',
      `backup and restore of the migrated database (${tables} tables, ${mb(databaseBytes)} MB in PostgreSQL)`,
      row('wfm bru', ours, ourRestore),
      row('pg_dump -Fc / pg_restore', custom, customRestore),
      row('pg_dump -Fd -j 2 / -j 2', directory, directoryRestore),
      `wfm / pg_dump -Fc: backup ${(custom.seconds / ours.seconds).toFixed(2)}x the speed, file ${((ours.bytes ?? 0) / (custom.bytes ?? 1)).toFixed(2)}x the size; restore ${(customRestore / ourRestore).toFixed(2)}x the speed`,
      `wfm / -Fd -j 2:    ${parallelRatios}`,
      `best of ${ROUNDS} runs taken in turn: wfm bru backup ${runs(ourBackups)} s, pg_dump -Fc ${runs(customBackups)} s; wfm bru restore ${runs(ourRestores.map((r) => r.seconds))} s, pg_restore ${runs(customRestores)} s`,
      'wfm bru also checks every restored table against the backup; pg_restore checks nothing',
      `wfm bru restore: file checked ${check.toFixed(1)} s, rows loaded with keys, indexes and foreign keys ${load.toFixed(1)} s, last tables checked ${finish.toFixed(1)} s`,
    ];
    return { lines, summary: `wfm bru / pg_dump -Fd -j 2: ${parallelRatios}` };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * The bytes of the files under a directory now. A file removed while it is read counts for nothing, and a
 * folder removed while it is walked makes the whole sample nothing: the peak is taken over many samples.
 */
function directoryBytes(directory: string): number {
  let entries: Dirent[];
  try {
    entries = readdirSync(directory, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let bytes = 0;
  for (const entry of entries) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name), { throwIfNoEntry: false })?.size ?? 0;
  }
  return bytes;
}

interface ScratchRun {
  seconds: number;
  bytes: number;
  peakScratchBytes: number;
}

/**
 * One `wfm bru` command in its own process with its own TMPDIR, timed, with the size its --json result
 * reports and the most that TMPDIR held, sampled every 50 ms.
 */
async function bruWithScratch(args: string[], env: NodeJS.ProcessEnv, scratch: string): Promise<ScratchRun> {
  const started = performance.now();
  const run = spawn(process.execPath, [WFM, 'bru', ...args, '--json'], { env: { ...env, TMPDIR: scratch }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  run.stdout.on('data', (data: Buffer) => void (stdout += data.toString()));
  run.stderr.on('data', (data: Buffer) => void (stderr += data.toString()));
  let peakScratchBytes = 0;
  const sampler = setInterval(() => void (peakScratchBytes = Math.max(peakScratchBytes, directoryBytes(scratch))), 50);
  const [status] = (await once(run, 'close')) as [number | null];
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  if (status !== 0) throw new Error(`wfm bru ${args[0]} failed:\n${stderr.split('\n').slice(-10).join('\n')}`);
  return { seconds, bytes: Number((JSON.parse(stdout) as { bytes?: number }).bytes ?? 0), peakScratchBytes };
}

interface RoundTrip {
  backup: ScratchRun;
  restore: ScratchRun;
}

/**
 * wfm bru backup to an object in the S3-compatible server the tests use (on this machine, so the network
 * is the loopback) and restore from it into an empty database, beside the same backup and restore with a
 * local file, taken in turn.
 */
async function s3RoundTrip(database: ConnectionTarget): Promise<BenchPart> {
  const dialect = await dialectFor('postgres');
  const { bytes: databaseBytes } = await databaseSize(database);
  const store = await startS3Server('wfm-bench');
  const folder = mkdtempSync(join(tmpdir(), 'wfm-bench-s3-'));
  const scratch = join(folder, 'tmp');
  mkdirSync(scratch);
  const env = { ...process.env, ...store.env };
  const restoreTarget = at('wfm_bench_restore_s3');
  const roundTrip = async (file: string): Promise<RoundTrip> => {
    const backup = await bruWithScratch(['backup', '--db', url(database), '--file', file], env, scratch);
    await dialect.dropDatabase(restoreTarget);
    const restore = await bruWithScratch(['restore', '--db', url(restoreTarget), '--file', file], env, scratch);
    return { backup, restore };
  };
  try {
    log(`backing up to s3://${store.bucket} and to a local file and restoring each, ${ROUNDS} times in turn ...`);
    const objectRuns: RoundTrip[] = [];
    const fileRuns: RoundTrip[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A backup never replaces an object, so each round writes a key of its own, removed after the round so that the store holds one backup at a time.
      const key = `bench/wfm-${round}.backup.db`;
      objectRuns.push(await roundTrip(`s3://${store.bucket}/${key}`));
      await store.client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key }));
      const file = join(folder, 'wfm.backup.db');
      rmSync(file, { force: true });
      fileRuns.push(await roundTrip(file));
    }
    return roundTripLines(databaseBytes, objectRuns, fileRuns);
  } finally {
    await dialect.dropDatabase(restoreTarget);
    await store.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The best of each kind of run, its rate over the database's size, and S3 against the local file. */
function roundTripLines(databaseBytes: number, objectRuns: RoundTrip[], fileRuns: RoundTrip[]): BenchPart {
  const best = (runs: ScratchRun[]): ScratchRun => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const peak = (runs: RoundTrip[]): number => Math.max(...runs.flatMap((r) => [r.backup.peakScratchBytes, r.restore.peakScratchBytes]));
  const runs = (values: ScratchRun[]): string => values.map((r) => r.seconds.toFixed(1)).join(', ');
  const row = (name: string, trips: RoundTrip[]): string => {
    const backup = best(trips.map((t) => t.backup));
    const restore = best(trips.map((t) => t.restore));
    return `${name.padEnd(26)} backup ${backup.seconds.toFixed(1).padStart(6)} s (${megabytesPerSecond(databaseBytes, backup.seconds).padStart(5)} MB/s)  size ${megabytes(backup.bytes, 1).padStart(7)} MB  restore ${restore.seconds.toFixed(1).padStart(6)} s (${megabytesPerSecond(databaseBytes, restore.seconds).padStart(5)} MB/s)  peak TMPDIR ${megabytes(peak(trips)).padStart(4)} MB`;
  };
  const ratio = (kind: keyof RoundTrip): string => (best(objectRuns.map((t) => t[kind])).seconds / best(fileRuns.map((t) => t[kind])).seconds).toFixed(2);
  const ratios = `backup ${ratio('backup')}x the time, restore ${ratio('restore')}x the time`;
  const lines = [
    '',
    `S3 round trip of the migrated database (${megabytes(databaseBytes)} MB in PostgreSQL; s3rver on 127.0.0.1, default segment and part sizes)`,
    row('wfm bru, s3:// object', objectRuns),
    row('wfm bru, local file', fileRuns),
    `S3 / local file: ${ratios}`,
    `best of ${ROUNDS} runs taken in turn: to S3 ${runs(objectRuns.map((t) => t.backup))} s, to a file ${runs(fileRuns.map((t) => t.backup))} s; from S3 ${runs(objectRuns.map((t) => t.restore))} s, from a file ${runs(fileRuns.map((t) => t.restore))} s`,
  ];
  return { lines, summary: `wfm bru S3 / local file: ${ratios}` };
}

/** One `wfm` command in its own process, with its --json result and its wall-clock seconds. */
function wfmJson<T>(args: string[]): { result: T; seconds: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [WFM, ...args, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`wfm ${args[0]} ${args[1]} failed:\n${run.stderr.split('\n').slice(-10).join('\n')}`);
  return { result: JSON.parse(run.stdout) as T, seconds: (performance.now() - started) / 1000 };
}

/** Step one without the performance data, step two merging it, and a catch-up that reads only the last day. */
async function twoStep(source: ConnectionTarget): Promise<string[]> {
  const target = at('wfm_bench_dst_two_step');
  await (await dialectFor('postgres')).dropDatabase(target);
  log(`two-step migration of ${source.database} into ${target.database} ...`);
  const stepOne = wfmJson<{ tables: { rowsWritten: number }[] }>(['dbu', 'migrate', '--from', url(source), '--to', url(target), '--allow-migrate-performance', '0']);
  type Run = { tables: { target: string; rowsRead: number; inserted: number; unchanged: number; seconds: number }[] };
  const stepTwo = wfmJson<Run>(['dbu', 'migrate-performance', '--from', url(source), '--to', url(target)]);
  const catchUp = wfmJson<Run>(['dbu', 'migrate-performance', '--from', url(source), '--to', url(target)]);
  const rows = (run: Run): number => run.tables.reduce((sum, t) => sum + t.rowsRead, 0);
  return [
    '',
    'two-step migration',
    `step one, without performance data  ${n(stepOne.result.tables.reduce((sum, t) => sum + t.rowsWritten, 0))} rows in ${stepOne.seconds.toFixed(1)} s`,
    `step two, performance data          ${n(rows(stepTwo.result))} rows in ${stepTwo.seconds.toFixed(1)} s: ${n(perSecond(rows(stepTwo.result), stepTwo.seconds))} rows/s`,
    ...stepTwo.result.tables.map((t) => `  ${t.target.padEnd(33)} ${n(t.inserted)} rows inserted in ${t.seconds.toFixed(1)} s: ${n(perSecond(t.rowsRead, t.seconds))} rows/s`),
    `catch-up (reads from the last day)  ${n(rows(catchUp.result))} rows read in ${catchUp.seconds.toFixed(1)} s`,
  ];
}

/** The median start of `wfm --help` and `wfm info --help` over seven runs each, built or from the source, as bin/wfm.js picks. */
function startup(): string[] {
  const median = (args: string[]): number => {
    const times = Array.from({ length: 7 }, () => timed(process.execPath, [WFM, ...args])).sort((a, b) => a - b);
    return times[3] as number;
  };
  const bare = Array.from({ length: 7 }, () => timed(process.execPath, ['-e', '0'])).sort((a, b) => a - b)[3] as number;
  return [
    '',
    'start-up (median of 7)',
    `wfm --help        ${median(['--help']).toFixed(2)} s`,
    `wfm info --help   ${median(['info', '--help']).toFixed(2)} s`,
    `node -e 0         ${bare.toFixed(2)} s (Node itself)`,
  ];
}

/** The first day of the bench's generated history (generate's default). */
const FIRST_DAY = '2024-01-01';

/**
 * Adherence per agent per local day, by the ETL's definitions, as one INSERT ... SELECT in the WFM database:
 * every minute an agent is scheduled or in a state, judged against the site's schedule state groups. Where
 * segments overlap it takes the latest-started one that covers the minute, which the cycle also does unless
 * a later segment ends before an earlier one. $1 and $2 are the first and last local day.
 */
const FLOOR_INSERT = `
INSERT INTO bench_adh_agent_day (agent_id, day, schedule_seconds, non_adherence_seconds, out_of_schedule_seconds, actual_work_seconds)
WITH bounds AS (SELECT $1::date - 1 AS lo, $2::date + 2 AS hi),
scheduled AS (
  SELECT DISTINCT ON (s.agent_id, m) s.agent_id, m AS minute, s.kind
  FROM master_schedule s CROSS JOIN bounds b
  CROSS JOIN LATERAL generate_series(date_trunc('minute', s.starts_at + interval '59.999999 seconds'), s.ends_at - interval '1 microsecond', interval '1 minute') m
  WHERE s.starts_at < b.hi AND s.ends_at > b.lo
  ORDER BY s.agent_id, m, s.starts_at DESC
),
actual AS (
  SELECT DISTINCT ON (r.agent_id, m) r.agent_id, m AS minute, r.agent_state_id AS state_id, r.reason_id
  FROM agent_adherence r CROSS JOIN bounds b
  CROSS JOIN LATERAL generate_series(date_trunc('minute', r.starts_at + interval '59.999999 seconds'), r.starts_at + r.duration_seconds * interval '1 second' - interval '1 microsecond', interval '1 minute') m
  WHERE r.starts_at < b.hi AND r.starts_at + r.duration_seconds * interval '1 second' > b.lo
  ORDER BY r.agent_id, m, r.starts_at DESC
),
any_reason AS (
  SELECT g.site_id, gs.agent_state_id AS state_id, array_agg(DISTINCT g.kind) AS kinds
  FROM schedule_state_group g JOIN schedule_state_group_state gs ON gs.schedule_state_group_id = g.id WHERE gs.reason_id IS NULL GROUP BY 1, 2
),
by_reason AS (
  SELECT g.site_id, gs.agent_state_id AS state_id, gs.reason_id, array_agg(DISTINCT g.kind) AS kinds
  FROM schedule_state_group g JOIN schedule_state_group_state gs ON gs.schedule_state_group_id = g.id WHERE gs.reason_id IS NOT NULL GROUP BY 1, 2, 3
),
judged AS (
  SELECT a.id AS agent_id, (COALESCE(s.minute, r.minute) AT TIME ZONE t.time_zone)::date AS day,
    s.kind IS NOT NULL AND s.kind <> 'day_off' AS scheduled,
    COALESCE(s.kind = ANY(x.kinds), false) OR COALESCE(s.kind = ANY(y.kinds), false) AS adherent,
    COALESCE('work' = ANY(x.kinds), false) OR COALESCE('work' = ANY(y.kinds), false) AS working
  FROM scheduled s FULL JOIN actual r ON r.agent_id = s.agent_id AND r.minute = s.minute
  JOIN agent a ON a.id = COALESCE(s.agent_id, r.agent_id) JOIN site t ON t.id = a.site_id
  LEFT JOIN any_reason x ON x.site_id = a.site_id AND x.state_id = r.state_id
  LEFT JOIN by_reason y ON y.site_id = a.site_id AND y.state_id = r.state_id AND y.reason_id = r.reason_id
)
SELECT agent_id, day, 60 * COUNT(*) FILTER (WHERE scheduled), 60 * COUNT(*) FILTER (WHERE scheduled AND NOT adherent),
  60 * COUNT(*) FILTER (WHERE NOT scheduled AND working), 60 * COUNT(*) FILTER (WHERE working)
FROM judged WHERE day BETWEEN $1::date AND $2::date
GROUP BY agent_id, day
HAVING COUNT(*) FILTER (WHERE scheduled) > 0 OR COUNT(*) FILTER (WHERE working) > 0`;

interface Totals {
  rows: number;
  scheduled: number;
  nonAdherence: number;
}

/** The floor: the aggregation above into a scratch table of the WFM database, timed, with its totals. */
async function floorAggregation(wfmDatabase: ConnectionTarget, first: string, last: string): Promise<Totals & { seconds: number }> {
  const connection = await connect(wfmDatabase);
  try {
    await connection.execute('DROP TABLE IF EXISTS bench_adh_agent_day');
    await connection.execute(
      'CREATE TABLE bench_adh_agent_day (agent_id integer, day date, schedule_seconds bigint, non_adherence_seconds bigint, out_of_schedule_seconds bigint, actual_work_seconds bigint, PRIMARY KEY (agent_id, day))',
    );
    const started = performance.now();
    await connection.execute(FLOOR_INSERT, [first, last]);
    const seconds = (performance.now() - started) / 1000;
    const [row] = await connection.query('SELECT COUNT(*) AS n, SUM(schedule_seconds) AS scheduled, SUM(non_adherence_seconds) AS non FROM bench_adh_agent_day');
    await connection.execute('DROP TABLE bench_adh_agent_day');
    return { seconds, rows: Number(row?.n ?? 0), scheduled: Number(row?.scheduled ?? 0), nonAdherence: Number(row?.non ?? 0) };
  } finally {
    await connection.close();
  }
}

async function cycleTotals(etl: ConnectionTarget, first: string, last: string): Promise<Totals> {
  const connection = await connect(etl);
  try {
    const [row] = await connection.query(
      'SELECT COUNT(*) AS n, SUM("WFM_SCHEDULE_DURATION") AS scheduled, SUM("WFM_NON_ADHERENCE_DURATION") AS non FROM "WFM_ADH_AGENT_DAY" WHERE "WFM_DATE" BETWEEN $1 AND $2',
      [first, last],
    );
    return { rows: Number(row?.n ?? 0), scheduled: Number(row?.scheduled ?? 0), nonAdherence: Number(row?.non ?? 0) };
  } finally {
    await connection.close();
  }
}

/** A new, empty ETL database on the server. */
async function etlDatabase(name: string): Promise<ConnectionTarget> {
  const target = at(name);
  const dialect = await dialectFor('postgres');
  await dialect.dropDatabase(target);
  await dialect.createDatabase(target);
  timed(process.execPath, [WFM, 'etl', 'create', '--db', url(target)]);
  return target;
}

interface CycleRun {
  rowsWritten: number;
  chunks: unknown[];
  window: { first: string; last: string };
}

/**
 * One ETL cycle over the migrated database (14 days back and ahead of a day in the middle of its history),
 * the same cycle again (nothing changed), a full rebuild of every day of the history into a new ETL
 * database, and the floor: adherence per agent per day as one INSERT ... SELECT on the server.
 */
async function etl(migrated: ConnectionTarget, days: number): Promise<string[]> {
  const today = addDays(FIRST_DAY, Math.floor(days / 2));
  const target = await etlDatabase('wfm_bench_etl');
  log(`ETL cycle of ${migrated.database} into ${target.database}, 14 days either side of ${today} ...`);
  const windowArgs = ['--from', url(migrated), '--to', url(target), '--today', today, '--days-back', '14', '--days-ahead', '14'];
  const cycle = wfmJson<CycleRun>(['etl', 'run', ...windowArgs]);
  const again = wfmJson<CycleRun>(['etl', 'run', ...windowArgs]);
  const { first, last } = cycle.result.window;
  const totals = await cycleTotals(target, first, last);
  const rebuildTarget = await etlDatabase('wfm_bench_etl_rebuild');
  const lastDay = addDays(FIRST_DAY, days - 1);
  const daysBack = Math.min(365, days - 1);
  log(`full rebuild: every day up to ${lastDay} (${daysBack} back) into ${rebuildTarget.database} ...`);
  const rebuild = wfmJson<CycleRun>(['etl', 'run', '--from', url(migrated), '--to', url(rebuildTarget), '--today', lastDay, '--days-back', String(daysBack), '--days-ahead', '1']);
  log('the floor: adherence per agent per day as one INSERT ... SELECT ...');
  const floor = await floorAggregation(migrated, first, last);
  const same = floor.rows === totals.rows && floor.scheduled === totals.scheduled && floor.nonAdherence === totals.nonAdherence;
  const dialect = await dialectFor('postgres');
  await dialect.dropDatabase(target);
  await dialect.dropDatabase(rebuildTarget);
  const line = (name: string, run: { result: CycleRun; seconds: number }) =>
    `${name.padEnd(36)} ${n(run.result.rowsWritten).padStart(11)} fact rows written in ${run.seconds.toFixed(1).padStart(6)} s (${run.result.chunks.length} transactions)`;
  return [
    '',
    `ETL cycle on PostgreSQL (window ${first}..${last}; every fact table, dimensions upserted)`,
    line('one cycle, 14 days back and ahead', cycle),
    line('the same cycle again, nothing changed', again),
    line(`full rebuild, ${daysBack + 2} days`, rebuild),
    `floor: WFM_ADH_AGENT_DAY alone as one INSERT ... SELECT: ${n(floor.rows)} rows in ${floor.seconds.toFixed(1)} s`,
    `  adherence per agent per day of the cycle and of the floor: ${n(totals.rows)} and ${n(floor.rows)} rows, ${same ? 'the same scheduled and out-of-adherence seconds' : `DIFFERENT: scheduled ${n(totals.scheduled)} / ${n(floor.scheduled)}, out of adherence ${n(totals.nonAdherence)} / ${n(floor.nonAdherence)}`}`,
    `cycle / floor: ${(cycle.seconds / Math.max(floor.seconds, 1e-9)).toFixed(1)}x the time (the cycle computes ${n(cycle.result.rowsWritten)} rows of 19 fact tables, the floor one table)`,
  ];
}

const perSecond = (rows: number, seconds: number): number => Math.round(rows / Math.max(seconds, 1e-9));
const n = (value: number): string => value.toLocaleString('en-US');

/**
 * The migrated database a part run alone measures: the full bench's at the default size, otherwise one per
 * size, migrated the first time and kept.
 */
async function migratedDatabase(agents: number, days: number): Promise<ConnectionTarget> {
  const label = agents === DEFAULT_AGENTS && days === DEFAULT_DAYS ? 'full' : `${agents}_${days}`;
  const migrated = at(`wfm_bench_dst_${label}`);
  if ((await count(migrated, 'agent_adherence').catch(() => 0)) === 0) await migrate(await legacySource(agents, days), label);
  return migrated;
}

async function main(): Promise<void> {
  const agents = Number(args.agents);
  const days = Number(args.days);
  if (args.only === 'backup') {
    process.stdout.write(`${(await backupRestore(await migratedDatabase(agents, days))).lines.join('\n')}\n`);
    return;
  }
  if (args.only === 's3') {
    process.stdout.write(`${(await s3RoundTrip(await migratedDatabase(agents, days))).lines.join('\n')}\n`);
    return;
  }
  if (args.only === 'etl') {
    process.stdout.write(`${(await etl(await migratedDatabase(agents, days), days)).join('\n')}\n`);
    return;
  }
  if (args.only === 'startup') {
    process.stdout.write(`${startup().join('\n')}\n`);
    return;
  }
  if (args.only === 'two-step') {
    process.stdout.write(`${(await twoStep(await legacySource(agents, days))).join('\n')}\n`);
    return;
  }
  const quarter = await migrate(await legacySource(agents, Math.max(1, Math.round(days / 4))), 'quarter');
  const source = await legacySource(agents, days);
  const full = await migrate(source, 'full');
  const copy = await rawCopy(at('wfm_bench_dst_full'));
  const loader = await pgloader(source);

  const migrationRate = perSecond(full.rows, full.phases.copy);
  const copyRate = perSecond(copy.rows, copy.seconds);
  const p = full.phases;
  const lines = [
    `6.5 migration benchmark on PostgreSQL (${agents} agents, ${days} days)`,
    '',
    `migration, end to end            ${n(full.rows)} rows in ${full.seconds.toFixed(1)} s: ${n(perSecond(full.rows, full.seconds))} rows/s`,
    `  validate ${p.validate.toFixed(1)} s, copy ${p.copy.toFixed(1)} s, foreign keys ${p.foreignKeys.toFixed(1)} s, read back and verify ${p.verify.toFixed(1)} s`,
    `migration, copy phase            ${n(full.rows)} rows in ${p.copy.toFixed(1)} s: ${n(migrationRate)} rows/s (read, map, hash, write every table)`,
    `raw COPY FROM file, same rows    ${n(copy.rows)} rows in ${copy.seconds.toFixed(1)} s: ${n(copyRate)} rows/s`,
    typeof loader === 'string'
      ? `pgloader                         ${loader}`
      : `pgloader, the two tables as is   ${n(loader.rows)} rows in ${loader.seconds.toFixed(1)} s: ${n(perSecond(loader.rows, loader.seconds))} rows/s`,
    '',
    `migration copy / raw COPY        ${(migrationRate / copyRate).toFixed(2)} (end to end: ${(perSecond(full.rows, full.seconds) / copyRate).toFixed(2)})`,
    typeof loader === 'string' ? '' : `migration copy / pgloader        ${(migrationRate / perSecond(loader.rows, loader.seconds)).toFixed(2)} (pgloader neither maps, validates nor verifies)`,
    `peak memory of the migration     ${full.peakRssMiB.toFixed(0)} MiB for ${n(full.rows)} rows; ${quarter.peakRssMiB.toFixed(0)} MiB for ${n(quarter.rows)} rows (a quarter of the days)`,
  ];
  const backup = await backupRestore(at('wfm_bench_dst_full'));
  const objectStorage = await s3RoundTrip(at('wfm_bench_dst_full'));
  lines.push(...backup.lines, ...objectStorage.lines, ...(await twoStep(source)), ...(await etl(at('wfm_bench_dst_full'), days)), ...startup());
  lines.push('', `summary: migration copy / raw COPY ${(migrationRate / copyRate).toFixed(2)}; ${backup.summary}; ${objectStorage.summary}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
