// Supervisors become WFM users, and their rights roles (DESIGN: "users with the same rights share one
// role"). A role is a distinct set of 8.5.2 privileges; every user gets one, a user without rights a role
// without privileges. The numbering is deterministic, so a migration run twice gives the same roles.
import type { SqlValue } from '../../engine/dialect/types.ts';
import { privilegesForRights, RIGHT_CODES, RIGHT_PRIVILEGES } from './rights.ts';
import type { LegacyContext, LegacySupervisor, Rejection } from './types.ts';

export const ROLE_COLUMNS = ['id', 'name', 'description'];
export const ROLE_PRIVILEGE_COLUMNS = ['role_id', 'privilege'];
export const WFM_USER_COLUMNS = ['id', 'login', 'full_name', 'time_zone', 'disabled', 'role_id', 'builder_name'];

export interface DerivedUsersAndRoles {
  roles: SqlValue[][];
  rolePrivileges: SqlValue[][];
  users: SqlValue[][];
  /** Supervisors that do not migrate: their row or their rights break the documented encoding. */
  rejections: Rejection[];
}

/** The 6.5 rights whose whole access the role grants: what its users could do, in 6.5's words. */
function describeRole(privileges: readonly string[]): string {
  const granted = new Set(privileges);
  const rights = RIGHT_CODES.filter((right) => RIGHT_PRIVILEGES[right].every((p) => granted.has(p)));
  return rights.length === 0 ? 'Migrated from 6.5: users without rights' : `Migrated from 6.5: users with the rights ${rights.join(', ')}`;
}

const signatureOf = (privileges: readonly string[]): string => privileges.join(',');

export function derivedUsersAndRoles(context: LegacyContext): DerivedUsersAndRoles {
  const privilegesOf = new Map<LegacySupervisor, string[]>(context.supervisors.map((s) => [s, privilegesForRights(s.rights)]));
  const sets = new Map<string, string[]>();
  for (const privileges of privilegesOf.values()) sets.set(signatureOf(privileges), privileges);
  // Sorted by the privilege list: the empty set is Role 1, and the numbering does not depend on user order.
  const signatures = [...sets.keys()].sort();
  const roleIdOf = new Map(signatures.map((signature, index) => [signature, index + 1]));

  const roles = signatures.map((signature, index): SqlValue[] => [index + 1, `Role ${index + 1}`, describeRole(sets.get(signature) ?? [])]);
  const rolePrivileges = signatures.flatMap((signature, index) => (sets.get(signature) ?? []).map((privilege): SqlValue[] => [index + 1, privilege]));
  const users = [...privilegesOf].map(([s, privileges]): SqlValue[] => [s.id, s.login, s.fullName, s.timeZone, s.disabled, roleIdOf.get(signatureOf(privileges)) ?? null, null]);
  return { roles, rolePrivileges, users, rejections: [...context.supervisorRejections] };
}
