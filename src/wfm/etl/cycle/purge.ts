// The purge after each cycle: facts of days before the cut-off (PurgeDate, or today minus PurgeDaysBack)
// are deleted, at most MaxPurgeChunk rows per transaction, so that a large purge never holds one long
// transaction on a reporting database. Dimensions and the control tables are kept.
import type { Connection } from '../../../engine/dialect/types.ts';
import { addDays } from './local-days.ts';
import type { EtlCycleOptions } from './options.ts';

export interface TablePurge {
  table: string;
  /** Rows deleted by each transaction, in order. */
  transactions: number[];
}

/** The first day kept, or undefined when nothing is to be purged. */
export function purgeCutOff(options: Pick<EtlCycleOptions, 'purgeDate' | 'purgeDaysBack'>, today: string): string | undefined {
  if (options.purgeDate !== undefined) return options.purgeDate;
  return options.purgeDaysBack === undefined ? undefined : addDays(today, -options.purgeDaysBack);
}

/**
 * Deletes one chunk: the key of the chunk's last row bounds it, so that exactly `size` rows go while more
 * remain. Returns the rows deleted.
 */
async function purgeChunk(etl: Connection, table: string, cutOff: string, size: number): Promise<number> {
  const q = etl.compiler;
  const key = q.quoteIdentifier(`${table}_KEY`);
  const old = `${q.quoteIdentifier('WFM_DATE')} < ${q.parameter(1)}`;
  const [bound] = await etl.query(q.firstRows(`SELECT ${key} AS bound FROM ${q.quoteIdentifier(table)} WHERE ${old} ORDER BY ${key}`, 1, size - 1), [cutOff]);
  if (bound === undefined) return etl.transaction(() => etl.execute(`DELETE FROM ${q.quoteIdentifier(table)} WHERE ${old}`, [cutOff]));
  return etl.transaction(() => etl.execute(`DELETE FROM ${q.quoteIdentifier(table)} WHERE ${old} AND ${key} <= ${q.parameter(2)}`, [cutOff, bound.bound ?? null]));
}

export async function purgeTable(etl: Connection, table: string, cutOff: string, maxPurgeChunk: number): Promise<TablePurge> {
  const transactions: number[] = [];
  for (;;) {
    const deleted = await purgeChunk(etl, table, cutOff, maxPurgeChunk);
    if (deleted > 0) transactions.push(deleted);
    if (deleted < maxPurgeChunk) return { table, transactions };
  }
}
