// What the Data Aggregator writes into the 8.5.2 database. A batch of events is applied in one
// transaction together with the ids of its events, so an event replayed after a crash or resent by its
// source finds its id and counts nothing a second time. Interactions add to their activity's 15-minute
// row; an agent's state becomes a row of agent_adherence when the agent's next state begins. An interval
// is closed once event time is well past its end: every activity then has its row for it, zero or not.
import type { Connection, SqlValue } from '../../engine/dialect/types.ts';
import { timestampText } from '../generate/time.ts';
import type { Catalog } from './catalog.ts';
import { epochSecondsOf, INTERVAL_SECONDS, intervalOf, type AgentStateEvent, type AggregatorEvent, type InteractionEvent } from './events.ts';

export const PERFORMANCE_COLUMNS = ['activity_id', 'interval_start', 'offered', 'handled', 'abandoned', 'handle_seconds', 'answered_in_service_level', 'queue_seconds', 'staff_seconds'];
const ADHERENCE_COLUMNS = ['agent_id', 'starts_at', 'duration_seconds', 'agent_state_id', 'reason_id'];
const OPEN_STATE_COLUMNS = ['agent_id', 'starts_at', 'agent_state_id', 'reason_id'];
/** Rows per multi-row statement, where the engine's parameter limit allows as many. */
const ROWS_PER_STATEMENT = 400;
/** Event ids are remembered this long (in event time) after their interval; an older event is refused. */
export const EVENT_MEMORY_SECONDS = 7 * 86_400;
export const MAINTENANCE_SETTING = 'maintenance';

export interface ApplyResult {
  applied: number;
  duplicates: number;
  /** Events refused, with the reason: a reference the database does not know, or too late to count once. */
  refused: { event: AggregatorEvent; reason: string }[];
  /** The latest event time seen, in seconds since the epoch. */
  latestEventTime: number;
}

export const timestampOf = (epochSeconds: number): string => timestampText(epochSeconds);
export const epochOfTimestamp = (value: SqlValue | undefined): number => Math.floor(Date.parse(`${String(value).replace(' ', 'T')}Z`) / 1000);

/** When the event happened in the aggregator's clock: an interaction when it ended, a state when it began. */
export function eventTime(event: AggregatorEvent): number {
  if (event.type === 'agent_state') return epochSecondsOf(event.at) ?? 0;
  return (epochSecondsOf(event.offered_at) ?? 0) + event.queue_seconds + event.handle_seconds;
}

export function intervalOfEvent(event: AggregatorEvent): number {
  return intervalOf(epochSecondsOf(event.type === 'interaction' ? event.offered_at : event.at) ?? 0);
}

/** Rows of `width` values per statement: ROWS_PER_STATEMENT, or as many as the engine's parameter limit takes. */
function rowsPerStatement(connection: Connection, width: number): number {
  const limit = connection.adapter.maxParameters;
  return limit === undefined ? ROWS_PER_STATEMENT : Math.max(1, Math.min(ROWS_PER_STATEMENT, Math.floor(limit / width)));
}

async function upsertRows(connection: Connection, table: string, columns: readonly string[], key: readonly string[], rows: readonly SqlValue[][], action: 'ignore' | 'replace' | 'add'): Promise<void> {
  const size = rowsPerStatement(connection, columns.length);
  for (let start = 0; start < rows.length; start += size) {
    const part = rows.slice(start, start + size);
    await connection.execute(connection.compiler.upsert(table, columns, key, part.length, action), part.flat());
  }
}

async function knownEventIds(connection: Connection, ids: readonly string[]): Promise<Set<string>> {
  const known = new Set<string>();
  const q = connection.compiler;
  const size = rowsPerStatement(connection, 1);
  for (let start = 0; start < ids.length; start += size) {
    const part = ids.slice(start, start + size);
    const rows = await connection.query(`SELECT event_id FROM aggregator_event WHERE event_id IN (${part.map((_, i) => q.parameter(i + 1)).join(', ')})`, part);
    for (const row of rows) known.add(String(row.event_id));
  }
  return known;
}

