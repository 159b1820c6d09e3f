// What every reader of a BulkColumn needs: its length and one value, whatever form it is held in.
import { TIMESTAMP_TEXT_LENGTH, TimestampTextWriter } from './timestamp-text.ts';
import type { BulkColumn, SqlValue } from './types.ts';

export const isValues = (column: BulkColumn): column is readonly SqlValue[] => Array.isArray(column);

/** A value a whole-numbers column can hold: a safe integer, and not -0, whose sign its digits would lose. */
export const isWholeNumber = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0);

export function lengthOf(column: BulkColumn | undefined): number {
  if (column === undefined) return 0;
  return isValues(column) ? column.length : column.values.length;
}

/** The column's values as SqlValues, a timestamp as its neutral text. */
export function valuesOf(column: BulkColumn): SqlValue[] {
  if (isValues(column)) return column as SqlValue[];
  return column.kind === 'whole-numbers' ? wholeNumbers(column.values) : timestampTexts(column.values);
}

const SMALL_INTEGER = 0x4000_0000;

/**
 * The numbers as an array, those that fit made small integers (`| 0`) whether or not the code is yet
 * optimized: V8's serializer writes one in a byte or few, where a number read from a Float64Array could
 * stay a double of eight.
 */
function wholeNumbers(values: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    out.push(value >= -SMALL_INTEGER && value < SMALL_INTEGER ? value | 0 : value);
  }
  return out;
}

/**
 * The neutral texts of timestamps given as seconds since the epoch. Written as bytes into one buffer and
 * sliced out: twice to four times as fast as building each text from parts, and the strings come out
 * flat, ready to hash.
 */
function timestampTexts(seconds: Float64Array): string[] {
  const buffer = Buffer.allocUnsafe(seconds.length * TIMESTAMP_TEXT_LENGTH);
  const writer = new TimestampTextWriter();
  for (let i = 0; i < seconds.length; i++) writer.write(buffer, i * TIMESTAMP_TEXT_LENGTH, seconds[i] as number);
  return Array.from({ length: seconds.length }, (_, i) => buffer.toString('latin1', i * TIMESTAMP_TEXT_LENGTH, (i + 1) * TIMESTAMP_TEXT_LENGTH));
}

/** Value i of the column as a SqlValue (a timestamp as its neutral text); undefined past its end. */
export function valueAt(column: BulkColumn, i: number): SqlValue | undefined {
  if (isValues(column)) return column[i];
  const value = column.values[i];
  if (value === undefined || column.kind === 'whole-numbers') return value;
  return timestampTexts(column.values.subarray(i, i + 1))[0];
}
