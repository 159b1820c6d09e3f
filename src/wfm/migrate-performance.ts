// Step two of a two-step migration (the Database Utility's "Migrate Performance Data"): the 6.5
// performance data merged into an 8.5.2 database that the new Data Aggregator is already collecting into.
// The new aggregator owns every interval it collected, and whoever else wrote a target row (an import, a
// correction by hand, another collector) owns that row: a 6.5 row for such an interval or key is a
// conflict, kept out (the default), written over it, or a reason to stop before writing anything. Every
// other 6.5 row is inserted, or updated where an earlier run wrote an older version of it and the target
// still holds what that run wrote. A run records the rows it wrote, and how far it read, so the next run
// (a catch-up while the old aggregator still collects) reads only from there.
import { closeOnFailure, connect, type Connection, type ConnectionTarget, type Row, type SqlValue } from '../engine/dialect/index.ts';
import { requireDistinctDatabases } from '../engine/dialect/identity.ts';
import { InputError, OperationError } from '../engine/errors.ts';
import { completeSchema, dropForeignKeysOf } from '../engine/load/loading.ts';
import { RateMeter, type ProgressListener } from '../engine/progress.ts';
import { INTERVAL_SECONDS } from './aggregator/events.ts';
import { epochOfTimestamp, timestampOf } from './aggregator/store.ts';
import { describeState, detectRelease, lockDatabase } from './database.ts';
import { loadLegacyContext, TABLE_MAPPINGS, type LegacyContext, type Rejection, type TableMapping } from './legacy65/index.ts';
import { ensureRowRecord, hasRecordedRows, keyText, recordedHashes, recordWrittenRows, valueHash } from './performance-row-record.ts';
import { releaseModel } from './releases/index.ts';
import type { LegacyRelease } from './releases/versions.ts';

