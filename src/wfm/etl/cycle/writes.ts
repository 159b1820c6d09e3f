// Writing rows into the ETL tables: multi-row INSERTs with parameters, and the next surrogate keys. Keys
// have no sequence: the cycle holds the ETL database's lock, so the highest key plus one is free.
import type { Connection, SqlValue } from '../../../engine/dialect/types.ts';

/** Parameters per INSERT statement where the engine sets no lower limit (SQLite's 32766 is under it; SQL Server's 2,100 says so). */
const PARAMETERS_PER_STATEMENT = 30_000;

/** Values in one IN list: Oracle takes at most 1,000. */
const IN_LIST_LIMIT = 1000;

/** The parameters one statement may carry on this connection's engine. */
const parameterLimit = (connection: Connection): number => Math.min(PARAMETERS_PER_STATEMENT, connection.adapter.maxParameters ?? PARAMETERS_PER_STATEMENT);

export async function insertRows(connection: Connection, table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[]): Promise<number> {
  const q = connection.compiler;
  const perStatement = Math.max(1, Math.floor(parameterLimit(connection) / columns.length));
  const head = `INSERT INTO ${q.quoteIdentifier(table)} (${columns.map((c) => q.quoteIdentifier(c)).join(', ')}) VALUES `;
  for (let start = 0; start < rows.length; start += perStatement) {
    const batch = rows.slice(start, start + perStatement);
    let n = 0;
    const tuples = batch.map((row) => `(${row.map(() => q.parameter(++n)).join(', ')})`);
    await connection.execute(head + tuples.join(', '), batch.flat());
  }
  return rows.length;
}

/** Deletes the rows of a table whose key column holds one of `keys`. */
export async function deleteByKeys(connection: Connection, table: string, keyColumn: string, keys: readonly SqlValue[]): Promise<number> {
  const q = connection.compiler;
  const perStatement = Math.min(IN_LIST_LIMIT, parameterLimit(connection));
  let deleted = 0;
  for (let start = 0; start < keys.length; start += perStatement) {
    const batch = keys.slice(start, start + perStatement);
    deleted += await connection.execute(`DELETE FROM ${q.quoteIdentifier(table)} WHERE ${q.quoteIdentifier(keyColumn)} IN (${batch.map((_, i) => q.parameter(i + 1)).join(', ')})`, batch);
  }
  return deleted;
}

/** The first free surrogate key of a table. */
export async function nextKey(connection: Connection, table: string): Promise<number> {
  const q = connection.compiler;
  const rows = await connection.query(`SELECT MAX(${q.quoteIdentifier(`${table}_KEY`)}) AS top FROM ${q.quoteIdentifier(table)}`);
  const top = rows[0]?.top;
  return top === null || top === undefined ? 1 : Number(top) + 1;
}

/** A day's key as the ETL tables carry it: yyyymmdd. */
export function dayKey(date: string): number {
  return Number(date.replaceAll('-', ''));
}

/** Every row the cycle writes belongs to this tenant: one WFM installation per ETL database. */
export const TENANT_KEY = 1;
