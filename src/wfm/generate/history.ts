// The large tables, as streams of records in current terms: forecast, staffing and performance per activity
// and 15-minute interval; schedule segments; agent adherence states; the Calendar. Each record carries both
// the local day and minute (the 6.5 encoding) and the instant in UTC (7.6 and later); the clock decides
// what "local" means for a release.
import { arrivalShare } from './curve.ts';
import type { Activity, Agent, AgentState, Organization, Reason, ScheduleKind, Site } from './model.ts';
import { Random, Stream } from './random.ts';
import { type CalendarItem, calendarItem, MASTER, planDay, type Segment } from './schedule.ts';
import { type Clock, compactDate, MINUTES_PER_DAY, weekDay } from './time.ts';

export type ClockOf = (site: Site) => Clock;

const INTERVAL_MINUTES = 15;
const INTERVAL_SECONDS = 900;
/** Agents are not busy all the time they are staffed: the usual planning occupancy. */
const OCCUPANCY = 0.85;
/** Share of the expected volume that still arrives while an activity is closed. */
const AFTER_HOURS_SHARE = 0.06;

export interface Interval {
  activity: Activity;
  /** Start of the interval, minutes since the epoch, UTC. */
  utcMinute: number;
  /** The local day and the local minute of that day the interval starts at. */
  day: number;
  minuteOfDay: number;
  open: boolean;
  expectedVolume: number;
}

export interface PerformanceInterval {
  interval: Interval;
  offered: number;
  handled: number;
  abandoned: number;
  handleSeconds: number;
  answeredInServiceLevel: number | null;
  queueSeconds: number;
  staffSeconds: number;
}

export interface ForecastInterval {
  interval: Interval;
  volume: number;
  ahtSeconds: number;
}

