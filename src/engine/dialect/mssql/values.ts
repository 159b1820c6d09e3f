// Values between tedious and the neutral form of the dialect contract, both ways: what a query's rows
// hold, and what a parameter is sent as. tedious gives DATE and DATETIME2 as Date objects (read as UTC,
// the session option useUTC), BIGINT as text and BIT as a boolean.
import { TYPES } from 'tedious';
import type { SqlValue } from '../types.ts';
import { requireFiniteNumber } from './query-compiler.ts';

export type TediousType = (typeof TYPES)[keyof typeof TYPES];

/** What the value's column is, as tedious describes it: its type's name and, for some, its byte length. */
export interface ColumnDescription {
  type: { name: string };
  dataLength?: number | undefined;
}

/** The range of INT: a whole number outside it is sent as BIGINT. */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** A Date as the neutral 'YYYY-MM-DD HH:MM:SS' (UTC), or 'YYYY-MM-DD' for a DATE. */
function dateText(date: Date, dateOnly: boolean): string {
  const iso = date.toISOString();
  return dateOnly ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** A whole number read as text (BIGINT): a number where it is exact, a bigint beyond 2^53. */
function wholeNumber(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

/** One value of a row as tedious read it, in the neutral form. */
export function neutralValue(value: unknown, metadata: ColumnDescription): SqlValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return dateText(value, metadata.type.name === 'Date');
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && (metadata.type.name === 'BigInt' || (metadata.type.name === 'IntN' && metadata.dataLength === 8))) return wholeNumber(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string' || Buffer.isBuffer(value)) return value;
  return String(value);
}

export interface Parameter {
  type: TediousType;
  value: unknown;
}

/**
 * A parameter typed by its value: text as NVARCHAR (SQL Server converts it to the DATE or DATETIME2 of a
 * column, 'YYYY-MM-DD[ HH:MM:SS]' being read the same whatever the session's DATEFORMAT), whole numbers
 * as INT or BIGINT, others as FLOAT, binary as VARBINARY. NULL is sent as an NVARCHAR NULL, which
 * converts to every column type but binary.
 */
export function parameterOf(value: SqlValue): Parameter {
  if (value === null) return { type: TYPES.NVarChar, value: null };
  if (typeof value === 'bigint') return { type: TYPES.BigInt, value };
  if (Buffer.isBuffer(value)) return { type: TYPES.VarBinary, value };
  if (typeof value === 'string') return { type: TYPES.NVarChar, value };
  if (Number.isInteger(value)) return { type: value >= INT_MIN && value <= INT_MAX ? TYPES.Int : TYPES.BigInt, value };
  return { type: TYPES.Float, value: requireFiniteNumber(value) };
}
