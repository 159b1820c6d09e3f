// An order-independent hash of a table's content: the sum, lane by lane, of a 64-bit hash of each row.
// The sum does not depend on the order rows are read in, so two engines with different collations and
// plans agree on equal content; chunk hashes add up to the table's hash.
//
// A row's hash is MurmurHash3's mixing, one UTF-16 code unit at a time, with two seeds, over the row's
// text: per value, NUL then 'N' for NULL, '#' and the decimal text of a number, 's', the length, ':' and
// the text itself for text, 'b' and the hex digits of binary. The text is fed to both lanes as it is
// produced and never built: hashing is on the path of every row copied, backed up or verified.
import type { SqlValue, ValueVisitor } from '../dialect/types.ts';

const SEED_A = 0x9747b28c | 0;
const SEED_B = 0x5bd1e995 | 0;
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const NUL = 0;
const NULL_MARK = 0x4e; // N
const NUMBER_MARK = 0x23; // #
const TEXT_MARK = 0x73; // s
const LENGTH_END = 0x3a; // :
const BINARY_MARK = 0x62; // b

/** The running state of the row being hashed: both lanes and the length of the text fed so far. */
const lane = { a: 0, b: 0, length: 0 };

/** A code unit scrambled as MurmurHash3 does a block before mixing it in. */
function scrambled(code: number): number {
  const k = Math.imul(code, C1);
  return Math.imul((k << 15) | (k >>> 17), C2);
}

/** Every byte scrambled once: digits, timestamps and ASCII text are fed from bytes, by the million. */
const SCRAMBLED_BYTES = Int32Array.from({ length: 256 }, (_, code) => scrambled(code));

/** One lane with a scrambled code unit mixed in. */
function mixed(h: number, k: number): number {
  const x = h ^ k;
  return (Math.imul((x << 13) | (x >>> 19), 5) + 0xe6546b64) | 0;
}

function feedCode(code: number): void {
  const k = scrambled(code);
  lane.a = mixed(lane.a, k);
  lane.b = mixed(lane.b, k);
  lane.length++;
}

function feedText(text: string): void {
  let a = lane.a;
  let b = lane.b;
  for (let i = 0; i < text.length; i++) {
    const k = scrambled(text.charCodeAt(i));
    a = mixed(a, k);
    b = mixed(b, k);
  }
  lane.a = a;
  lane.b = b;
  lane.length += text.length;
}

/** ASCII text given as its bytes: the same as feedText of the string they spell. */
function feedAscii(bytes: Uint8Array, start: number, end: number): void {
  let a = lane.a;
  let b = lane.b;
  for (let i = start; i < end; i++) {
    const k = SCRAMBLED_BYTES[bytes[i] as number] as number;
    a = mixed(a, k);
    b = mixed(b, k);
  }
  lane.a = a;
  lane.b = b;
  lane.length += end - start;
}

function feedValue(value: SqlValue): void {
  feedCode(NUL);
  if (value === null) {
    feedCode(NULL_MARK);
  } else if (typeof value === 'string') {
    feedCode(TEXT_MARK);
    feedText(String(value.length));
    feedCode(LENGTH_END);
    feedText(value);
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    feedCode(NUMBER_MARK);
    feedText(String(value));
  } else {
    feedCode(BINARY_MARK);
    feedText(value.toString('hex'));
  }
}

function startRow(): void {
  lane.a = SEED_A;
  lane.b = SEED_B;
  lane.length = 0;
}

function finish(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class ContentHash {
  rows = 0;
  private a = 0;
  private b = 0;

  static of(rows: Iterable<readonly SqlValue[]>): ContentHash {
    const hash = new ContentHash();
    for (const row of rows) hash.add(row);
    return hash;
  }

  /** The hash of the rows held column by column: `columns[j][i]` is value j of row i. */
  static ofColumns(columns: readonly (readonly SqlValue[])[]): ContentHash {
    const hash = new ContentHash();
    const rows = columns[0]?.length ?? 0;
    for (let i = 0; i < rows; i++) {
      startRow();
      for (let j = 0; j < columns.length; j++) feedValue((columns[j] as SqlValue[])[i] as SqlValue);
      hash.endRow();
    }
    return hash;
  }

  /**
   * Takes rows value by value, as a connection reads them (EncodedBulk.visitQuery): text and whole numbers
   * straight from the bytes the server sent, hashed exactly as their values would be.
   */
  visitor(): ValueVisitor {
    return {
      startRow,
      null: () => {
        feedCode(NUL);
        feedCode(NULL_MARK);
      },
      wholeNumber: (bytes, start, end) => {
        feedCode(NUL);
        feedCode(NUMBER_MARK);
        feedAscii(bytes, start, end);
      },
      asciiText: (bytes, start, end) => {
        feedCode(NUL);
        feedCode(TEXT_MARK);
        feedText(String(end - start));
        feedCode(LENGTH_END);
        feedAscii(bytes, start, end);
      },
      value: feedValue,
      endRow: () => this.endRow(),
    };
  }

  add(values: readonly SqlValue[]): void {
    startRow();
    for (let i = 0; i < values.length; i++) feedValue(values[i] as SqlValue);
    this.endRow();
  }

  private endRow(): void {
    this.rows++;
    this.a = (this.a + finish(lane.a, lane.length)) >>> 0;
    this.b = (this.b + finish(lane.b, lane.length)) >>> 0;
  }

  merge(other: ContentHash): void {
    this.rows += other.rows;
    this.a = (this.a + other.a) >>> 0;
    this.b = (this.b + other.b) >>> 0;
  }

  /** rows:hex, as stored in checkpoints and manifests. */
  toString(): string {
    return lanesText(this.rows, this.a, this.b);
  }

  static parse(text: string): ContentHash {
    return Object.assign(new ContentHash(), parseLanes(text, 'a content hash'));
  }
}

/** A row count and two lanes as rows:hex. */
function lanesText(rows: number, a: number, b: number): string {
  return `${rows}:${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}

/** The row count and lanes of rows:hex; `what` names the text in the error where it is not that. */
function parseLanes(text: string, what: string): { rows: number; a: number; b: number } {
  const match = /^(\d+):([0-9a-f]{8})([0-9a-f]{8})$/.exec(text);
  if (!match) throw new Error(`"${text}" is not ${what}`);
  return { rows: Number(match[1]), a: parseInt(match[2] ?? '0', 16), b: parseInt(match[3] ?? '0', 16) };
}
