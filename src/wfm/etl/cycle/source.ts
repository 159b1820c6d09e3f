// What the ETL cycle reads from the WFM database: the organization (every row, for the dimensions) and,
// for a span of days, the schedule, the agents' actual states and the performance data. The cycle reads
// all of it in one snapshot, so that the facts of one cycle agree with each other whatever is written
// meanwhile, and one chunk of days at a time, so that what it holds in memory is bounded by DayChunk.
import type { Connection, Row, SqlValue } from '../../../engine/dialect/types.ts';
import { instantOf, timestampText } from './local-days.ts';

export interface Named {
  id: number;
  name: string;
  deleted: boolean;
}
export interface BusinessUnit extends Named {
  timeZone: string;
}
export interface Site extends Named {
  businessUnitId: number;
  timeZone: string;
}
export interface Team extends Named {
  siteId: number;
}
export interface Agent extends Named {
  siteId: number;
  teamId: number | null;
  firstName: string;
  lastName: string;
}
export interface Activity extends Named {
  siteId: number;
  workType: string;
}
export interface ScheduleStateGroup extends Named {
  siteId: number;
  kind: string;
  /** The actual states that adhere to the group's kind; a null reason admits any reason. */
  members: { stateId: number; reasonId: number | null }[];
}

export interface Organization {
  businessUnits: BusinessUnit[];
  sites: Site[];
  teams: Team[];
  agents: Agent[];
  activities: Activity[];
  groups: ScheduleStateGroup[];
}

/** A master_schedule segment. */
export interface Segment {
  agentId: number;
  startMs: number;
  endMs: number;
  kind: string;
  activityId: number | null;
}

/** An agent_adherence row: the agent's actual state and reason from its start for its duration. */
export interface ActualState {
  agentId: number;
  startMs: number;
  endMs: number;
  stateId: number;
  reasonId: number | null;
}

export interface PerformanceInterval {
  activityId: number;
  startMs: number;
  offered: number;
  handled: number;
  abandoned: number;
  handleSeconds: number;
  answeredInServiceLevel: number;
  queueSeconds: number;
  staffSeconds: number;
}

export interface ForecastInterval {
  activityId: number;
  startMs: number;
  volume: number;
  ahtSeconds: number;
}

export interface StaffingInterval {
  activityId: number;
  startMs: number;
  requiredStaff: number;
}

export interface WindowInput {
  segments: Segment[];
  states: ActualState[];
  performance: PerformanceInterval[];
  forecast: ForecastInterval[];
  staffing: StaffingInterval[];
}

/**
 * How long before the window an actual state may have started and still be looked at: a state row is
 * read when it started at most this long before the window's first instant.
 */
export const STATE_LOOK_BACK_MS = 86_400_000;

const num = (value: SqlValue | undefined): number => Number(value ?? 0);
const optionalNum = (value: SqlValue | undefined): number | null => (value === null || value === undefined ? null : Number(value));
const text = (value: SqlValue | undefined): string => String(value ?? '');
const flag = (value: SqlValue | undefined): boolean => Number(value ?? 0) !== 0;

