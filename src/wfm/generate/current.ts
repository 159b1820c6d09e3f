// Writes the generated contact center as release 7.6 or later stores it: current terms, timestamps in UTC
// ('YYYY-MM-DD HH:MM:SS') computed from each site's wall clock, days as 'YYYY-MM-DD'. Parents first, since
// foreign keys are enforced.
import type { SqlValue } from '../../engine/dialect/types.ts';
import { compareReleases, type CurrentRelease } from '../releases/versions.ts';
import {
  activityPerformance,
  agentAdherence,
  calendar,
  carriedOverHours,
  type ClockOf,
  forecast,
  schedule,
  staffing,
  timeOffLimits,
} from './history.ts';
import type { IdColumns, IdCounter, ReleaseLayout } from './ids.ts';
import type { Activity, Agent, DataAggregatorSettings, Organization, Site, User } from './model.ts';
import type { UniqueNames } from './names.ts';
import { MASTER } from './schedule.ts';
import type { TableSink } from './sink.ts';
import { type Clock, isoDate, timestampText, wallClock } from './time.ts';
import { privilegesAt } from './users.ts';

/** A what-if schedule: the same days with other start times. */
const SCENARIO_VARIANT = 1;
const SCENARIO_DAYS = 7;

const hasRoles = (release: CurrentRelease): boolean => compareReleases(release, '8.0') >= 0;
const hasScenarios = (release: CurrentRelease): boolean => compareReleases(release, '8.1') >= 0;

export function currentLayout(release: CurrentRelease): ReleaseLayout {
  return {
    idColumns: idColumns(release),
    businessUnitNames: ['business_unit', 'name'],
    siteNames: ['site', 'name'],
    logins: ['wfm_user', 'login'],
    ...(hasRoles(release) ? { roleNames: ['role', 'name'] as const } : {}),
    states: ['agent_state', 'id', 'code'],
    reasons: ['reason', 'id', 'code'],
  };
}

function idColumns(release: CurrentRelease): IdColumns {
  return {
    businessUnit: ['business_unit', 'id'],
    site: ['site', 'id'],
    team: ['team', 'id'],
    contract: ['contract', 'id'],
    agent: ['agent', 'id'],
    activity: ['activity', 'id'],
    multiSiteActivity: ['multi_site_activity', 'id'],
    activitySet: ['activity_set', 'id'],
    adherenceRule: ['adherence_rule', 'id'],
    agentState: ['agent_state', 'id'],
    reason: ['reason', 'id'],
    scheduleStateGroup: ['schedule_state_group', 'id'],
    calendarItem: ['calendar_item', 'id'],
    user: ['wfm_user', 'id'],
    task: ['task', 'id'],
    taskSequence: ['task_sequence', 'id'],
    ...(hasRoles(release) ? { role: ['role', 'id'] as const } : {}),
    ...(hasScenarios(release) ? { forecastScenario: ['forecast_scenario', 'id'] as const, scheduleScenario: ['schedule_scenario', 'id'] as const } : {}),
  };
}

export interface CurrentWriteInput {
  sink: TableSink;
  org: Organization;
  release: CurrentRelease;
  ids: IdCounter;
  roleNames: UniqueNames;
}

const flag = (value: boolean): number => (value ? 1 : 0);
const at = (utcMinute: number): string => timestampText(utcMinute * 60);
const dataAggregator = (settings: DataAggregatorSettings | null): SqlValue[] => [
  settings?.name ?? null,
  settings?.tenant ?? null,
  settings?.password ?? null,
  settings?.timeProfile ?? null,
];
const DATA_AGGREGATOR_COLUMNS = ['data_aggregator_name', 'data_aggregator_tenant', 'data_aggregator_password', 'data_aggregator_time_profile'];

function clocks(org: Organization): ClockOf {
  const bySite = new Map<Site, Clock>(org.sites.map((site) => [site, wallClock(site.standardOffset, site.dstPeriods)]));
  return (site) => bySite.get(site) ?? wallClock(site.standardOffset, site.dstPeriods);
}

