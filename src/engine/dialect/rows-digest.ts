// A digest of rows that an engine takes of a table by itself, in one scan, with no row crossing the
// network: a row count and the exact sum of the engine's 64-bit hash of each row, as rows:sum. The sum
// does not depend on the order rows are read in, and the digests of a table's chunks add up to the table's.
export class RowsDigest {
  constructor(
    readonly rows = 0,
    readonly sum = 0n,
  ) {}

  plus(other: RowsDigest): RowsDigest {
    return new RowsDigest(this.rows + other.rows, this.sum + other.sum);
  }

  /** rows:sum, as the engine's count and sum print. */
  toString(): string {
    return `${this.rows}:${this.sum}`;
  }

  static parse(text: string): RowsDigest {
    const match = /^(\d+):(-?\d+)$/.exec(text);
    if (!match) throw new Error(`"${text}" is not a rows digest`);
    return new RowsDigest(Number(match[1]), BigInt(match[2] as string));
  }
}