export interface StaffingInterval {
  interval: Interval;
  requiredStaff: number;
  calculatedStaff: number;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** A busier or quieter day than the curve, and slow growth over the history. */
function dayFactor(org: Organization, activity: Activity, day: number): number {
  return new Random(org.seed, Stream.dayFactor, activity.index, day).float(0.85, 1.15) * (1 + 0.0004 * (day - org.firstDay));
}

function isOpen(activity: Activity, day: number, minuteOfDay: number): boolean {
  const hours = activity.hours[weekDay(day)];
  return hours !== null && hours !== undefined && minuteOfDay >= hours.opens && minuteOfDay < hours.closes;
}

function requiredStaff(activity: Activity, volume: number): number {
  return round2(Math.max(activity.minStaff, (volume * activity.ahtSeconds) / (INTERVAL_SECONDS * OCCUPANCY)));
}

/** Every interval of one local day: 96 in standard time, 92 or 100 on the days the wall clock changes. */
function dayIntervals(org: Organization, activity: Activity, clock: Clock, day: number): Interval[] {
  const factor = dayFactor(org, activity, day);
  const intervals: Interval[] = [];
  const dayEnd = clock.utc((day + 1) * MINUTES_PER_DAY);
  for (let utcMinute = clock.utc(day * MINUTES_PER_DAY); utcMinute < dayEnd; utcMinute += INTERVAL_MINUTES) {
    const minuteOfDay = clock.local(utcMinute) - day * MINUTES_PER_DAY;
    const expectedVolume = activity.peakVolume * arrivalShare(weekDay(day), minuteOfDay) * factor;
    intervals.push({ activity, utcMinute, day, minuteOfDay, open: isOpen(activity, day, minuteOfDay), expectedVolume });
  }
  return intervals;
}

/** The days of an activity's history within [firstDay, endDay). */
function* historyDays(activity: Activity, firstDay: number, endDay: number): Generator<number> {
  for (let day = firstDay; day < Math.min(endDay, activity.historyEndDay); day++) yield day;
}

function arrivals(expected: number, random: Random): number {
  return Math.max(0, Math.round(expected + Math.sqrt(expected) * random.normal()));
}

function performanceOf(interval: Interval, random: Random): PerformanceInterval {
  const { activity, expectedVolume, open } = interval;
  if (!open) {
    const offered = arrivals(expectedVolume * AFTER_HOURS_SHARE, random);
    const answered = activity.serviceLevelSeconds === null ? null : 0;
    return { interval, offered, handled: 0, abandoned: offered, handleSeconds: 0, answeredInServiceLevel: answered, queueSeconds: offered * random.int(5, 40), staffSeconds: 0 };
  }
  const busy = Math.min(1, expectedVolume / Math.max(activity.peakVolume, 1e-9));
  const offered = arrivals(expectedVolume, random);
  const abandonRate = { immediate: 0.015 + 0.07 * busy * random.next(), deferred: 0.005, fixed_staff: 0 }[activity.workType];
  const abandoned = Math.min(offered, Math.round(offered * abandonRate));
  const handled = offered - abandoned;
  const serviceLevel = Math.min(1, Math.max(0, (activity.serviceLevelPercent ?? 0) / 100 + 0.08 * random.normal() - 0.1 * busy));
  // Not measured for activities without a service objective, nor for the odd interval the aggregator missed.
  const answered = activity.serviceLevelSeconds === null || random.chance(0.01) ? null : Math.min(handled, Math.round(handled * serviceLevel));
  return {
    interval,
    offered,
    handled,
    abandoned,
    handleSeconds: Math.round(handled * activity.ahtSeconds * random.float(0.85, 1.15)),
    answeredInServiceLevel: answered,
    queueSeconds: Math.round(offered * random.float(3, 25 + 60 * busy)),
    staffSeconds: Math.round(requiredStaff(activity, expectedVolume) * INTERVAL_SECONDS * random.float(0.9, 1.1)),
  };
}

/**
 * What the Data Aggregator collected: every interval of every day, closed hours included. Day after day,
 * as the aggregator wrote it, which also keeps the inserts into the table's time index close together.
 */
export function* activityPerformance(org: Organization, clockOf: ClockOf): Generator<PerformanceInterval> {
  for (let day = org.firstDay; day < org.endDay; day++) {
    for (const activity of org.activities) {
      if (day >= activity.historyEndDay) continue;
      const random = new Random(org.seed, Stream.performance, activity.index, day);
      for (const interval of dayIntervals(org, activity, clockOf(activity.site), day)) yield performanceOf(interval, random);
    }
  }
}

/** The published forecast, or a scenario's (`factor` times the volume), within the hours of operation. */
export function* forecast(org: Organization, clockOf: ClockOf, activities: readonly Activity[], firstDay: number, endDay: number, factor = 1): Generator<ForecastInterval> {
  for (const activity of activities) {
    for (const day of historyDays(activity, firstDay, endDay)) {
      for (const interval of dayIntervals(org, activity, clockOf(activity.site), day)) {
        if (!interval.open) continue;
        const busy = Math.min(1, interval.expectedVolume / Math.max(activity.peakVolume, 1e-9));
        yield { interval, volume: round2(interval.expectedVolume * factor), ahtSeconds: Math.round(activity.ahtSeconds * (0.92 + 0.16 * busy)) };
      }
    }
  }
}

export function* staffing(org: Organization, clockOf: ClockOf): Generator<StaffingInterval> {
  for (const activity of org.activities) {
    for (const day of historyDays(activity, org.firstDay, org.endDay)) {
      const random = new Random(org.seed, Stream.staffing, activity.index, day);
      for (const interval of dayIntervals(org, activity, clockOf(activity.site), day)) {
        if (!interval.open) continue;
        const required = requiredStaff(activity, interval.expectedVolume);
        yield { interval, requiredStaff: required, calculatedStaff: round2(required * random.float(0.95, 1.2)) };
      }
    }
  }
}

export interface ScheduledSegment extends Segment {
  agent: Agent;
  day: number;
  /** Minutes since the epoch, UTC. */
  startsAt: number;
  endsAt: number;
}

/** An agent's scheduled day with its segments placed in time; null when the agent does not work. */
function scheduledDay(org: Organization, clock: Clock, agent: Agent, day: number, variant: number): { segments: ScheduledSegment[]; logsIn: boolean } | null {
  const plan = planDay(org, agent, day, variant);
  const first = plan?.segments[0];
  if (!plan || !first) return null;
  // Segment times follow the shift's start in real time, so a shift over a change of clock keeps its length.
  const shiftStart = clock.utc(day * MINUTES_PER_DAY + first.start) - first.start;
  const segments = plan.segments.map(({ start, end, kind, activity }) => ({ start, end, kind, activity, agent, day, startsAt: shiftStart + start, endsAt: shiftStart + end }));
  return { segments, logsIn: plan.logsIn };
}

/** Segments of each agent's days, in order; `variant` other than the master gives a what-if scenario. */
export function* schedule(org: Organization, clockOf: ClockOf, agents: readonly Agent[], firstDay: number, endDay: number, variant = MASTER): Generator<ScheduledSegment> {
  for (const agent of agents) {
    const clock = clockOf(agent.site);
    for (let day = firstDay; day < endDay; day++) {
      const scheduled = scheduledDay(org, clock, agent, day, variant);
      if (scheduled) for (const segment of scheduled.segments) yield segment;
    }
  }
}

export interface CalendarRecord extends CalendarItem {
  agent: Agent;
  day: number;
}

export function* calendar(org: Organization): Generator<CalendarRecord> {
  for (const agent of org.agents) {
    for (let day = org.firstDay; day < org.endDay; day++) {
      const item = calendarItem(org, agent, day);
      if (item) yield { ...item, agent, day };
    }
  }
}

export interface AdherenceState {
  agent: Agent;
  /** Seconds since the epoch, UTC. */
  startsAt: number;
  durationSeconds: number;
  state: AgentState;
  reason: Reason | null;
}

/** One agent's states as the Data Aggregator records them: each lasts until the next one starts. */
class Timeline {
  constructor(
    readonly agent: Agent,
    private startsAt: number,
    private state: AgentState,
    private reason: Reason | null = null,
  ) {}

