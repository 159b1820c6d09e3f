// The documented encodings of the 6.5 data, declared once per column. The copy's transforms check each row
// against these rules and validateLegacy searches the whole database for rows that break them: both apply
// the same rule objects, so what validation reports is what the migration would reject.
import type { Row, SqlValue } from '../../engine/dialect/types.ts';
import { isCompactDate } from './encodings.ts';
import { ACTIVITY_TYPES, ENTRY_KINDS, ENTRY_STATUSES, hasColumn, SCHED_KINDS, SEG_KINDS } from './legacy-tables.ts';
import { isRightCode, RIGHT_CODES, rightsStringProblem } from './rights.ts';
import type { LegacyRelease } from '../releases/versions.ts';
import type { OffsetOwner } from './types.ts';

/** A requirement on one value. */
export interface ValueRule {
  kind: 'value';
  /** What the documented encoding requires: the reason of a Rejection. */
  requirement: string;
  accepts(value: SqlValue): boolean;
  /** The same requirement as a range, so that SQL can find the rows that break it. */
  range?: { min: number; max: number };
  /** Which part of the value breaks the rule, where the requirement alone would not say. */
  problem?(value: SqlValue): string | undefined;
}

/** The value must be greater than another column of the same row. */
export interface AfterRule {
  kind: 'after';
  column: string;
}

/** A foreign key of the legacy DDL: the value, unless NULL, must be the key of a row of `table`. */
export interface ReferenceRule {
  kind: 'reference';
  table: string;
  column: string;
}

/**
 * The checked column is a local standard date, and `times` count time after its midnight: the mapping
 * makes each a UTC timestamp at the offset of the owner's PABX, which every target must store.
 */
export interface InstantRule {
  kind: 'instant';
  requirement: string;
  times: readonly string[];
  /** How many seconds one unit of the times is. */
  secondsPerUnit: number;
  /** Whose PABX the time is in; the row holds its id as `<owner>_id`. */
  owner: OffsetOwner;
}

/**
 * Text every target stores as it is: no NUL character (PostgreSQL refuses it in text) and, where the
 * source keeps bytes as they were written (SQLite), bytes that are UTF-8. Reading other bytes as text
 * would replace them, and the migrated name would silently differ from the 6.5 one.
 */
export interface TextRule {
  kind: 'text';
}

export const TEXT_REQUIREMENT = 'text without the NUL character (U+0000), stored as UTF-8: what every target stores as text';

export type Rule = ValueRule | AfterRule | ReferenceRule | InstantRule | TextRule;

export interface ColumnRule {
  table: string;
  column: string;
  rule: Rule;
}

/** Integers are what every engine returns for the legacy INTEGER and SMALLINT columns. */
function integerRange(min: number, max: number, requirement: string): ValueRule {
  return {
    kind: 'value',
    requirement,
    range: { min, max },
    accepts: (value) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
  };
}

function codeOf(codes: Readonly<Record<string, string>>): ValueRule {
  const allowed = new Set(Object.keys(codes));
  return {
    kind: 'value',
    requirement: `one of ${[...allowed].map((code) => `'${code}'`).join(', ')}`,
    accepts: (value) => typeof value === 'string' && allowed.has(value),
  };
}

/** NULL is allowed besides what `rule` accepts. */
function optional(rule: ValueRule): ValueRule {
  return { ...rule, requirement: `NULL or ${rule.requirement}`, accepts: (value) => value === null || rule.accepts(value) };
}

const references = (table: string, column: string): ReferenceRule => ({ kind: 'reference', table, column });
const TEXT: TextRule = { kind: 'text' };
const after = (column: string): AfterRule => ({ kind: 'after', column });

/** A range needs an upper end for SQL to test: no INTEGER column holds more. */
const INTEGER_MAX = 2_147_483_647;

const intervalNumber = integerRange(0, 95, 'an interval number 0..95 (15 minutes each)');
const minuteOfDay = integerRange(0, 1440, 'minutes after midnight, 0..1440');
const segmentMinute = integerRange(0, 2880, 'minutes after midnight of sched_date, 0..2880 (a shift may end the next day)');
const secondOfDay = integerRange(0, 86_399, 'seconds after midnight, 0..86399');
const positiveDuration = integerRange(1, INTEGER_MAX, 'a duration of at least 1 second');
const weekDay = integerRange(0, 6, 'a week day, 0 = Sunday .. 6 = Saturday');
const flag = integerRange(0, 1, 'a flag, 0 or 1');
const activityType = codeOf(ACTIVITY_TYPES);
const schedKind = codeOf(SCHED_KINDS);
const segKind = codeOf(SEG_KINDS);
const entryKind = codeOf(ENTRY_KINDS);
const entryStatus = codeOf(ENTRY_STATUSES);

