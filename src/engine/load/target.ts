// The database a load goes into: created when absent, opened, locked by the caller's rule, and dropped
// again when the work in it fails, if it was created for this work and this work held its lock.
import { connect, dialectFor, type Connection, type ConnectionTarget } from '../dialect/index.ts';
import { errorMessage } from '../errors.ts';

export interface TargetRules {
  /** Runs once the database exists, before it is opened for writing: checks that may read it. */
  beforeLock?(created: boolean): Promise<void>;
  /** Takes the caller's lock; refused, even a database created a moment ago is the holder's to fill. */
  lock(connection: Connection): Promise<{ release(): Promise<void> }>;
}

export async function intoLoadTarget<T>(to: ConnectionTarget, rules: TargetRules, work: (target: Connection, created: boolean) => Promise<T>): Promise<T> {
  const dialect = await dialectFor(to.engine);
  const created = await dialect.createDatabase(to);
  let ours = created;
  try {
    await rules.beforeLock?.(created);
    const target = await connect(to);
    try {
      const lock = await rules.lock(target).catch((error: unknown) => {
        ours = false;
        throw error;
      });
      try {
        return await work(target, created);
      } finally {
        // A lock held by a session the server ended was let go with it.
        await lock.release().catch((error: unknown) => {
          if (!dialect.isConnectionLost(error)) throw error;
        });
      }
    } finally {
      await target.close();
    }
  } catch (error) {
    if (ours) await dropCreated(() => dialect.dropDatabase(to), error);
    throw error;
  }
}

/** Drops the database created for failed work; where it cannot, the error says so. */
async function dropCreated(drop: () => Promise<void>, error: unknown): Promise<void> {
  try {
    await drop();
  } catch (failure) {
    if (error instanceof Error) error.message += `\n(the database created for it could not be removed: ${errorMessage(failure)}; drop it before trying again)`;
  }
}
