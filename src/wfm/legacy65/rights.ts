// 6.5 security rights and the 8.5.2 privileges they become (legacy README, "Security rights"). Both tables
// are data: a supervisor keeps exactly the access its rights gave, every finer part of a split right, and the
// Read privilege any of those requires.
import type { Privilege } from '../privileges.ts';

/** The rights in the order of the 6.5.104 positional string: position 1 is ORG_VIEW. */
export const RIGHT_CODES = [
  'ORG_VIEW',
  'ORG_EDIT',
  'POLICY_VIEW',
  'POLICY_EDIT',
  'CAL_VIEW',
  'CAL_EDIT',
  'FCST_VIEW',
  'FCST_EDIT',
  'SCHED_VIEW',
  'SCHED_EDIT',
  'PERF_VIEW',
  'ADH_VIEW',
  'REPORTS',
  'DB_BACKUP',
] as const;

export type RightCode = (typeof RIGHT_CODES)[number];

/** What each right gave, in 8.5.2's finer privileges. */
export const RIGHT_PRIVILEGES: Readonly<Record<RightCode, readonly Privilege[]>> = {
  ORG_VIEW: ['organization.read'],
  ORG_EDIT: ['organization.edit', 'organization.add_delete'],
  POLICY_VIEW: ['policies.read'],
  POLICY_EDIT: ['policies.edit'],
  CAL_VIEW: ['calendar.read'],
  CAL_EDIT: ['calendar.add_edit_delete', 'calendar.prefer_grant_decline', 'calendar.edit_time_off_limits'],
  FCST_VIEW: ['forecast.read'],
  FCST_EDIT: ['forecast.edit'],
  SCHED_VIEW: ['schedule.read'],
  SCHED_EDIT: ['schedule.edit'],
  PERF_VIEW: ['performance.read'],
  ADH_VIEW: ['adherence.read'],
  REPORTS: ['reports.read'],
  DB_BACKUP: ['general.allow_backup_restore'],
};

/** Privileges that cannot be used without a Read privilege: holding one grants the Read too. */
export const READ_REQUIRED_BY: Readonly<Partial<Record<Privilege, Privilege>>> = {
  'organization.edit': 'organization.read',
  'organization.add_delete': 'organization.read',
  'policies.edit': 'policies.read',
  'calendar.add_edit_delete': 'calendar.read',
  'calendar.prefer_grant_decline': 'calendar.read',
  'calendar.edit_time_off_limits': 'calendar.read',
  'forecast.edit': 'forecast.read',
  'schedule.edit': 'schedule.read',
};

export function isRightCode(value: unknown): value is RightCode {
  return (RIGHT_CODES as readonly unknown[]).includes(value);
}

/** The 8.5.2 privileges of a set of 6.5 right codes, sorted; unknown codes give nothing. */
export function privilegesForRights(rights: readonly string[]): string[] {
  const privileges = new Set<Privilege>();
  for (const right of rights) {
    if (!isRightCode(right)) continue;
    for (const privilege of RIGHT_PRIVILEGES[right]) {
      privileges.add(privilege);
      const read = READ_REQUIRED_BY[privilege];
      if (read) privileges.add(read);
    }
  }
  return [...privileges].sort();
}

/** What is wrong with a 6.5.104 rights string, naming the position and character; undefined when it is valid. */
export function rightsStringProblem(rights: string): string | undefined {
  const characters = [...rights];
  const position = characters.findIndex((character, index) => (character !== 'Y' && character !== 'N') || index >= RIGHT_CODES.length);
  if (position < 0) return undefined;
  const where = `position ${position + 1} is ${JSON.stringify(characters[position])}`;
  return position >= RIGHT_CODES.length ? `${where}, past the ${RIGHT_CODES.length} rights` : where;
}

/** The rights a valid 6.5.104 string grants: a shorter string leaves the missing positions 'N'. */
export function rightsOfString(rights: string): RightCode[] {
  return RIGHT_CODES.filter((_, index) => rights[index] === 'Y');
}
