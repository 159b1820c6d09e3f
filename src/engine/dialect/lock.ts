// The lock every dialect offers: an engine-specific mutex that dies with its connection (an advisory lock,
// GET_LOCK, a write transaction on a side file), plus a row in wm_lock naming the holder so that a
// refused session can say who holds it.
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

export async function acquireNamedLock(
  connection: Connection,
  name: string,
  holder: string,
  waitMs: number,
  mutex: Mutex,
): Promise<Lock> {
  const deadline = Date.now() + waitMs;
  while (!(await mutex.tryAcquire())) {
    if (Date.now() >= deadline) throw new LockHeldError(name, await currentHolder(connection, name));
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
  try {
    await recordHolder(connection, name, holder);
  } catch (error) {
    await mutex.release();
    throw error;
  }
  return {
    release: async () => {
      await connection.execute(`DELETE FROM ${connection.compiler.quoteIdentifier(LOCK_TABLE.name)} WHERE name = ${connection.compiler.parameter(1)}`, [name]);
      await mutex.release();
    },
  };
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

async function currentHolder(connection: Connection, name: string): Promise<string> {
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
  return 'another session that has not recorded its name yet';
}

/** A Date as the engine's neutral timestamp text: UTC 'YYYY-MM-DD HH:MM:SS'. */
export function utcTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Who is taking a lock, as other sessions will see it named. */
export function describeHolder(purpose: string): string {
  return `${purpose} (process ${process.pid} on ${hostname()})`;
}
