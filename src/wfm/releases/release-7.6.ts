// WFM 7.6: the post-6.5 design, in current terms. Every later release is this schema plus its steps.
// Timestamps are UTC; days are dates. Ids are assigned by the application, as in 6.5.
import { date, double, integer, NULLABLE, smallint, table, timestamp, varchar } from '../../engine/schema/builders.ts';
import type { TableModel } from '../../engine/schema/model.ts';

const NAME = 64;
const ZONE = 64;
const id = () => integer('id');
const deleted = () => smallint('deleted', { default: 0 });

/** The Data Aggregator settings a site (and, from 8.5.0, a business unit) carries. */
export const dataAggregatorColumns = () => [
  varchar('data_aggregator_name', NAME, NULLABLE),
  varchar('data_aggregator_tenant', NAME, NULLABLE),
  varchar('data_aggregator_password', 400, NULLABLE),
  varchar('data_aggregator_time_profile', NAME, NULLABLE),
];

export const TABLES_7_6: TableModel[] = [
  table('wm_db_version', [varchar('version', 20), timestamp('applied_at')], { primaryKey: ['version'] }),
  table('business_unit', [id(), varchar('name', NAME), varchar('time_zone', ZONE), smallint('week_start'), deleted()], { primaryKey: ['id'] }),
  table(
    'site',
    [
      id(),
      integer('business_unit_id'),
      varchar('name', NAME),
      varchar('time_zone', ZONE),
      integer('max_seats', NULLABLE),
      varchar('switch_name', NAME, NULLABLE),
      ...dataAggregatorColumns(),
      varchar('wfm_server_name', NAME, NULLABLE),
      deleted(),
    ],
    { primaryKey: ['id'], references: { business_unit_id: 'business_unit' } },
  ),
  table(
    'site_dst_period',
    [integer('site_id'), smallint('year'), timestamp('starts_at'), timestamp('ends_at'), smallint('shift_minutes')],
    { primaryKey: ['site_id', 'year'], references: { site_id: 'site' } },
  ),
  table('team', [id(), integer('site_id'), varchar('name', NAME)], { primaryKey: ['id'], references: { site_id: 'site' } }),
  table(
    'contract',
    [
      id(),
      integer('site_id'),
      varchar('name', NAME),
      integer('min_paid_minutes_week'),
      integer('max_paid_minutes_week'),
      integer('unpaid_minutes_day', { default: 0 }),
      smallint('max_days_week', { default: 5 }),
    ],
    { primaryKey: ['id'], references: { site_id: 'site' } },
  ),
  table(
    'agent',
    [
      id(),
      integer('site_id'),
      integer('team_id', NULLABLE),
      integer('contract_id', NULLABLE),
      varchar('first_name', NAME),
      varchar('last_name', NAME),
      varchar('email', 128, NULLABLE),
      varchar('switch_login', 32, NULLABLE),
      varchar('place', 32, NULLABLE),
      date('hire_date', NULLABLE),
      date('termination_date', NULLABLE),
      double('hourly_wage', NULLABLE),
      smallint('rank', { default: 0 }),
    ],
    { primaryKey: ['id'], references: { site_id: 'site', team_id: 'team', contract_id: 'contract' } },
  ),
  table(
    'activity',
    [
      id(),
      integer('site_id'),
      varchar('name', NAME),
      varchar('work_type', 16),
      integer('service_level_seconds', NULLABLE),
      double('service_level_percent', NULLABLE),
      integer('min_staff', { default: 0 }),
      integer('max_staff', NULLABLE),
      deleted(),
    ],
    { primaryKey: ['id'], references: { site_id: 'site' } },
  ),
  table(
    'hours_of_operation',
    [integer('activity_id'), smallint('week_day'), integer('opens_minute'), integer('closes_minute')],
    { primaryKey: ['activity_id', 'week_day'], references: { activity_id: 'activity' } },
  ),
  table('multi_site_activity', [id(), integer('business_unit_id'), varchar('name', NAME)], {
    primaryKey: ['id'],
    references: { business_unit_id: 'business_unit' },
  }),
  table('multi_site_activity_member', [integer('multi_site_activity_id'), integer('activity_id')], {
    primaryKey: ['multi_site_activity_id', 'activity_id'],
    references: { multi_site_activity_id: 'multi_site_activity', activity_id: 'activity' },
  }),
  table('agent_activity', [integer('agent_id'), integer('activity_id'), smallint('skill_level', { default: 1 })], {
    primaryKey: ['agent_id', 'activity_id'],
    references: { agent_id: 'agent', activity_id: 'activity' },
  }),
  table('activity_set', [id(), integer('site_id'), varchar('name', NAME)], { primaryKey: ['id'], references: { site_id: 'site' } }),
  table('activity_set_member', [integer('activity_set_id'), integer('activity_id')], {
    primaryKey: ['activity_set_id', 'activity_id'],
    references: { activity_set_id: 'activity_set', activity_id: 'activity' },
  }),
  table(
    'adherence_rule',
    [
      id(),
      integer('site_id'),
      varchar('name', NAME),
      integer('threshold_seconds'),
      integer('start_grace_seconds', { default: 0 }),
      integer('end_grace_seconds', { default: 0 }),
    ],
    { primaryKey: ['id'], references: { site_id: 'site' } },
  ),
  table('agent_state', [id(), varchar('code', 32), varchar('name', NAME)], { primaryKey: ['id'] }),
  table('reason', [id(), varchar('code', 32), varchar('name', NAME), integer('agent_state_id', NULLABLE)], {
    primaryKey: ['id'],
    references: { agent_state_id: 'agent_state' },
  }),
  table('schedule_state_group', [id(), integer('site_id'), varchar('name', NAME), varchar('kind', 16)], {
    primaryKey: ['id'],
    references: { site_id: 'site' },
  }),
  table('schedule_state_group_state', [integer('schedule_state_group_id'), integer('agent_state_id'), integer('reason_id', NULLABLE)], {
    primaryKey: ['schedule_state_group_id', 'agent_state_id'],
    references: { schedule_state_group_id: 'schedule_state_group', agent_state_id: 'agent_state', reason_id: 'reason' },
  }),
  table('time_off_limit', [integer('site_id'), date('day'), integer('max_agents')], { primaryKey: ['site_id', 'day'], references: { site_id: 'site' } }),
  table(
    'calendar_item',
    [
      id(),
      integer('agent_id'),
      date('day'),
      varchar('kind', 16),
      varchar('status', 16),
      integer('starts_minute', NULLABLE),
      integer('ends_minute', NULLABLE),
      varchar('note', 255, NULLABLE),
    ],
    { primaryKey: ['id'], references: { agent_id: 'agent' }, indexes: [['day']] },
  ),
  table('schedule_planning_period', [integer('site_id'), date('start_date'), smallint('length_weeks')], {
    primaryKey: ['site_id'],
    references: { site_id: 'site' },
  }),
  table('carried_over_hours', [integer('agent_id'), date('period_start'), integer('minutes')], {
    primaryKey: ['agent_id', 'period_start'],
    references: { agent_id: 'agent' },
  }),
  table('wfm_user', [id(), varchar('login', NAME), varchar('full_name', 128), varchar('time_zone', ZONE, NULLABLE), smallint('disabled', { default: 0 })], {
    primaryKey: ['id'],
    uniques: [['login']],
  }),
  table('user_privilege', [integer('user_id'), varchar('privilege', 64)], { primaryKey: ['user_id', 'privilege'], references: { user_id: 'wfm_user' } }),
  table('user_site_access', [integer('user_id'), integer('site_id')], { primaryKey: ['user_id', 'site_id'], references: { user_id: 'wfm_user', site_id: 'site' } }),
  table('task', [id(), integer('site_id'), integer('activity_id', NULLABLE), varchar('name', NAME), integer('duration_minutes')], {
    primaryKey: ['id'],
    references: { site_id: 'site', activity_id: 'activity' },
  }),
  table('task_sequence', [id(), integer('site_id'), varchar('name', NAME)], { primaryKey: ['id'], references: { site_id: 'site' } }),
  table('task_sequence_task', [integer('task_sequence_id'), smallint('position'), integer('task_id')], {
    primaryKey: ['task_sequence_id', 'position'],
    references: { task_sequence_id: 'task_sequence', task_id: 'task' },
  }),
  table('master_forecast', [integer('activity_id'), timestamp('interval_start'), double('volume'), double('aht_seconds')], {
    primaryKey: ['activity_id', 'interval_start'],
    references: { activity_id: 'activity' },
  }),
  table('staffing', [integer('activity_id'), timestamp('interval_start'), double('required_staff'), double('calculated_staff')], {
    primaryKey: ['activity_id', 'interval_start'],
    references: { activity_id: 'activity' },
  }),
  table('master_schedule', [integer('agent_id'), timestamp('starts_at'), timestamp('ends_at'), varchar('kind', 16), integer('activity_id', NULLABLE)], {
    primaryKey: ['agent_id', 'starts_at'],
    references: { agent_id: 'agent', activity_id: 'activity' },
  }),
  table(
    'activity_performance',
    [
      integer('activity_id'),
      timestamp('interval_start'),
      integer('offered'),
      integer('handled'),
      integer('abandoned'),
      integer('handle_seconds'),
      integer('answered_in_service_level', NULLABLE),
      integer('queue_seconds', { default: 0 }),
      integer('staff_seconds', { default: 0 }),
    ],
    { primaryKey: ['activity_id', 'interval_start'], references: { activity_id: 'activity' }, indexes: [['interval_start']] },
  ),
  table(
    'agent_adherence',
    [integer('agent_id'), timestamp('starts_at'), integer('duration_seconds'), integer('agent_state_id'), integer('reason_id', NULLABLE)],
    { primaryKey: ['agent_id', 'starts_at'], references: { agent_id: 'agent', agent_state_id: 'agent_state', reason_id: 'reason' }, indexes: [['starts_at']] },
  ),
];