/** Why the catalog cannot take an event, or undefined when it can. */
export function referenceProblem(catalog: Catalog, event: AggregatorEvent): string | undefined {
  if (event.type === 'interaction') {
    return catalog.activities.some((a) => a.id === event.activity_id) ? undefined : `activity ${event.activity_id} is not an activity of this database (or it is deleted)`;
  }
  if (!catalog.agents.some((a) => a.id === event.agent_id)) return `agent ${event.agent_id} is not an agent of this database (or has left)`;
  if (!catalog.agent_states.some((s) => s.id === event.agent_state_id)) return `agent state ${event.agent_state_id} is not an agent state of this database`;
  if (event.reason_id !== null && !catalog.reasons.some((r) => r.id === event.reason_id)) return `reason ${event.reason_id} is not a reason of this database`;
  return undefined;
}

/** Why an event is too old to be counted exactly once, given the latest event time, or undefined. */
export function memoryProblem(event: AggregatorEvent, latest: number): string | undefined {
  if (intervalOfEvent(event) < latest - EVENT_MEMORY_SECONDS) return 'older than the aggregator remembers events (7 days), so it could be counted twice';
  return undefined;
}

/** The interaction totals of each activity and interval, as rows to add. */
function performanceIncrements(events: readonly InteractionEvent[], catalog: Catalog): SqlValue[][] {
  const serviceLevel = new Map(catalog.activities.map((a) => [a.id, a.service_level_seconds]));
  const totals = new Map<string, number[]>();
  for (const event of events) {
    const interval = intervalOfEvent(event);
    const key = `${event.activity_id}:${interval}`;
    const sums = totals.get(key) ?? [event.activity_id, interval, 0, 0, 0, 0, 0, 0];
    const handled = event.outcome === 'handled' ? 1 : 0;
    sums[2] = (sums[2] ?? 0) + 1;
    sums[3] = (sums[3] ?? 0) + handled;
    sums[4] = (sums[4] ?? 0) + 1 - handled;
    sums[5] = (sums[5] ?? 0) + event.handle_seconds;
    sums[6] = (sums[6] ?? 0) + (handled && event.queue_seconds <= (serviceLevel.get(event.activity_id) ?? 0) ? 1 : 0);
    sums[7] = (sums[7] ?? 0) + event.queue_seconds;
    totals.set(key, sums);
  }
  return [...totals.values()].map(([activity, interval, ...sums]) => [activity ?? 0, timestampOf(interval ?? 0), ...sums, 0]);
}

interface OpenState {
  startsAt: number;
  agentStateId: number;
  reasonId: number | null;
}

async function openStates(connection: Connection, agents: readonly number[]): Promise<Map<number, OpenState>> {
  const open = new Map<number, OpenState>();
  const q = connection.compiler;
  for (let start = 0; start < agents.length; start += ROWS_PER_STATEMENT) {
    const part = agents.slice(start, start + ROWS_PER_STATEMENT);
    const rows = await connection.query(
      `SELECT agent_id, starts_at, agent_state_id, reason_id FROM aggregator_open_state WHERE agent_id IN (${part.map((_, i) => q.parameter(i + 1)).join(', ')})`,
      part,
    );
    for (const row of rows) {
      open.set(Number(row.agent_id), { startsAt: epochOfTimestamp(row.starts_at), agentStateId: Number(row.agent_state_id), reasonId: row.reason_id === null ? null : Number(row.reason_id) });
    }
  }
  return open;
}

/**
 * A state that arrives after a later one of the same agent: it takes its place in the history, shortening
 * the state it interrupts, and lasts until the next state the history holds.
 */
