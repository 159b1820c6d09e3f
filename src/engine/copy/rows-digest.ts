// An order-independent digest of rows as the bytes a bulk path sends and reads them: the sum, lane by lane,
// of a 64-bit hash of each row's bytes. Where an engine hands back, byte for byte, the binary form a load
// sent (PostgreSQL's COPY binary), the digest of what it hands back equals the digest of what was sent
// exactly when the table holds the rows sent: a check of a restored table that makes no value and no text.
// A row's hash is ContentHash's mixing, four bytes at a time, with two other seeds.
import { finish, lanesText, mixed, parseLanes, scrambled } from './content-hash.ts';

const SEED_A = 0x3c6ef372 | 0;
const SEED_B = 0x7f4a7c15 | 0;

export class RowsDigest {
  rows = 0;
  private a = 0;
  private b = 0;

  /** Adds the row written in bytes[start, end). */
  addRow(bytes: Uint8Array, start: number, end: number): void {
    let a = SEED_A;
    let b = SEED_B;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const k = scrambled((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
      a = mixed(a, k);
      b = mixed(b, k);
    }
    // The last one to three bytes as a word of their own; the length tells it from one padded with zeros.
    if (i < end) {
      let word = 0;
      for (let shift = 0; i < end; i++, shift += 8) word |= (bytes[i] as number) << shift;
      const k = scrambled(word);
      a = mixed(a, k);
      b = mixed(b, k);
    }
    this.rows++;
    this.a = (this.a + finish(a, end - start)) >>> 0;
    this.b = (this.b + finish(b, end - start)) >>> 0;
  }

  merge(other: RowsDigest): void {
    this.rows += other.rows;
    this.a = (this.a + other.a) >>> 0;
    this.b = (this.b + other.b) >>> 0;
  }

  /** rows:hex, as a chunk carries it between threads. */
  toString(): string {
    return lanesText(this.rows, this.a, this.b);
  }

  static parse(text: string): RowsDigest {
    return Object.assign(new RowsDigest(), parseLanes(text, 'a rows digest'));
  }
}