export async function writeCurrent(input: CurrentWriteInput): Promise<void> {
  const { sink, org } = input;
  await writeOrganization(sink, org);
  await writePeople(input);
  await writeScenarios(input);
  await writeHistory(sink, org);
}

async function writeOrganization(sink: TableSink, org: Organization): Promise<void> {
  await sink.write(
    { table: 'business_unit', columns: ['id', 'name', 'time_zone', 'week_start', 'deleted', ...DATA_AGGREGATOR_COLUMNS], optional: DATA_AGGREGATOR_COLUMNS },
    (function* () {
      for (const u of org.businessUnits) yield [u.id, u.name, u.timeZone, u.weekStart, flag(u.deleted), ...dataAggregator(u.dataAggregator)];
    })(),
  );
  await sink.write(
    { table: 'site', columns: ['id', 'business_unit_id', 'name', 'time_zone', 'max_seats', 'switch_name', ...DATA_AGGREGATOR_COLUMNS, 'wfm_server_name', 'deleted'] },
    (function* () {
      for (const s of org.sites) {
        yield [s.id, s.businessUnit.id, s.name, s.timeZone, s.maxSeats, s.switchName, ...dataAggregator(s.dataAggregator), s.wfmServerName, flag(s.deleted)];
      }
    })(),
  );
  await sink.write(
    { table: 'site_dst_period', columns: ['site_id', 'year', 'starts_at', 'ends_at', 'shift_minutes'] },
    (function* () {
      for (const s of org.sites) for (const p of s.dstPeriods) yield [s.id, p.year, at(p.startsAt), at(p.endsAt), p.shiftMinutes];
    })(),
  );
  await sink.write(
    { table: 'team', columns: ['id', 'site_id', 'name'] },
    (function* () {
      for (const t of org.teams) yield [t.id, t.site.id, t.name];
    })(),
  );
  await sink.write(
    { table: 'contract', columns: ['id', 'site_id', 'name', 'min_paid_minutes_week', 'max_paid_minutes_week', 'unpaid_minutes_day', 'max_days_week'] },
    (function* () {
      for (const c of org.contracts) yield [c.id, c.site.id, c.name, c.minPaidMinutesWeek, c.maxPaidMinutesWeek, c.unpaidMinutesDay, c.maxDaysWeek];
    })(),
  );
  await writeActivities(sink, org);
  await writeAgents(sink, org);
  await writePolicies(sink, org);
  await writeStates(sink, org);
  await writeTasks(sink, org);
}

async function writeActivities(sink: TableSink, org: Organization): Promise<void> {
  await sink.write(
    { table: 'activity', columns: ['id', 'site_id', 'name', 'work_type', 'service_level_seconds', 'service_level_percent', 'min_staff', 'max_staff', 'deleted'] },
    (function* () {
      for (const a of org.activities) {
        yield [a.id, a.site.id, a.name, a.workType, a.serviceLevelSeconds, a.serviceLevelPercent, a.minStaff, a.maxStaff, flag(a.deleted)];
      }
    })(),
  );
  await sink.write(
    { table: 'hours_of_operation', columns: ['activity_id', 'week_day', 'opens_minute', 'closes_minute'] },
    (function* () {
      for (const a of org.activities) {
        for (const [weekDay, hours] of a.hours.entries()) if (hours) yield [a.id, weekDay, hours.opens, hours.closes];
      }
    })(),
  );
  await sink.write(
    { table: 'multi_site_activity', columns: ['id', 'business_unit_id', 'name'] },
    (function* () {
      for (const m of org.multiSiteActivities) yield [m.id, m.businessUnit.id, m.name];
    })(),
  );
  await sink.write(
    { table: 'multi_site_activity_member', columns: ['multi_site_activity_id', 'activity_id'] },
    (function* () {
      for (const m of org.multiSiteActivities) for (const a of m.members) yield [m.id, a.id];
    })(),
  );
  await sink.write(
    { table: 'activity_set', columns: ['id', 'site_id', 'name'] },
    (function* () {
      for (const s of org.activitySets) yield [s.id, s.site.id, s.name];
    })(),
  );
  await sink.write(
    { table: 'activity_set_member', columns: ['activity_set_id', 'activity_id'] },
    (function* () {
      for (const s of org.activitySets) for (const a of s.members) yield [s.id, a.id];
    })(),
  );
}

