// What the generated users may do. Each profile is written in the 8.5.2 catalogue and rendered into the
// catalogue of the release being generated; the 6.5 writer turns it into legacy rights.
import { BACKUP_RESTORE_8_5_1, CALENDAR_SPLIT_8_5_0, type Privilege, PRIVILEGES_8_5_2 } from '../privileges.ts';
import { compareReleases, type CurrentRelease } from '../releases/versions.ts';

export interface UserProfile {
  name: string;
  description: string;
  privileges: readonly Privilege[];
}

const reads: readonly Privilege[] = PRIVILEGES_8_5_2.filter((p) => p.endsWith('.read'));
const CALENDAR_EDITS: readonly Privilege[] = CALENDAR_SPLIT_8_5_0.to;

export const PROFILES = {
  administrator: { name: 'Administrator', description: 'Everything, backup and restore included', privileges: PRIVILEGES_8_5_2 },
  planner: {
    name: 'Planner',
    description: 'Builds forecasts and schedules, manages the Calendar',
    privileges: [...reads, 'forecast.edit', 'schedule.edit', ...CALENDAR_EDITS],
  },
  supervisor: {
    name: 'Team Supervisor',
    description: "Follows the team's adherence and enters Calendar items",
    privileges: ['organization.read', 'calendar.read', 'calendar.add_edit_delete', 'schedule.read', 'performance.read', 'adherence.read', 'reports.read'],
  },
  organizationManager: {
    name: 'Organization Manager',
    description: 'Maintains sites, teams, agents and policies',
    privileges: ['organization.read', 'organization.edit', 'organization.add_delete', 'policies.read', 'policies.edit', 'reports.read'],
  },
  // An edit without its read: legal in 6.5, and the migration must add the read (legacy README).
  calendarClerk: { name: 'Calendar Clerk', description: 'Grants and declines time off', privileges: CALENDAR_EDITS },
  readOnly: { name: 'Read Only', description: 'Sees everything, changes nothing', privileges: reads },
  reports: { name: "Reports (managers')", description: 'Performance and reports only', privileges: ['performance.read', 'reports.read'] },
  noAccess: { name: 'No Access', description: 'A user kept for the record, with no privilege', privileges: [] },
} as const satisfies Record<string, UserProfile>;

/** The profile's privileges in the catalogue of `release`, sorted. */
export function privilegesAt(release: CurrentRelease, profile: UserProfile): string[] {
  const result = new Set<string>(profile.privileges);
  if (compareReleases(release, '8.5.1') < 0) result.delete(BACKUP_RESTORE_8_5_1.privilege);
  if (compareReleases(release, '8.5.0') < 0) {
    const removed = CALENDAR_EDITS.filter((p) => result.delete(p));
    if (removed.length > 0) result.add(CALENDAR_SPLIT_8_5_0.from);
  }
  return [...result].sort();
}
