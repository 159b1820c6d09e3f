// Dropping a whole database under its lock, so that an operation at work on it (a restore into it, a
// migration resuming) is named and left alone instead of having its database dropped under it.
import { existsSync } from 'node:fs';
import { connect, dialectFor, type Connection, type ConnectionTarget } from '../engine/dialect/index.ts';
import type { Lock } from '../engine/dialect/types.ts';
import { lockDatabase } from './database.ts';

/**
 * Drops the database named by `target` while holding its lock, taken for `operation`; refuses, naming the
 * holder, while another session holds it. The lock is held until the database is gone: PostgreSQL's forced
 * drop ends the very session that holds it, and the other engines drop it from beside that session, so no
 * other operation can take the database between the check and the drop.
 */
export async function dropDatabaseLocked(target: ConnectionTarget, operation: string): Promise<void> {
  const dialect = await dialectFor(target.engine);
  const connection = await sessionOn(target);
  if (!connection) {
    await dialect.dropDatabase(target);
    return;
  }
  let lock: Lock;
  try {
    lock = await lockDatabase(connection, operation);
  } catch (refusal) {
    await connection.close();
    throw refusal;
  }
  await dialect.dropDatabase(target);
  // The lock's record went with the database, and on PostgreSQL the session with it: letting go can only fail on what is already gone.
  await lock.release().catch(() => undefined);
  await connection.close().catch(() => undefined);
}

/**
 * A session on the database, or none where there is no database to open: a SQLite file that is not there,
 * or a server database that cannot be opened, which no other session can then hold either.
 */
async function sessionOn(target: ConnectionTarget): Promise<Connection | undefined> {
  if (target.engine === 'sqlite') return target.path !== undefined && target.path !== ':memory:' && existsSync(target.path) ? connect(target) : undefined;
  return connect(target).catch(() => undefined);
}
