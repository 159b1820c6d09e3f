// What every reader of a BulkColumn needs: its length and one value, whatever form it is held in.
import { TIMESTAMP_TEXT_LENGTH, TimestampTextWriter } from './timestamp-text.ts';
import type { BulkColumn, SqlValue } from './types.ts';

export const isValues = (column: BulkColumn): column is readonly SqlValue[] => Array.isArray(column);

export function lengthOf(column: BulkColumn | undefined): number {
  if (column === undefined) return 0;
  return isValues(column) ? column.length : column.values.length;
}

/** Value i of the column as a SqlValue (a timestamp as its neutral text); undefined past its end. */
export function valueAt(column: BulkColumn, i: number): SqlValue | undefined {
  if (isValues(column)) return column[i];
  const value = column.values[i];
  if (value === undefined || column.kind === 'whole-numbers') return value;
  const text = Buffer.allocUnsafe(TIMESTAMP_TEXT_LENGTH);
  new TimestampTextWriter().write(text, 0, value);
  return text.toString('latin1');
}
