// A chunk's rows as stored: V8's structured serialization, which gives every SqlValue back exactly (NULL
// apart from '', doubles bit for bit with -0 and NaN, bigints, Buffers) and is the fastest codec Node has;
// deflated only where that saves enough to be worth inflating. Decoding trusts nothing it reads: a hostile
// payload can neither make it allocate without bound nor hand back anything but rows of SqlValues.
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { SqlValue } from '../dialect/types.ts';

const ENCODINGS = ['v8', 'v8+deflate-raw'] as const;
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

const DEFLATE_LEVEL = 6;
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
  checkRows(rows, width);
  const raw = serialize(rows);
  const deflated = deflateRawSync(raw, { level: DEFLATE_LEVEL });
  // A chunk that would inflate past the reader's limit is stored plain, so every archive written is readable.
  const pays = deflated.length <= raw.length * (1 - MIN_SAVING) && raw.length <= inflateLimit(deflated.length);
  const payload = pays ? deflated : raw;
  return { encoding: pays ? 'v8+deflate-raw' : 'v8', rawBytes: raw.length, payload, sha256: sha256(payload) };
}

/** The rows of a payload that must hold `rows` rows of `width` values; throws saying what is wrong. */
export function decodeRows(stored: StoredPayload, width: number, rows: number): SqlValue[][] {
  const raw = inflate(stored);
  if (raw.length !== stored.rawBytes) throw new Error(`the payload decodes to ${raw.length} bytes, not the ${stored.rawBytes} recorded`);
  let value: unknown;
  try {
    value = deserialize(raw);
  } catch (error) {
    throw new Error(`the payload does not decode (${(error as Error).message})`);
  }
  return asRows(value, width, rows, raw.length);
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
  if (stored.encoding === 'v8') return stored.payload;
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
    for (let j = 0; j < width; j++) {
      const value: unknown = row[j];
      const kind = typeof value;
      if (value !== null && kind !== 'string' && kind !== 'number' && kind !== 'bigint' && !Buffer.isBuffer(value)) {
        throw new Error(`value ${j + 1} of row ${i + 1} of the chunk is not a database value (${kind})`);
      }
    }
  }
}
