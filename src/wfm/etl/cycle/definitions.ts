// The exact definitions of the ETL facts, computed from what the WFM database holds for the window. Every
// agent is looked at minute by minute through each local day of its site: at the first instant of a
// minute, the schedule segment in effect (the last one of the agent's to have started, if it has not
// ended) gives the scheduled kind, and the actual state in effect (the last agent_adherence row to have
// started, if its duration has not run out) gives the actual state and reason. Each minute counts 60
// seconds in the 15-minute timestep (UTC-aligned) and the local day it belongs to; teams and sites add up
// their agents' minutes. The README carries the same definitions in prose.
import type { SqlValue } from '../../../engine/dialect/types.ts';
import { InputError } from '../../../engine/errors.ts';
import { SCHEDULE_KINDS, scheduleKind, WORK_KIND, type ScheduleKind } from './kinds.ts';
import { dayOf, type LocalDay, timestampText } from './local-days.ts';
import type { ActualState, Agent, Organization, ScheduleStateGroup, Segment, WindowInput } from './source.ts';

const MINUTE_MS = 60_000;
export const TIMESTEP_MS = 15 * MINUTE_MS;

/** The surrogate key of a WFM row in its dimension (null for a null id). */
export type KeyOf = (table: string, id: number | null) => number | null;

/** A fact row without its surrogate key and tail: its dimension keys, period and measures; `date` is WFM_DATE. */
export interface FactRow {
  date: string;
  values: Record<string, SqlValue>;
}

export type FactRows = Map<string, FactRow[]>;

class Totals {
  schedule = 0;
  work = 0;
  paid = 0;
  pause = 0;
  timeOff = 0;
  nonAdherence = 0;
  outOfScheduleNonAdherence = 0;
  actualWork = 0;

  /** Nothing scheduled, worked or out of adherence: no fact row counts it. */
  isEmpty(): boolean {
    return this.schedule === 0 && this.actualWork === 0 && this.outOfScheduleNonAdherence === 0;
  }

  add(other: Totals): void {
    this.schedule += other.schedule;
    this.work += other.work;
    this.paid += other.paid;
    this.pause += other.pause;
    this.timeOff += other.timeOff;
    this.nonAdherence += other.nonAdherence;
    this.outOfScheduleNonAdherence += other.outOfScheduleNonAdherence;
    this.actualWork += other.actualWork;
  }
}

const percent = (part: number, whole: number): number | null => (whole > 0 ? (100 * part) / whole : null);

function adherenceMeasures(t: Totals): Record<string, SqlValue> | undefined {
  if (t.schedule === 0 && t.outOfScheduleNonAdherence === 0 && t.actualWork === 0) return undefined;
  return {
    WFM_NON_ADHERENCE_DURATION: t.nonAdherence,
    WFM_OUT_SCH_NON_ADH_DURATION: t.outOfScheduleNonAdherence,
    WFM_SCHEDULE_DURATION: t.schedule,
    WFM_ACTUAL_WORK_DURATION: t.actualWork,
    WFM_ADHERENCE_PERC: percent(t.schedule - t.nonAdherence, t.schedule),
    WFM_CONFORMANCE_PERC: percent(t.actualWork, t.work),
  };
}

function scheduleMeasures(t: Totals): Record<string, SqlValue> | undefined {
  if (t.schedule === 0) return undefined;
  return { WFM_SCHEDULE_DURATION: t.schedule, WFM_WORK_DURATION: t.work, WFM_PAID_DURATION: t.paid, WFM_BREAK_DURATION: t.pause, WFM_TIME_OFF_DURATION: t.timeOff };
}

/** Totals gathered under a fact's natural key, told apart by `id`, the key's values joined. */
class Rollup {
  private readonly entries = new Map<string, { keys: Record<string, SqlValue>; date: string; totals: Totals }>();