async function insertLateState(connection: Connection, event: AgentStateEvent, openStartsAt: number): Promise<boolean> {
  const q = connection.compiler;
  const at = epochSecondsOf(event.at) ?? 0;
  const [previous] = await connection.query(
    q.firstRows(`SELECT starts_at, duration_seconds FROM agent_adherence WHERE agent_id = ${q.parameter(1)} AND starts_at <= ${q.parameter(2)} ORDER BY starts_at DESC`, 1),
    [event.agent_id, timestampOf(at)],
  );
  const [next] = await connection.query(
    q.firstRows(`SELECT starts_at FROM agent_adherence WHERE agent_id = ${q.parameter(1)} AND starts_at > ${q.parameter(2)} ORDER BY starts_at`, 1),
    [event.agent_id, timestampOf(at)],
  );
  const previousStart = previous ? epochOfTimestamp(previous.starts_at) : undefined;
  if (previousStart === at) return false;
  const ends = next ? Math.min(epochOfTimestamp(next.starts_at), openStartsAt) : openStartsAt;
  if (previous && previousStart !== undefined && previousStart + Number(previous.duration_seconds) > at) {
    await connection.execute(`UPDATE agent_adherence SET duration_seconds = ${q.parameter(1)} WHERE agent_id = ${q.parameter(2)} AND starts_at = ${q.parameter(3)}`, [
      at - previousStart,
      event.agent_id,
      timestampOf(previousStart),
    ]);
  }
  await upsertRows(connection, 'agent_adherence', ADHERENCE_COLUMNS, ['agent_id', 'starts_at'], [[event.agent_id, timestampOf(at), ends - at, event.agent_state_id, event.reason_id]], 'ignore');
  return true;
}

/** Agent states in time order per agent: closed states become adherence rows, the newest stays open. */
async function applyStates(connection: Connection, events: readonly AgentStateEvent[]): Promise<number> {
  const byAgent = new Map<number, AgentStateEvent[]>();
  for (const event of events) byAgent.set(event.agent_id, [...(byAgent.get(event.agent_id) ?? []), event]);
  const open = await openStates(connection, [...byAgent.keys()]);
  const closed: SqlValue[][] = [];
  const late: { event: AgentStateEvent; openStartsAt: number }[] = [];
  let duplicates = 0;
  for (const [agent, agentEvents] of byAgent) {
    agentEvents.sort((a, b) => (epochSecondsOf(a.at) ?? 0) - (epochSecondsOf(b.at) ?? 0));
    for (const event of agentEvents) {
      const at = epochSecondsOf(event.at) ?? 0;
      const current = open.get(agent);
      if (current && at < current.startsAt) late.push({ event, openStartsAt: current.startsAt });
      else if (current && at === current.startsAt) duplicates++;
      else {
        if (current) closed.push([agent, timestampOf(current.startsAt), at - current.startsAt, current.agentStateId, current.reasonId]);
        open.set(agent, { startsAt: at, agentStateId: event.agent_state_id, reasonId: event.reason_id });
      }
    }
  }
  await upsertRows(connection, 'agent_adherence', ADHERENCE_COLUMNS, ['agent_id', 'starts_at'], closed, 'ignore');
  for (const { event, openStartsAt } of late) if (!(await insertLateState(connection, event, openStartsAt))) duplicates++;
  const openRows = [...byAgent.keys()].map((agent) => {
    const state = open.get(agent) as OpenState;
    return [agent, timestampOf(state.startsAt), state.agentStateId, state.reasonId];
  });
  await upsertRows(connection, 'aggregator_open_state', OPEN_STATE_COLUMNS, ['agent_id'], openRows, 'replace');
  return duplicates;
}

/**
 * Applies a batch in one transaction. Events already counted are skipped; events that name what the
 * catalog does not hold, or that are older than the event memory before this batch, are refused and
 * returned. The aggregator checks both before it takes a batch; here they guard what a spool kept from
 * before a restart.
 */