  get since(): number {
    return this.startsAt;
  }

  /** Enters a state at `at`, returning the state that ended; the same state again just continues. */
  change(at: number, state: AgentState, reason: Reason | null = null): AdherenceState | undefined {
    if (state === this.state && reason === this.reason) return undefined;
    if (at <= this.startsAt) {
      this.state = state;
      this.reason = reason;
      return undefined;
    }
    const ended: AdherenceState = { agent: this.agent, startsAt: this.startsAt, durationSeconds: at - this.startsAt, state: this.state, reason: this.reason };
    this.startsAt = at;
    this.state = state;
    this.reason = reason;
    return ended;
  }

  end(at: number): AdherenceState | undefined {
    return at > this.startsAt ? { agent: this.agent, startsAt: this.startsAt, durationSeconds: at - this.startsAt, state: this.state, reason: this.reason } : undefined;
  }
}

type StateStep = readonly [state: AgentState, reason: Reason | null, minSeconds: number, maxSeconds: number];

/** One cycle of work of each work type, as states with how long each lasts. */
function workCycle(org: Organization, activity: Activity | null, random: Random): StateStep[] {
  const { states, reasons } = org.catalogue;
  if (random.chance(0.05)) return [[states.NOT_READY, random.chance(0.8) ? reasons.PERSONAL : reasons.SYSTEM, 60, 600]];
  switch (activity?.workType ?? 'immediate') {
    case 'immediate':
      return [
        [states.READY, null, 30, 900],
        ...(random.chance(0.05) ? [[states.DIALING, null, 10, 60] as const] : []),
        [states.TALKING, null, 180, 2400],
        [states.ACW, null, 30, 420],
      ];
    case 'deferred':
      return [
        [states.READY, null, 30, 600],
        [states.WORK_ITEM, null, 300, 2700],
      ];
    case 'fixed_staff':
      return [
        [states.WORK_ITEM, reasons.BACK_OFFICE, 1200, 3600],
        [states.READY, null, 30, 300],
      ];
  }
}

const PAUSES: Partial<Record<ScheduleKind, 'BREAK' | 'LUNCH' | 'TRAINING'>> = { break: 'BREAK', meal: 'LUNCH', exception: 'TRAINING' };

function* segmentStates(org: Organization, timeline: Timeline, segment: ScheduledSegment, random: Random): Generator<AdherenceState> {
  const until = segment.endsAt * 60;
  const pause = PAUSES[segment.kind];
  if (pause) {
    const ended = timeline.change(Math.max(timeline.since, segment.startsAt * 60 + random.int(-60, 120)), org.catalogue.states.NOT_READY, org.catalogue.reasons[pause]);
    if (ended) yield ended;
    return;
  }
  let at = Math.max(timeline.since, segment.startsAt * 60);
  while (at < until) {
    for (const [state, reason, min, max] of workCycle(org, segment.activity, random)) {
      if (at >= until) break;
      const ended = timeline.change(at, state, reason);
      if (ended) yield ended;
      at += random.int(min, max);
    }
  }
}

/** Segments of one day in which the agent is logged in: up to the first time off or day off. */
function loggedInSegments(segments: ScheduledSegment[]): ScheduledSegment[] {
  const off = segments.findIndex((s) => s.kind === 'time_off' || s.kind === 'day_off');
  return off === -1 ? segments : segments.slice(0, off);
}

function* agentDayStates(org: Organization, timeline: Timeline, segments: ScheduledSegment[], random: Random): Generator<AdherenceState> {
  const worked = loggedInSegments(segments);
  const [first] = worked;
  const last = worked.at(-1);
  if (!first || !last) return;
  const { states } = org.catalogue;
  const login = Math.max(timeline.since + 60, first.startsAt * 60 + random.int(-300, 420));
  const loggedIn = timeline.change(login, states.READY);
  if (loggedIn) yield loggedIn;
  for (const segment of worked) yield* segmentStates(org, timeline, segment, random);
  const loggedOut = timeline.change(Math.max(timeline.since + 30, last.endsAt * 60 + random.int(-240, 300)), states.LOGGED_OUT);
  if (loggedOut) yield loggedOut;
}

/**
 * Every agent's states from the first local midnight of the history to its end, one after the other with
 * no gap: logged out between shifts (so across midnight), a state for each part of the scheduled day. Day
 * after day for all agents, as the aggregator wrote them, which keeps the inserts into the time index close.
 */
export function* agentAdherence(org: Organization, clockOf: ClockOf): Generator<AdherenceState> {
  const { LOGGED_OUT } = org.catalogue.states;
  const timelines = org.agents.map((agent) => new Timeline(agent, clockOf(agent.site).utc(org.firstDay * MINUTES_PER_DAY) * 60, LOGGED_OUT));
  for (let day = org.firstDay; day < org.endDay; day++) {
    for (const timeline of timelines) {
      const { agent } = timeline;
      const scheduled = scheduledDay(org, clockOf(agent.site), agent, day, MASTER);
      if (!scheduled?.logsIn) continue;
      const random = new Random(org.seed, Stream.adherence, agent.index, day);
      if (random.chance(0.02)) continue; // absent without notice: scheduled, never logged in
      yield* agentDayStates(org, timeline, scheduled.segments, random);
    }
  }
  for (const timeline of timelines) {
    const last = timeline.end(clockOf(timeline.agent.site).utc(org.endDay * MINUTES_PER_DAY) * 60);
    if (last) yield last;
  }
}

export interface TimeOffLimit {
  site: Site;
  day: number;
  maxAgents: number;
}

/** No time off at all over Christmas and on New Year's Day; one more agent off on weekends. */
function isBlackout(day: number): boolean {
  const monthDay = compactDate(day) % 10_000;
  return monthDay === 101 || (monthDay >= 1224 && monthDay <= 1226);
}

export function* timeOffLimits(org: Organization): Generator<TimeOffLimit> {
  for (const site of org.sites) {
    if (site.deleted) continue;
    for (let day = org.firstDay; day < org.endDay; day++) {
      const weekend = weekDay(day) === 0 || weekDay(day) === 6;
      yield { site, day, maxAgents: isBlackout(day) ? 0 : site.timeOffAllowance + (weekend ? 1 : 0) };
    }
  }
}

export interface CarriedHours {
  agent: Agent;
  periodStart: number;
  minutes: number;
}

/** Minutes carried into each planning period of the history, in quarter hours, under or over. */
export function* carriedOverHours(org: Organization): Generator<CarriedHours> {
  for (const agent of org.agents) {
    const { planningStartDay, planningWeeks } = agent.site;
    for (let periodStart = planningStartDay; periodStart < org.endDay; periodStart += planningWeeks * 7) {
      const random = new Random(org.seed, Stream.carriedHours, agent.index, periodStart);
      yield { agent, periodStart, minutes: Math.round((random.normal() * 150) / 15) * 15 };
    }
  }
}
