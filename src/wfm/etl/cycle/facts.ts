// Writing the facts of the window: DayChunk days per transaction, so that a chunk is either all old or all
// new and a cycle killed between chunks is completed by the next, which recomputes every chunk. Each
// chunk is compared with the facts already there by their natural key: a fact that is still the same is
// left as it is, one whose measures changed is written again under its own surrogate key, a new one gets
// the next free key and one no longer computed is deleted. So a fact keeps its key from cycle to cycle,
// and a cycle run twice changes nothing, keys, timestamps and audit keys included.
import type { Connection, Row, SqlValue } from '../../../engine/dialect/types.ts';
import { ETL_TABLES } from '../tables.ts';
import type { FactRow, FactRows } from './definitions.ts';
import { timestampText } from './local-days.ts';
import { dayKey, deleteByKeys, insertRows, nextKey, TENANT_KEY } from './writes.ts';

export interface ChunkWritten {
  first: string;
  last: string;
  /** Facts of the chunk's days, once written. */
  rows: number;
  /** Facts written anew (new or changed) and facts deleted (no longer computed). */
  written: number;
  deleted: number;
}

/** The window's dates cut into chunks of `size` days. */
export function chunksOf(dates: readonly string[], size: number): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < dates.length; start += size) chunks.push(dates.slice(start, start + size));
  return chunks;
}

/** The columns that tell one fact of a table from another (its unique index). */
function naturalKeyOf(table: string): readonly string[] {
  const unique = ETL_TABLES.find((t) => t.name === table)?.unique;
  if (!unique) throw new Error(`the ETL table ${table} declares no natural key`);
  return unique;
}

/** A value as text that reads the same whichever way the driver returned it (a number, a bigint, a numeric string). */
function comparable(value: SqlValue | undefined): string {
  if (value === null || value === undefined) return '\u0000';
  if (typeof value === 'number' || typeof value === 'bigint') return String(Number(value));
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(value) ? String(Number(value)) : value;
}

const identityOf = (columns: readonly string[], values: Readonly<Record<string, SqlValue | undefined>>): string => columns.map((c) => comparable(values[c])).join('\u0001');

/** Whether a stored fact holds the measures and keys just computed for it. */
const unchanged = (stored: Row, computed: FactRow): boolean => Object.entries(computed.values).every(([column, value]) => comparable(stored[column]) === comparable(value));

interface ChunkContext {
  first: string;
  last: string;
  auditKey: number;
  computedAt: string;
}

async function storedFacts(etl: Connection, table: string, first: string, last: string): Promise<Row[]> {
  const q = etl.compiler;
  const day = q.quoteIdentifier('WFM_DATE');
  return etl.query(`SELECT * FROM ${q.quoteIdentifier(table)} WHERE ${day} >= ${q.parameter(1)} AND ${day} <= ${q.parameter(2)}`, [first, last]);
}

/** Brings one table's facts of the chunk to `computed`, touching only the facts that differ. */
async function reconcileTable(etl: Connection, table: string, computed: readonly FactRow[], context: ChunkContext): Promise<{ written: number; deleted: number }> {
  const natural = naturalKeyOf(table);
  const keyColumn = `${table}_KEY`;
  const stored = new Map((await storedFacts(etl, table, context.first, context.last)).map((row) => [identityOf(natural, row), row]));
  const stale: SqlValue[] = [];
  const rewritten: { row: FactRow; key: SqlValue; createdBy: SqlValue }[] = [];
  const added: FactRow[] = [];
  for (const row of computed) {
    const identity = identityOf(natural, row.values);
    const old = stored.get(identity);
    stored.delete(identity);
    if (!old) added.push(row);
    else if (!unchanged(old, row)) {
      stale.push(old[keyColumn] ?? null);
      rewritten.push({ row, key: old[keyColumn] ?? null, createdBy: old.CREATE_AUDIT_KEY ?? context.auditKey });
    }
  }
  const gone = [...stored.values()].map((row) => row[keyColumn] ?? null);
  await deleteByKeys(etl, table, keyColumn, [...stale, ...gone]);
  const [sample] = computed;
  if (!sample) return { written: 0, deleted: gone.length };
  const measures = Object.keys(sample.values);
  const columns = [keyColumn, ...measures, 'WFM_TIMESTAMP', 'DATE_TIME_DAY_KEY', 'TENANT_KEY', 'CREATE_AUDIT_KEY', 'UPDATE_AUDIT_KEY', 'PURGE_FLAG'];
  const valuesOf = (row: FactRow, key: SqlValue, createdBy: SqlValue): SqlValue[] => [
    key,
    ...measures.map((m) => row.values[m] ?? null),
    context.computedAt,
    dayKey(row.date),
    TENANT_KEY,
    createdBy,
    context.auditKey,
    0,
  ];
  let key = added.length > 0 ? await nextKey(etl, table) : 0;
  const rows = [...rewritten.map((r) => valuesOf(r.row, r.key, r.createdBy)), ...added.map((row) => valuesOf(row, key++, context.auditKey))];
  await insertRows(etl, table, columns, rows);
  return { written: rows.length, deleted: gone.length };
}

/**
 * Brings the facts of one chunk of days to what was computed, in every table, in one transaction. `tables`
 * are the fact tables the ETL database's release has; a computed table it lacks is left out.
 */
export async function writeChunk(etl: Connection, facts: FactRows, tables: readonly string[], chunk: readonly string[], auditKey: number, computedAtMs: number): Promise<ChunkWritten> {
  const first = chunk[0] ?? '';
  const last = chunk.at(-1) ?? first;
  const days = new Set(chunk);
  const context: ChunkContext = { first, last, auditKey, computedAt: timestampText(computedAtMs) };
  const result: ChunkWritten = { first, last, rows: 0, written: 0, deleted: 0 };
  await etl.transaction(async () => {
    for (const table of tables) {
      const inChunk = (facts.get(table) ?? []).filter((row) => days.has(row.date));
      const changes = await reconcileTable(etl, table, inChunk, context);
      result.rows += inChunk.length;
      result.written += changes.written;
      result.deleted += changes.deleted;
    }
  });
  return result;
}