export async function applyEvents(connection: Connection, aggregator: string, events: readonly AggregatorEvent[], catalog: Catalog, latestEventTime: number): Promise<ApplyResult> {
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  const refused: ApplyResult['refused'] = [];
  const acceptable = unique.filter((event) => {
    const problem = referenceProblem(catalog, event) ?? memoryProblem(event, latestEventTime);
    if (problem) refused.push({ event, reason: problem });
    return problem === undefined;
  });
  const latest = acceptable.reduce((max, e) => Math.max(max, eventTime(e)), latestEventTime);
  return connection.transaction(async () => {
    const known = await knownEventIds(connection, acceptable.map((e) => e.id));
    const fresh = acceptable.filter((e) => !known.has(e.id));
    if (fresh.length > 0) await connection.bulkInsert('aggregator_event', ['event_id', 'interval_start'], fresh.map((e) => [e.id, timestampOf(intervalOfEvent(e))]));
    const interactions = fresh.filter((e): e is InteractionEvent => e.type === 'interaction');
    await upsertRows(connection, 'activity_performance', PERFORMANCE_COLUMNS, ['activity_id', 'interval_start'], performanceIncrements(interactions, catalog), 'add');
    const stateDuplicates = await applyStates(connection, fresh.filter((e): e is AgentStateEvent => e.type === 'agent_state'));
    const intervals = [...new Set(fresh.map(intervalOfEvent))].map((interval) => [timestampOf(interval), aggregator, null]);
    await upsertRows(connection, 'aggregator_interval', ['interval_start', 'aggregator', 'closed_at'], ['interval_start'], intervals, 'ignore');
    return { applied: fresh.length - stateDuplicates, duplicates: events.length - fresh.length + stateDuplicates - refused.length, refused, latestEventTime: latest };
  });
}

/** How far one closing pass may go. */
export interface ClosingBounds {
  /** The last interval start that may be closed: event time and real time are both past its end. */
  through: number;
  /** No empty interval before this one is closed: the start of the window of accepted events. */
  notBefore: number;
  /** Intervals per pass: each writes a row per activity, so one pass stays short. */
  maxIntervals: number;
}

export interface ClosingPass {
  closed: number;
  /** What is still due after this pass, or undefined once closing has caught up. */
  left?: { from: number; through: number; intervals: number };
}

/**
 * The next intervals to close, at most `maxIntervals`, in time order: those collected and still open,
 * and the empty ones from the one after the last closed (or from the first collected) that the window
 * still covers.
 */
async function intervalsToClose(connection: Connection, bounds: ClosingBounds): Promise<number[]> {
  const [row] = await connection.query('SELECT MIN(interval_start) AS first, MAX(CASE WHEN closed_at IS NOT NULL THEN interval_start END) AS last_closed FROM aggregator_interval');
  if (!row || row.first === null) return [];
  const next = row.last_closed === null ? epochOfTimestamp(row.first) : epochOfTimestamp(row.last_closed) + INTERVAL_SECONDS;
  const q = connection.compiler;
  const open = await connection.query(
    q.firstRows(`SELECT interval_start FROM aggregator_interval WHERE closed_at IS NULL AND interval_start <= ${q.parameter(1)} ORDER BY interval_start`, bounds.maxIntervals),
    [timestampOf(bounds.through)],
  );
  const intervals = new Set(open.map((r) => epochOfTimestamp(r.interval_start)));
  const last = Math.min(bounds.through, Math.max(next, bounds.notBefore) + (bounds.maxIntervals - 1) * INTERVAL_SECONDS);
  for (let interval = Math.max(next, bounds.notBefore); interval <= last; interval += INTERVAL_SECONDS) intervals.add(interval);
  return [...intervals].sort((a, b) => a - b).slice(0, bounds.maxIntervals);
}

/** What a pass that closed up to `lastClosed` leaves due, or undefined when nothing is. */
function leftAfter(lastClosed: number | undefined, bounds: ClosingBounds): ClosingPass['left'] {
  if (lastClosed === undefined) return undefined;
  const from = Math.max(lastClosed + INTERVAL_SECONDS, bounds.notBefore);
  return from > bounds.through ? undefined : { from, through: bounds.through, intervals: (bounds.through - from) / INTERVAL_SECONDS + 1 };
}

/**
 * One pass of closing intervals that ended `closeAfterSeconds` or more before the latest event time and
 * before real time, including those in which nothing happened: each activity still in use gets its row
 * (zeros where nothing was offered), so that the timeline has no gap. Event ids older than the event
 * memory are forgotten.
 */
