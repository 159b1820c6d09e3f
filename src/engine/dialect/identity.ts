// Which database a connection names, whatever its spelling: each dialect knows its databases by what does
// not depend on it (a file by its device and inode, a server's database by the server's own identity and
// the database's name), so that two spellings of one database are found to be one.
import { InputError } from '../errors.ts';
import { dialectFor } from '../dialects.ts';
import { describeTarget, type ConnectionTarget } from './connection-string.ts';

/** The identity of the database `target` names, or undefined when it cannot be reached (it is then no other database). */
export async function databaseIdentity(target: ConnectionTarget): Promise<string | undefined> {
  // An engine this build only scripts has no connection to ask.
  const dialect = await dialectFor(target.engine).catch(() => undefined);
  return dialect?.databaseIdentity(target);
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