async function writeAgents(sink: TableSink, org: Organization): Promise<void> {
  await sink.write(
    {
      table: 'agent',
      columns: ['id', 'site_id', 'team_id', 'contract_id', 'first_name', 'last_name', 'email', 'switch_login', 'place', 'hire_date', 'termination_date', 'hourly_wage', 'rank'],
    },
    (function* () {
      for (const a of org.agents) {
        const terminated = a.terminationDay === null ? null : isoDate(a.terminationDay);
        yield [a.id, a.site.id, a.team.id, a.contract.id, a.firstName, a.lastName, a.email, a.switchLogin, a.place, isoDate(a.hireDay), terminated, a.hourlyWage, a.rank];
      }
    })(),
  );
  await sink.write(
    { table: 'agent_activity', columns: ['agent_id', 'activity_id', 'skill_level'] },
    (function* () {
      for (const a of org.agents) for (const s of a.skills) yield [a.id, s.activity.id, s.level];
    })(),
  );
}

async function writePolicies(sink: TableSink, org: Organization): Promise<void> {
  await sink.write(
    { table: 'adherence_rule', columns: ['id', 'site_id', 'name', 'threshold_seconds', 'start_grace_seconds', 'end_grace_seconds'] },
    (function* () {
      for (const r of org.adherenceRules) yield [r.id, r.site.id, r.name, r.thresholdSeconds, r.startGraceSeconds, r.endGraceSeconds];
    })(),
  );
  await sink.write(
    { table: 'schedule_planning_period', columns: ['site_id', 'start_date', 'length_weeks'] },
    (function* () {
      for (const s of org.sites) yield [s.id, isoDate(s.planningStartDay), s.planningWeeks];
    })(),
  );
}

async function writeStates(sink: TableSink, org: Organization): Promise<void> {
  const { states, reasons } = org.catalogue;
  await sink.write(
    { table: 'agent_state', columns: ['id', 'code', 'name'] },
    (function* () {
      for (const s of Object.values(states)) if (s.isNew) yield [s.id, s.code, s.name];
    })(),
  );
  await sink.write(
    { table: 'reason', columns: ['id', 'code', 'name', 'agent_state_id'] },
    (function* () {
      for (const r of Object.values(reasons)) if (r.isNew) yield [r.id, r.code, r.name, r.agentState?.id ?? null];
    })(),
  );
  await sink.write(
    { table: 'schedule_state_group', columns: ['id', 'site_id', 'name', 'kind'] },
    (function* () {
      for (const g of org.scheduleStateGroups) yield [g.id, g.site.id, g.name, g.kind];
    })(),
  );
  await sink.write(
    { table: 'schedule_state_group_state', columns: ['schedule_state_group_id', 'agent_state_id', 'reason_id'] },
    (function* () {
      for (const g of org.scheduleStateGroups) for (const s of g.states) yield [g.id, s.state.id, s.reason?.id ?? null];
    })(),
  );
}

async function writeTasks(sink: TableSink, org: Organization): Promise<void> {
  await sink.write(
    { table: 'task', columns: ['id', 'site_id', 'activity_id', 'name', 'duration_minutes'] },
    (function* () {
      for (const t of org.tasks) yield [t.id, t.site.id, t.activity?.id ?? null, t.name, t.durationMinutes];
    })(),
  );
  await sink.write(
    { table: 'task_sequence', columns: ['id', 'site_id', 'name'] },
    (function* () {
      for (const s of org.taskSequences) yield [s.id, s.site.id, s.name];
    })(),
  );
  await sink.write(
    { table: 'task_sequence_task', columns: ['task_sequence_id', 'position', 'task_id'] },
    (function* () {
      for (const s of org.taskSequences) for (const [position, t] of s.tasks.entries()) yield [s.id, position + 1, t.id];
    })(),
  );
}