export const CONFLICT_POLICIES = ['keep-target', 'overwrite', 'fail'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

/**
 * From this many rows on, a run drops the two tables' foreign keys and adds them back at the end, checking
 * every row in one pass (PostgreSQL's COPY checks them row by row: 73 s instead of 43 s for 2.4M rows).
 */
const DEFER_FOREIGN_KEYS_ROWS = 250_000;

export interface PerformanceMigrationOptions {
  conflict: ConflictPolicy;
  /** First and last day (YYYY-MM-DD) of 6.5 data to read; by default from where the last run ended. */
  since?: string;
  until?: string;
  chunkRows?: number;
  /** From this many rows on, the foreign keys are dropped during the run and checked in one pass after it. */
  deferForeignKeysFrom?: number;
  onProgress?: ProgressListener;
}

/** Why a target row is not step two's to write. */
export type ConflictReason = 'collected by the new Data Aggregator' | 'not written by the performance migration' | 'changed since the performance migration wrote it';

export interface Conflict {
  table: string;
  key: string;
  resolution: 'kept target' | 'overwritten';
  reason: ConflictReason;
}

export interface PerformanceTableResult {
  source: string;
  target: string;
  /** The first 6.5 day read (YYYYMMDD), or null for the whole table. */
  fromDay: number | null;
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  rejected: number;
  seconds: number;
  /** Read back after writing: every row holds what this run decided. */
  verified: boolean;
}

export interface PerformanceMigrationResult {
  runId: number;
  release: LegacyRelease;
  policy: ConflictPolicy;
  tables: PerformanceTableResult[];
  conflicts: Conflict[];
  rejections: Rejection[];
  seconds: number;
}

/** The performance mappings with what step two needs beyond them: the day column and the target key. */
interface PerformanceTable {
  mapping: TableMapping;
  dayColumn: string;
  /** Target key columns; the second is the instant whose 15-minute interval decides ownership. */
  key: [string, string];
  throughColumn: 'performance_through' | 'adherence_through';
}

const PERFORMANCE_TABLES: PerformanceTable[] = [
  { mapping: requireMapping('performance_data'), dayColumn: 'perf_date', key: ['activity_id', 'interval_start'], throughColumn: 'performance_through' },
  { mapping: requireMapping('agent_compliance'), dayColumn: 'state_date', key: ['agent_id', 'starts_at'], throughColumn: 'adherence_through' },
];

function requireMapping(source: string): TableMapping {
  const mapping = TABLE_MAPPINGS.find((m) => m.source === source);
  if (!mapping) throw new Error(`no mapping reads ${source}`);
  return mapping;
}

/** YYYY-MM-DD as the 6.5 day number YYYYMMDD. */
export function legacyDay(text: string, option: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = match ? new Date(`${text}T00:00:00Z`) : undefined;
  if (!match || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) throw new InputError(`${option} takes a day as YYYY-MM-DD, not "${text}"`);
  return Number(text.replaceAll('-', ''));
}

async function openSource(from: ConnectionTarget): Promise<{ source: Connection; release: LegacyRelease }> {
  const source = await connect({ ...from, readOnly: true });
  return closeOnFailure(source, async () => {
    const state = await detectRelease(source);
    if (state.kind !== 'legacy') {
      throw new InputError(`${source.description} is ${describeState(state)}; wfm dbu migrate-performance reads the 6.5.104 or 6.5.201 database of step one`);
    }
    return { source, release: state.release };
  });
}

async function openTarget(to: ConnectionTarget): Promise<Connection> {
  const target = await connect(to);
  return closeOnFailure(target, async () => {
    const state = await detectRelease(target);
    if (state.kind !== 'current' || state.release !== '8.5.2') {
      throw new InputError(`${target.description} is ${describeState(state)}; step two writes into the 8.5.2 database that step one (wfm dbu migrate) created`);
    }
    const [agents] = await target.query('SELECT COUNT(*) AS n FROM agent');
    if (Number(agents?.n) === 0) {
      throw new InputError(`${target.description} has no agents: run step one (wfm dbu migrate with AllowMigratePerformance = 0) before migrating the performance data`);
    }
    return target;
  });
}

/** The intervals the new aggregator collected: its own, whatever 6.5 holds for them. */
async function aggregatorIntervals(target: Connection): Promise<Set<number>> {
  const rows = await target.query('SELECT interval_start FROM aggregator_interval');
  return new Set(rows.map((r) => epochOfTimestamp(r.interval_start)));
}

const ownedByAggregator = (owned: ReadonlySet<number>, instant: SqlValue): boolean =>
  owned.has(Math.floor(epochOfTimestamp(instant) / INTERVAL_SECONDS) * INTERVAL_SECONDS);

/** Where each table's reading starts: --since, or the last day the last finished run read. */
async function startingDays(target: Connection, since: number | undefined): Promise<Record<PerformanceTable['throughColumn'], number | null>> {
  if (since !== undefined) return { performance_through: since, adherence_through: since };
  const [last] = await target.query(target.compiler.firstRows('SELECT performance_through, adherence_through FROM performance_migration_run WHERE finished_at IS NOT NULL ORDER BY id DESC', 1));
  const day = (value: SqlValue | undefined): number | null => (value === null || value === undefined ? null : Number(value));
  return { performance_through: day(last?.performance_through), adherence_through: day(last?.adherence_through) };
}

/** What the performance migrations into a database did: step two and each catch-up after it. */
export interface StepTwoHistory {
  /** Runs that finished. */
  finished: number;
  /** Runs that started and did not finish (stopped, failed, or under way). */
  unfinished: number;
  /** When the last finished run ended (UTC, as the database holds it). */
  lastFinishedAt?: string;
  lastRowsInserted?: number;
  /** Conflicts counted by every finished run. */
  conflicts: number;
  lastConflicts?: number;
}

/** The performance migrations recorded in an 8.5.2 database; undefined where none was ever started. */
export async function stepTwoHistory(target: Connection): Promise<StepTwoHistory | undefined> {
  if (!(await target.introspector.tableNames()).includes('performance_migration_run')) return undefined;
  const runs = await target.query('SELECT finished_at, rows_inserted, conflicts FROM performance_migration_run ORDER BY id');
  if (runs.length === 0) return undefined;
  const finished = runs.filter((r) => r.finished_at !== null && r.finished_at !== undefined);
  const last = finished.at(-1);
  return {
    finished: finished.length,
    unfinished: runs.length - finished.length,
    lastFinishedAt: last ? timestampOf(epochOfTimestamp(last.finished_at)) : undefined,
    lastRowsInserted: last ? Number(last.rows_inserted) : undefined,
    conflicts: finished.reduce((sum, r) => sum + Number(r.conflicts), 0),
    lastConflicts: last ? Number(last.conflicts) : undefined,
  };
}

async function startRun(target: Connection, source: Connection, policy: ConflictPolicy): Promise<number> {
  const [row] = await target.query('SELECT MAX(id) AS id FROM performance_migration_run');
  const id = Number(row?.id ?? 0) + 1;
  const q = target.compiler;
  await target.execute(
    'INSERT INTO performance_migration_run (id, started_at, source, conflict_policy, rows_inserted, rows_updated, rows_unchanged, conflicts) ' +
      `VALUES (${q.parameter(1)}, ${q.parameter(2)}, ${q.parameter(3)}, ${q.parameter(4)}, 0, 0, 0, 0)`,
    [id, timestampOf(Math.floor(Date.now() / 1000)), source.description.slice(0, 255), policy],
  );
  return id;
}

/** Rows of one chunk as this run decides them, with what the target held for their keys before. */
interface ChunkPlan {
  inserts: SqlValue[][];
  updates: SqlValue[][];
  unchanged: number;
  conflicts: Conflict[];
  /** Key → the row the target must hold afterwards. */
  expected: Map<string, SqlValue[]>;
  /** The hashes step two recorded for keys it wrote before: their records are rewritten, not added. */
  recorded: ReadonlyMap<string, number>;
}

const sameRow = (a: readonly SqlValue[], b: readonly SqlValue[]): boolean => a.length === b.length && a.every((v, i) => (v === null ? b[i] === null : b[i] !== null && String(v) === String(b[i])));

/** The chunk's first and last key, and its earliest and latest instant (a catch-up spans every key). */
interface KeyBounds {
  first: readonly SqlValue[];
  last: readonly SqlValue[];
  earliest: SqlValue;
  latest: SqlValue;
}

function boundsOf(mapped: readonly SqlValue[][]): KeyBounds | undefined {
  const first = mapped[0];
  const last = mapped.at(-1);
  if (!first || !last) return undefined;
  let earliest = String(first[1]);
  let latest = earliest;
  for (const row of mapped) {
    const instant = String(row[1]);
    if (instant < earliest) earliest = instant;
    if (instant > latest) latest = instant;
  }
  return { first, last, earliest, latest };
}

/**
 * What the target holds between two keys (in key order), by key. Each key column is bounded on its own as
 * well, so that every engine reads one index range: by the first column for a chunk of a first run, by
 * the instant for a catch-up, which reads a few days of every activity or agent.
 */
async function existingRows(target: Connection, table: PerformanceTable, columns: readonly string[], bounds: KeyBounds): Promise<Map<string, SqlValue[]>> {
  const q = target.compiler;
  const [a, b] = table.key.map((k) => q.quoteIdentifier(k));
  const { first, last } = bounds;
  const rows = await target.query(
    `SELECT ${columns.map((c) => q.quoteIdentifier(c)).join(', ')} FROM ${q.quoteIdentifier(table.mapping.target)} ` +
      `WHERE ${a} >= ${q.parameter(1)} AND ${a} <= ${q.parameter(2)} AND ${b} >= ${q.parameter(3)} AND ${b} <= ${q.parameter(4)} ` +
      `AND (${a} > ${q.parameter(5)} OR ${b} >= ${q.parameter(6)}) AND (${a} < ${q.parameter(7)} OR ${b} <= ${q.parameter(8)})`,
    [first[0] ?? null, last[0] ?? null, bounds.earliest, bounds.latest, first[0] ?? null, first[1] ?? null, last[0] ?? null, last[1] ?? null],
  );
  return new Map(rows.map((r: Row) => columns.map((c) => r[c] ?? null)).map((values) => [keyText(values), values]));
}

/** What the target holds for a chunk's keys: its rows, and the hashes step two recorded for those it may write. */
interface TargetRows {
  existing: Map<string, SqlValue[]>;
  recorded: Map<string, number>;
}

/**
 * The target's rows in the chunk's range, and the records of those the chunk would change; of absent
 * rows too when `absentMayBeRecorded` (step two wrote rows of the table before: someone may have deleted one).
 */
async function targetRows(target: Connection, table: PerformanceTable, columns: readonly string[], mapped: readonly SqlValue[][], bounds: KeyBounds, absentMayBeRecorded: boolean): Promise<TargetRows> {
  const existing = await existingRows(target, table, columns, bounds);
  if (existing.size === 0 && !absentMayBeRecorded) return { existing, recorded: new Map() };
  const changing = mapped.filter((row) => {
    const before = existing.get(keyText(row));
    return before ? !sameRow(before, row) : absentMayBeRecorded;
  });
  return { existing, recorded: changing.length > 0 ? await recordedHashes(target, table.mapping.target, changing) : new Map() };
}

/**
 * Why the target's row for a 6.5 row is not step two's to change, if it is not: its interval is the new
 * aggregator's, or the target holds other values that step two did not write, or no longer holds what it
 * wrote. A target row that already holds the 6.5 row's values is no conflict, whoever wrote it.
 */
function conflictReason(row: readonly SqlValue[], before: readonly SqlValue[] | undefined, recordedHash: number | undefined, owned: ReadonlySet<number>): ConflictReason | undefined {
  if (ownedByAggregator(owned, row[1] ?? null)) return 'collected by the new Data Aggregator';
  if (!before || sameRow(before, row)) return undefined;
  if (recordedHash === undefined) return 'not written by the performance migration';
  return recordedHash === valueHash(before) ? undefined : 'changed since the performance migration wrote it';
}

function planChunk(table: PerformanceTable, mapped: readonly SqlValue[][], target: TargetRows, owned: ReadonlySet<number>, policy: ConflictPolicy): ChunkPlan {
  const plan: ChunkPlan = { inserts: [], updates: [], unchanged: 0, conflicts: [], expected: new Map(), recorded: target.recorded };
  for (const row of mapped) {
    const key = keyText(row);
    const before = target.existing.get(key);
    const reason = conflictReason(row, before, target.recorded.get(key), owned);
    if (reason) {
      plan.conflicts.push({ table: table.mapping.target, key: `${table.key[0]}=${String(row[0])}, ${table.key[1]}=${String(row[1])}`, resolution: policy === 'overwrite' ? 'overwritten' : 'kept target', reason });
      if (policy !== 'overwrite') {
        if (before) plan.expected.set(key, before);
        continue;
      }
    }
    plan.expected.set(key, row);
    if (!before) plan.inserts.push(row);
    else if (sameRow(before, row)) plan.unchanged++;
    else plan.updates.push(row);
  }
  return plan;
}

async function writeChunk(target: Connection, table: PerformanceTable, columns: readonly string[], plan: ChunkPlan, runId: number): Promise<void> {
  const q = target.compiler;
  const others = columns.slice(2);
  const update =
    `UPDATE ${q.quoteIdentifier(table.mapping.target)} SET ${others.map((c, i) => `${q.quoteIdentifier(c)} = ${q.parameter(i + 1)}`).join(', ')} ` +
    `WHERE ${q.quoteIdentifier(table.key[0])} = ${q.parameter(others.length + 1)} AND ${q.quoteIdentifier(table.key[1])} = ${q.parameter(others.length + 2)}`;
  await target.transaction(async () => {
    if (plan.inserts.length > 0) await target.bulkInsert(table.mapping.target, columns, plan.inserts);
    for (const row of plan.updates) await target.execute(update, [...row.slice(2), row[0] ?? null, row[1] ?? null]);
    await recordWrittenRows(target, table.mapping.target, [...plan.inserts, ...plan.updates], plan.recorded);
    if (plan.conflicts.length > 0) {
      await target.bulkInsert(
        'performance_migration_conflict',
        ['run_id', 'table_name', 'row_key', 'resolution'],
        plan.conflicts.map((c) => [runId, c.table, c.key, c.resolution]),
      );
    }
  });
}

/** Reads the chunk's range back: every key holds what the plan decided. */
async function chunkVerified(target: Connection, table: PerformanceTable, columns: readonly string[], plan: ChunkPlan, bounds: KeyBounds): Promise<boolean> {
  const after = await existingRows(target, table, columns, bounds);
  for (const [key, row] of plan.expected) {
    const actual = after.get(key);
    if (!actual || !sameRow(actual, row)) return false;
  }
  return true;
}

interface TableRun {
  table: PerformanceTable;
  fromDay: number | null;
  untilDay: number | null;
  /** Step two recorded rows of the table before this run: a key the target lacks may have a record. */
  recordedBefore: boolean;
  /** Rows in the run's days: what the progress line's ETA is measured against. */
  rows?: number;
}

/** The run's days of the table, as a WHERE clause (or nothing) and its parameters. */
function dayRange(source: Connection, run: TableRun): { where: string; params: SqlValue[] } {
  const q = source.compiler;
  const day = q.quoteIdentifier(run.table.dayColumn);
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  if (run.fromDay !== null) conditions.push(`${day} >= ${q.parameter(params.push(run.fromDay))}`);
  if (run.untilDay !== null) conditions.push(`${day} <= ${q.parameter(params.push(run.untilDay))}`);
  return { where: conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '', params };
}

function sourceQuery(source: Connection, run: TableRun, release: LegacyRelease): { sql: string; params: SqlValue[] } {
  const q = source.compiler;
  const { mapping } = run.table;
  const { where, params } = dayRange(source, run);
  return {
    sql:
      `SELECT ${mapping.sourceColumns(release).map((c) => q.quoteIdentifier(c)).join(', ')} FROM ${q.quoteIdentifier(mapping.source)}${where}` +
      ` ORDER BY ${mapping.sourceKey.map((c) => q.quoteIdentifier(c)).join(', ')}`,
    params,
  };
}

/** Rows the run will read. */
async function rowsToRead(source: Connection, run: TableRun): Promise<number> {
  const { where, params } = dayRange(source, run);
  const [row] = await source.query(`SELECT COUNT(*) AS n FROM ${source.compiler.quoteIdentifier(run.table.mapping.source)}${where}`, params);
  return Number(row?.n ?? 0);
}

interface Chunk {
  mapped: SqlValue[][];
  rejections: Rejection[];
  rowsRead: number;
  lastDay: number | null;
}

/** The 6.5 rows of a table, mapped, chunk by chunk; mapped rows come sorted by target key. */
async function* chunks(source: Connection, run: TableRun, release: LegacyRelease, context: LegacyContext, chunkRows: number): AsyncGenerator<Chunk> {
  const { sql, params } = sourceQuery(source, run, release);
  const transform = run.table.mapping.transform(context);
  for await (const rows of source.streamQuery(sql, params, chunkRows)) {
    const chunk: Chunk = { mapped: [], rejections: [], rowsRead: rows.length, lastDay: null };
    for (const row of rows) {
      const result = transform(row);
      if ('row' in result) chunk.mapped.push(result.row);
      else chunk.rejections.push(result.rejection);
      const day = Number(row[run.table.dayColumn]);
      if (chunk.lastDay === null || day > chunk.lastDay) chunk.lastDay = day;
    }
    chunk.mapped.sort((a, b) => Number(a[0]) - Number(b[0]) || String(a[1]).localeCompare(String(b[1])));
    yield chunk;
  }
}

/**
 * For --conflict fail: the conflicts the run would meet, found before anything is written. A row of
 * someone else's can hold any key, so every chunk of the run is read and compared with the target.
 */
async function findConflicts(source: Connection, target: Connection, runs: readonly TableRun[], release: LegacyRelease, context: LegacyContext, owned: ReadonlySet<number>, chunkRows: number): Promise<Conflict[]> {
  const found: Conflict[] = [];
  for (const run of runs) {
    for await (const chunk of chunks(source, run, release, context, chunkRows)) {
      const bounds = boundsOf(chunk.mapped);
      if (!bounds) continue;
      const held = await targetRows(target, run.table, run.table.mapping.targetColumns, chunk.mapped, bounds, false);
      found.push(...planChunk(run.table, chunk.mapped, held, owned, 'fail').conflicts);
    }
  }
  return found;
}

async function migrateTable(
  source: Connection,
  target: Connection,
  run: TableRun,
  release: LegacyRelease,
  context: LegacyContext,
  owned: ReadonlySet<number>,
  options: PerformanceMigrationOptions & { runId: number },
): Promise<{ result: PerformanceTableResult; conflicts: Conflict[]; rejections: Rejection[]; lastDay: number | null }> {
  const started = performance.now();
  const columns = run.table.mapping.targetColumns;
  const meter = new RateMeter(run.table.mapping.target, run.rows);
  const result: PerformanceTableResult = {
    source: run.table.mapping.source,
    target: run.table.mapping.target,
    fromDay: run.fromDay,
    rowsRead: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    conflicts: 0,
    rejected: 0,
    seconds: 0,
    verified: true,
  };
  const conflicts: Conflict[] = [];
  const rejections: Rejection[] = [];
  let lastDay: number | null = null;
  for await (const chunk of chunks(source, run, release, context, options.chunkRows ?? 50_000)) {
    result.rowsRead += chunk.rowsRead;
    rejections.push(...chunk.rejections);
    if (chunk.lastDay !== null && (lastDay === null || chunk.lastDay > lastDay)) lastDay = chunk.lastDay;
    const bounds = boundsOf(chunk.mapped);
    if (bounds) {
      const held = await targetRows(target, run.table, columns, chunk.mapped, bounds, run.recordedBefore);
      const plan = planChunk(run.table, chunk.mapped, held, owned, options.conflict);
      await writeChunk(target, run.table, columns, plan, options.runId);
      result.verified &&= await chunkVerified(target, run.table, columns, plan, bounds);
      result.inserted += plan.inserts.length;
      result.updated += plan.updates.length;
      result.unchanged += plan.unchanged;
      result.conflicts += plan.conflicts.length;
      conflicts.push(...plan.conflicts);
    }
    options.onProgress?.(meter.event(result.rowsRead));
  }
  result.rejected = rejections.length;
  result.seconds = (performance.now() - started) / 1000;
  options.onProgress?.(meter.done(result.rowsRead));
  return { result, conflicts, rejections, lastDay };
}

async function finishRun(target: Connection, runId: number, tables: readonly { run: TableRun; lastDay: number | null }[], results: readonly PerformanceTableResult[]): Promise<void> {
  const q = target.compiler;
  const through = (column: PerformanceTable['throughColumn']): number | null => {
    const entry = tables.find((t) => t.run.table.throughColumn === column);
    return entry ? (entry.lastDay ?? entry.run.fromDay) : null;
  };
  const sum = (field: 'inserted' | 'updated' | 'unchanged' | 'conflicts'): number => results.reduce((total, r) => total + r[field], 0);
  await target.execute(
    `UPDATE performance_migration_run SET finished_at = ${q.parameter(1)}, performance_through = ${q.parameter(2)}, adherence_through = ${q.parameter(3)}, ` +
      `rows_inserted = ${q.parameter(4)}, rows_updated = ${q.parameter(5)}, rows_unchanged = ${q.parameter(6)}, conflicts = ${q.parameter(7)} WHERE id = ${q.parameter(8)}`,
    [timestampOf(Math.floor(Date.now() / 1000)), through('performance_through'), through('adherence_through'), sum('inserted'), sum('updated'), sum('unchanged'), sum('conflicts'), runId],
  );
}

export async function migratePerformance(from: ConnectionTarget, to: ConnectionTarget, options: PerformanceMigrationOptions): Promise<PerformanceMigrationResult> {
  const started = performance.now();
  const since = options.since === undefined ? undefined : legacyDay(options.since, '--since');
  const until = options.until === undefined ? null : legacyDay(options.until, '--until');
  if (since !== undefined && until !== null && since > until) throw new InputError(`--since ${options.since} is after --until ${options.until}`);
  await requireDistinctDatabases(from, to);
  const { source, release } = await openSource(from);
  try {
    const target = await openTarget(to);
    try {
      const lock = await lockDatabase(target, 'wfm dbu migrate-performance');
      try {
        await ensureRowRecord(target);
        // A run killed while its foreign keys were dropped gets them back here.
        await completeSchema(target, releaseModel('8.5.2'), options.onProgress);
        const context = await loadLegacyContext(source, release);
        const owned = await aggregatorIntervals(target);
        const startDays = await startingDays(target, since);
        const runs: TableRun[] = [];
        for (const table of PERFORMANCE_TABLES) {
          const run: TableRun = { table, fromDay: startDays[table.throughColumn], untilDay: until, recordedBefore: await hasRecordedRows(target, table.mapping.target) };
          runs.push({ ...run, rows: await rowsToRead(source, run) });
        }
        if (options.conflict === 'fail') {
          const found = await findConflicts(source, target, runs, release, context, owned, options.chunkRows ?? 50_000);
          if (found.length > 0) {
            throw new OperationError(
              `${found.length} rows of 6.5 performance data meet target rows the performance migration did not write (the new Data Aggregator's intervals, imports, corrections); nothing was written (--conflict fail).\n` +
                found.slice(0, 10).map((c) => `  ${c.table}: ${c.key} (${c.reason})`).join('\n') +
                (found.length > 10 ? `\n  ... and ${found.length - 10} more` : '') +
                '\nKeep the target’s rows with --conflict keep-target, or replace them with --conflict overwrite.',
            );
          }
        }
        const runId = await startRun(target, source, options.conflict);
        if (runs.reduce((sum, r) => sum + (r.rows ?? 0), 0) >= (options.deferForeignKeysFrom ?? DEFER_FOREIGN_KEYS_ROWS)) {
          await dropForeignKeysOf(target, PERFORMANCE_TABLES.map((t) => t.mapping.target));
        }
        const outcomes: Awaited<ReturnType<typeof migrateTable>>[] = [];
        // One table after the other: the work is bound by the processor, and two at once gained nothing.
        for (const run of runs) outcomes.push(await migrateTable(source, target, run, release, context, owned, { ...options, runId }));
        await completeSchema(target, releaseModel('8.5.2'), options.onProgress);
        const tables = outcomes.map((o) => o.result);
        await finishRun(target, runId, runs.map((run, i) => ({ run, lastDay: outcomes[i]?.lastDay ?? null })), tables);
        return {
          runId,
          release,
          policy: options.conflict,
          tables,
          conflicts: outcomes.flatMap((o) => o.conflicts),
          rejections: outcomes.flatMap((o) => o.rejections),
          seconds: (performance.now() - started) / 1000,
        };
      } finally {
        await lock.release();
      }
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
