// SQLite's bulk write: one prepared INSERT run for each row, in transactions of many rows, which is what
// makes SQLite fast at it (a transaction per row would sync the file each time).
import type Database from 'better-sqlite3';
import type { SqlValue } from '../../types.ts';
import { sqliteQueryCompiler } from '../query-compiler.ts';

const BULK_BATCH_ROWS = 50_000;

/**
 * Writes the rows in the caller's transaction, or, where there is none, in transactions of its own that
 * commit every BULK_BATCH_ROWS rows; returns the number of rows written.
 */
export async function insertPrepared(db: Database.Database, table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number> {
  const q = sqliteQueryCompiler;
  const insert = db.prepare(`INSERT INTO ${q.quoteIdentifier(table)} (${columns.map((c) => q.quoteIdentifier(c)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  const ownTransactions = !db.inTransaction;
  let written = 0;
  let inBatch = 0;
  if (ownTransactions) db.exec('BEGIN IMMEDIATE');
  try {
    for await (const row of rows) {
      insert.run(...row);
      written++;
      if (ownTransactions && ++inBatch === BULK_BATCH_ROWS) {
        db.exec('COMMIT');
        db.exec('BEGIN IMMEDIATE');
        inBatch = 0;
      }
    }
    if (ownTransactions) db.exec('COMMIT');
  } catch (error) {
    if (ownTransactions && db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
  return written;
}
