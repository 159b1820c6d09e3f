// The record of the target rows step two wrote: one row per key it inserted or updated, with a hash of the
// values it wrote. A later run may update a target row only if step two wrote it and it still holds those
// values; any other target row (an import, a correction by hand, another collector) is someone else's, and
// keep-target keeps it. The record is written in the transaction of the chunk whose rows it describes.
import type { Connection, SqlValue } from '../engine/dialect/index.ts';
import { releaseModel } from './releases/index.ts';

const ROW_RECORD_TABLE = 'performance_migration_row';
const RECORD_COLUMNS = ['table_name', 'key_id', 'key_instant', 'value_hash'];
const RECORD_KEY = ['table_name', 'key_id', 'key_instant'];

/** Keys looked up in one query: far below every engine's limit on parameters. */
const LOOKUP_KEYS = 400;

/** A target row as step two reads and writes it: its two key columns first, then its values. */
type PerformanceRow = readonly SqlValue[];

export const keyText = (row: PerformanceRow): string => `${String(row[0])}|${String(row[1])}`;

/**
 * A 53-bit hash of a row's values after its key (cyrb53): a change by hand that keeps the hash is one
 * chance in 2^53. Values are hashed as text, as the target reads them back, with NULL apart from any text.
 */
export function valueHash(row: PerformanceRow): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 2; i < row.length; i++) {
    const value = row[i];
    // Each value ends with a mark, 0 after NULL and 1 after any other value, so that NULL and '' differ.
    const text = value === null || value === undefined ? '' : String(value);
    const mark = value === null || value === undefined ? 0 : 1;
    for (let j = 0; j <= text.length; j++) {
      const code = j < text.length ? text.charCodeAt(j) : mark;
      h1 = Math.imul(h1 ^ code, 2654435761);
      h2 = Math.imul(h2 ^ code, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Creates the record in an 8.5.2 database made before it was part of the release, as the 8.5.2 model
 * declares it, so that the schema check that follows finds the whole model.
 */
export async function ensureRowRecord(target: Connection): Promise<void> {
  if ((await target.introspector.tableNames()).includes(ROW_RECORD_TABLE)) return;
  const model = releaseModel('8.5.2').tables.find((t) => t.name === ROW_RECORD_TABLE);
  if (!model) throw new Error(`the 8.5.2 model has no ${ROW_RECORD_TABLE}`);
  for (const sql of target.compiler.createTable(model)) await target.execute(sql);
}

/** Whether step two recorded any row of the table: if not, no row of it can have a record to look up. */
export async function hasRecordedRows(target: Connection, table: string): Promise<boolean> {
  const q = target.compiler;
  const rows = await target.query(q.firstRows(`SELECT 1 AS found FROM ${q.quoteIdentifier(ROW_RECORD_TABLE)} WHERE table_name = ${q.parameter(1)}`, 1), [table]);
  return rows.length > 0;
}

/** The hash step two recorded for each of these keys of the table that it wrote, by key text. */
export async function recordedHashes(target: Connection, table: string, keys: readonly PerformanceRow[]): Promise<Map<string, number>> {
  const q = target.compiler;
  const recorded = new Map<string, number>();
  for (let start = 0; start < keys.length; start += LOOKUP_KEYS) {
    const batch = keys.slice(start, start + LOOKUP_KEYS);
    const params: SqlValue[] = [table];
    const matches = batch.map((key) => `(key_id = ${q.parameter(params.push(key[0] ?? null))} AND key_instant = ${q.parameter(params.push(key[1] ?? null))})`);
    const rows = await target.query(`SELECT key_id, key_instant, value_hash FROM ${q.quoteIdentifier(ROW_RECORD_TABLE)} WHERE table_name = ${q.parameter(1)} AND (${matches.join(' OR ')})`, params);
    for (const row of rows) recorded.set(keyText([row.key_id ?? null, row.key_instant ?? null]), Number(row.value_hash));
  }
  return recorded;
}

/**
 * Records the rows step two writes in the current transaction: a new record for a key it never wrote, the
 * new hash for one it wrote before (`recorded`).
 */
export async function recordWrittenRows(target: Connection, table: string, rows: readonly PerformanceRow[], recorded: ReadonlyMap<string, number>): Promise<void> {
  const fresh: SqlValue[][] = [];
  const rewritten: SqlValue[][] = [];
  for (const row of rows) (recorded.size > 0 && recorded.has(keyText(row)) ? rewritten : fresh).push([table, row[0] ?? null, row[1] ?? null, valueHash(row)]);
  if (fresh.length > 0) await target.bulkInsert(ROW_RECORD_TABLE, RECORD_COLUMNS, fresh);
  if (rewritten.length === 0) return;
  const upsert = target.compiler.upsert(ROW_RECORD_TABLE, RECORD_COLUMNS, RECORD_KEY, 1, 'replace');
  for (const record of rewritten) await target.execute(upsert, record);
}