export async function closeIntervals(connection: Connection, aggregator: string, latestEventTime: number, bounds: ClosingBounds): Promise<ClosingPass> {
  const q = connection.compiler;
  const due = await intervalsToClose(connection, bounds);
  const closedAt = timestampOf(Math.floor(Date.now() / 1000));
  for (let start = 0; start < due.length; start += ROWS_PER_STATEMENT) {
    const part = due.slice(start, start + ROWS_PER_STATEMENT);
    await connection.transaction(async () => {
      await upsertRows(connection, 'aggregator_interval', ['interval_start', 'aggregator', 'closed_at'], ['interval_start'], part.map((i) => [timestampOf(i), aggregator, null]), 'ignore');
      for (const interval of part) {
        await connection.execute(
          `INSERT INTO activity_performance (${PERFORMANCE_COLUMNS.join(', ')}) SELECT a.id, ${q.parameter(1)}, 0, 0, 0, 0, 0, 0, 0 FROM activity a ` +
            `WHERE a.deleted = 0 AND NOT EXISTS (SELECT 1 FROM activity_performance p WHERE p.activity_id = a.id AND p.interval_start = ${q.parameter(2)})`,
          [timestampOf(interval), timestampOf(interval)],
        );
      }
      await connection.execute(
        `UPDATE aggregator_interval SET closed_at = ${q.parameter(1)} WHERE closed_at IS NULL AND interval_start <= ${q.parameter(2)}`,
        [closedAt, timestampOf(part.at(-1) ?? 0)],
      );
    });
  }
  await connection.execute(`DELETE FROM aggregator_event WHERE interval_start < ${q.parameter(1)}`, [timestampOf(latestEventTime - EVENT_MEMORY_SECONDS - INTERVAL_SECONDS)]);
  return { closed: due.length, left: leftAfter(due.at(-1), bounds) };
}

/** The latest interval the aggregator has collected: where event time resumes after a restart. */
export async function latestCollectedInterval(connection: Connection): Promise<number> {
  const [row] = await connection.query('SELECT MAX(interval_start) AS latest FROM aggregator_interval');
  return row?.latest === null || row?.latest === undefined ? 0 : epochOfTimestamp(row.latest);
}

export async function maintenanceMode(connection: Connection): Promise<boolean> {
  const q = connection.compiler;
  const [row] = await connection.query(`SELECT value FROM system_setting WHERE name = ${q.parameter(1)}`, [MAINTENANCE_SETTING]);
  return row?.value === 'on';
}

export async function setMaintenanceMode(connection: Connection, on: boolean): Promise<void> {
  await upsertRows(connection, 'system_setting', ['name', 'value', 'changed_at'], ['name'], [[MAINTENANCE_SETTING, on ? 'on' : 'off', timestampOf(Math.floor(Date.now() / 1000))]], 'replace');
}

export interface ComponentRegistration {
  name: string;
  kind: string;
  release: string;
  host: string;
  pid: number;
  endpoint: string | null;
  startedAt: number;
  state: string;
}

/** Records (or refreshes) a component and its heartbeat, so that the migration procedure can see it. */
export async function recordHeartbeat(connection: Connection, component: ComponentRegistration): Promise<void> {
  await upsertRows(
    connection,
    'component',
    ['name', 'kind', 'wfm_release', 'host', 'pid', 'endpoint', 'started_at', 'heartbeat_at', 'state'],
    ['name'],
    [[component.name, component.kind, component.release, component.host, component.pid, component.endpoint, timestampOf(component.startedAt), timestampOf(Math.floor(Date.now() / 1000)), component.state]],
    'replace',
  );
}

export interface ComponentHeartbeat {
  name: string;
  kind: string;
  release: string;
  state: string;
  heartbeatSecondsAgo: number;
}

/** The components registered with the database and how long ago each last recorded its heartbeat. */
export async function registeredComponents(connection: Connection): Promise<ComponentHeartbeat[]> {
  if (!(await connection.introspector.tableNames()).includes('component')) return [];
  const now = Date.now() / 1000;
  return (await connection.query('SELECT name, kind, wfm_release, state, heartbeat_at FROM component ORDER BY name')).map((r) => ({
    name: String(r.name),
    kind: String(r.kind),
    release: String(r.wfm_release),
    state: String(r.state),
    heartbeatSecondsAgo: Math.round(now - epochOfTimestamp(r.heartbeat_at ?? null)),
  }));
}
