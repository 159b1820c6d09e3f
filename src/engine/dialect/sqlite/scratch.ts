// The scratch of a load into an empty SQLite database: a file beside it, renamed over it once complete,
// which is atomic. A database in WAL mode is its file and the -wal and -shm files named after it, so both
// sides are first made single files: the scratch checkpointed into rollback-journal mode, and the target's
// open handle, which still holds its lock, switched to a journal in memory, so that nothing it writes
// afterwards lands in a file named after the database now renamed in.
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { InputError, OperationError } from '../../errors.ts';
import type { Connection, ScratchTarget } from '../types.ts';

const SUFFIX = '.restoring';
/** The files SQLite keeps beside a database named after it. */
const COMPANIONS = ['-wal', '-shm', '-journal'];
/** How long the swap waits for other sessions to close the target, and how often it looks. */
const SWITCH_WAIT_MS = 10_000;
const SWITCH_POLL_MS = 100;

function filesOf(path: string): string[] {
  return [path, ...COMPANIONS.map((suffix) => path + suffix)];
}

/** The scratch as one file in rollback-journal mode: its write-ahead log checkpointed into it and removed. */
function asSingleFile(path: string): void {
  const db = new Database(path, { fileMustExist: true, timeout: 10_000 });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
  const left = COMPANIONS.map((suffix) => path + suffix).filter((file) => existsSync(file));
  if (left.length > 0) throw new OperationError(`${left.join(', ')} is still in use; the restored database stays in ${path}, which a restore run again removes`);
}

/**
 * The target's own handle holding its journal in memory: its -wal and -shm files checkpointed and gone.
 * That takes the only handle on the file; one another process holds a moment (a `wfm info`) is waited for.
 */
async function detachFromCompanions(on: Connection, path: string): Promise<void> {
  const deadline = Date.now() + SWITCH_WAIT_MS;
  for (;;) {
    const mode = await on.query('PRAGMA journal_mode = MEMORY').then(
      ([row]) => row?.journal_mode,
      (error: unknown) => {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
        return undefined;
      },
    );
    if (mode === 'memory') return;
    if (Date.now() >= deadline) throw new OperationError(`another session has ${path} open; close it and restore again`);
    await sleep(SWITCH_POLL_MS);
  }
}

export function sqliteScratch(target: ConnectionTarget): ScratchTarget {
  const path = target.path;
  if (!path || path === ':memory:') throw new InputError(`${describeTarget(target)} is not a file a restore can be swapped into`);
  const scratch = `${path}${SUFFIX}`;
  return {
    target: { ...target, path: scratch },
    description: scratch,
    exists: async () => filesOf(scratch).some((file) => existsSync(file)),
    create: async () => {
      new Database(scratch).close();
    },
    remove: async () => {
      for (const file of filesOf(scratch)) rmSync(file, { force: true });
    },
    swapIn: async (on) => {
      asSingleFile(scratch);
      await detachFromCompanions(on, path);
      renameSync(scratch, path);
    },
  };
}
