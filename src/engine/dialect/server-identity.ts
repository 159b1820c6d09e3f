// What a database server says of itself, asked on a read-only session that is closed at once: how a
// dialect whose databases live on a server tells one database from another, whatever the host's spelling.
import type { ConnectionTarget } from './connection-string.ts';
import type { Connection } from './types.ts';

/**
 * `engine:server/name` from the query's one row (columns server and name), or undefined when the server
 * cannot be reached: an unreachable database is no other database.
 */
export async function queriedIdentity(target: ConnectionTarget, connect: (target: ConnectionTarget) => Promise<Connection>, sql: string): Promise<string | undefined> {
  let connection: Connection;
  try {
    connection = await connect({ ...target, readOnly: true });
  } catch {
    return undefined;
  }
  try {
    const [row] = await connection.query(sql);
    return `${target.engine}:${String(row?.server)}/${String(row?.name)}`;
  } finally {
    await connection.close();
  }
}
