// The simulated contact center behind `wfm simulate`: the interactions offered to each activity and the
// states of each agent, as the events a Data Aggregator receives. Each activity's interval and each agent's
// interval draws from its own random stream, keyed by the seed, what it describes and the interval, never
// by where a run starts: two runs with the same seed send identical events for the intervals they share.
import type { Catalog, CatalogAgent, CatalogReason } from '../aggregator/catalog.ts';
import { type AggregatorEvent, INTERVAL_SECONDS, intervalOf, isoInstant } from '../aggregator/events.ts';
import { arrivalShare } from '../generate/curve.ts';
import { hashKeys, Random } from '../generate/random.ts';
import { SECONDS_PER_DAY, weekDay } from '../generate/time.ts';

/** Keeps the streams of different kinds apart where their keys coincide (an activity and an agent may share an id). */
const Salt = { activityProfile: 0x5101, interactions: 0x5102, agentProfile: 0x5103, shift: 0x5104, agentStates: 0x5105 } as const;

/** Callers give up after this long in the queue, and no interaction is handled for longer. */
const MAX_QUEUE_SECONDS = 1200;
const MAX_HANDLE_SECONDS = 2700;
/** Callers of a queue answered within seconds hang up after minutes; senders of mail wait far longer. */
const MIN_MEAN_PATIENCE_SECONDS = 300;
const PATIENCE_PER_TARGET_SECOND = 5;
/** Beyond this, a longer service objective no longer makes the queue slower: the work is just deferred. */
const MAX_TARGET_WAIT_SECONDS = 240;
const INTERVALS_PER_DAY = SECONDS_PER_DAY / INTERVAL_SECONDS;

const PEAK_SHARE = Math.max(...Array.from({ length: 7 * INTERVALS_PER_DAY }, (_, n) => arrivalShare(Math.floor(n / INTERVALS_PER_DAY), (n % INTERVALS_PER_DAY) * 15)));

export interface SimulationOptions {
  catalog: Catalog;
  seed: number;
  /** Interactions offered per hour over all activities at the busiest interval of the week. */
  interactionsPerHour: number;
}

export interface PeriodOptions extends SimulationOptions {
  /** Seconds since the epoch: interactions offered and agent states entered in [start, end). */
  start: number;
  end: number;
}

export interface SentEvent {
  /** Seconds since the epoch: an interaction is sent when it ends, an agent state when it begins. */
  sentAt: number;
  event: AggregatorEvent;
}

export interface StateValue {
  agent_state_id: number;
  reason_id: number | null;
}

interface ActivityProfile {
  id: number;
  /** Interactions expected in an interval whose arrival share is 1. */
  perShare: number;
  ahtSeconds: number;
  /** What the queue is run to answer within. */
  targetWaitSeconds: number;
  meanPatienceSeconds: number;
}

type Role = 'ready' | 'busy' | 'acw' | 'notReady' | 'loggedOut';

const ROLE_CODES: Record<Role, readonly string[]> = {
  ready: ['READY'],
  busy: ['TALKING', 'BUSY'],
  acw: ['ACW'],
  notReady: ['NOT_READY'],
  loggedOut: ['LOGGED_OUT'],
};

/** Where an agent goes next: a call after ready, wrap-up after a call, a pause now and then. */
const NEXT_ROLE: Record<Role, readonly (readonly [Role, number])[]> = {
  ready: [['busy', 8], ['notReady', 2]],
  busy: [['acw', 7], ['ready', 3]],
  acw: [['ready', 85], ['notReady', 15]],
  notReady: [['ready', 1]],
  loggedOut: [['ready', 1]],
};

/** What an agent is found doing at a change of state in the middle of a shift. */
const FIRST_ROLE: readonly (readonly [Role, number])[] = [['ready', 30], ['busy', 40], ['acw', 15], ['notReady', 15]];

interface RoleState {
  id: number;
  reasons: readonly CatalogReason[];
}

interface StatePoint {
  at: number;
  value: StateValue;
}

type ShiftPart = 'login' | 'middle' | 'logout';

interface Shift {
  /** Interval numbers of the UTC day in which the agent logs in and logs out. */
  first: number;
  last: number;
}

function poisson(mean: number, random: Random): number {
  if (mean <= 0) return 0;
  if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * random.normal()));
  const limit = Math.exp(-mean);
  let count = 0;
  for (let product = random.next(); product > limit; product *= random.next()) count++;
  return count;
}

const exponential = (mean: number, random: Random): number => -mean * Math.log(1 - random.next());

function distinctOffsets(count: number, from: number, to: number, random: Random): number[] {
  const offsets = new Set<number>();
  const wanted = Math.min(count, to - from + 1);
  while (offsets.size < wanted) offsets.add(random.int(from, to));
  return [...offsets].sort((a, b) => a - b);
}

const sameState = (a: StateValue, b: StateValue): boolean => a.agent_state_id === b.agent_state_id && a.reason_id === b.reason_id;

function bySending(a: SentEvent, b: SentEvent): number {
  if (a.sentAt !== b.sentAt) return a.sentAt - b.sentAt;
  return a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0;
}

