// Every legacy table with data to migrate, and the 8.5.2 table it becomes, column by column (legacy README,
// "Terminology" and "Encodings"). The ids keep their legacy values. Supervisors and their rights become
// users and roles in users.ts: a role is made of many supervisors, not of one row.
import type { Row, SqlValue } from '../../engine/dialect/types.ts';
import type { LegacyRelease } from '../releases/versions.ts';
import { rowChecker } from './checks.ts';
import { closesMinute, code, type ColumnValue, copy, day, intervalStart, minuteInstant, NOT_IN_6_5, secondInstant } from './columns.ts';
import { ACTIVITY_TYPES, ENTRY_KINDS, ENTRY_STATUSES, hasColumn, PERFORMANCE_TABLES, requireSourceKey, SCHED_KINDS, SEG_KINDS } from './legacy-tables.ts';
import { columnsReadBy, COLUMN_RULES } from './rules.ts';
import type { LegacyContext, Mapped, TableMapping } from './types.ts';

function transformOf(source: string, values: readonly ColumnValue[]): (context: LegacyContext) => (row: Row) => Mapped {
  return (context) => {
    const check = rowChecker(source, context);
    const columns = values.map((value) => value.compile({ context, table: source }));
    return (row) => {
      const rejection = check(row);
      return rejection === undefined ? { row: columns.map((column): SqlValue => column(row)) } : { rejection };
    };
  };
}

function sourceColumnsOf(source: string, sourceKey: readonly string[], values: readonly ColumnValue[]): (release: LegacyRelease) => string[] {
  const ruled = COLUMN_RULES.filter((r) => r.table === source).flatMap(columnsReadBy);
  const read = [...new Set([...sourceKey, ...values.flatMap((value) => value.reads), ...ruled])];
  return (release) => read.filter((column) => hasColumn(release, source, column));
}

/** A mapping from its target columns, in the target table's order, each with the value it takes. */
function mapping(source: string, target: string, columns: Record<string, ColumnValue>): TableMapping {
  const sourceKey = requireSourceKey(source);
  const values = Object.values(columns);
  return {
    source,
    target,
    sourceKey,
    targetColumns: Object.keys(columns),
    performance: PERFORMANCE_TABLES.has(source),
    sourceColumns: sourceColumnsOf(source, sourceKey, values),
    transform: transformOf(source, values),
  };
}

