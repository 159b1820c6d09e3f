// What the mapping needs to know of the 6.5 layout itself (legacy-6.5/README.md and the DDL comments):
// each table's key, the three places where 6.5.104 differs from 6.5.201, and the one-letter codes.
import type { LegacyRelease } from '../releases/versions.ts';

/** The primary key of every legacy table that holds migrated data: the copy's read order and checkpoint. */
export const SOURCE_KEYS: Readonly<Record<string, readonly string[]>> = {
  virtual_pabx: ['vpabx_id'],
  pabx: ['pabx_id'],
  pabx_time_offset: ['pabx_id', 'dst_year'],
  team: ['team_id'],
  employment_type: ['emp_type_id'],
  employee: ['employee_id'],
  activity: ['activity_id'],
  time_information: ['activity_id', 'week_day'],
  virtual_activity: ['vactivity_id'],
  virtual_activity_member: ['vactivity_id', 'activity_id'],
  employee_activity: ['employee_id', 'activity_id'],
  exclusivity_set: ['set_id'],
  exclusivity_set_member: ['set_id', 'activity_id'],
  compliance_rule: ['rule_id'],
  genesys_event: ['event_id'],
  aux_code: ['aux_code_id'],
  scheduled_agent_state: ['sas_id'],
  scheduled_agent_state_event: ['sas_id', 'event_id'],
  vacation_planner_limit: ['pabx_id', 'limit_date'],
  planner_entry: ['entry_id'],
  long_period: ['pabx_id'],
  carried_hours: ['employee_id', 'period_start'],
  supervisor: ['supervisor_id'],
  supervisor_right: ['supervisor_id', 'right_code'],
  supervisor_pabx: ['supervisor_id', 'pabx_id'],
  master_forecast: ['activity_id', 'fc_date', 'interval_no'],
  workforce: ['activity_id', 'wf_date', 'interval_no'],
  master_schedule: ['employee_id', 'sched_date', 'seg_start_min'],
  performance_data: ['activity_id', 'perf_date', 'interval_no'],
  agent_compliance: ['employee_id', 'state_date', 'start_sec'],
};

export function requireSourceKey(table: string): string[] {
  const key = SOURCE_KEYS[table];
  if (!key) throw new Error(`${table} is not a legacy 6.5 table with migrated data`);
  return [...key];
}

/** The tables Performance Data is made of (AllowMigratePerformance): everything a Data Aggregator collects. */
export const PERFORMANCE_TABLES: ReadonlySet<string> = new Set(['performance_data', 'agent_compliance']);

/** Columns and tables only one release has (README, "Releases"); everything else both have. */
const ONLY_IN: ReadonlyArray<{ table: string; column?: string; release: LegacyRelease }> = [
  { table: 'employee', column: 'email', release: '6.5.201' },
  { table: 'performance_data', column: 'answered_in_sl', release: '6.5.201' },
  { table: 'supervisor_right', release: '6.5.201' },
  { table: 'supervisor', column: 'rights', release: '6.5.104' },
];

export function hasTable(release: LegacyRelease, table: string): boolean {
  return ONLY_IN.every((only) => only.table !== table || only.column !== undefined || only.release === release);
}

export function hasColumn(release: LegacyRelease, table: string, column: string): boolean {
  return hasTable(release, table) && ONLY_IN.every((only) => only.table !== table || only.column !== column || only.release === release);
}

export function legacyTables(release: LegacyRelease): string[] {
  return Object.keys(SOURCE_KEYS).filter((table) => hasTable(release, table));
}

/** activity.activity_type: Phone, Multimedia and Exclusive Activity in 6.5's words. */
export const ACTIVITY_TYPES = { P: 'immediate', M: 'deferred', X: 'fixed_staff' } as const;

/** scheduled_agent_state.sched_kind. */
export const SCHED_KINDS = { W: 'work', B: 'break', M: 'meal', T: 'time_off', D: 'day_off', E: 'exception' } as const;

/** master_schedule.seg_kind: time off and day off are V and O here, T and D in sched_kind. */
export const SEG_KINDS = { W: 'work', B: 'break', M: 'meal', V: 'time_off', O: 'day_off', E: 'exception' } as const;

/** planner_entry.entry_kind. */
export const ENTRY_KINDS = { V: 'time_off', O: 'day_off', S: 'shift_preference', E: 'exception' } as const;

/** planner_entry.entry_status. */
export const ENTRY_STATUSES = { P: 'preferred', G: 'granted', D: 'declined' } as const;