export async function readOrganization(wfm: Connection): Promise<Organization> {
  const [businessUnits, sites, teams, agents, activities, groups, members] = [
    await wfm.query('SELECT id, name, time_zone, deleted FROM business_unit ORDER BY id'),
    await wfm.query('SELECT id, business_unit_id, name, time_zone, deleted FROM site ORDER BY id'),
    await wfm.query('SELECT id, site_id, name FROM team ORDER BY id'),
    await wfm.query('SELECT id, site_id, team_id, first_name, last_name FROM agent ORDER BY id'),
    await wfm.query('SELECT id, site_id, name, work_type, deleted FROM activity ORDER BY id'),
    await wfm.query('SELECT id, site_id, name, kind FROM schedule_state_group ORDER BY id'),
    await wfm.query('SELECT schedule_state_group_id, agent_state_id, reason_id FROM schedule_state_group_state'),
  ];
  const named = (r: Row): Named => ({ id: num(r.id), name: text(r.name), deleted: flag(r.deleted) });
  return {
    businessUnits: businessUnits.map((r) => ({ ...named(r), timeZone: text(r.time_zone) })),
    sites: sites.map((r) => ({ ...named(r), businessUnitId: num(r.business_unit_id), timeZone: text(r.time_zone) })),
    teams: teams.map((r) => ({ ...named(r), siteId: num(r.site_id) })),
    agents: agents.map((r) => ({
      ...named(r),
      name: `${text(r.first_name)} ${text(r.last_name)}`,
      siteId: num(r.site_id),
      teamId: optionalNum(r.team_id),
      firstName: text(r.first_name),
      lastName: text(r.last_name),
    })),
    activities: activities.map((r) => ({ ...named(r), siteId: num(r.site_id), workType: text(r.work_type) })),
    groups: groups.map((r) => ({
      ...named(r),
      siteId: num(r.site_id),
      kind: text(r.kind),
      members: members
        .filter((m) => num(m.schedule_state_group_id) === num(r.id))
        .map((m) => ({ stateId: num(m.agent_state_id), reasonId: optionalNum(m.reason_id) })),
    })),
  };
}

/** The rows of the span [fromMs, toMs) that its facts are computed from. */
export async function readWindow(wfm: Connection, fromMs: number, toMs: number): Promise<WindowInput> {
  const q = wfm.compiler;
  const from = timestampText(fromMs);
  const to = timestampText(toMs);
  const segments = await wfm.query(
    `SELECT agent_id, starts_at, ends_at, kind, activity_id FROM master_schedule WHERE starts_at < ${q.parameter(1)} AND ends_at > ${q.parameter(2)} ORDER BY agent_id, starts_at`,
    [to, from],
  );
  const states = await wfm.query(
    `SELECT agent_id, starts_at, duration_seconds, agent_state_id, reason_id FROM agent_adherence WHERE starts_at < ${q.parameter(1)} AND starts_at >= ${q.parameter(2)} ORDER BY agent_id, starts_at`,
    [to, timestampText(fromMs - STATE_LOOK_BACK_MS)],
  );
  const intervalRows = (table: string, columns: string) =>
    wfm.query(`SELECT activity_id, interval_start, ${columns} FROM ${table} WHERE interval_start >= ${q.parameter(1)} AND interval_start < ${q.parameter(2)}`, [from, to]);
  const performance = await intervalRows('activity_performance', 'offered, handled, abandoned, handle_seconds, answered_in_service_level, queue_seconds, staff_seconds');
  const forecast = await intervalRows('master_forecast', 'volume, aht_seconds');
  const staffing = await intervalRows('staffing', 'required_staff');
  const interval = (r: Row) => ({ activityId: num(r.activity_id), startMs: instantOf(text(r.interval_start)) });
  return {
    segments: segments.map((r) => ({
      agentId: num(r.agent_id),
      startMs: instantOf(text(r.starts_at)),
      endMs: instantOf(text(r.ends_at)),
      kind: text(r.kind),
      activityId: optionalNum(r.activity_id),
    })),
    states: states.map((r) => {
      const startMs = instantOf(text(r.starts_at));
      return { agentId: num(r.agent_id), startMs, endMs: startMs + num(r.duration_seconds) * 1000, stateId: num(r.agent_state_id), reasonId: optionalNum(r.reason_id) };
    }),
    performance: performance.map((r) => ({
      ...interval(r),
      offered: num(r.offered),
      handled: num(r.handled),
      abandoned: num(r.abandoned),
      handleSeconds: num(r.handle_seconds),
      answeredInServiceLevel: num(r.answered_in_service_level),
      queueSeconds: num(r.queue_seconds),
      staffSeconds: num(r.staff_seconds),
    })),
    forecast: forecast.map((r) => ({ ...interval(r), volume: num(r.volume), ahtSeconds: num(r.aht_seconds) })),
    staffing: staffing.map((r) => ({ ...interval(r), requiredStaff: num(r.required_staff) })),
  };
}