  add(id: string, keys: () => Record<string, SqlValue>, date: string, totals: Totals): void {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { keys: keys(), date, totals: new Totals() };
      this.entries.set(id, entry);
    }
    entry.totals.add(totals);
  }

  rows(measures: (t: Totals) => Record<string, SqlValue> | undefined): FactRow[] {
    const rows: FactRow[] = [];
    for (const { keys, date, totals } of this.entries.values()) {
      const values = measures(totals);
      if (values) rows.push({ date, values: { ...keys, ...values } });
    }
    return rows;
  }
}

/** Which of the site's groups of a kind admit an actual state and reason (a member without a reason admits any). */
function admits(groups: readonly ScheduleStateGroup[], state: ActualState): boolean {
  return groups.some((g) => g.members.some((m) => m.stateId === state.stateId && (m.reasonId === null || m.reasonId === state.reasonId)));
}

/** The last of `items` (ordered by start) to have started at `instant`, if it has not ended; `cursor` only moves forward. */
function inEffect<T extends { startMs: number; endMs: number }>(items: readonly T[], cursor: { at: number }, instant: number): T | undefined {
  while (cursor.at + 1 < items.length && (items[cursor.at + 1]?.startMs ?? Infinity) <= instant) cursor.at++;
  const item = items[cursor.at];
  return item && item.startMs <= instant && instant < item.endMs ? item : undefined;
}

function kindOf(segment: Segment): ScheduleKind {
  const kind = scheduleKind(segment.kind);
  if (!kind) {
    throw new InputError(
      `master_schedule row of agent ${segment.agentId} starting ${timestampText(segment.startMs)} has kind "${segment.kind}", not one of ${SCHEDULE_KINDS.map((k) => k.kind).join(', ')}`,
    );
  }
  return kind;
}

interface AgentDay {
  timesteps: Totals[];
  /** Scheduled seconds per timestep and kind (day off included), at [timestep * kinds + the kind's place in SCHEDULE_KINDS]. */
  kindSeconds: Float64Array;
}

/** One agent's minutes through one local day. */
function agentDay(day: LocalDay, segments: readonly Segment[], states: readonly ActualState[], groupsByKind: Map<string, ScheduleStateGroup[]>): AgentDay {
  const count = Math.round((day.endMs - day.startMs) / TIMESTEP_MS);
  const timesteps = Array.from({ length: count }, () => new Totals());
  const kindSeconds = new Float64Array(count * SCHEDULE_KINDS.length);
  const segmentCursor = { at: 0 };
  const stateCursor = { at: 0 };
  const workGroups = groupsByKind.get(WORK_KIND) ?? [];
  for (let instant = day.startMs; instant < day.endMs; instant += MINUTE_MS) {
    const index = Math.floor((instant - day.startMs) / TIMESTEP_MS);
    const totals = timesteps[index];
    if (!totals) continue;
    const segment = inEffect(segments, segmentCursor, instant);
    const state = inEffect(states, stateCursor, instant);
    const kind = segment ? kindOf(segment) : undefined;
    const working = state !== undefined && admits(workGroups, state);
    if (kind) {
      const place = index * SCHEDULE_KINDS.length + stateIdOf(kind.kind) - 1;
      kindSeconds[place] = (kindSeconds[place] ?? 0) + 60;
    }
    if (working) totals.actualWork += 60;
    if (!kind?.scheduled) {
      if (working) totals.outOfScheduleNonAdherence += 60;
      continue;
    }
    totals.schedule += 60;
    if (kind.kind === WORK_KIND) totals.work += 60;
    if (kind.paid) totals.paid += 60;
    if (kind.pause) totals.pause += 60;
    if (kind.timeOff) totals.timeOff += 60;
    if (!state || !admits(groupsByKind.get(kind.kind) ?? [], state)) totals.nonAdherence += 60;
  }
  return { timesteps, kindSeconds };
}

function byAgent<T extends { agentId: number; startMs: number }>(items: readonly T[]): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const item of items) {
    const list = map.get(item.agentId) ?? [];
    list.push(item);
    map.set(item.agentId, list);
  }
  for (const list of map.values()) list.sort((a, b) => a.startMs - b.startMs);
  return map;
}

