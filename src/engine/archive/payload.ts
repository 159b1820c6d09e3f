// A chunk's rows as stored: column by column (a column's values side by side compress far better, and
// serialize faster, than rows of mixed values); a column of whole numbers, or of timestamps in the
// neutral text form, as the differences from one value to the next (sorted keys and times make them
// small), in V8's structured serialization, which gives every
// SqlValue back exactly (NULL apart from '', doubles bit for bit with -0 and NaN, bigints, Buffers) and is
// the fastest codec Node has; deflated at a fast level where that saves enough to be worth inflating.
// Backups written row by row (the first two encodings) stay readable. Decoding trusts nothing it reads: a
// hostile payload can neither make it allocate without bound nor hand back anything but rows of SqlValues.
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { isValues, isWholeNumber, lengthOf, valuesOf } from '../dialect/bulk-column.ts';
import { timestampSeconds } from '../dialect/timestamp-text.ts';
import type { BulkColumn, SqlValue } from '../dialect/types.ts';

const ENCODINGS = ['v8', 'v8+deflate-raw', 'v8-columns', 'v8-columns+deflate-raw'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export interface StoredPayload {
  encoding: Encoding;
  /** Bytes of the serialized rows before compression. */
  rawBytes: number;
  payload: Buffer;
}

export interface EncodedChunk extends StoredPayload {
  sha256: string;
}

/**
 * Measured on 2.4M performance rows, rows at level 6: 18.6 MB in 4.3 s; columns with differences at
 * level 3: 11.0 MB in 2.6 s.
 */
const DEFLATE_LEVEL = 3;
/** Compression is kept only when it saves at least this share of the bytes. */
const MIN_SAVING = 0.1;
const INFLATE_FLOOR_BYTES = 64 * 1024 * 1024;
const INFLATE_RATIO = 100;

/** The most a stored payload of this size is allowed to inflate to: what bounds a decompression bomb. */
function inflateLimit(storedBytes: number): number {
  return Math.max(INFLATE_FLOOR_BYTES, INFLATE_RATIO * storedBytes);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function isEncoding(value: unknown): value is Encoding {
  return (ENCODINGS as readonly unknown[]).includes(value);
}

/** Rows of `width` values each as a payload; throws naming the first value that is not a SqlValue. */
export function encodeRows(rows: readonly SqlValue[][], width: number): EncodedChunk {
  return encodeColumns(columnsOf(rows, width));
}

/** Rows of `width` values each, checked, as `width` columns: the form a chunk is encoded from. */
export function columnsOf(rows: readonly SqlValue[][], width: number): SqlValue[][] {
  checkRows(rows, width);
  return Array.from({ length: width }, (_, column) => rows.map((row) => row[column] as SqlValue));
}

/** Columns of equal length, as a payload. */
export function encodeColumns(columns: readonly BulkColumn[]): EncodedChunk {
  const raw = serialize(columns.map(encodeColumn));
  const deflated = deflateRawSync(raw, { level: DEFLATE_LEVEL });
  // A chunk that would inflate past the reader's limit is stored plain, so every archive written is readable.
  const pays = deflated.length <= raw.length * (1 - MIN_SAVING) && raw.length <= inflateLimit(deflated.length);
  const payload = pays ? deflated : raw;
  return { encoding: pays ? 'v8-columns+deflate-raw' : 'v8-columns', rawBytes: raw.length, payload, sha256: sha256(payload) };
}

/** The rows of a payload that must hold `rows` rows of `width` values; throws saying what is wrong. */
export function decodeRows(stored: StoredPayload, width: number, rows: number): SqlValue[][] {
  return rowsOfColumns(decodeColumns(stored, width, rows), rows);
}

/** The payload's `width` columns of `rows` values each, every value checked; throws saying what is wrong. */
export function decodeColumns(stored: StoredPayload, width: number, rows: number): SqlValue[][] {
  return decodeBulkColumns(stored, width, rows).map(valuesOf);
}

/**
 * The payload's `width` columns of `rows` values each, every value checked, whole numbers and timestamps
 * kept as numbers: the form a bulk load is encoded from without a string made per value.
 */
export function decodeBulkColumns(stored: StoredPayload, width: number, rows: number): BulkColumn[] {
  const raw = inflate(stored);
  if (raw.length !== stored.rawBytes) throw new Error(`the payload decodes to ${raw.length} bytes, not the ${stored.rawBytes} recorded`);
  let value: unknown;
  try {
    value = deserialize(raw);
  } catch (error) {
    throw new Error(`the payload does not decode (${(error as Error).message})`);
  }
  if (!stored.encoding.startsWith('v8-columns')) return columnsOf(asRows(value, width, rows, raw.length), width);
  if (!Array.isArray(value) || value.length !== width) throw new Error(`the payload does not hold ${width} columns`);
  return (value as unknown[]).map((stored, j) => decodeColumn(stored, j, rows, raw.length));
}

/** Columns of `rows` values each as rows. */
function rowsOfColumns(columns: readonly SqlValue[][], rows: number): SqlValue[][] {
  const width = columns.length;
  const result: SqlValue[][] = new Array<SqlValue[]>(rows);
  for (let i = 0; i < rows; i++) {
    const row = new Array<SqlValue>(width);
    for (let j = 0; j < width; j++) row[j] = (columns[j] as SqlValue[])[i] as SqlValue;
    result[i] = row;
  }
  return result;
}

/** Whole numbers or neutral timestamps (all of a column) as differences; any other column as it is. */
type StoredColumn = SqlValue[] | { differences: 'integer' | 'timestamp'; values: Int32Array };

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const fitsInt32 = (n: number): boolean => n >= INT32_MIN && n <= INT32_MAX;

function differences(numbers: ArrayLike<number>): Int32Array | undefined {
  const out = new Int32Array(numbers.length);
  let previous = 0;
  for (let i = 0; i < numbers.length; i++) {
    const value = numbers[i] as number;
    const difference = value - previous;
    if (!fitsInt32(difference)) return undefined;
    out[i] = difference;
    previous = value;
  }
  return out;
}

function encodeColumn(column: BulkColumn): StoredColumn {
  if (!isValues(column)) {
    const stored = differences(column.values);
    if (stored) return { differences: column.kind === 'whole-numbers' ? 'integer' : 'timestamp', values: stored };
    return valuesOf(column);
  }
  const values = column as SqlValue[];
  if (values.every(isWholeNumber)) {
    const stored = differences(values as number[]);
    return stored ? { differences: 'integer', values: stored } : values;
  }
  const seconds = timestampSecondsOf(values);
  const stored = seconds && differences(seconds);
  return stored ? { differences: 'timestamp', values: stored } : values;
}

/**
 * Every value as seconds since the epoch when every one is a neutral timestamp that reads back as the
 * same text (2024-02-30 does not, nor does a year before 1000), else undefined.
 */
function timestampSecondsOf(values: readonly SqlValue[]): number[] | undefined {
  const seconds = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const text = values[i];
    const found = typeof text === 'string' ? timestampSeconds(text) : undefined;
    if (found === undefined) return undefined;
    seconds[i] = found;
  }
  return seconds;
}

function decodeColumn(stored: unknown, index: number, rows: number, rawBytes: number): BulkColumn {
  if (Array.isArray(stored)) {
    // A sparse array can claim billions of values in a few bytes: its length is checked before it is walked.
    if (stored.length > rawBytes) throw new Error(`column ${index + 1} of the payload is not a list of values`);
    requireRows(stored.length, rows);
    for (let i = 0; i < rows; i++) stored[i] = asValue(stored[i], i, index);
    return stored as SqlValue[];
  }
  const { differences: kind, values } = (stored ?? {}) as { differences?: unknown; values?: unknown };
  if ((kind !== 'integer' && kind !== 'timestamp') || !(values instanceof Int32Array)) throw new Error(`column ${index + 1} of the payload is not a list of values`);
  requireRows(values.length, rows);
  return { kind: kind === 'integer' ? 'whole-numbers' : 'timestamps', values: sums(values) };
}

function requireRows(found: number, rows: number): void {
  if (found !== rows) throw new Error(`the payload holds ${found} rows, not the ${rows} recorded`);
}

function sums(values: Int32Array): Float64Array {
  const out = new Float64Array(values.length);
  let current = 0;
  for (let i = 0; i < values.length; i++) out[i] = current += values[i] as number;
  return out;
}


/** A checkpoint's key, kept as exactly as the rows: it goes back to the source as query parameters. */
export function encodeKey(values: readonly SqlValue[]): Buffer {
  return serialize(values);
}

export function decodeKey(bytes: Buffer): SqlValue[] {
  const value: unknown = deserialize(bytes);
  if (!Array.isArray(value) || value.length > bytes.length) throw new Error('the checkpoint key is not a list of values');
  return value.map((v, i) => asValue(v, 0, i));
}

function inflate(stored: StoredPayload): Buffer {
  if (!stored.encoding.endsWith('+deflate-raw')) return stored.payload;
  const limit = inflateLimit(stored.payload.length);
  if (stored.rawBytes > limit) {
    throw new Error(`the payload claims to inflate to ${stored.rawBytes} bytes, more than the ${limit} allowed for ${stored.payload.length} stored bytes`);
  }
  try {
    return inflateRawSync(stored.payload, { maxOutputLength: Math.max(1, stored.rawBytes) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`the payload inflates to more than the ${stored.rawBytes} bytes recorded (a decompression bomb?); it was not inflated further`);
    }
    throw new Error(`the payload does not inflate (${(error as Error).message})`);
  }
}

function asRows(value: unknown, width: number, rows: number, rawBytes: number): SqlValue[][] {
  // A sparse array can claim billions of rows in a few bytes: its length is checked before it is walked.
  if (!Array.isArray(value) || value.length > rawBytes) throw new Error('the payload is not a list of rows');
  if (value.length !== rows) throw new Error(`the payload holds ${value.length} rows, not the ${rows} recorded`);
  for (let i = 0; i < value.length; i++) {
    const row: unknown = value[i];
    if (!Array.isArray(row) || row.length !== width) throw new Error(`row ${i + 1} of the payload does not have ${width} values`);
    for (let j = 0; j < width; j++) row[j] = asValue(row[j], i, j);
  }
  return value as SqlValue[][];
}

function asValue(value: unknown, row: number, column: number): SqlValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return value;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new Error(`value ${column + 1} of row ${row + 1} of the payload is not a database value`);
}

function checkRows(rows: readonly SqlValue[][], width: number): void {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as SqlValue[];
    if (row.length !== width) throw new Error(`row ${i + 1} of the chunk has ${row.length} values, not ${width}`);
    for (let j = 0; j < width; j++) checkValue(row[j], i, j);
  }
}

/** Columns of `rows` values each, every value a SqlValue; throws naming the first that is not. */
export function checkColumns(columns: readonly BulkColumn[], width: number, rows: number): void {
  if (columns.length !== width) throw new Error(`the chunk has ${columns.length} columns, not ${width}`);
  for (let j = 0; j < width; j++) {
    const column = columns[j] as BulkColumn;
    if (lengthOf(column) !== rows) throw new Error(`column ${j + 1} of the chunk has ${lengthOf(column)} values, not ${rows}`);
    if (isValues(column)) for (let i = 0; i < rows; i++) checkValue(column[i], i, j);
  }
}

function checkValue(value: unknown, row: number, column: number): void {
  const kind = typeof value;
  if (value !== null && kind !== 'string' && kind !== 'number' && kind !== 'bigint' && !Buffer.isBuffer(value)) {
    throw new Error(`value ${column + 1} of row ${row + 1} of the chunk is not a database value (${kind})`);
  }
}
