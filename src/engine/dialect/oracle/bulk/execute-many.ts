// Rows written by executeMany: gathered into batches of many rows, each sent in one round trip with bind
// definitions, so the driver scans no data to guess types. The types follow the table's columns as Oracle
// reports them; dates and timestamps go as their neutral texts, which the session's NLS formats read.
import oracledb from 'oracledb';
import { OperationError } from '../../../errors.ts';
import type { SqlValue } from '../../types.ts';
import { quoteIdentifier } from '../identifiers.ts';
import { bindValue } from '../values.ts';

/** Rows per executeMany call: large enough that round trips do not count, small enough to bound memory. */
export const BATCH_ROWS = 5000;
/** A batch is sent early once its values hold about this many bytes. */
const BATCH_BYTES = 16 * 1024 * 1024;
/** NUMBER columns of more digits than a double holds exactly are bound as their digits. */
const EXACT_DOUBLE_DIGITS = 15;
/** The longest text a NUMBER or a date is bound as. */
const NUMBER_TEXT_BYTES = 48;
/** AL32UTF8 takes up to 4 bytes a character. */
const BYTES_PER_CHAR = 4;

/** A column as ALL_TAB_COLUMNS describes it. */
export interface ColumnInfo {
  name: string;
  dataType: string;
  precision: number | null;
  charLength: number;
}

/** How one column's values are bound, and each value turned into what the bind takes. */
export interface ColumnBind {
  definition: oracledb.BindDefinition;
  value(value: SqlValue): unknown;
}

const asNumber = (value: SqlValue): unknown => (typeof value === 'bigint' ? Number(value) : bindValue(value));
const asDigits = (value: SqlValue): unknown => (value === null ? null : String(value));

export function columnBind(column: ColumnInfo): ColumnBind {
  const type = column.dataType.replace(/\(\d+\)/, '').toUpperCase();
  if (type === 'NUMBER') {
    return (column.precision ?? Infinity) > EXACT_DOUBLE_DIGITS
      ? { definition: { type: oracledb.DB_TYPE_VARCHAR, maxSize: NUMBER_TEXT_BYTES }, value: asDigits }
      : { definition: { type: oracledb.DB_TYPE_NUMBER }, value: asNumber };
  }
  if (type === 'BINARY_DOUBLE' || type === 'FLOAT' || type === 'BINARY_FLOAT') return { definition: { type: oracledb.DB_TYPE_BINARY_DOUBLE }, value: asNumber };
  if (type === 'CLOB' || type === 'NCLOB') return { definition: { type: oracledb.DB_TYPE_CLOB }, value: bindValue };
  if (type === 'BLOB') return { definition: { type: oracledb.DB_TYPE_BLOB }, value: bindValue };
  if (type === 'DATE' || type === 'TIMESTAMP') return { definition: { type: oracledb.DB_TYPE_VARCHAR, maxSize: NUMBER_TEXT_BYTES }, value: asDigits };
  return { definition: { type: oracledb.DB_TYPE_VARCHAR, maxSize: Math.max(1, column.charLength) * BYTES_PER_CHAR }, value: bindValue };
}

export function insertStatement(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES (${columns.map((_, i) => `:${i + 1}`).join(', ')})`;
}

function approximateBytes(value: unknown): number {
  if (Buffer.isBuffer(value)) return value.length;
  return typeof value === 'string' ? value.length * 2 : 8;
}

/** Rows as bind arrays in batches of at most BATCH_ROWS rows or about BATCH_BYTES bytes. */
export async function* bindBatches(
  table: string,
  binds: readonly ColumnBind[],
  rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>,
): AsyncGenerator<unknown[][]> {
  let batch: unknown[][] = [];
  let bytes = 0;
  for await (const row of rows) {
    if (row.length !== binds.length) throw new OperationError(`a row for ${table} has ${row.length} values for ${binds.length} columns`);
    const bound = row.map((value, i) => (binds[i] as ColumnBind).value(value));
    batch.push(bound);
    bytes += bound.reduce<number>((sum, value) => sum + approximateBytes(value), 0);
    if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}
