// An agent's day: the shift the published schedule gives, the Calendar item that may change it, and the
// segments that result. Everything is a pure function of the organization, the agent and the day, so the
// schedule, the Calendar and the adherence writers recompute the same day without keeping it.
import {
  type Activity,
  type Agent,
  CALENDAR_KINDS,
  CALENDAR_STATUSES,
  type CalendarKind,
  type CalendarStatus,
  type Organization,
  type ScheduleKind,
} from './model.ts';
import { Random, Stream } from './random.ts';
import { MINUTES_PER_DAY, weekDay } from './time.ts';

/** Minutes of the agent's local day (midnight = 0); an overnight shift's segments pass 1440. */
export interface Segment {
  start: number;
  end: number;
  kind: ScheduleKind;
  activity: Activity | null;
}

export interface DayPlan {
  segments: Segment[];
  /** False when the whole shift is time off or a day off. */
  logsIn: boolean;
}

export interface CalendarItem {
  kind: CalendarKind;
  status: CalendarStatus;
  /** Null for a whole-day item. */
  startsMinute: number | null;
  endsMinute: number | null;
  note: string | null;
}

/** The published schedule; other variants are what-if scenarios of the same days. */
export const MASTER = 0;

type SegmentShape = readonly (readonly [from: number, to: number, kind: ScheduleKind])[];

/** Breaks and meals by shift length: two breaks and a meal in a full shift, one break in a short one. */
const SHIFT_SHAPES: Record<number, SegmentShape> = {
  510: [[0, 120, 'work'], [120, 135, 'break'], [135, 240, 'work'], [240, 270, 'meal'], [270, 390, 'work'], [390, 405, 'break'], [405, 510, 'work']],
  390: [[0, 120, 'work'], [120, 135, 'break'], [135, 210, 'work'], [210, 240, 'meal'], [240, 330, 'work'], [330, 345, 'break'], [345, 390, 'work']],
  300: [[0, 150, 'work'], [150, 165, 'break'], [165, 300, 'work']],
};

const COMBINATIONS = CALENDAR_KINDS.flatMap((kind) => CALENDAR_STATUSES.map((status) => ({ kind, status })));
const CALENDAR_ITEM_CHANCE = 0.04;

const NOTES: Record<CalendarKind, readonly (string | null)[]> = {
  time_off: ['Family vacation — Mallorca', "Doctor's appointment", 'Umzug / moving day', null],
  day_off: ['Compensation day', 'Jour férié local', null],
  shift_preference: ['Prefers early shift', 'School run: "late start" please', null],
  exception: ['Training: new CRM', 'Team meeting', 'Coaching 1:1', null],
};

function worksOn(agent: Agent, day: number): boolean {
  return (agent.terminationDay === null || day < agent.terminationDay) && agent.workDays[weekDay(day)] === true;
}

function shiftStart(org: Organization, agent: Agent, day: number, variant: number): number {
  const random = new Random(org.seed, Stream.shift, agent.index, day, variant);
  return Math.max(0, agent.usualStart + random.int(-2, 2) * 15);
}

function openOn(activity: Activity, day: number): boolean {
  return day < activity.historyEndDay && activity.hours[weekDay(day)] !== null;
}

/** Work goes to the primary activity, a retiring one while it lasts, and now and then to a secondary skill. */
function workSegments(org: Organization, agent: Agent, day: number, start: number, variant: number): Segment[] {
  const random = new Random(org.seed, Stream.shift, agent.index, day, variant, 1);
  const [primary, ...others] = agent.skills.map((s) => s.activity).filter((a) => openOn(a, day));
  const retiring = others.find((a) => a.deleted);
  const secondary = others.filter((a) => !a.deleted);
  const shape = SHIFT_SHAPES[agent.contract.shiftMinutes] ?? [[0, agent.contract.shiftMinutes, 'work'] as const];
  let workIndex = 0;
  return shape.map(([from, to, kind]) => {
    let activity: Activity | null = null;
    if (kind === 'work') {
      activity = primary ?? agent.skills[0]?.activity ?? null;
      if (workIndex === 0 && retiring && random.chance(0.5)) activity = retiring;
      else if (workIndex >= 2 && secondary.length > 0 && random.chance(0.4)) activity = random.pick(secondary);
      workIndex++;
    }
    return { start: start + from, end: start + to, kind, activity };
  });
}