function groupsByKindOf(organization: Organization, siteId: number): Map<string, ScheduleStateGroup[]> {
  const map = new Map<string, ScheduleStateGroup[]>();
  for (const group of organization.groups.filter((g) => g.siteId === siteId)) map.set(group.kind, [...(map.get(group.kind) ?? []), group]);
  return map;
}

type Level = 'AGENT' | 'TEAM' | 'SITE';
type Grain = 'DAY' | 'TIMESTEP';

/** The adherence and schedule facts of a level and grain add up the same minutes: one rollup serves both. */
interface Rollups {
  totals: Record<Level, Record<Grain, Rollup>>;
  stateSeconds: Map<string, { keys: Record<string, SqlValue>; date: string; seconds: number }>;
  groupSeconds: Map<string, { keys: Record<string, SqlValue>; date: string; seconds: number }>;
}

const levels = (): Record<Level, Record<Grain, Rollup>> => ({
  AGENT: { DAY: new Rollup(), TIMESTEP: new Rollup() },
  TEAM: { DAY: new Rollup(), TIMESTEP: new Rollup() },
  SITE: { DAY: new Rollup(), TIMESTEP: new Rollup() },
});

function addSeconds(map: Rollups['stateSeconds'], id: string, keys: () => Record<string, SqlValue>, date: string, seconds: number): void {
  let entry = map.get(id);
  if (!entry) {
    entry = { keys: keys(), date, seconds: 0 };
    map.set(id, entry);
  }
  entry.seconds += seconds;
}

/** Adds one agent's day to every level and grain, and its scheduled kinds to the site's state and group timesteps. */
function rollUp(rollups: Rollups, agent: Agent, day: LocalDay, computed: AgentDay, keyOf: KeyOf, groups: Map<string, ScheduleStateGroup[]>): void {
  const siteKey = keyOf('WFM_SITE', agent.siteId);
  const teamKey = keyOf('WFM_TEAM', agent.teamId);
  const agentKey = keyOf('WFM_AGENT', agent.id);
  const { AGENT, TEAM, SITE } = rollups.totals;
  const dayTotals = new Totals();
  computed.timesteps.forEach((totals, index) => {
    const kinds = computed.kindSeconds.subarray(index * SCHEDULE_KINDS.length, (index + 1) * SCHEDULE_KINDS.length);
    if (totals.isEmpty() && kinds.every((seconds) => seconds === 0)) return;
    const instant = day.startMs + index * TIMESTEP_MS;
    const period = () => ({ WFM_TIMESTEP: timestampText(instant), WFM_DATE: day.date });
    dayTotals.add(totals);
    AGENT.TIMESTEP.add(`${agentKey}|${instant}`, () => ({ WFM_AGENT_KEY: agentKey, WFM_SITE_KEY: siteKey, WFM_TEAM_KEY: teamKey, ...period() }), day.date, totals);
    if (teamKey !== null) TEAM.TIMESTEP.add(`${teamKey}|${instant}`, () => ({ WFM_TEAM_KEY: teamKey, WFM_SITE_KEY: siteKey, ...period() }), day.date, totals);
    SITE.TIMESTEP.add(`${siteKey}|${instant}`, () => ({ WFM_SITE_KEY: siteKey, ...period() }), day.date, totals);
    for (const [place, { kind }] of SCHEDULE_KINDS.entries()) {
      const seconds = kinds[place] ?? 0;
      if (seconds === 0) continue;
      const stateKey = keyOf('WFM_STATE', stateIdOf(kind));
      addSeconds(rollups.stateSeconds, `${siteKey}|${stateKey}|${instant}`, () => ({ WFM_SITE_KEY: siteKey, WFM_STATE_KEY: stateKey, ...period() }), day.date, seconds);
      for (const group of groups.get(kind) ?? []) {
        const groupKey = keyOf('WFM_SSG', group.id);
        addSeconds(rollups.groupSeconds, `${siteKey}|${groupKey}|${instant}`, () => ({ WFM_SITE_KEY: siteKey, WFM_SSG_KEY: groupKey, ...period() }), day.date, seconds);
      }
    }
  });
  const date = day.date;
  if (dayTotals.isEmpty()) return;
  AGENT.DAY.add(`${agentKey}|${date}`, () => ({ WFM_AGENT_KEY: agentKey, WFM_SITE_KEY: siteKey, WFM_TEAM_KEY: teamKey, WFM_DATE: date }), date, dayTotals);
  if (teamKey !== null) TEAM.DAY.add(`${teamKey}|${date}`, () => ({ WFM_TEAM_KEY: teamKey, WFM_SITE_KEY: siteKey, WFM_DATE: date }), date, dayTotals);
  SITE.DAY.add(`${siteKey}|${date}`, () => ({ WFM_SITE_KEY: siteKey, WFM_DATE: date }), date, dayTotals);
}

