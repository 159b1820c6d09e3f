// One ETL cycle: under the ETL database's lock, the WFM database is read in one snapshot, the dimensions
// are upserted, the facts of the window DaysBack..DaysAhead are recomputed DayChunk days per transaction,
// and old facts are purged. The cycle's CTL_ETL_HISTORY row says how it ended.
import { setImmediate } from 'node:timers/promises';
import type { Connection } from '../../../engine/dialect/types.ts';
import { errorMessage, InputError } from '../../../engine/errors.ts';
import { throwIfStopRequested } from '../../../engine/interruption.ts';
import type { ProgressListener } from '../../../engine/progress.ts';
import { describeState, detectRelease, lockDatabase } from '../../database.ts';
import { describeEtlState, detectEtlRelease } from '../database.ts';
import { ETL_TABLES } from '../tables.ts';
import { compareEtlReleases, type EtlRelease } from '../versions.ts';
import { finishJob, markAbandonedJobs, startJob, type EtlJob } from './control.ts';
import { agentFacts, type FactRows, type KeyOf } from './definitions.ts';
import { upsertDimensions, type DimensionCounts } from './dimensions.ts';
import { chunksOf, type ChunkWritten, writeChunk } from './facts.ts';
import { addDays, datesBetween, type LocalDay, localDays } from './local-days.ts';
import type { EtlCycleOptions } from './options.ts';
import { performanceFacts } from './performance.ts';
import { purgeCutOff, purgeTable, type TablePurge } from './purge.ts';
import { type Organization, readOrganization, readWindow } from './source.ts';

export interface EtlCycleRun extends Omit<EtlCycleOptions, 'etlTimeout'> {
  /** The day the window is counted from (default: today, UTC). */
  today?: string;
  lockWaitMs?: number;
  progress?: ProgressListener;
}

export interface EtlCycleResult {
  historyKey: number;
  auditKey: number;
  window: { first: string; last: string };
  dimensions: DimensionCounts;
  chunks: ChunkWritten[];
  purge: { cutOff?: string; tables: TablePurge[] };
  rowsWritten: number;
  rowsPurged: number;
  abandonedJobs: number;
}

function tablesOf(release: EtlRelease): typeof ETL_TABLES {
  return ETL_TABLES.filter((t) => compareEtlReleases(t.since, release) <= 0);
}

/** The fact tables of a release, each with a day (WFM_DATE) to recompute and purge by. */
export function factTables(release: EtlRelease): string[] {
  return tablesOf(release)
    .filter((t) => t.columns.some((c) => c.name === 'WFM_DATE'))
    .map((t) => t.name);
}

async function checkDatabases(wfm: Connection, etl: Connection): Promise<EtlRelease> {
  const source = await detectRelease(wfm);
  if (source.kind !== 'current') throw new InputError(`${wfm.description} holds ${describeState(source)}; the ETL cycle reads a WFM database at 7.6 or later`);
  const target = await detectEtlRelease(etl);
  if (target.kind !== 'current') throw new InputError(`${etl.description} holds ${describeEtlState(target)}; create it first with wfm etl create --db <url>`);
  return target.release;
}

function daysOfSites(organization: Organization, dates: readonly string[]): Map<number, LocalDay[]> {
  return new Map(organization.sites.map((s) => [s.id, localDays(s.timeZone, dates, `site ${s.id} (${s.name})`)]));
}

/** The UTC span every site's local days of the window cover. */
function spanOf(days: Map<number, LocalDay[]>, dates: readonly string[]): { fromMs: number; toMs: number } {
  const all = [...days.values()].flat();
  if (all.length === 0) return { fromMs: Date.parse(`${dates[0]}T00:00:00Z`), toMs: Date.parse(`${addDays(dates.at(-1) ?? '', 1)}T00:00:00Z`) };
  return { fromMs: Math.min(...all.map((d) => d.startMs)), toMs: Math.max(...all.map((d) => d.endMs)) };
}

function keyResolver(keys: Map<string, Map<number, number>>): KeyOf {
  return (table, id) => (id === null ? null : (keys.get(table)?.get(id) ?? null));
}

interface CycleState {
  job: EtlJob;
  dates: string[];
  result: EtlCycleResult;
  /** WFM_TIMESTAMP of every fact the cycle writes. */
  computedAtMs: number;
}

