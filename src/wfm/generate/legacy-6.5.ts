// Writes the generated contact center as WFM 6.5 stored it, in 6.5's own terms (virtual PABX, PABX,
// employee, supervisor ...) and encodings (legacy-6.5/README.md): dates YYYYMMDD, times in minutes or
// seconds after midnight in the PABX's standard time, interval numbers 0..95, flags 0/1, one-letter codes.
import type { Connection, SqlValue } from '../../engine/dialect/types.ts';
import { LEGACY_VERSION_TEXT } from '../releases/legacy.ts';
import type { LegacyRelease } from '../releases/versions.ts';
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
import type { CalendarKind, CalendarStatus, DataAggregatorSettings, Organization, ScheduleKind, Site, User, WorkType } from './model.ts';
import { MASTER } from './schedule.ts';
import type { TableSink } from './sink.ts';
import { compactDate, MINUTES_PER_DAY, SECONDS_PER_DAY, standardClock } from './time.ts';
import { RIGHT_CODES, RIGHT_PRIVILEGES, type RightCode } from '../legacy65/rights.ts';

const ID_COLUMNS: IdColumns = {
  businessUnit: ['virtual_pabx', 'vpabx_id'],
  site: ['pabx', 'pabx_id'],
  team: ['team', 'team_id'],
  contract: ['employment_type', 'emp_type_id'],
  agent: ['employee', 'employee_id'],
  activity: ['activity', 'activity_id'],
  multiSiteActivity: ['virtual_activity', 'vactivity_id'],
  activitySet: ['exclusivity_set', 'set_id'],
  adherenceRule: ['compliance_rule', 'rule_id'],
  agentState: ['genesys_event', 'event_id'],
  reason: ['aux_code', 'aux_code_id'],
  scheduleStateGroup: ['scheduled_agent_state', 'sas_id'],
  calendarItem: ['planner_entry', 'entry_id'],
  user: ['supervisor', 'supervisor_id'],
};

export const LEGACY_LAYOUT: ReleaseLayout = {
  idColumns: ID_COLUMNS,
  businessUnitNames: ['virtual_pabx', 'vpabx_name'],
  siteNames: ['pabx', 'pabx_name'],
  logins: ['supervisor', 'login_name'],
  states: ['genesys_event', 'event_id', 'event_code'],
  reasons: ['aux_code', 'aux_code_id', 'aux_code'],
};

/** The 6.5 right that gave each current privilege: the mapping's own table read backwards. */
const RIGHT_OF = new Map<string, RightCode>(RIGHT_CODES.flatMap((code) => RIGHT_PRIVILEGES[code].map((p): [string, RightCode] => [p, code])));

const ACTIVITY_TYPE: Record<WorkType, string> = { immediate: 'P', deferred: 'M', fixed_staff: 'X' };
const SCHED_KIND: Record<ScheduleKind, string> = { work: 'W', break: 'B', meal: 'M', time_off: 'T', day_off: 'D', exception: 'E' };
/** master_schedule.seg_kind spells time off and day off differently from scheduled_agent_state.sched_kind. */
const SEG_KIND: Record<ScheduleKind, string> = { work: 'W', break: 'B', meal: 'M', time_off: 'V', day_off: 'O', exception: 'E' };
const ENTRY_KIND: Record<CalendarKind, string> = { time_off: 'V', day_off: 'O', shift_preference: 'S', exception: 'E' };
const ENTRY_STATUS: Record<CalendarStatus, string> = { preferred: 'P', granted: 'G', declined: 'D' };

const flag = (value: boolean): number => (value ? 1 : 0);
const compactDateOrNull = (day: number | null): number | null => (day === null ? null : compactDate(day));

export interface LegacyWriteInput {
  connection: Connection;
  sink: TableSink;
  org: Organization;
  release: LegacyRelease;
  ids: IdCounter;
}

export async function writeLegacy(input: LegacyWriteInput): Promise<void> {
  const { sink, org } = input;
  await writeDbInfo(input);
  await writePabxs(sink, org);
  await writeEmployees(sink, org);
  await writeActivities(sink, org);
  await writeRulesAndStates(sink, org);
  await writePlanner(sink, org, input.ids);
  await writeSupervisors(sink, org, input.release);
  await writeHistory(sink, org);
}

/** The caller may have written db_info with the schema: it is only added when missing. */
async function writeDbInfo({ connection, sink, org, release }: LegacyWriteInput): Promise<void> {
  const rows = await connection.query(`SELECT COUNT(*) AS n FROM ${connection.compiler.quoteIdentifier('db_info')}`);
  if (Number(rows[0]?.n ?? 0) > 0) return;
  await sink.write({ table: 'db_info', columns: ['version', 'created_on', 'product'] }, [[LEGACY_VERSION_TEXT[release], compactDate(org.firstDay), 'Workforce Management']]);
}