/** One contact center: a catalog at a seed and a rate, whose events any period can be asked for. */
export class Simulation {
  private readonly activities: ActivityProfile[];
  private readonly agents: readonly CatalogAgent[];
  private readonly usualStart = new Map<number, number>();
  /** Undefined when the catalog has no agent state at all: then agents send nothing. */
  private readonly roles: Record<Role, RoleState> | undefined;
  private readonly seed: number;

  constructor(options: SimulationOptions) {
    const { catalog, seed, interactionsPerHour } = options;
    this.seed = seed;
    const drafts = catalog.activities.map((activity) => {
      const random = new Random(hashKeys([seed, activity.id], Salt.activityProfile));
      return { activity, weight: random.float(0.3, 1.7), ahtSeconds: random.float(180, 360) };
    });
    const totalWeight = drafts.reduce((sum, d) => sum + d.weight, 0);
    this.activities = drafts.map(({ activity, weight, ahtSeconds }) => {
      const objective = activity.service_level_seconds > 0 ? activity.service_level_seconds : 20;
      return {
        id: activity.id,
        perShare: ((interactionsPerHour * INTERVAL_SECONDS) / 3600) * (weight / totalWeight) / PEAK_SHARE,
        ahtSeconds,
        targetWaitSeconds: Math.min(objective, MAX_TARGET_WAIT_SECONDS),
        meanPatienceSeconds: Math.max(MIN_MEAN_PATIENCE_SECONDS, PATIENCE_PER_TARGET_SECOND * objective),
      };
    });
    this.agents = catalog.agents;
    // Agents keep their own hours: a usual login between 06:00 and 14:00 UTC.
    for (const agent of catalog.agents) this.usualStart.set(agent.id, 24 + (hashKeys([seed, agent.id], Salt.agentProfile) % 33));
    this.roles = rolesOf(catalog);
  }

  /** Every event of the period, in the order it is sent; interactions that end after the period included. */
  *events(start: number, end: number): Generator<SentEvent> {
    const pending: SentEvent[] = [];
    const previous = new Map<number, StatePoint[]>();
    for (let interval = intervalOf(start); interval < end; interval += INTERVAL_SECONDS) {
      for (const activity of this.activities) {
        for (const { offeredAt, sent } of this.interactions(activity, interval)) {
          if (offeredAt >= start && offeredAt < end) pending.push(sent);
        }
      }
      for (const agent of this.agents) {
        const before = previous.get(agent.id) ?? this.rawStates(agent.id, interval - INTERVAL_SECONDS);
        const states = this.rawStates(agent.id, interval);
        previous.set(agent.id, states);
        for (const point of this.published(states, before)) {
          if (point.at >= start && point.at < end) pending.push(this.stateEvent(agent.id, point));
        }
      }
      // Whatever a later interval adds is sent after this one ends: everything due before then can go.
      pending.sort(bySending);
      const due = pending.findIndex((sent) => sent.sentAt >= interval + INTERVAL_SECONDS);
      yield* pending.splice(0, due === -1 ? pending.length : due);
    }
    yield* pending;
  }

  /** The state an agent was in just before an instant, as the model has it; undefined without agent states. */
  stateBefore(agentId: number, at: number): StateValue | undefined {
    const interval = intervalOf(at);
    const earlier = this.rawStates(agentId, interval).filter((point) => point.at < at);
    return (earlier.at(-1) ?? this.rawStates(agentId, interval - INTERVAL_SECONDS).at(-1))?.value ?? this.loggedOut();
  }

  private interactions(activity: ActivityProfile, interval: number): { offeredAt: number; sent: SentEvent }[] {
    const random = new Random(hashKeys([this.seed, activity.id, interval], Salt.interactions));
    const day = Math.floor(interval / SECONDS_PER_DAY);
    const share = arrivalShare(weekDay(day), (interval - day * SECONDS_PER_DAY) / 60);
    const count = poisson(activity.perShare * share, random);
    // Queues build up at busy times, and some intervals are worse staffed than others.
    const load = share / PEAK_SHARE;
    const meanWait = activity.targetWaitSeconds * (0.2 + 1.6 * load * load) * random.float(0.7, 1.4);
    const offsets = Array.from({ length: count }, () => random.int(0, INTERVAL_SECONDS - 1)).sort((a, b) => a - b);
    return offsets.map((offset, n) => {
      const wait = exponential(meanWait, random);
      const patience = exponential(activity.meanPatienceSeconds, random);
      const talk = activity.ahtSeconds * Math.exp(0.45 * random.normal() - 0.1);
      const abandoned = patience < wait;
      const queue = Math.min(MAX_QUEUE_SECONDS, Math.round(abandoned ? patience : wait));
      const handle = abandoned ? 0 : Math.min(MAX_HANDLE_SECONDS, Math.max(15, Math.round(talk)));
      const offeredAt = interval + offset;
      const sent: SentEvent = {
        sentAt: offeredAt + queue + handle,
        event: {
          type: 'interaction',
          id: `i-${activity.id}-${interval}-${n}`,
          activity_id: activity.id,
          offered_at: isoInstant(offeredAt),
          outcome: abandoned ? 'abandoned' : 'handled',
          queue_seconds: queue,
          handle_seconds: handle,
        },
      };
      return { offeredAt, sent };
    });
  }

