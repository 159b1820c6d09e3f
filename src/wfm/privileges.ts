// The privilege catalogue of every release, and how privileges carry over from one release to the next.
// Declared once here; the upgrade steps, the 6.5 mapping, the tests and the settings check all read it.
import { compareReleases, type CurrentRelease } from './releases/versions.ts';

/** Privileges of 8.5.2, as stored in role_privilege.privilege. */
export const PRIVILEGES_8_5_2 = [
  'organization.read',
  'organization.edit',
  'organization.add_delete',
  'policies.read',
  'policies.edit',
  'calendar.read',
  'calendar.add_edit_delete',
  'calendar.prefer_grant_decline',
  'calendar.edit_time_off_limits',
  'forecast.read',
  'forecast.edit',
  'schedule.read',
  'schedule.edit',
  'performance.read',
  'adherence.read',
  'reports.read',
  'general.allow_backup_restore',
] as const;

export type Privilege = (typeof PRIVILEGES_8_5_2)[number];

/** What each 8.5.2 privilege lets its holder do, in the words of the Users module. */
export const PRIVILEGE_TITLES: Readonly<Record<Privilege, string>> = {
  'organization.read': 'Organization: see business units, sites, teams and agents',
  'organization.edit': 'Organization: edit them',
  'organization.add_delete': 'Organization: add and delete them',
  'policies.read': 'Policies: see contracts, rules and activities',
  'policies.edit': 'Policies: edit them',
  'calendar.read': 'Calendar: see items',
  'calendar.add_edit_delete': 'Calendar: add, edit and delete items',
  'calendar.prefer_grant_decline': 'Calendar: prefer, grant and decline items',
  'calendar.edit_time_off_limits': 'Calendar: edit time-off limits',
  'forecast.read': 'Forecast: see',
  'forecast.edit': 'Forecast: edit',
  'schedule.read': 'Schedule: see',
  'schedule.edit': 'Schedule: edit',
  'performance.read': 'Performance: see',
  'adherence.read': 'Adherence: see',
  'reports.read': 'Reports: run',
  'general.allow_backup_restore': 'General: Allow Backup/Restore',
};

/**
 * Privileges of 7.6 (per-user lists in user_privilege), and of 8.0 and 8.1 (per role). The Calendar has
 * one edit privilege, which covers adding, preferring, granting and declining items and editing time-off
 * limits, as 6.5's CAL_EDIT did.
 */
export const PRIVILEGES_7_6 = [
  'organization.read',
  'organization.edit',
  'organization.add_delete',
  'policies.read',
  'policies.edit',
  'calendar.read',
  'calendar.edit',
  'forecast.read',
  'forecast.edit',
  'schedule.read',
  'schedule.edit',
  'performance.read',
  'adherence.read',
  'reports.read',
] as const;

export type Privilege76 = (typeof PRIVILEGES_7_6)[number];

/** 8.5.0: the Calendar's one edit privilege is split; its holders get every part (the guide's example). */
export const CALENDAR_SPLIT_8_5_0 = {
  from: 'calendar.edit',
  to: ['calendar.add_edit_delete', 'calendar.prefer_grant_decline', 'calendar.edit_time_off_limits'],
} as const;

/** 8.5.1: the Backup-Restore privilege goes to the roles that could edit the organization. */
export const BACKUP_RESTORE_8_5_1 = { grantedWith: 'organization.edit', privilege: 'general.allow_backup_restore' } as const;

/** What a 7.6 privilege set becomes in 8.5.2, step by step as the upgrade applies it. */
export function privilegesAfterUpdate(privileges: Iterable<string>, from: CurrentRelease, to: CurrentRelease): Set<string> {
  let result = new Set(privileges);
  const crosses = (version: CurrentRelease): boolean => compareReleases(from, version) < 0 && compareReleases(version, to) <= 0;
  if (crosses('8.5.0') && result.delete(CALENDAR_SPLIT_8_5_0.from)) for (const p of CALENDAR_SPLIT_8_5_0.to) result.add(p);
  if (crosses('8.5.1') && result.has(BACKUP_RESTORE_8_5_1.grantedWith)) result.add(BACKUP_RESTORE_8_5_1.privilege);
  result = new Set([...result].sort());
  return result;
}
