// Supervisor logins must be unique: 8.5.2 finds a user by login (wfm_user.login is UNIQUE), while 6.5 did
// not require it. A later supervisor with a login an earlier one has is a bad row like any other: found by
// validation before anything is written, and rejected by the migration with --reject-file.
import type { Row, SqlValue } from '../../engine/dialect/types.ts';
import { type Finding, findingOf } from './findings.ts';

/** The supervisors (rows in supervisor_id order) whose login an earlier supervisor already has. */
export function duplicateLogins(rows: readonly Row[]): Finding[] {
  const first = new Map<string, SqlValue>();
  const findings: Finding[] = [];
  for (const row of rows) {
    const login = String(row.login_name);
    const owner = first.get(login);
    if (owner === undefined) {
      first.set(login, row.supervisor_id ?? null);
      continue;
    }
    const rejection = {
      table: 'supervisor',
      key: `supervisor_id=${String(row.supervisor_id)}`,
      column: 'login_name',
      value: login,
      reason: `logins must be unique in 8.5.2, and supervisor ${String(owner)} has the same login`,
    };
    findings.push(findingOf(rejection, row));
  }
  return findings;
}