const calendarDate: ValueRule = {
  kind: 'value',
  requirement: 'a real calendar date YYYYMMDD, years 1000 to 9999',
  accepts: isCompactDate,
};

const STORED_TIMES = 'local standard times that are, in UTC, within 1000-01-01 00:00:00 .. 9999-12-31 23:59:59 (the timestamps every target stores)';

function instantsOf(times: readonly string[], secondsPerUnit: number, owner: OffsetOwner): InstantRule {
  return { kind: 'instant', requirement: STORED_TIMES, times, secondsPerUnit, owner };
}

const intervalInstant = (owner: OffsetOwner): InstantRule => instantsOf(['interval_no'], 900, owner);

/** One text rule per column, in the order given. */
function texts(table: string, columns: readonly string[]): ColumnRule[] {
  return columns.map((column) => ({ table, column, rule: TEXT }));
}

const rightsString: ValueRule = {
  kind: 'value',
  requirement: `'Y' or 'N' for each of the ${RIGHT_CODES.length} rights, in order (${RIGHT_CODES.join(', ')}); missing positions are 'N'`,
  accepts: (value) => typeof value === 'string' && rightsStringProblem(value) === undefined,
  problem: (value) => (typeof value === 'string' ? rightsStringProblem(value) : undefined),
};

const rightCode: ValueRule = {
  kind: 'value',
  requirement: `a 6.5 right code: ${RIGHT_CODES.join(', ')}`,
  accepts: isRightCode,
};

