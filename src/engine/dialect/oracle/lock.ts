// The lock of an Oracle database: DBMS_LOCK.REQUEST in exclusive mode with release_on_commit FALSE, held by
// the session, so it outlives every transaction of the session and dies with it. Locks are named by
// integers in 0..1073741823 (PL/SQL Packages and Types Reference, DBMS_LOCK); the number is a hash of the
// schema and the lock name. ALLOCATE_UNIQUE, which maps names to numbers, commits, and is not used. The
// session's user needs EXECUTE on SYS.DBMS_LOCK.
import { createHash } from 'node:crypto';
import type { Mutex } from '../lock.ts';

/** The highest lock number an application may request; higher ones are Oracle's own. */
const MAX_LOCK_ID = 1_073_741_823;

/** REQUEST's results (PL/SQL Packages and Types Reference): 0 success, 4 already own the lock. */
const GRANTED = new Set([0, 4]);

export function lockNumber(schema: string, name: string): number {
  const hash = createHash('sha256').update(`${schema}/${name}`).digest();
  return hash.readUInt32BE(0) % (MAX_LOCK_ID + 1);
}

/** Runs a PL/SQL block whose one OUT bind is a number, and returns it. */
export type PlsqlCall = (block: string, id: number) => Promise<number>;

export function dbmsLockMutex(call: PlsqlCall, id: number): Mutex {
  return {
    tryAcquire: async () => GRANTED.has(await call('BEGIN :result := DBMS_LOCK.REQUEST(:id, DBMS_LOCK.X_MODE, 0, FALSE); END;', id)),
    release: async () => {
      await call('BEGIN :result := DBMS_LOCK.RELEASE(:id); END;', id);
    },
  };
}
