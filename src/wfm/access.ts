// Each user's effective privileges, read the way the release stores them (a per-user list in 7.6, a
// role from 8.0), and the check that an update left every user with exactly the access the mapping says.
import type { Connection } from '../engine/dialect/types.ts';
import { InputError, OperationError } from '../engine/errors.ts';
import type { DatabaseState } from './database.ts';
import { loadLegacyContext, privilegesForRights } from './legacy65/index.ts';
import { BACKUP_RESTORE_8_5_1, privilegesAfterUpdate } from './privileges.ts';
import { compareReleases, type CurrentRelease } from './releases/versions.ts';

export type UserAccess = Map<string, Set<string>>;

export async function effectivePrivileges(connection: Connection, release: CurrentRelease): Promise<UserAccess> {
  const q = connection.compiler;
  const sql =
    compareReleases(release, '8.0') < 0
      ? `SELECT u.login, p.privilege FROM ${q.quoteIdentifier('wfm_user')} u LEFT JOIN ${q.quoteIdentifier('user_privilege')} p ON p.user_id = u.id`
      : `SELECT u.login, rp.privilege FROM ${q.quoteIdentifier('wfm_user')} u LEFT JOIN ${q.quoteIdentifier('role_privilege')} rp ON rp.role_id = u.role_id`;
  const access: UserAccess = new Map();
  for (const row of await connection.query(sql)) {
    const login = String(row.login);
    const privileges = access.get(login) ?? new Set<string>();
    if (row.privilege !== null) privileges.add(String(row.privilege));
    access.set(login, privileges);
  }
  return access;
}

export interface AccessDifference {
  login: string;
  missing: string[];
  extra: string[];
}

/** Users whose access after the update is not what the privilege mapping gives for their access before. */
export function compareAccess(before: UserAccess, after: UserAccess, from: CurrentRelease, to: CurrentRelease): AccessDifference[] {
  const differences: AccessDifference[] = [];
  for (const login of new Set([...before.keys(), ...after.keys()])) {
    const expected = privilegesAfterUpdate(before.get(login) ?? [], from, to);
    const actual = after.get(login) ?? new Set<string>();
    const missing = [...expected].filter((p) => !actual.has(p));
    const extra = [...actual].filter((p) => !expected.has(p));
    if (!before.has(login) || !after.has(login) || missing.length > 0 || extra.length > 0) differences.push({ login, missing, extra });
  }
  return differences;
}

/**
 * A user's privileges in 8.5.2's terms, whatever the database's release: 6.5 rights through the
 * migration's mapping, a 7.6 to 8.5.1 user's privileges as the update will carry them over.
 */
export async function privilegesIn852(connection: Connection, state: DatabaseState, login: string): Promise<Set<string> | undefined> {
  if (state.kind === 'legacy') {
    const supervisor = (await loadLegacyContext(connection, state.release)).supervisors.find((s) => s.login === login);
    return supervisor ? new Set(privilegesForRights(supervisor.rights)) : undefined;
  }
  if (state.kind !== 'current') return undefined;
  const privileges = (await effectivePrivileges(connection, state.release)).get(login);
  return privileges ? privilegesAfterUpdate(privileges, state.release, '8.5.2') : undefined;
}

/** The Backup-Restore Utility's rule: the named WFM user must hold Allow Backup/Restore. */
export async function requireBackupRestorePrivilege(connection: Connection, state: DatabaseState, login: string): Promise<void> {
  const privileges = await privilegesIn852(connection, state, login);
  if (!privileges) throw new InputError(`${connection.description} has no WFM user with the login "${login}"`);
  if (!privileges.has(BACKUP_RESTORE_8_5_1.privilege)) {
    throw new OperationError(
      `the WFM user "${login}" does not hold Allow Backup/Restore (${BACKUP_RESTORE_8_5_1.privilege}); ` +
        'grant it to the user’s role, or run as a user who holds it',
    );
  }
}
