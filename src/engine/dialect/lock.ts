// The lock every dialect offers: an engine-specific mutex that dies with its connection (an advisory lock,
// GET_LOCK, a write transaction on a side file), plus a row in wm_lock naming the holder so that a
// refused session can say who holds it; the table goes with the last holder's row. A connection that
// holds a lock may take it again (a migration creates its target's schema under the lock it already
// holds); the lock is freed by the last release.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockHeldError } from '../errors.ts';
import { LOCK_TABLE_NAME } from '../engine-tables.ts';
import type { TableModel } from '../schema/model.ts';
import type { Connection, Lock } from './types.ts';

export const LOCK_TABLE: TableModel = {
  name: LOCK_TABLE_NAME,
  columns: [
    { name: 'name', type: { kind: 'varchar', length: 100 }, nullable: false },
    { name: 'holder', type: { kind: 'varchar', length: 400 }, nullable: false },
    { name: 'acquired_at', type: { kind: 'timestamp' }, nullable: false },
  ],
  primaryKey: ['name'],
  indexes: [],
  foreignKeys: [],
};

export interface Mutex {
  /** Takes the mutex if it is free; true when taken. */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

const POLL_MS = 200;
/**
 * How long a refused session waits for the holder's row: the holder records its name right after taking
 * the mutex, and a refusal should name it rather than "another session".
 */
const HOLDER_NAME_WAIT_MS = 1000;
const HOLDER_NAME_POLL_MS = 50;

/** The locks each connection holds, with how many times it took each. */
const heldLocks = new WeakMap<Connection, Map<string, number>>();

export async function acquireNamedLock(
  connection: Connection,
  name: string,
  holder: string,
  waitMs: number,
  mutex: Mutex,
): Promise<Lock> {
  const held = heldLocks.get(connection) ?? new Map<string, number>();
  heldLocks.set(connection, held);
  const depth = held.get(name) ?? 0;
  if (depth === 0) await takeMutex(connection, name, holder, waitMs, mutex);
  held.set(name, depth + 1);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      const left = (held.get(name) ?? 1) - 1;
      if (left > 0) {
        held.set(name, left);
        return;
      }
      held.delete(name);
      await forgetHolder(connection, name);
      await mutex.release();
    },
  };
}

/** The refusal of a lock: which lock, on which database, held by whom. */
export function lockHeldError(connection: Connection, name: string, holder: string): LockHeldError {
  return new LockHeldError(`${name} of ${connection.description}`, holder);
}

/** The holder of a lock this connection does not hold; the mutex, free, is let go at once. */
export async function namedLockHolder(connection: Connection, name: string, mutex: Mutex): Promise<string | undefined> {
  if (heldLocks.get(connection)?.has(name)) return undefined;
  if (await mutex.tryAcquire()) {
    await mutex.release();
    return undefined;
  }
  return currentHolder(connection, name);
}

async function takeMutex(connection: Connection, name: string, holder: string, waitMs: number, mutex: Mutex): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await mutex.tryAcquire())) {
    if (Date.now() >= deadline) throw lockHeldError(connection, name, await currentHolder(connection, name));
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
  try {
    await recordHolder(connection, name, holder);
  } catch (error) {
    await mutex.release();
    throw error;
  }
}

async function recordHolder(connection: Connection, name: string, holder: string): Promise<void> {
  const q = connection.compiler;
  for (const sql of q.createTable(LOCK_TABLE, { ifNotExists: true })) await connection.execute(sql);
  const table = q.quoteIdentifier(LOCK_TABLE.name);
  await connection.execute(`DELETE FROM ${table} WHERE name = ${q.parameter(1)}`, [name]);
  await connection.execute(`INSERT INTO ${table} (name, holder, acquired_at) VALUES (${q.parameter(1)}, ${q.parameter(2)}, ${q.parameter(3)})`, [
    name,
    holder,
    utcTimestamp(new Date()),
  ]);
}

/**
 * Removes the holder's row and, once no holder is recorded, the table itself: a database the tool did not
 * create keeps nothing of it. Only the holder of the mutex writes the table, so none is recorded meanwhile.
 */
async function forgetHolder(connection: Connection, name: string): Promise<void> {
  const q = connection.compiler;
  const table = q.quoteIdentifier(LOCK_TABLE.name);
  await connection.execute(`DELETE FROM ${table} WHERE name = ${q.parameter(1)}`, [name]);
  const left = Number((await connection.query(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n);
  if (left === 0) for (const sql of q.dropTable(LOCK_TABLE.name)) await connection.execute(sql);
}

async function currentHolder(connection: Connection, name: string): Promise<string> {
  const deadline = Date.now() + HOLDER_NAME_WAIT_MS;
  for (;;) {
    const recorded = await recordedHolder(connection, name);
    if (recorded !== undefined) return recorded;
    if (Date.now() >= deadline) return 'another session that has not recorded its name yet';
    await sleep(HOLDER_NAME_POLL_MS);
  }
}

async function recordedHolder(connection: Connection, name: string): Promise<string | undefined> {
  const q = connection.compiler;
  try {
    const rows = await connection.query(
      `SELECT holder, acquired_at FROM ${q.quoteIdentifier(LOCK_TABLE.name)} WHERE name = ${q.parameter(1)}`,
      [name],
    );
    const row = rows[0];
    if (row) return `${String(row.holder)} (since ${String(row.acquired_at)} UTC)`;
  } catch {
    // The table may not exist yet: the holder took the mutex a moment ago and has not recorded itself.
  }
  return undefined;
}

/** A Date as the engine's neutral timestamp text: UTC 'YYYY-MM-DD HH:MM:SS'. */
export function utcTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Who is taking a lock, as other sessions will see it named. */
export function describeHolder(purpose: string): string {
  return `${purpose} (process ${process.pid} on ${hostname()})`;
}