function daAppName(settings: DataAggregatorSettings | null): string | null {
  return settings?.name ?? null;
}

async function writePabxs(sink: TableSink, org: Organization): Promise<void> {
  await sink.write(
    { table: 'virtual_pabx', columns: ['vpabx_id', 'vpabx_name', 'time_zone', 'week_start', 'deleted'] },
    (function* () {
      for (const v of org.businessUnits) yield [v.id, v.name, v.timeZone, v.weekStart, flag(v.deleted)];
    })(),
  );
  await sink.write(
    { table: 'pabx', columns: ['pabx_id', 'vpabx_id', 'pabx_name', 'time_zone', 'utc_offset_min', 'max_seats', 'switch_name', 'da_app_name', 'server_app_name', 'deleted'] },
    (function* () {
      for (const p of org.sites) {
        yield [p.id, p.businessUnit.id, p.name, p.timeZone, p.standardOffset, p.maxSeats, p.switchName, daAppName(p.dataAggregator), p.wfmServerName, flag(p.deleted)];
      }
    })(),
  );
  await sink.write(
    { table: 'pabx_time_offset', columns: ['pabx_id', 'dst_year', 'dst_start_date', 'dst_start_min', 'dst_end_date', 'dst_end_min', 'shift_min'] },
    (function* () {
      for (const p of org.sites) {
        for (const d of p.dstPeriods) yield [p.id, d.year, ...standardDateAndMinute(p, d.startsAt), ...standardDateAndMinute(p, d.endsAt), d.shiftMinutes];
      }
    })(),
  );
  await sink.write(
    { table: 'team', columns: ['team_id', 'pabx_id', 'team_name'] },
    (function* () {
      for (const t of org.teams) yield [t.id, t.site.id, t.name];
    })(),
  );
  await sink.write(
    { table: 'employment_type', columns: ['emp_type_id', 'pabx_id', 'emp_type_name', 'min_work_min_week', 'max_work_min_week', 'unpaid_min_day', 'max_days_week'] },
    (function* () {
      for (const e of org.contracts) yield [e.id, e.site.id, e.name, e.minPaidMinutesWeek, e.maxPaidMinutesWeek, e.unpaidMinutesDay, e.maxDaysWeek];
    })(),
  );
  await sink.write(
    { table: 'long_period', columns: ['pabx_id', 'start_date', 'length_weeks'] },
    (function* () {
      for (const p of org.sites) yield [p.id, compactDate(p.planningStartDay), p.planningWeeks];
    })(),
  );
}

/** [YYYYMMDD, minute] of an instant in the PABX's standard time. */
function standardDateAndMinute(pabx: Site, utcMinute: number): [number, number] {
  const local = utcMinute + pabx.standardOffset;
  const day = Math.floor(local / MINUTES_PER_DAY);
  return [compactDate(day), local - day * MINUTES_PER_DAY];
}

async function writeEmployees(sink: TableSink, org: Organization): Promise<void> {
  await sink.write(
    {
      table: 'employee',
      columns: ['employee_id', 'pabx_id', 'team_id', 'emp_type_id', 'first_name', 'last_name', 'email', 'cti_login', 'cti_place', 'hire_date', 'term_date', 'hourly_wage', 'rank_no'],
      optional: ['email'],
    },
    (function* () {
      for (const e of org.agents) {
        yield [e.id, e.site.id, e.team.id, e.contract.id, e.firstName, e.lastName, e.email, e.switchLogin, e.place, compactDate(e.hireDay), compactDateOrNull(e.terminationDay), e.hourlyWage, e.rank];
      }
    })(),
  );
}