async function writePeople({ sink, org, release, ids, roleNames }: CurrentWriteInput): Promise<void> {
  await sink.write(
    { table: 'time_off_limit', columns: ['site_id', 'day', 'max_agents'] },
    (function* () {
      for (const l of timeOffLimits(org)) yield [l.site.id, isoDate(l.day), l.maxAgents];
    })(),
  );
  await sink.write(
    { table: 'calendar_item', columns: ['id', 'agent_id', 'day', 'kind', 'status', 'starts_minute', 'ends_minute', 'note'] },
    (function* () {
      for (const c of calendar(org)) yield [ids.next('calendarItem'), c.agent.id, isoDate(c.day), c.kind, c.status, c.startsMinute, c.endsMinute, c.note];
    })(),
  );
  await sink.write(
    { table: 'carried_over_hours', columns: ['agent_id', 'period_start', 'minutes'] },
    (function* () {
      for (const c of carriedOverHours(org)) yield [c.agent.id, isoDate(c.periodStart), c.minutes];
    })(),
  );
  const roleOf = hasRoles(release) ? await writeRoles(sink, org, release, ids, roleNames) : undefined;
  await sink.write(
    { table: 'wfm_user', columns: ['id', 'login', 'full_name', 'time_zone', 'disabled', ...(roleOf ? ['role_id'] : []), 'builder_name'], optional: ['builder_name'] },
    (function* () {
      for (const u of org.users) {
        const role = roleOf ? [roleOf.get(u) ?? null] : [];
        yield [u.id, u.login, u.fullName, u.timeZone, flag(u.disabled), ...role, u.builderName];
      }
    })(),
  );
  if (!roleOf) {
    await sink.write(
      { table: 'user_privilege', columns: ['user_id', 'privilege'] },
      (function* () {
        for (const u of org.users) for (const p of privilegesAt(release, u.profile)) yield [u.id, p];
      })(),
    );
  }
  await sink.write(
    { table: 'user_site_access', columns: ['user_id', 'site_id'] },
    (function* () {
      for (const u of org.users) for (const s of u.sites) yield [u.id, s.id];
    })(),
  );
}

/** 8.0 and later: one role per distinct privilege set, shared by the users who have it. Returns each user's role id. */
async function writeRoles(sink: TableSink, org: Organization, release: CurrentRelease, ids: IdCounter, names: UniqueNames): Promise<Map<User, number>> {
  const roles = new Map<string, { id: number; name: string; description: string; privileges: string[] }>();
  const roleOf = new Map<User, number>();
  for (const user of org.users) {
    const privileges = privilegesAt(release, user.profile);
    const key = privileges.join(' ');
    let role = roles.get(key);
    if (!role) {
      role = { id: ids.next('role'), name: names.claim(user.profile.name), description: user.profile.description, privileges };
      roles.set(key, role);
    }
    roleOf.set(user, role.id);
  }
  await sink.write(
    { table: 'role', columns: ['id', 'name', 'description'] },
    (function* () {
      for (const r of roles.values()) yield [r.id, r.name, r.description];
    })(),
  );
  await sink.write(
    { table: 'role_privilege', columns: ['role_id', 'privilege'] },
    (function* () {
      for (const r of roles.values()) for (const p of r.privileges) yield [r.id, p];
    })(),
  );
  return roleOf;
}