function firstWorkingDay(org: Organization, agent: Agent): number | undefined {
  for (let day = org.firstDay; day < org.endDay; day++) if (worksOn(agent, day)) return day;
  return undefined;
}

/** Every kind and status combination appears: the first agents each carry one on their first working day. */
function combinationOf(org: Organization, agent: Agent, day: number, random: Random): (typeof COMBINATIONS)[number] | undefined {
  const forced = COMBINATIONS[agent.index];
  if (forced && firstWorkingDay(org, agent) === day) return forced;
  if (!random.chance(CALENDAR_ITEM_CHANCE)) return undefined;
  return {
    kind: random.weighted<CalendarKind>([
      ['time_off', 40],
      ['day_off', 20],
      ['shift_preference', 25],
      ['exception', 15],
    ]),
    status: random.weighted<CalendarStatus>([
      ['preferred', 25],
      ['granted', 60],
      ['declined', 15],
    ]),
  };
}

/** Local minutes of the item; whole-day items (and items that would pass midnight) have none. */
function itemMinutes(kind: CalendarKind, start: number, length: number, random: Random): [number, number] | null {
  const end = start + length;
  const beforeMidnight = Math.min(end, MINUTES_PER_DAY);
  switch (kind) {
    case 'day_off':
      return null;
    case 'time_off': {
      if (end > MINUTES_PER_DAY || random.chance(0.6)) return null;
      return [start + Math.round(length / 30) * 15, end];
    }
    case 'shift_preference': {
      const preferred = Math.min(Math.max(0, start + random.pick([-4, -3, -2, 2, 3, 4]) * 15), MINUTES_PER_DAY - 60);
      return [preferred, Math.min(preferred + length, MINUTES_PER_DAY)];
    }
    case 'exception': {
      // Half an hour somewhere in the shift before midnight, at its start when the shift begins late.
      const room = beforeMidnight - start;
      const from = room < 90 ? start : start + 30 + 15 * random.int(0, Math.floor((room - 90) / 15));
      return [from, Math.min(from + 30, beforeMidnight)];
    }
  }
}

/** The Calendar item of an agent on a working day, if any. */
export function calendarItem(org: Organization, agent: Agent, day: number): CalendarItem | null {
  if (!worksOn(agent, day)) return null;
  const random = new Random(org.seed, Stream.calendar, agent.index, day);
  const combination = combinationOf(org, agent, day, random);
  if (!combination) return null;
  const minutes = itemMinutes(combination.kind, shiftStart(org, agent, day, MASTER), agent.contract.shiftMinutes, random);
  return { ...combination, startsMinute: minutes?.[0] ?? null, endsMinute: minutes?.[1] ?? null, note: random.pick(NOTES[combination.kind]) };
}

/** Replaces whatever the segments had in [from, to) by one segment of `kind`. */
function carve(segments: Segment[], from: number, to: number, kind: ScheduleKind): Segment[] {
  const kept = segments.flatMap((s) => {
    if (s.end <= from || s.start >= to) return [s];
    const parts: Segment[] = [];
    if (s.start < from) parts.push({ ...s, end: from });
    if (s.end > to) parts.push({ ...s, start: to });
    return parts;
  });
  return [...kept, { start: from, end: to, kind, activity: null }].sort((a, b) => a.start - b.start);
}

/** The agent's day as scheduled, granted Calendar items applied; null when the agent does not work. */
export function planDay(org: Organization, agent: Agent, day: number, variant = MASTER): DayPlan | null {
  if (!worksOn(agent, day)) return null;
  const item = calendarItem(org, agent, day);
  const granted = item?.status === 'granted' ? item : null;
  const start = granted?.kind === 'shift_preference' && granted.startsMinute !== null ? granted.startsMinute : shiftStart(org, agent, day, variant);
  const segments = workSegments(org, agent, day, start, variant);
  const end = start + agent.contract.shiftMinutes;
  if (granted?.kind === 'day_off' || (granted?.kind === 'time_off' && granted.startsMinute === null)) {
    return { segments: [{ start, end, kind: granted.kind, activity: null }], logsIn: false };
  }
  if ((granted?.kind === 'time_off' || granted?.kind === 'exception') && granted.startsMinute !== null && granted.endsMinute !== null) {
    return { segments: carve(segments, granted.startsMinute, granted.endsMinute, granted.kind), logsIn: true };
  }
  return { segments, logsIn: true };
}
