// A table's content hash, read from the database itself: the other side of a copy's verification.
import type { Connection, Row, SqlValue } from '../dialect/types.ts';
import { ContentHash } from './content-hash.ts';

export async function tableContentHash(
  connection: Connection,
  table: string,
  columns: readonly string[],
  where?: { sql: string; params: SqlValue[] },
): Promise<ContentHash> {
  const q = connection.compiler;
  const hash = new ContentHash();
  const sql = `SELECT ${columns.map((c) => q.quoteIdentifier(c)).join(', ')} FROM ${q.quoteIdentifier(table)}${where ? ` WHERE ${where.sql}` : ''}`;
  if (connection.bulk.kind === 'encoded' && !where) {
    // Straight from the bytes the server sends, where it can: no row object, no string for most values.
    await connection.bulk.visitQuery(sql, hash.visitor());
    return hash;
  }
  for await (const batch of connection.streamQuery(sql, where?.params ?? [])) {
    for (const row of batch) hash.add(valuesOf(row, columns));
  }
  return hash;
}

function valuesOf(row: Row, columns: readonly string[]): SqlValue[] {
  return columns.map((c) => row[c] ?? null);
}