/** Every rule of the legacy data, per table in the order of its columns: the first a row breaks is reported. */
export const COLUMN_RULES: readonly ColumnRule[] = [
  { table: 'virtual_pabx', column: 'week_start', rule: weekDay },
  { table: 'virtual_pabx', column: 'deleted', rule: flag },
  ...texts('virtual_pabx', ['vpabx_name', 'time_zone']),
  { table: 'pabx', column: 'vpabx_id', rule: references('virtual_pabx', 'vpabx_id') },
  { table: 'pabx', column: 'deleted', rule: flag },
  ...texts('pabx', ['pabx_name', 'time_zone', 'switch_name', 'da_app_name', 'server_app_name']),
  { table: 'pabx_time_offset', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  { table: 'pabx_time_offset', column: 'dst_start_date', rule: calendarDate },
  { table: 'pabx_time_offset', column: 'dst_start_min', rule: minuteOfDay },
  { table: 'pabx_time_offset', column: 'dst_end_date', rule: calendarDate },
  { table: 'pabx_time_offset', column: 'dst_end_min', rule: minuteOfDay },
  { table: 'pabx_time_offset', column: 'dst_start_date', rule: instantsOf(['dst_start_min'], 60, 'pabx') },
  { table: 'pabx_time_offset', column: 'dst_end_date', rule: instantsOf(['dst_end_min'], 60, 'pabx') },
  { table: 'team', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  ...texts('team', ['team_name']),
  { table: 'employment_type', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  ...texts('employment_type', ['emp_type_name']),
  { table: 'employee', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  { table: 'employee', column: 'team_id', rule: references('team', 'team_id') },
  { table: 'employee', column: 'emp_type_id', rule: references('employment_type', 'emp_type_id') },
  { table: 'employee', column: 'hire_date', rule: optional(calendarDate) },
  { table: 'employee', column: 'term_date', rule: optional(calendarDate) },
  ...texts('employee', ['first_name', 'last_name', 'email', 'cti_login', 'cti_place']),
  { table: 'activity', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  { table: 'activity', column: 'activity_type', rule: activityType },
  { table: 'activity', column: 'deleted', rule: flag },
  ...texts('activity', ['activity_name']),
  { table: 'time_information', column: 'activity_id', rule: references('activity', 'activity_id') },
  { table: 'time_information', column: 'week_day', rule: weekDay },
  { table: 'time_information', column: 'open_min', rule: minuteOfDay },
  { table: 'time_information', column: 'close_min', rule: minuteOfDay },
  { table: 'virtual_activity', column: 'vpabx_id', rule: references('virtual_pabx', 'vpabx_id') },
  ...texts('virtual_activity', ['vactivity_name']),
  { table: 'virtual_activity_member', column: 'vactivity_id', rule: references('virtual_activity', 'vactivity_id') },
  { table: 'virtual_activity_member', column: 'activity_id', rule: references('activity', 'activity_id') },
  { table: 'employee_activity', column: 'employee_id', rule: references('employee', 'employee_id') },
  { table: 'employee_activity', column: 'activity_id', rule: references('activity', 'activity_id') },
  { table: 'exclusivity_set', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  ...texts('exclusivity_set', ['set_name']),
  { table: 'exclusivity_set_member', column: 'set_id', rule: references('exclusivity_set', 'set_id') },
  { table: 'exclusivity_set_member', column: 'activity_id', rule: references('activity', 'activity_id') },
  { table: 'compliance_rule', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  ...texts('compliance_rule', ['rule_name']),
  ...texts('genesys_event', ['event_code', 'event_name']),
  { table: 'aux_code', column: 'event_id', rule: references('genesys_event', 'event_id') },
  ...texts('aux_code', ['aux_code', 'aux_name']),
  { table: 'scheduled_agent_state', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  { table: 'scheduled_agent_state', column: 'sched_kind', rule: schedKind },
  ...texts('scheduled_agent_state', ['sas_name']),
  { table: 'scheduled_agent_state_event', column: 'sas_id', rule: references('scheduled_agent_state', 'sas_id') },
  { table: 'scheduled_agent_state_event', column: 'event_id', rule: references('genesys_event', 'event_id') },
  { table: 'scheduled_agent_state_event', column: 'aux_code_id', rule: references('aux_code', 'aux_code_id') },
  { table: 'vacation_planner_limit', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  { table: 'vacation_planner_limit', column: 'limit_date', rule: calendarDate },
  { table: 'planner_entry', column: 'employee_id', rule: references('employee', 'employee_id') },
  { table: 'planner_entry', column: 'entry_date', rule: calendarDate },
  { table: 'planner_entry', column: 'entry_kind', rule: entryKind },
  { table: 'planner_entry', column: 'entry_status', rule: entryStatus },
  { table: 'planner_entry', column: 'start_min', rule: optional(minuteOfDay) },
  { table: 'planner_entry', column: 'end_min', rule: optional(minuteOfDay) },
  ...texts('planner_entry', ['note']),
  { table: 'long_period', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  { table: 'long_period', column: 'start_date', rule: calendarDate },
  { table: 'carried_hours', column: 'employee_id', rule: references('employee', 'employee_id') },
  { table: 'carried_hours', column: 'period_start', rule: calendarDate },
  { table: 'supervisor', column: 'disabled', rule: flag },
  { table: 'supervisor', column: 'rights', rule: rightsString },
  ...texts('supervisor', ['login_name', 'full_name', 'time_zone']),
  { table: 'supervisor_right', column: 'supervisor_id', rule: references('supervisor', 'supervisor_id') },
  { table: 'supervisor_right', column: 'right_code', rule: rightCode },
  { table: 'supervisor_pabx', column: 'supervisor_id', rule: references('supervisor', 'supervisor_id') },
  { table: 'supervisor_pabx', column: 'pabx_id', rule: references('pabx', 'pabx_id') },
  { table: 'master_forecast', column: 'activity_id', rule: references('activity', 'activity_id') },
  { table: 'master_forecast', column: 'fc_date', rule: calendarDate },
  { table: 'master_forecast', column: 'interval_no', rule: intervalNumber },
  { table: 'master_forecast', column: 'fc_date', rule: intervalInstant('activity') },
  { table: 'workforce', column: 'activity_id', rule: references('activity', 'activity_id') },
  { table: 'workforce', column: 'wf_date', rule: calendarDate },
  { table: 'workforce', column: 'interval_no', rule: intervalNumber },
  { table: 'workforce', column: 'wf_date', rule: intervalInstant('activity') },
  { table: 'master_schedule', column: 'employee_id', rule: references('employee', 'employee_id') },
  { table: 'master_schedule', column: 'sched_date', rule: calendarDate },
  { table: 'master_schedule', column: 'seg_start_min', rule: segmentMinute },
  { table: 'master_schedule', column: 'seg_end_min', rule: segmentMinute },
  { table: 'master_schedule', column: 'seg_end_min', rule: after('seg_start_min') },
  { table: 'master_schedule', column: 'sched_date', rule: instantsOf(['seg_start_min', 'seg_end_min'], 60, 'employee') },
  { table: 'master_schedule', column: 'seg_kind', rule: segKind },
  { table: 'master_schedule', column: 'activity_id', rule: references('activity', 'activity_id') },
  { table: 'performance_data', column: 'activity_id', rule: references('activity', 'activity_id') },
  { table: 'performance_data', column: 'perf_date', rule: calendarDate },
  { table: 'performance_data', column: 'interval_no', rule: intervalNumber },
  { table: 'performance_data', column: 'perf_date', rule: intervalInstant('activity') },
  { table: 'agent_compliance', column: 'employee_id', rule: references('employee', 'employee_id') },
  { table: 'agent_compliance', column: 'state_date', rule: calendarDate },
  { table: 'agent_compliance', column: 'start_sec', rule: secondOfDay },
  { table: 'agent_compliance', column: 'state_date', rule: instantsOf(['start_sec'], 1, 'employee') },
  { table: 'agent_compliance', column: 'duration_sec', rule: positiveDuration },
  { table: 'agent_compliance', column: 'event_id', rule: references('genesys_event', 'event_id') },
  { table: 'agent_compliance', column: 'aux_code_id', rule: references('aux_code', 'aux_code_id') },
];

/** The rules of one table that apply to a release (6.5.104 has no rights table, 6.5.201 no rights string). */
export function rulesOf(table: string, release: LegacyRelease): ColumnRule[] {
  return COLUMN_RULES.filter((r) => r.table === table && columnsReadBy(r).every((column) => hasColumn(release, table, column)));
}

/** The columns a rule reads: the checked one, and those it is compared with or computed from. */
export function columnsReadBy({ column, rule }: ColumnRule): string[] {
  switch (rule.kind) {
    case 'after':
      return [column, rule.column];
    case 'instant':
      return [column, ...rule.times, ownerColumn(rule)];
    default:
      return [column];
  }
}

/** The column holding the id of the owner whose PABX's offset the times are in. */
export function ownerColumn(rule: InstantRule): string {
  return `${rule.owner}_id`;
}

/** The tables some reference points to, each with the key column referenced: the small tables the context holds. */
export function referencedTables(): Map<string, string> {
  return new Map(COLUMN_RULES.flatMap(({ rule }) => (rule.kind === 'reference' ? [[rule.table, rule.column] as const] : [])));
}

/** Whether the row keeps the rule, references aside (they need the parent's keys). */
export function keepsRule(rule: ValueRule | AfterRule, value: SqlValue, row: Row): boolean {
  if (rule.kind === 'value') return rule.accepts(value);
  const other = row[rule.column];
  return typeof value === 'number' && typeof other === 'number' && value > other;
}

/** The reason of a Rejection: what the encoding requires, and where that is not enough, what is wrong. */
export function reasonFor(columnRule: ColumnRule, value: SqlValue, row: Row): string {
  const { rule } = columnRule;
  switch (rule.kind) {
    case 'value': {
      const problem = rule.problem?.(value);
      return problem === undefined ? rule.requirement : `${rule.requirement}; ${problem}`;
    }
    case 'after':
      return `greater than ${rule.column} (${textOf(row[rule.column] ?? null)})`;
    case 'reference':
      return `the ${rule.column} of an existing ${rule.table} row`;
    case 'instant':
      return rule.requirement;
    case 'text':
      return TEXT_REQUIREMENT;
  }
}

/** A value as a Rejection shows it. */
export function textOf(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  return String(value);
}

/** A key value as SQL would write it: strings quoted, so that "a, b" cannot be mistaken for two columns. */
function keyValueText(value: SqlValue): string {
  return typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : textOf(value);
}

export function keyText(key: readonly string[], row: Row): string {
  return key.map((column) => `${column}=${keyValueText(row[column] ?? null)}`).join(', ');
}