/** Recomputes one chunk of days from the WFM database's rows of those days, and replaces its facts. */
async function recomputeChunk(wfm: Connection, etl: Connection, organization: Organization, keyOf: KeyOf, chunk: readonly string[], tables: readonly string[], state: CycleState) {
  const daysOfSite = daysOfSites(organization, chunk);
  const { fromMs, toMs } = spanOf(daysOfSite, chunk);
  const input = await readWindow(wfm, fromMs, toMs);
  const facts: FactRows = new Map([...agentFacts(organization, input, daysOfSite, keyOf), ...performanceFacts(organization, input, daysOfSite, keyOf)]);
  return writeChunk(etl, facts, tables, chunk, state.job.auditKey, state.computedAtMs);
}

/**
 * The dimensions, then the facts chunk by chunk, all read from one snapshot of the WFM database while
 * each chunk commits in the ETL database on its own.
 */
async function recompute(wfm: Connection, etl: Connection, release: EtlRelease, options: EtlCycleRun, state: CycleState): Promise<void> {
  const say = (text: string): void => options.progress?.({ type: 'message', text });
  await wfm.snapshot(async () => {
    const organization = await readOrganization(wfm);
    const { keys, counts } = await upsertDimensions(etl, organization, state.job.auditKey, new Set(tablesOf(release).map((t) => t.name)));
    state.result.dimensions = counts;
    say(`dimensions from ${wfm.description} (${organization.agents.length} agents): ${counts.inserted} added, ${counts.updated} updated, ${counts.deleted} marked deleted`);
    const keyOf = keyResolver(keys);
    const tables = factTables(release);
    for (const chunk of chunksOf(state.dates, options.dayChunk)) {
      const written = await recomputeChunk(wfm, etl, organization, keyOf, chunk, tables, state);
      state.result.chunks.push(written);
      state.result.rowsWritten += written.written;
      say(`facts ${written.first}..${written.last}: ${written.rows} rows, ${written.written} written, ${written.deleted} deleted`);
      // A driver that answers at once (SQLite) never lets the event loop run: a signal is seen only here.
      await setImmediate();
      throwIfStopRequested(() => `the facts up to ${written.last} are written; the next cycle recomputes the whole window`);
    }
  });
}

async function purge(etl: Connection, release: EtlRelease, options: EtlCycleRun, today: string, result: EtlCycleResult): Promise<void> {
  const cutOff = purgeCutOff(options, today);
  result.purge.cutOff = cutOff;
  if (cutOff === undefined) {
    options.progress?.({ type: 'message', text: 'purge: nothing to purge (neither PurgeDate nor PurgeDaysBack is set)' });
    return;
  }
  for (const table of factTables(release)) {
    const purged = await purgeTable(etl, table, cutOff, options.maxPurgeChunk);
    result.purge.tables.push(purged);
    result.rowsPurged += purged.transactions.reduce((a, b) => a + b, 0);
  }
  options.progress?.({ type: 'message', text: `purge: ${result.rowsPurged} rows of days before ${cutOff}` });
}

/** `wfm etl run`: one cycle from the WFM database into the ETL database. */
export async function runEtlCycle(wfm: Connection, etl: Connection, options: EtlCycleRun): Promise<EtlCycleResult> {
  const release = await checkDatabases(wfm, etl);
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const dates = datesBetween(addDays(today, -options.daysBack), addDays(today, options.daysAhead));
  const window = { first: dates[0] ?? today, last: dates.at(-1) ?? today };
  const lock = await lockDatabase(etl, 'wfm etl run', options.lockWaitMs ?? 0);
  try {
    const abandonedJobs = await markAbandonedJobs(etl);
    const job = await startJob(etl, wfm.description, window, Date.now());
    const result: EtlCycleResult = {
      ...job,
      window,
      dimensions: { inserted: 0, updated: 0, deleted: 0 },
      chunks: [],
      purge: { tables: [] },
      rowsWritten: 0,
      rowsPurged: 0,
      abandonedJobs,
    };
    options.progress?.({ type: 'message', text: `ETL cycle ${job.historyKey}: window ${window.first}..${window.last}, ${options.dayChunk} days per transaction` });
    try {
      await recompute(wfm, etl, release, options, { job, dates, result, computedAtMs: Date.now() });
      await purge(etl, release, options, today, result);
    } catch (error) {
      await finishJob(etl, job, { status: 'FAILED', rowsWritten: result.rowsWritten, rowsPurged: result.rowsPurged, message: errorMessage(error) }, Date.now());
      throw error;
    }
    await finishJob(etl, job, { status: 'COMPLETED', rowsWritten: result.rowsWritten, rowsPurged: result.rowsPurged }, Date.now());
    return result;
  } finally {
    await lock.release();
  }
}
