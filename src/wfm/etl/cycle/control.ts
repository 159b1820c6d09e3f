// The control tables: CTL_AUDIT_LOG holds one entry per cycle, whose key every row the cycle writes
// carries (CREATE_AUDIT_KEY, UPDATE_AUDIT_KEY); CTL_ETL_HISTORY holds one row per cycle, RUNNING while it
// runs, then COMPLETED, or FAILED if any part failed. A RUNNING row found by the next cycle, which holds
// the lock, belongs to a cycle that was killed: it is marked FAILED.
import type { Connection, SqlValue } from '../../../engine/dialect/types.ts';
import { CTL_AUDIT_LOG } from '../tables.ts';
import { timestampText } from './local-days.ts';
import { insertRows, nextKey } from './writes.ts';

export const ETL_HISTORY_TABLE = 'CTL_ETL_HISTORY';
export const ETL_JOB_NAME = 'ETL cycle';

export type EtlJobStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface EtlJob {
  historyKey: number;
  auditKey: number;
}

/** The message a killed cycle's history row gets; MESSAGE holds at most 1000 characters. */
const ABANDONED = 'the cycle ended without finishing (its process stopped); the next cycle recomputed its window';

export async function markAbandonedJobs(etl: Connection): Promise<number> {
  const q = etl.compiler;
  return etl.execute(
    `UPDATE ${q.quoteIdentifier(ETL_HISTORY_TABLE)} SET ${q.quoteIdentifier('STATUS')} = ${q.parameter(1)}, ${q.quoteIdentifier('MESSAGE')} = ${q.parameter(2)} WHERE ${q.quoteIdentifier('STATUS')} = ${q.parameter(3)}`,
    ['FAILED', ABANDONED, 'RUNNING'],
  );
}

export async function startJob(etl: Connection, source: string, window: { first: string; last: string }, startedMs: number): Promise<EtlJob> {
  return etl.transaction(async () => {
    const auditKey = await nextKey(etl, CTL_AUDIT_LOG);
    const started = timestampText(startedMs);
    await insertRows(etl, CTL_AUDIT_LOG, [`${CTL_AUDIT_LOG}_KEY`, 'JOB_NAME', 'SOURCE_NAME', 'STARTED_AT'], [[auditKey, ETL_JOB_NAME, source.slice(0, 255), started]]);
    const historyKey = await nextKey(etl, ETL_HISTORY_TABLE);
    await insertRows(
      etl,
      ETL_HISTORY_TABLE,
      [`${ETL_HISTORY_TABLE}_KEY`, 'JOB_NAME', 'STARTED_AT', 'STATUS', 'WINDOW_START', 'WINDOW_END', 'AUDIT_KEY'],
      [[historyKey, ETL_JOB_NAME, started, 'RUNNING', window.first, window.last, auditKey]],
    );
    return { historyKey, auditKey };
  });
}

export interface JobOutcome {
  status: Exclude<EtlJobStatus, 'RUNNING'>;
  rowsWritten: number;
  rowsPurged: number;
  message?: string;
}

export async function finishJob(etl: Connection, job: EtlJob, outcome: JobOutcome, finishedMs: number): Promise<void> {
  const q = etl.compiler;
  const finished = timestampText(finishedMs);
  const set = (columns: string[]) => columns.map((c, i) => `${q.quoteIdentifier(c)} = ${q.parameter(i + 1)}`).join(', ');
  const history: [string, SqlValue][] = [
    ['FINISHED_AT', finished],
    ['STATUS', outcome.status],
    ['ROWS_WRITTEN', outcome.rowsWritten],
    ['ROWS_PURGED', outcome.rowsPurged],
    ['MESSAGE', outcome.message?.slice(0, 1000) ?? null],
  ];
  await etl.transaction(async () => {
    await etl.execute(
      `UPDATE ${q.quoteIdentifier(ETL_HISTORY_TABLE)} SET ${set(history.map(([c]) => c))} WHERE ${q.quoteIdentifier(`${ETL_HISTORY_TABLE}_KEY`)} = ${q.parameter(history.length + 1)}`,
      [...history.map(([, v]) => v), job.historyKey],
    );
    await etl.execute(
      `UPDATE ${q.quoteIdentifier(CTL_AUDIT_LOG)} SET ${set(['FINISHED_AT', 'ROWS_WRITTEN'])} WHERE ${q.quoteIdentifier(`${CTL_AUDIT_LOG}_KEY`)} = ${q.parameter(3)}`,
      [finished, outcome.rowsWritten, job.auditKey],
    );
  });
}
