// The TDS bulk copy as SQL Server's bulk write: the table's columns described to tedious with their server
// types, each row's values converted to what tedious sends for them, the rows handed over as an async
// iterable that tedious reads as fast as the server takes them. TABLOCK (one lock, minimal logging), rows
// checked against foreign keys so those stay trusted, and the key's order hinted where the source's
// ORDER BY is the server's too.
import { TYPES } from 'tedious';
import { InputError, OperationError } from '../../../errors.ts';
import type { SqlValue } from '../../types.ts';
import { requireFiniteNumber } from '../query-compiler.ts';
import type { TediousType } from '../values.ts';

/** A column of the target table as sys.columns describes it. */
export interface ServerColumn {
  name: string;
  /** TYPE_NAME of the column's type: 'int', 'nvarchar', 'datetime2', ... */
  type: string;
  /** Bytes; -1 for (MAX). */
  maxLength: number;
  precision: number;
  scale: number;
  nullable: boolean;
}

export interface BulkColumnType {
  type: TediousType;
  options: { nullable: boolean; length?: number; precision?: number; scale?: number };
}

type Convert = (value: SqlValue, column: ServerColumn) => unknown;

interface TypeRule {
  type: TediousType;
  convert: Convert;
  /** The length tedious declares, in its unit (characters for N types, bytes otherwise). */
  length?: (column: ServerColumn) => number;
  /** Numbers sort alike on every engine; text is ordered by each engine's collation. */
  sortsAlike: boolean;
}

const wrongValue = (column: ServerColumn, value: SqlValue, wanted: string): OperationError =>
  new OperationError(`column ${column.name} (${column.type}) takes ${wanted}, but was given ${Buffer.isBuffer(value) ? 'binary data' : JSON.stringify(String(value)).slice(0, 60)}`);

function toNumber(value: SqlValue, column: ServerColumn): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) throw wrongValue(column, value, 'a number');
  return requireFiniteNumber(number);
}

function toWhole(value: SqlValue, column: ServerColumn): number | bigint {
  if (typeof value === 'bigint') return value;
  const number = toNumber(value, column);
  if (!Number.isInteger(number)) throw wrongValue(column, value, 'a whole number');
  return number;
}

function toText(value: SqlValue, column: ServerColumn): string {
  if (Buffer.isBuffer(value)) throw wrongValue(column, value, 'text');
  return String(value);
}

function toBinary(value: SqlValue, column: ServerColumn): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(toText(value, column), 'utf8');
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?)?$/;

/**
 * The neutral 'YYYY-MM-DD[ HH:MM:SS]' text as the Date of that UTC moment: tedious sends a Date's UTC
 * fields (useUTC), where parsing the text itself would read it in the process's time zone.
 */
export function utcDate(value: SqlValue, column: ServerColumn): Date {
  const text = toText(value, column);
  const match = DATE_TEXT.exec(text);
  if (!match) throw wrongValue(column, value, "a date or time as 'YYYY-MM-DD HH:MM:SS'");
  const date = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4] ?? '00'}:${match[5] ?? '00'}:${match[6] ?? '00'}${match[7] ?? ''}Z`);
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(match[3])) throw wrongValue(column, value, 'a valid date');
  return date;
}

const characters = (column: ServerColumn): number => (column.maxLength < 0 ? Infinity : column.maxLength / 2);
const bytes = (column: ServerColumn): number => (column.maxLength < 0 ? Infinity : column.maxLength);

/** Each SQL Server type a table of this tool can have, declared once: how tedious sends it and what it takes. */
const TYPE_RULES: Readonly<Record<string, TypeRule>> = {
  bit: { type: TYPES.Bit, convert: (v, c) => toWhole(v, c) !== 0, sortsAlike: true },
  tinyint: { type: TYPES.TinyInt, convert: toWhole, sortsAlike: true },
  smallint: { type: TYPES.SmallInt, convert: toWhole, sortsAlike: true },
  int: { type: TYPES.Int, convert: toWhole, sortsAlike: true },
  bigint: { type: TYPES.BigInt, convert: toWhole, sortsAlike: true },
  float: { type: TYPES.Float, convert: toNumber, sortsAlike: true },
  real: { type: TYPES.Real, convert: toNumber, sortsAlike: true },
  decimal: { type: TYPES.Decimal, convert: toNumber, sortsAlike: true },
  numeric: { type: TYPES.Numeric, convert: toNumber, sortsAlike: true },
  date: { type: TYPES.Date, convert: utcDate, sortsAlike: true },
  datetime2: { type: TYPES.DateTime2, convert: utcDate, sortsAlike: true },
  datetime: { type: TYPES.DateTime, convert: utcDate, sortsAlike: true },
  nvarchar: { type: TYPES.NVarChar, convert: toText, length: characters, sortsAlike: false },
  nchar: { type: TYPES.NChar, convert: toText, length: characters, sortsAlike: false },
  varchar: { type: TYPES.VarChar, convert: toText, length: bytes, sortsAlike: false },
  char: { type: TYPES.Char, convert: toText, length: bytes, sortsAlike: false },
  varbinary: { type: TYPES.VarBinary, convert: toBinary, length: bytes, sortsAlike: false },
  binary: { type: TYPES.Binary, convert: toBinary, length: bytes, sortsAlike: false },
};

function ruleFor(table: string, column: ServerColumn): TypeRule {
  const rule = TYPE_RULES[column.type];
  if (!rule) throw new InputError(`column ${table}.${column.name} has the SQL Server type ${column.type}, which this tool cannot bulk load`);
  return rule;
}

/** How tedious is told of a column of the table. */
export function bulkColumnType(table: string, column: ServerColumn): BulkColumnType {
  const rule = ruleFor(table, column);
  const options: BulkColumnType['options'] = { nullable: column.nullable };
  if (rule.length) options.length = rule.length(column);
  if (rule.type === TYPES.Decimal || rule.type === TYPES.Numeric) Object.assign(options, { precision: column.precision, scale: column.scale });
  if (rule.type === TYPES.DateTime2) options.scale = column.scale;
  return { type: rule.type, options };
}

/** The function that turns a row of neutral values, in the order of `columns`, into what tedious sends. */
export function rowConverter(table: string, columns: readonly ServerColumn[]): (row: readonly SqlValue[]) => unknown[] {
  const converts = columns.map((column) => ruleFor(table, column).convert);
  return (row) => {
    if (row.length !== columns.length) throw new OperationError(`a row for ${table} has ${row.length} values for ${columns.length} columns`);
    return row.map((value, i) => {
      const column = columns[i] as ServerColumn;
      return value === null ? null : (converts[i] as Convert)(value, column);
    });
  };
}

/**
 * The ORDER hint for rows that come ordered by the table's key: only where every key column is loaded and
 * sorts alike on every engine, for the server refuses rows that break an order it was promised.
 */
export function keyOrder(table: string, key: readonly string[], columns: readonly ServerColumn[]): Record<string, 'ASC'> {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const keyColumns = key.map((name) => byName.get(name));
  if (key.length === 0 || keyColumns.some((c) => c === undefined || !ruleFor(table, c).sortsAlike)) return {};
  return Object.fromEntries(key.map((name) => [name, 'ASC' as const]));
}

/** Rows converted one by one as tedious pulls them: nothing is held beyond the row being sent. */
export async function* convertedRows(
  rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>,
  convert: (row: readonly SqlValue[]) => unknown[],
  counter: { rows: number },
): AsyncIterable<unknown[]> {
  for await (const row of rows) {
    counter.rows++;
    yield convert(row);
  }
}
