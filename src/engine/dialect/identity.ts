// Which database a connection names, whatever its spelling. A SQLite file is known by its device and inode,
// so that two paths, a symbolic link or a hard link to one file are one database; a server's database by
// the server's own identity and the database's name, so that localhost and 127.0.0.1 are one server.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { describeTarget, type ConnectionTarget, type EngineName } from './connection-string.ts';
import { connect } from './index.ts';

/**
 * What the server says of itself: PostgreSQL's system identifier is drawn when its cluster is created;
 * MariaDB has no such id, but its host name, port and data directory name one server on a network.
 */
const SERVER_IDENTITY: Partial<Record<EngineName, string>> = {
  postgres: 'SELECT system_identifier::text AS server, current_database() AS name FROM pg_control_system()',
  mysql: "SELECT CONCAT(@@hostname, ':', @@port, ':', @@datadir) AS server, DATABASE() AS name",
};

function fileIdentity(path: string): string {
  try {
    const stat = statSync(path);
    return `sqlite:${stat.dev}:${stat.ino}`;
  } catch {
    // A file that does not exist yet is only ever the same as another spelling of its path.
    return `sqlite:${resolve(path)}`;
  }
}

/** The identity of the database `target` names, or undefined when it cannot be reached (it is then no other database). */
export async function databaseIdentity(target: ConnectionTarget): Promise<string | undefined> {
  if (target.engine === 'sqlite') return target.path === ':memory:' || !target.path ? undefined : fileIdentity(target.path);
  const sql = SERVER_IDENTITY[target.engine];
  if (!sql) return undefined;
  let connection;
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

/** Whether two connections name one database. */
export async function isSameDatabase(a: ConnectionTarget, b: ConnectionTarget): Promise<boolean> {
  if (a.engine !== b.engine) return false;
  const first = await databaseIdentity(a);
  return first !== undefined && first === (await databaseIdentity(b));
}

/** The refusal of a source and a target that are one database, each as the user spelled it. */
export function sameDatabaseError(source: string, target: string): InputError {
  const spellings = source === target ? source : `${source} and ${target}`;
  return new InputError(`the source and the target are the same database (${spellings}); the source is only read: name a new or empty database as the target`);
}

/**
 * Refuses a source and a target that are one database, before either is opened to write: a migration only
 * reads its source, and writing its result over it would destroy what it reads.
 */
export async function requireDistinctDatabases(source: ConnectionTarget, target: ConnectionTarget): Promise<void> {
  if (await isSameDatabase(source, target)) throw sameDatabaseError(describeTarget(source), describeTarget(target));
}
