// Each loaded table checked in the target as soon as its last item is in, one after the other on a
// connection of its own, while other tables still load: where the target digests a table's rows by itself
// and every row went in a form it digests so, its digest must equal the one taken of the rows sent, rows
// that hashed as expected; any other table is read back as values and must hash as expected.
import { ContentHash, tableContentHash, type CopyItemResult } from '../copy/index.ts';
import { connect, type Connection, type ConnectionTarget } from '../dialect/index.ts';
import { RowsDigest } from '../dialect/rows-digest.ts';
import { OperationError } from '../errors.ts';

/** A table whose rows are all in, with the results of the items that filled it. */
export interface LoadedTable {
  table: string;
  columns: string[];
  results: CopyItemResult[];
  /** The content hash the table must hold: the backup's manifest, the source's hash, or what was written. */
  expectedHash: string;
}

export interface TableVerified {
  table: string;
  rows: number;
  seconds: number;
  checkedBy: 'rows-digest' | 'content-hash';
}

/** The content hash of everything the items wrote, whichever order they wrote it in. */
export function writtenHash(results: readonly CopyItemResult[]): string {
  const total = new ContentHash();
  for (const result of results) total.merge(ContentHash.parse(result.contentHash));
  return total.toString();
}

/** A table that does not hold what was loaded into it: the load stops there. */
export class VerificationError extends OperationError {}

export class TableVerification {
  private readonly verified = new Map<string, TableVerified>();
  private connection: Promise<Connection> | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** The first mismatch or failure, as soon as it is met: the load stops on it without waiting for the queue. */
  failure: unknown;

  constructor(private readonly to: ConnectionTarget) {}

  add(loaded: LoadedTable): void {
    this.queue = this.queue.then(() => this.check(loaded));
    this.queue.catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  /** Waits for every table added, closes the connection and returns each table's check, by table. */
  async finish(): Promise<Map<string, TableVerified>> {
    try {
      await this.queue;
      return this.verified;
    } finally {
      const connection = this.connection;
      this.connection = undefined;
      if (connection) await (await connection).close();
    }
  }

  private async check(loaded: LoadedTable): Promise<void> {
    if (this.failure !== undefined) return;
    const connection = await (this.connection ??= connect(this.to));
    const byDigest = await holdsRowsSent(connection, loaded);
    if (!byDigest) {
      const actual = (await tableContentHash(connection, loaded.table, loaded.columns)).toString();
      if (actual !== loaded.expectedHash) {
        throw new VerificationError(`${loaded.table} does not hold what was loaded into it: its rows hash to ${actual}, ${loaded.expectedHash} was expected`);
      }
    }
    const rows = loaded.results.reduce((sum, r) => sum + r.rowsWritten, 0);
    const seconds = loaded.results.reduce((sum, r) => sum + r.seconds, 0);
    this.verified.set(loaded.table, { table: loaded.table, rows, seconds, checkedBy: byDigest ? 'rows-digest' : 'content-hash' });
  }
}

/** Whether the target's digest of the table is that of the rows sent, rows that hashed as expected. */
async function holdsRowsSent(connection: Connection, loaded: LoadedTable): Promise<boolean> {
  const digests = loaded.results.map((r) => r.rowsDigest);
  if (digests.some((d) => d === undefined) || writtenHash(loaded.results) !== loaded.expectedHash) return false;
  const sent = (digests as string[]).map((d) => RowsDigest.parse(d)).reduce((sum, d) => sum.plus(d));
  const digest = connection.bulk.kind === 'encoded' ? await connection.bulk.rowsDigest(loaded.table, loaded.columns) : undefined;
  return digest?.toString() === sent.toString();
}
