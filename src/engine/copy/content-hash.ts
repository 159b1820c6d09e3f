// An order-independent hash of a table's content: the sum, lane by lane, of a 64-bit hash of each row.
// The sum does not depend on the order rows are read in, so two engines with different collations and
// plans agree on equal content; chunk hashes add up to the table's hash.
import type { SqlValue } from '../dialect/types.ts';

function murmur32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= text.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The one text form of a row that every engine's neutral values give alike. */
export function rowText(values: readonly SqlValue[]): string {
  let text = '';
  for (const value of values) {
    if (value === null) text += '\u0000N';
    else if (typeof value === 'number') text += `\u0000#${value}`;
    else if (typeof value === 'bigint') text += `\u0000#${value}`;
    else if (typeof value === 'string') text += `\u0000s${value.length}:${value}`;
    else text += `\u0000b${value.toString('hex')}`;
  }
  return text;
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

  add(values: readonly SqlValue[]): void {
    const text = rowText(values);
    this.rows++;
    this.a = (this.a + murmur32(text, 0x9747b28c)) >>> 0;
    this.b = (this.b + murmur32(text, 0x5bd1e995)) >>> 0;
  }

  merge(other: ContentHash): void {
    this.rows += other.rows;
    this.a = (this.a + other.a) >>> 0;
    this.b = (this.b + other.b) >>> 0;
  }

  /** rows:hex, as stored in checkpoints and manifests. */
  toString(): string {
    return `${this.rows}:${this.a.toString(16).padStart(8, '0')}${this.b.toString(16).padStart(8, '0')}`;
  }

  static parse(text: string): ContentHash {
    const match = /^(\d+):([0-9a-f]{8})([0-9a-f]{8})$/.exec(text);
    if (!match) throw new Error(`"${text}" is not a content hash`);
    const hash = new ContentHash();
    hash.rows = Number(match[1]);
    hash.a = parseInt(match[2] ?? '0', 16);
    hash.b = parseInt(match[3] ?? '0', 16);
    return hash;
  }
}