/** 8.1 and later: forecast and schedule scenarios for the last days of the history, per site. */
async function writeScenarios({ sink, org, release, ids }: CurrentWriteInput): Promise<void> {
  if (!hasScenarios(release)) return;
  const clockOf = clocks(org);
  const firstDay = Math.max(org.firstDay, org.endDay - SCENARIO_DAYS);
  const sites = org.sites.filter((s) => !s.deleted);
  const forecasts = sites.flatMap((site) => [
    { id: ids.next('forecastScenario'), site, name: `${site.name} — draft`, status: 'draft', factor: 1.05 },
    { id: ids.next('forecastScenario'), site, name: `${site.name} — what-if +15%`, status: 'archived', factor: 1.15 },
  ]);
  const schedules = sites.map((site) => ({ id: ids.next('scheduleScenario'), site, name: `${site.name} — early starts`, status: 'draft' }));
  const scenarioRow = (s: { id: number; site: Site; name: string; status: string }): SqlValue[] => [s.id, s.site.id, s.name, isoDate(firstDay), isoDate(org.endDay - 1), s.status];
  const scenarioColumns = ['id', 'site_id', 'name', 'start_date', 'end_date', 'status'];
  const activitiesOf = (site: Site): Activity[] => org.activities.filter((a) => a.site === site && !a.deleted);
  const agentsOf = (site: Site): Agent[] => org.agents.filter((a) => a.site === site);

  await sink.write({ table: 'forecast_scenario', columns: scenarioColumns }, forecasts.map(scenarioRow));
  await sink.write(
    { table: 'forecast_scenario_interval', columns: ['forecast_scenario_id', 'activity_id', 'interval_start', 'volume', 'aht_seconds'] },
    (function* () {
      for (const s of forecasts) {
        for (const f of forecast(org, clockOf, activitiesOf(s.site), firstDay, org.endDay, s.factor)) yield [s.id, f.interval.activity.id, at(f.interval.utcMinute), f.volume, f.ahtSeconds];
      }
    })(),
  );
  await sink.write({ table: 'schedule_scenario', columns: scenarioColumns }, schedules.map(scenarioRow));
  await sink.write(
    { table: 'schedule_scenario_segment', columns: ['schedule_scenario_id', 'agent_id', 'starts_at', 'ends_at', 'kind', 'activity_id'] },
    (function* () {
      for (const s of schedules) {
        for (const g of schedule(org, clockOf, agentsOf(s.site), firstDay, org.endDay, SCENARIO_VARIANT)) {
          yield [s.id, g.agent.id, at(g.startsAt), at(g.endsAt), g.kind, g.activity?.id ?? null];
        }
      }
    })(),
  );
}

async function writeHistory(sink: TableSink, org: Organization): Promise<void> {
  const clockOf = clocks(org);
  await sink.write(
    { table: 'master_forecast', columns: ['activity_id', 'interval_start', 'volume', 'aht_seconds'] },
    (function* () {
      for (const f of forecast(org, clockOf, org.activities, org.firstDay, org.endDay)) yield [f.interval.activity.id, at(f.interval.utcMinute), f.volume, f.ahtSeconds];
    })(),
  );
  await sink.write(
    { table: 'staffing', columns: ['activity_id', 'interval_start', 'required_staff', 'calculated_staff'] },
    (function* () {
      for (const s of staffing(org, clockOf)) yield [s.interval.activity.id, at(s.interval.utcMinute), s.requiredStaff, s.calculatedStaff];
    })(),
  );
  await sink.write(
    { table: 'master_schedule', columns: ['agent_id', 'starts_at', 'ends_at', 'kind', 'activity_id'] },
    (function* () {
      for (const s of schedule(org, clockOf, org.agents, org.firstDay, org.endDay, MASTER)) yield [s.agent.id, at(s.startsAt), at(s.endsAt), s.kind, s.activity?.id ?? null];
    })(),
  );
  await sink.write(
    {
      table: 'activity_performance',
      columns: ['activity_id', 'interval_start', 'offered', 'handled', 'abandoned', 'handle_seconds', 'answered_in_service_level', 'queue_seconds', 'staff_seconds'],
    },
    (function* () {
      for (const p of activityPerformance(org, clockOf)) {
        yield [p.interval.activity.id, at(p.interval.utcMinute), p.offered, p.handled, p.abandoned, p.handleSeconds, p.answeredInServiceLevel, p.queueSeconds, p.staffSeconds];
      }
    })(),
  );
  await sink.write(
    { table: 'agent_adherence', columns: ['agent_id', 'starts_at', 'duration_seconds', 'agent_state_id', 'reason_id'] },
    (function* () {
      for (const a of agentAdherence(org, clockOf)) yield [a.agent.id, timestampText(a.startsAt), a.durationSeconds, a.state.id, a.reason?.id ?? null];
    })(),
  );
}