async function writeActivities(sink: TableSink, org: Organization): Promise<void> {
  await sink.write(
    { table: 'activity', columns: ['activity_id', 'pabx_id', 'activity_name', 'activity_type', 'sl_seconds', 'sl_percent', 'min_staff', 'max_staff', 'deleted'] },
    (function* () {
      for (const a of org.activities) {
        yield [a.id, a.site.id, a.name, ACTIVITY_TYPE[a.workType], a.serviceLevelSeconds, a.serviceLevelPercent, a.minStaff, a.maxStaff, flag(a.deleted)];
      }
    })(),
  );
  await sink.write(
    { table: 'time_information', columns: ['activity_id', 'week_day', 'open_min', 'close_min'] },
    (function* () {
      for (const a of org.activities) {
        for (const [weekDay, hours] of a.hours.entries()) {
          // 6.5 writes a day open around the clock as 0-0.
          if (hours) yield hours.opens === 0 && hours.closes === MINUTES_PER_DAY ? [a.id, weekDay, 0, 0] : [a.id, weekDay, hours.opens, hours.closes];
        }
      }
    })(),
  );
  await sink.write(
    { table: 'virtual_activity', columns: ['vactivity_id', 'vpabx_id', 'vactivity_name'] },
    (function* () {
      for (const v of org.multiSiteActivities) yield [v.id, v.businessUnit.id, v.name];
    })(),
  );
  await sink.write(
    { table: 'virtual_activity_member', columns: ['vactivity_id', 'activity_id'] },
    (function* () {
      for (const v of org.multiSiteActivities) for (const a of v.members) yield [v.id, a.id];
    })(),
  );
  await sink.write(
    { table: 'employee_activity', columns: ['employee_id', 'activity_id', 'skill_level'] },
    (function* () {
      for (const e of org.agents) for (const s of e.skills) yield [e.id, s.activity.id, s.level];
    })(),
  );
  await sink.write(
    { table: 'exclusivity_set', columns: ['set_id', 'pabx_id', 'set_name'] },
    (function* () {
      for (const s of org.activitySets) yield [s.id, s.site.id, s.name];
    })(),
  );
  await sink.write(
    { table: 'exclusivity_set_member', columns: ['set_id', 'activity_id'] },
    (function* () {
      for (const s of org.activitySets) for (const a of s.members) yield [s.id, a.id];
    })(),
  );
}

async function writeRulesAndStates(sink: TableSink, org: Organization): Promise<void> {
  const { states, reasons } = org.catalogue;
  await sink.write(
    { table: 'compliance_rule', columns: ['rule_id', 'pabx_id', 'rule_name', 'threshold_sec', 'start_grace_sec', 'end_grace_sec'] },
    (function* () {
      for (const r of org.adherenceRules) yield [r.id, r.site.id, r.name, r.thresholdSeconds, r.startGraceSeconds, r.endGraceSeconds];
    })(),
  );
  await sink.write(
    { table: 'genesys_event', columns: ['event_id', 'event_code', 'event_name'] },
    (function* () {
      for (const e of Object.values(states)) if (e.isNew) yield [e.id, e.code, e.name];
    })(),
  );
  await sink.write(
    { table: 'aux_code', columns: ['aux_code_id', 'aux_code', 'aux_name', 'event_id'] },
    (function* () {
      for (const a of Object.values(reasons)) if (a.isNew) yield [a.id, a.code, a.name, a.agentState?.id ?? null];
    })(),
  );
  await sink.write(
    { table: 'scheduled_agent_state', columns: ['sas_id', 'pabx_id', 'sas_name', 'sched_kind'] },
    (function* () {
      for (const s of org.scheduleStateGroups) yield [s.id, s.site.id, s.name, SCHED_KIND[s.kind]];
    })(),
  );
  await sink.write(
    { table: 'scheduled_agent_state_event', columns: ['sas_id', 'event_id', 'aux_code_id'] },
    (function* () {
      for (const s of org.scheduleStateGroups) for (const e of s.states) yield [s.id, e.state.id, e.reason?.id ?? null];
    })(),
  );
}

async function writePlanner(sink: TableSink, org: Organization, ids: IdCounter): Promise<void> {
  await sink.write(
    { table: 'vacation_planner_limit', columns: ['pabx_id', 'limit_date', 'max_off'] },
    (function* () {
      for (const l of timeOffLimits(org)) yield [l.site.id, compactDate(l.day), l.maxAgents];
    })(),
  );
  await sink.write(
    { table: 'planner_entry', columns: ['entry_id', 'employee_id', 'entry_date', 'entry_kind', 'entry_status', 'start_min', 'end_min', 'note'] },
    (function* () {
      for (const p of calendar(org)) {
        yield [ids.next('calendarItem'), p.agent.id, compactDate(p.day), ENTRY_KIND[p.kind], ENTRY_STATUS[p.status], p.startsMinute, p.endsMinute, p.note];
      }
    })(),
  );
  await sink.write(
    { table: 'carried_hours', columns: ['employee_id', 'period_start', 'carried_min'] },
    (function* () {
      for (const c of carriedOverHours(org)) yield [c.agent.id, compactDate(c.periodStart), c.minutes];
    })(),
  );
}

function rightsOf(supervisor: User): Set<RightCode> {
  return new Set(supervisor.profile.privileges.flatMap((p) => RIGHT_OF.get(p) ?? []));
}

