// The WFM user an administrator names in the console, checked against the database the console serves:
// whether that user exists, and whether they may back up and restore it (Allow Backup/Restore), as the
// Backup-Restore Utility's --wfm-user is checked.
import { withConnection, type ConnectionTarget } from '../engine/dialect/index.ts';
import { errorMessage, InputError, OperationError } from '../engine/errors.ts';
import { privilegesIn852, requireBackupRestorePrivilege } from './access.ts';
import { detectRelease } from './database.ts';

/** Whether the database has a WFM user with this login. */
export async function isWfmUser(database: ConnectionTarget, login: string): Promise<boolean> {
  return withConnection(database, async (c) => (await privilegesIn852(c, await detectRelease(c), login)) !== undefined);
}

/** Why the WFM user may not back up or restore the database; undefined when they hold Allow Backup/Restore. */
export async function backupRestoreRefusal(database: ConnectionTarget, login: string): Promise<string | undefined> {
  try {
    await withConnection(database, async (c) => requireBackupRestorePrivilege(c, await detectRelease(c), login));
    return undefined;
  } catch (error) {
    if (error instanceof InputError || error instanceof OperationError) return errorMessage(error);
    throw error;
  }
}