  private shift(agentId: number, day: number): Shift | undefined {
    const random = new Random(hashKeys([this.seed, agentId, day], Salt.shift));
    const weekend = weekDay(day) === 0 || weekDay(day) === 6;
    if (!random.chance(weekend ? 0.3 : 0.85)) return undefined;
    const first = (this.usualStart.get(agentId) ?? 32) + random.int(-2, 2);
    // 8 to 8.5 hours: a shift never reaches past midnight UTC, so each day is decided on its own.
    return { first, last: first + random.int(32, 34) };
  }

  /** The changes of state of one agent in one interval, each one a real change within the interval. */
  private rawStates(agentId: number, interval: number): StatePoint[] {
    const roles = this.roles;
    const part = roles ? this.partOfShift(agentId, interval) : undefined;
    if (!roles || !part) return [];
    const random = new Random(hashKeys([this.seed, agentId, interval], Salt.agentStates));
    const states: StatePoint[] = [];
    for (const point of rolePoints(part, interval, random)) {
      const value = stateOf(roles[point.role], point.role, random);
      const last = states.at(-1);
      if (!last || !sameState(last.value, value)) states.push({ at: point.at, value });
    }
    return states;
  }

  private partOfShift(agentId: number, interval: number): ShiftPart | undefined {
    const day = Math.floor(interval / SECONDS_PER_DAY);
    const index = (interval - day * SECONDS_PER_DAY) / INTERVAL_SECONDS;
    const shift = this.shift(agentId, day);
    if (!shift || index < shift.first || index > shift.last) return undefined;
    return index === shift.first ? 'login' : index === shift.last ? 'logout' : 'middle';
  }

  /** An interval's states as sent: the first one only if the agent was not in that state already. */
  private published(states: StatePoint[], before: StatePoint[]): StatePoint[] {
    const [first] = states;
    const current = before.at(-1)?.value ?? this.loggedOut();
    return first && current && sameState(first.value, current) ? states.slice(1) : states;
  }

  private loggedOut(): StateValue | undefined {
    return this.roles ? { agent_state_id: this.roles.loggedOut.id, reason_id: null } : undefined;
  }

  private stateEvent(agentId: number, point: StatePoint): SentEvent {
    return {
      sentAt: point.at,
      event: { type: 'agent_state', id: `s-${agentId}-${point.at}`, agent_id: agentId, at: isoInstant(point.at), ...point.value },
    };
  }
}

/** When an agent's state changes within an interval of its shift, and to what. */
function rolePoints(part: ShiftPart, interval: number, random: Random): { at: number; role: Role }[] {
  const login = part === 'login' ? random.int(0, 600) : undefined;
  const logout = part === 'logout' ? random.int(300, INTERVAL_SECONDS - 1) : undefined;
  const changes = part === 'middle' ? random.weighted([[1, 3], [2, 4], [3, 3], [4, 1]] as const) : random.int(0, 2);
  const points: { at: number; role: Role }[] = [];
  let role: Role | undefined;
  if (login !== undefined) points.push({ at: interval + login, role: (role = 'ready') });
  for (const offset of distinctOffsets(changes, (login ?? -1) + 1, (logout ?? INTERVAL_SECONDS) - 1, random)) {
    role = role === undefined ? random.weighted(FIRST_ROLE) : random.weighted(NEXT_ROLE[role]);
    points.push({ at: interval + offset, role });
  }
  if (logout !== undefined) points.push({ at: interval + logout, role: 'loggedOut' });
  return points;
}

/** Only a pause is given a reason, and not always: agents forget to key one in. */
function stateOf(state: RoleState, role: Role, random: Random): StateValue {
  const reason = role === 'notReady' && state.reasons.length > 0 && random.chance(0.85) ? random.pick(state.reasons) : undefined;
  return { agent_state_id: state.id, reason_id: reason?.id ?? null };
}

/** Each role's state by its usual code; a catalog that lacks one lends another state in its place. */
function rolesOf(catalog: Catalog): Record<Role, RoleState> | undefined {
  const states = [...catalog.agent_states].sort((a, b) => a.id - b.id);
  if (states.length === 0) return undefined;
  const entries = (Object.keys(ROLE_CODES) as Role[]).map((role, index): [Role, RoleState] => {
    const state = states.find((s) => ROLE_CODES[role].includes(s.code.trim().toUpperCase())) ?? (states[index % states.length] as (typeof states)[number]);
    return [role, { id: state.id, reasons: catalog.reasons.filter((r) => r.agent_state_id === state.id) }];
  });
  return Object.fromEntries(entries) as Record<Role, RoleState>;
}

/** The events of a period, in the order they are sent. */
export function simulatedEvents(options: PeriodOptions): Generator<SentEvent> {
  return new Simulation(options).events(options.start, options.end);
}