/** Parents before children: the target enforces its foreign keys. */
export const TABLE_MAPPINGS: TableMapping[] = [
  mapping('virtual_pabx', 'business_unit', {
    id: copy('vpabx_id'),
    name: copy('vpabx_name'),
    time_zone: copy('time_zone'),
    week_start: copy('week_start'),
    deleted: copy('deleted'),
    data_aggregator_name: NOT_IN_6_5,
    data_aggregator_tenant: NOT_IN_6_5,
    data_aggregator_password: NOT_IN_6_5,
    data_aggregator_time_profile: NOT_IN_6_5,
  }),
  mapping('pabx', 'site', {
    id: copy('pabx_id'),
    business_unit_id: copy('vpabx_id'),
    name: copy('pabx_name'),
    time_zone: copy('time_zone'),
    max_seats: copy('max_seats'),
    switch_name: copy('switch_name'),
    data_aggregator_name: copy('da_app_name'),
    data_aggregator_tenant: NOT_IN_6_5,
    data_aggregator_password: NOT_IN_6_5,
    data_aggregator_time_profile: NOT_IN_6_5,
    wfm_server_name: copy('server_app_name'),
    deleted: copy('deleted'),
  }),
  mapping('pabx_time_offset', 'site_dst_period', {
    site_id: copy('pabx_id'),
    year: copy('dst_year'),
    starts_at: minuteInstant('dst_start_date', 'dst_start_min', 'pabx'),
    ends_at: minuteInstant('dst_end_date', 'dst_end_min', 'pabx'),
    shift_minutes: copy('shift_min'),
  }),
  mapping('team', 'team', { id: copy('team_id'), site_id: copy('pabx_id'), name: copy('team_name') }),
  mapping('employment_type', 'contract', {
    id: copy('emp_type_id'),
    site_id: copy('pabx_id'),
    name: copy('emp_type_name'),
    min_paid_minutes_week: copy('min_work_min_week'),
    max_paid_minutes_week: copy('max_work_min_week'),
    unpaid_minutes_day: copy('unpaid_min_day'),
    max_days_week: copy('max_days_week'),
  }),
  mapping('employee', 'agent', {
    id: copy('employee_id'),
    site_id: copy('pabx_id'),
    team_id: copy('team_id'),
    contract_id: copy('emp_type_id'),
    first_name: copy('first_name'),
    last_name: copy('last_name'),
    email: copy('email'),
    switch_login: copy('cti_login'),
    place: copy('cti_place'),
    hire_date: day('hire_date'),
    termination_date: day('term_date'),
    hourly_wage: copy('hourly_wage'),
    rank: copy('rank_no'),
  }),
  mapping('activity', 'activity', {
    id: copy('activity_id'),
    site_id: copy('pabx_id'),
    name: copy('activity_name'),
    work_type: code('activity_type', ACTIVITY_TYPES),
    service_level_seconds: copy('sl_seconds'),
    service_level_percent: copy('sl_percent'),
    min_staff: copy('min_staff'),
    max_staff: copy('max_staff'),
    deleted: copy('deleted'),
  }),
  mapping('time_information', 'hours_of_operation', {
    activity_id: copy('activity_id'),
    week_day: copy('week_day'),
    opens_minute: copy('open_min'),
    closes_minute: closesMinute('open_min', 'close_min'),
  }),
  mapping('virtual_activity', 'multi_site_activity', { id: copy('vactivity_id'), business_unit_id: copy('vpabx_id'), name: copy('vactivity_name') }),
  mapping('virtual_activity_member', 'multi_site_activity_member', { multi_site_activity_id: copy('vactivity_id'), activity_id: copy('activity_id') }),
  mapping('employee_activity', 'agent_activity', { agent_id: copy('employee_id'), activity_id: copy('activity_id'), skill_level: copy('skill_level') }),
  mapping('exclusivity_set', 'activity_set', { id: copy('set_id'), site_id: copy('pabx_id'), name: copy('set_name') }),
  mapping('exclusivity_set_member', 'activity_set_member', { activity_set_id: copy('set_id'), activity_id: copy('activity_id') }),
  mapping('compliance_rule', 'adherence_rule', {
    id: copy('rule_id'),
    site_id: copy('pabx_id'),
    name: copy('rule_name'),
    threshold_seconds: copy('threshold_sec'),
    start_grace_seconds: copy('start_grace_sec'),
    end_grace_seconds: copy('end_grace_sec'),
  }),
  mapping('genesys_event', 'agent_state', { id: copy('event_id'), code: copy('event_code'), name: copy('event_name') }),
  mapping('aux_code', 'reason', { id: copy('aux_code_id'), code: copy('aux_code'), name: copy('aux_name'), agent_state_id: copy('event_id') }),
  mapping('scheduled_agent_state', 'schedule_state_group', {
    id: copy('sas_id'),
    site_id: copy('pabx_id'),
    name: copy('sas_name'),
    kind: code('sched_kind', SCHED_KINDS),
  }),
  mapping('scheduled_agent_state_event', 'schedule_state_group_state', {
    schedule_state_group_id: copy('sas_id'),
    agent_state_id: copy('event_id'),
    reason_id: copy('aux_code_id'),
  }),
  mapping('vacation_planner_limit', 'time_off_limit', { site_id: copy('pabx_id'), day: day('limit_date'), max_agents: copy('max_off') }),
  mapping('planner_entry', 'calendar_item', {
    id: copy('entry_id'),
    agent_id: copy('employee_id'),
    day: day('entry_date'),
    kind: code('entry_kind', ENTRY_KINDS),
    status: code('entry_status', ENTRY_STATUSES),
    starts_minute: copy('start_min'),
    ends_minute: copy('end_min'),
    note: copy('note'),
  }),
  mapping('long_period', 'schedule_planning_period', { site_id: copy('pabx_id'), start_date: day('start_date'), length_weeks: copy('length_weeks') }),
  mapping('carried_hours', 'carried_over_hours', { agent_id: copy('employee_id'), period_start: day('period_start'), minutes: copy('carried_min') }),
  // wfm_user is derivedUsersAndRoles' to write, and must be written before this table.
  mapping('supervisor_pabx', 'user_site_access', { user_id: copy('supervisor_id'), site_id: copy('pabx_id') }),
  mapping('master_forecast', 'master_forecast', {
    activity_id: copy('activity_id'),
    interval_start: intervalStart('fc_date', 'activity'),
    volume: copy('volume'),
    aht_seconds: copy('aht_sec'),
  }),
  mapping('workforce', 'staffing', {
    activity_id: copy('activity_id'),
    interval_start: intervalStart('wf_date', 'activity'),
    required_staff: copy('required_staff'),
    calculated_staff: copy('calculated_staff'),
  }),
  mapping('master_schedule', 'master_schedule', {
    agent_id: copy('employee_id'),
    starts_at: minuteInstant('sched_date', 'seg_start_min', 'employee'),
    ends_at: minuteInstant('sched_date', 'seg_end_min', 'employee'),
    kind: code('seg_kind', SEG_KINDS),
    activity_id: copy('activity_id'),
  }),
  mapping('performance_data', 'activity_performance', {
    activity_id: copy('activity_id'),
    interval_start: intervalStart('perf_date', 'activity'),
    offered: copy('offered'),
    handled: copy('handled'),
    abandoned: copy('abandoned'),
    handle_seconds: copy('handle_sec'),
    answered_in_service_level: copy('answered_in_sl'),
    queue_seconds: copy('queue_sec'),
    staff_seconds: copy('staff_sec'),
  }),
  mapping('agent_compliance', 'agent_adherence', {
    agent_id: copy('employee_id'),
    starts_at: secondInstant('state_date', 'start_sec', 'employee'),
    duration_seconds: copy('duration_sec'),
    agent_state_id: copy('event_id'),
    reason_id: copy('aux_code_id'),
  }),
];

export function requireMapping(source: string): TableMapping {
  const found = TABLE_MAPPINGS.find((m) => m.source === source);
  if (!found) throw new Error(`no mapping reads the legacy table ${source}`);
  return found;
}