/** A schedule kind's id in the WFM_STATE and WFM_STATE_TYPE dimensions: its place in SCHEDULE_KINDS, from 1. */
export function stateIdOf(kind: string): number {
  return SCHEDULE_KINDS.findIndex((k) => k.kind === kind) + 1;
}

/** The schedule segments that start in the window, one WFM_SCH_AGENT_STATE row each. */
function agentStates(organization: Organization, segments: Map<number, Segment[]>, daysOfSite: Map<number, LocalDay[]>, keyOf: KeyOf): FactRow[] {
  const rows: FactRow[] = [];
  for (const agent of organization.agents) {
    const days = daysOfSite.get(agent.siteId) ?? [];
    for (const segment of segments.get(agent.id) ?? []) {
      const day = dayOf(days, segment.startMs);
      if (!day) continue;
      rows.push({
        date: day.date,
        values: {
          WFM_AGENT_KEY: keyOf('WFM_AGENT', agent.id),
          WFM_SITE_KEY: keyOf('WFM_SITE', agent.siteId),
          WFM_TEAM_KEY: keyOf('WFM_TEAM', agent.teamId),
          WFM_STATE_KEY: keyOf('WFM_STATE', stateIdOf(kindOf(segment).kind)),
          WFM_ACTIVITY_KEY: keyOf('WFM_ACTIVITY', segment.activityId),
          WFM_START_TIME: timestampText(segment.startMs),
          WFM_END_TIME: timestampText(segment.endMs),
          WFM_DATE: day.date,
          WFM_DURATION: Math.round((segment.endMs - segment.startMs) / 1000),
        },
      });
    }
  }
  return rows;
}

/** The adherence and schedule facts of the window's local days, by table. */
export function agentFacts(organization: Organization, input: WindowInput, daysOfSite: Map<number, LocalDay[]>, keyOf: KeyOf): FactRows {
  const segments = byAgent(input.segments);
  const states = byAgent(input.states);
  const rollups: Rollups = { totals: levels(), stateSeconds: new Map(), groupSeconds: new Map() };
  for (const agent of organization.agents) {
    const groups = groupsByKindOf(organization, agent.siteId);
    for (const day of daysOfSite.get(agent.siteId) ?? []) {
      rollUp(rollups, agent, day, agentDay(day, segments.get(agent.id) ?? [], states.get(agent.id) ?? [], groups), keyOf, groups);
    }
  }
  const facts: FactRows = new Map();
  for (const level of ['AGENT', 'TEAM', 'SITE'] as const) {
    for (const grain of ['DAY', 'TIMESTEP'] as const) {
      facts.set(`WFM_ADH_${level}_${grain}`, rollups.totals[level][grain].rows(adherenceMeasures));
      facts.set(`WFM_SCH_${level}_${grain}`, rollups.totals[level][grain].rows(scheduleMeasures));
    }
  }
  const secondsRows = (map: Rollups['stateSeconds']): FactRow[] => [...map.values()].map((e) => ({ date: e.date, values: { ...e.keys, WFM_DURATION: e.seconds } }));
  facts.set('WFM_SCH_STATE_TIMESTEP', secondsRows(rollups.stateSeconds));
  facts.set('WFM_SCH_SSG_TIMESTEP', secondsRows(rollups.groupSeconds));
  facts.set('WFM_SCH_AGENT_STATE', agentStates(organization, segments, daysOfSite, keyOf));
  return facts;
}
