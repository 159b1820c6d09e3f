// Values between the neutral form and what Oracle stores. Oracle treats a character value of length zero
// as NULL (SQL Language Reference, "Nulls": "Oracle Database currently treats a character value with a
// length of zero as null"), so '' would come back as NULL, and a NOT NULL text column that holds '' on
// another engine could not hold it at all. The empty string is therefore stored as one declared sentinel
// character, U+E000, the first code point of Unicode's Private Use Area, which no standard assigns and no
// WFM text holds: it is one CHAR, so it fits every VARCHAR2(n CHAR) and CHAR(n CHAR) column. Every value
// bound is mapped on the way in and every value read on the way out, so the rest of the tool only ever sees
// ''. A text that is the sentinel alone could not be told from '' and is refused.
import { OperationError } from '../../errors.ts';
import type { SqlValue } from '../types.ts';

/** What Oracle stores for the empty string. */
export const EMPTY_TEXT_SENTINEL = '\uE000';
/** The sentinel as a script writes it: plain ASCII, so the script survives any editor and character set. */
export const EMPTY_TEXT_LITERAL = "UNISTR('\\E000')";

/** A neutral value as it is bound: the empty string as the sentinel, a bigint as its exact digits. */
export function bindValue(value: SqlValue): string | number | Buffer | null {
  if (value === '') return EMPTY_TEXT_SENTINEL;
  if (value === EMPTY_TEXT_SENTINEL) {
    throw new OperationError('a text value is the single character U+E000, which Oracle databases of this tool reserve for the empty string');
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A value as read back, in the neutral form: the sentinel as the empty string, whole numbers beyond 2^53 as bigint. */
export function neutralValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (value === EMPTY_TEXT_SENTINEL) return '';
  if (typeof value === 'string' || typeof value === 'number' || Buffer.isBuffer(value)) return value;
  if (typeof value === 'bigint') return value;
  return String(value);
}

/** The digits of a NUMBER fetched as text (precision beyond a double's): a number where exact, else a bigint. */
export function wholeNumberFromText(text: string | null): number | bigint | null {
  if (text === null) return null;
  const value = Number(text);
  if (Number.isSafeInteger(value) || !/^-?\d+$/.test(text)) return value;
  return BigInt(text);
}
