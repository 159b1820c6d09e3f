// Writing the facts of the window: DayChunk days per transaction, each deleting the facts of its days and
// inserting them again, so that a chunk is either all old or all new, a cycle run twice leaves the same
// facts, and a cycle killed between chunks is completed by the next, which rewrites every chunk.
import type { Connection, SqlValue } from '../../../engine/dialect/types.ts';
import type { FactRow, FactRows } from './definitions.ts';
import { timestampText } from './local-days.ts';
import { dayKey, insertRows, nextKey, TENANT_KEY } from './writes.ts';

export interface ChunkWritten {
  first: string;
  last: string;
  rows: number;
}

/** The window's dates cut into chunks of `size` days. */
export function chunksOf(dates: readonly string[], size: number): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < dates.length; start += size) chunks.push(dates.slice(start, start + size));
  return chunks;
}

async function replaceChunk(etl: Connection, table: string, rows: readonly FactRow[], first: string, last: string, auditKey: number, computedAt: string): Promise<number> {
  const q = etl.compiler;
  await etl.execute(`DELETE FROM ${q.quoteIdentifier(table)} WHERE ${q.quoteIdentifier('WFM_DATE')} >= ${q.parameter(1)} AND ${q.quoteIdentifier('WFM_DATE')} <= ${q.parameter(2)}`, [
    first,
    last,
  ]);
  const [sample] = rows;
  if (!sample) return 0;
  const measures = Object.keys(sample.values);
  const columns = [`${table}_KEY`, ...measures, 'WFM_TIMESTAMP', 'DATE_TIME_DAY_KEY', 'TENANT_KEY', 'CREATE_AUDIT_KEY', 'UPDATE_AUDIT_KEY', 'PURGE_FLAG'];
  let key = await nextKey(etl, table);
  const values: SqlValue[][] = rows.map((row) => [key++, ...measures.map((m) => row.values[m] ?? null), computedAt, dayKey(row.date), TENANT_KEY, auditKey, auditKey, 0]);
  return insertRows(etl, table, columns, values);
}

/**
 * Replaces the facts of one chunk of days in every table, in one transaction. `tables` are the fact
 * tables the ETL database's release has; a computed table it lacks is left out.
 */
export async function writeChunk(etl: Connection, facts: FactRows, tables: readonly string[], chunk: readonly string[], auditKey: number, computedAtMs: number): Promise<ChunkWritten> {
  const first = chunk[0] ?? '';
  const last = chunk.at(-1) ?? first;
  const days = new Set(chunk);
  const computedAt = timestampText(computedAtMs);
  let rows = 0;
  await etl.transaction(async () => {
    for (const table of tables) {
      const inChunk = (facts.get(table) ?? []).filter((row) => days.has(row.date));
      rows += await replaceChunk(etl, table, inChunk, first, last, auditKey, computedAt);
    }
  });
  return { first, last, rows };
}