/**
 * The 6.5.104 positional string. Some supervisors have it in full, some without its trailing Ns, some cut
 * after ten positions or the last Y: a shorter string means the missing rights are not granted.
 */
function rightsString(rights: Set<RightCode>, style: number): string {
  const full = RIGHT_CODES.map((code) => (rights.has(code) ? 'Y' : 'N')).join('');
  if (style % 3 === 1) return full.replace(/N+$/, '') || 'N';
  if (style % 3 === 2) return full.slice(0, Math.max(full.lastIndexOf('Y') + 1, 10));
  return full;
}

async function writeSupervisors(sink: TableSink, org: Organization, release: LegacyRelease): Promise<void> {
  const positionalRights = release === '6.5.104';
  await sink.write(
    { table: 'supervisor', columns: ['supervisor_id', 'login_name', 'full_name', 'time_zone', 'disabled', ...(positionalRights ? ['rights'] : [])] },
    (function* () {
      for (const [index, s] of org.users.entries()) {
        const row: SqlValue[] = [s.id, s.login, s.fullName, s.timeZone, flag(s.disabled)];
        yield positionalRights ? [...row, rightsString(rightsOf(s), index)] : row;
      }
    })(),
  );
  if (!positionalRights) {
    await sink.write(
      { table: 'supervisor_right', columns: ['supervisor_id', 'right_code'] },
      (function* () {
        for (const s of org.users) for (const code of RIGHT_CODES) if (rightsOf(s).has(code)) yield [s.id, code];
      })(),
    );
  }
  await sink.write(
    { table: 'supervisor_pabx', columns: ['supervisor_id', 'pabx_id'] },
    (function* () {
      for (const s of org.users) for (const p of s.sites) yield [s.id, p.id];
    })(),
  );
}

function standardClocks(org: Organization): ClockOf {
  const bySite = new Map(org.sites.map((pabx) => [pabx, standardClock(pabx.standardOffset)]));
  return (pabx) => bySite.get(pabx) ?? standardClock(pabx.standardOffset);
}

async function writeHistory(sink: TableSink, org: Organization): Promise<void> {
  const clockOf = standardClocks(org);
  await sink.write(
    { table: 'master_forecast', columns: ['activity_id', 'fc_date', 'interval_no', 'volume', 'aht_sec'] },
    (function* () {
      for (const f of forecast(org, clockOf, org.activities, org.firstDay, org.endDay)) yield [f.interval.activity.id, compactDate(f.interval.day), f.interval.minuteOfDay / 15, f.volume, f.ahtSeconds];
    })(),
  );
  await sink.write(
    { table: 'workforce', columns: ['activity_id', 'wf_date', 'interval_no', 'required_staff', 'calculated_staff'] },
    (function* () {
      for (const w of staffing(org, clockOf)) yield [w.interval.activity.id, compactDate(w.interval.day), w.interval.minuteOfDay / 15, w.requiredStaff, w.calculatedStaff];
    })(),
  );
  await sink.write(
    { table: 'master_schedule', columns: ['employee_id', 'sched_date', 'seg_start_min', 'seg_end_min', 'seg_kind', 'activity_id'] },
    (function* () {
      for (const s of schedule(org, clockOf, org.agents, org.firstDay, org.endDay, MASTER)) {
        yield [s.agent.id, compactDate(s.day), s.start, s.end, SEG_KIND[s.kind], s.activity?.id ?? null];
      }
    })(),
  );
  await sink.write(
    {
      table: 'performance_data',
      columns: ['activity_id', 'perf_date', 'interval_no', 'offered', 'handled', 'abandoned', 'handle_sec', 'answered_in_sl', 'queue_sec', 'staff_sec'],
      optional: ['answered_in_sl'],
    },
    (function* () {
      for (const p of activityPerformance(org, clockOf)) {
        yield [p.interval.activity.id, compactDate(p.interval.day), p.interval.minuteOfDay / 15, p.offered, p.handled, p.abandoned, p.handleSeconds, p.answeredInServiceLevel, p.queueSeconds, p.staffSeconds];
      }
    })(),
  );
  await sink.write(
    { table: 'agent_compliance', columns: ['employee_id', 'state_date', 'start_sec', 'duration_sec', 'event_id', 'aux_code_id'] },
    (function* () {
      for (const c of agentAdherence(org, clockOf)) {
        const local = c.startsAt + c.agent.site.standardOffset * 60;
        const day = Math.floor(local / SECONDS_PER_DAY);
        yield [c.agent.id, compactDate(day), local - day * SECONDS_PER_DAY, c.durationSeconds, c.state.id, c.reason?.id ?? null];
      }
    })(),
  );
}
