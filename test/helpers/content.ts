// Table contents as comparable values: row counts and a hash of every row in key order.
import { createHash } from 'node:crypto';
import { connect, type Connection } from '../../src/engine/dialect/index.ts';

export async function tableHash(connection: Connection, table: string, columns: string[], orderBy: string[]): Promise<{ rows: number; hash: string }> {
  const q = connection.compiler;
  const rows = await connection.query(
    `SELECT ${columns.map((c) => q.quoteIdentifier(c)).join(', ')} FROM ${q.quoteIdentifier(table)} ORDER BY ${orderBy.map((c) => q.quoteIdentifier(c)).join(', ')}`,
  );
  const hash = createHash('sha256');
  for (const row of rows) hash.update(JSON.stringify(columns.map((c) => (Buffer.isBuffer(row[c]) ? (row[c] as Buffer).toString('hex') : row[c])))).update('\n');
  return { rows: rows.length, hash: hash.digest('hex') };
}

/** Every table's row count and content hash, over the columns it has (or the ones given per table). */
export async function databaseContent(connection: Connection, columnsOf?: (table: string) => string[] | undefined): Promise<Map<string, { rows: number; hash: string }>> {
  const schema = await connection.introspector.introspect();
  const content = new Map<string, { rows: number; hash: string }>();
  for (const table of schema.tables) {
    const columns = columnsOf?.(table.name) ?? table.columns.map((c) => c.name);
    const orderBy = table.primaryKey.length > 0 ? table.primaryKey : columns;
    content.set(table.name, await tableHash(connection, table.name, columns, orderBy));
  }
  return content;
}

/** The content of the database at `url`, through a connection of its own. */
export async function databaseContentAt(url: string): Promise<Map<string, { rows: number; hash: string }>> {
  const connection = await connect(url);
  try {
    return await databaseContent(connection);
  } finally {
    await connection.close();
  }
}
