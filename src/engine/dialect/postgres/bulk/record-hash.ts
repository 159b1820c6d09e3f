// PostgreSQL's own 64-bit hash of a row (hash_record_extended with seed 0, PostgreSQL 14 on), computed
// from the row as COPY's binary format writes it: the server can then sum the hashes of a loaded table's
// rows by itself, in one scan, and a restore compares that sum with the one taken of the rows it sent,
// with no row crossing the network again. Each value is hashed by its type's extended hash function
// (Bob Jenkins' lookup3, as hashfn.c has it), and a row's hashes are combined as result * 31 + hash.
import { RowsDigest } from '../../rows-digest.ts';
import type { BinaryColumnType } from './copy-binary.ts';

const TWO_TO_32 = 0x1_0000_0000;
const SPACE = 0x20;
/** Where the lookup3 state starts, before the length is added. */
const GOLDEN = 0x9e3779b9 + 3923095;

/** The two halves of the last hash made: lookup3 leaves them in b and c. */
const out = { high: 0, low: 0 };

const rot = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** lookup3's final mix of (a, b, c) into out. */
function finalMix(a: number, b: number, c: number): void {
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  out.high = b >>> 0;
  out.low = c >>> 0;
}

/** hash_uint32_extended(k, 0). */
function hashWord(k: number): void {
  const start = (GOLDEN + 4) | 0;
  finalMix((start + k) | 0, start, start);
}

/** The little-endian word of up to four bytes from `at`, as far as `end`. */
function wordAt(bytes: Uint8Array, at: number, end: number): number {
  let word = 0;
  for (let i = at, shift = 0; i < end && shift < 32; i++, shift += 8) word |= (bytes[i] as number) << shift;
  return word;
}

/** hash_bytes_extended(bytes[start, end), 0). */
function hashBytes(bytes: Uint8Array, start: number, end: number): void {
  const length = end - start;
  let a = (GOLDEN + length) | 0;
  let b = a;
  let c = a;
  let i = start;
  for (; end - i >= 12; i += 12) {
    a = (a + wordAt(bytes, i, end)) | 0;
    b = (b + wordAt(bytes, i + 4, end)) | 0;
    c = (c + wordAt(bytes, i + 8, end)) | 0;
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
  }
  // The last 0 to 11 bytes: the lowest byte of c is left for the length, so c takes bytes 8 to 10 from its second.
  a = (a + wordAt(bytes, i, end)) | 0;
  b = (b + wordAt(bytes, i + 4, end)) | 0;
  c = (c + (wordAt(bytes, i + 8, end) << 8)) | 0;
  finalMix(a, b, c);
}

/** hashint8extended: the low word folded with the high one (complemented for a negative value). */
function hashInt64(bytes: Uint8Array, at: number): void {
  const high = readInt32(bytes, at);
  const low = readInt32(bytes, at + 4);
  hashWord(low ^ (high >= 0 ? high : ~high));
}

/** A double's eight bytes in memory (little-endian) order, as hashfloat8extended hashes them. */
const FLOAT8_MEMORY = new Uint8Array(8);

/** hashfloat8extended: 0 and -0 hash to 0, every NaN as the one NaN, any other value by its eight bytes in memory order. */
function hashFloat8(bytes: Uint8Array, at: number): void {
  let high = readInt32(bytes, at);
  let low = readInt32(bytes, at + 4);
  if ((high & 0x7fffffff) === 0 && low === 0) {
    out.high = 0;
    out.low = 0;
    return;
  }
  if ((high & 0x7ff00000) === 0x7ff00000 && ((high & 0xfffff) !== 0 || low !== 0)) {
    high = 0x7ff80000;
    low = 0;
  }
  const memory = FLOAT8_MEMORY;
  for (let i = 0; i < 4; i++) {
    memory[i] = (low >>> (8 * i)) & 0xff;
    memory[4 + i] = (high >>> (8 * i)) & 0xff;
  }
  hashBytes(memory, 0, 8);
}

function readInt32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 24) | ((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
}

function readInt16(bytes: Uint8Array, at: number): number {
  return (((bytes[at] as number) << 24) | ((bytes[at + 1] as number) << 16)) >> 16;
}

/** Sets out to the hash of the value written in COPY binary in bytes[at, at + length) for a column of `type`. */
function hashField(type: BinaryColumnType, bytes: Uint8Array, at: number, length: number): void {
  switch (type) {
    case 'int2':
      return hashWord(readInt16(bytes, at));
    case 'int4':
    case 'date':
      return hashWord(readInt32(bytes, at));
    case 'int8':
    case 'timestamptz':
      return hashInt64(bytes, at);
    case 'float8':
      return hashFloat8(bytes, at);
    case 'bpchar': {
      // A CHAR hashes without its trailing spaces, which the server pads it with.
      let end = at + length;
      while (end > at && bytes[end - 1] === SPACE) end--;
      return hashBytes(bytes, at, end);
    }
    case 'text':
    case 'varchar':
    case 'bytea':
      return hashBytes(bytes, at, at + length);
  }
}

/**
 * The digest of rows written in COPY binary for columns of the given types: their count and the sum of
 * their hashes as signed 64-bit numbers, exactly what `count(*)` and `sum(hash_record_extended(ROW(...), 0))`
 * give of the same rows.
 */
export class RecordHashSum {
  rows = 0;
  /** The sum of the rows' high words (signed) and of their low words, folded into `total` before they lose a bit. */
  private highs = 0;
  private lows = 0;
  private total = 0n;

  constructor(private readonly types: readonly BinaryColumnType[]) {}

  /** Adds the row written in COPY binary from bytes[start]: its field count, then each field's length and bytes. */
  addRow(bytes: Uint8Array, start: number): void {
    let high = 0;
    let low = 0;
    let at = start + 2;
    const types = this.types;
    for (let j = 0; j < types.length; j++) {
      const length = readInt32(bytes, at);
      at += 4;
      if (length < 0) {
        out.high = 0;
        out.low = 0;
      } else {
        hashField(types[j] as BinaryColumnType, bytes, at, length);
        at += length;
      }
      // result = (result << 5) - result + hash, in 64 bits, as two words.
      const lows = low * 31 + out.low;
      const carry = Math.floor(lows / TWO_TO_32);
      low = lows >>> 0;
      high = (Math.imul(high, 31) + out.high + carry) >>> 0;
    }
    this.rows++;
    this.highs += high | 0;
    this.lows += low;
    if (this.lows >= 2 ** 52 || Math.abs(this.highs) >= 2 ** 52) this.fold();
  }

  digest(): RowsDigest {
    this.fold();
    return new RowsDigest(this.rows, this.total);
  }

  private fold(): void {
    this.total += BigInt(this.highs) * BigInt(TWO_TO_32) + BigInt(this.lows);
    this.highs = 0;
    this.lows = 0;
  }
}
