// Acting as the 6.5 Data Aggregator: events written straight into a 6.5.104 or 6.5.201 database, one
// `performance_data` row per activity and 15-minute interval and one `agent_compliance` row per agent state,
// in the PABX's standard local time as 6.5 kept them. A period written again replaces what was there, so a
// run can be repeated or resumed over the same period.
import type { Connection, SqlValue } from '../../engine/dialect/types.ts';
import { InputError } from '../../engine/errors.ts';
import type { Catalog } from '../aggregator/catalog.ts';
import { type AggregatorEvent, epochSecondsOf, INTERVAL_SECONDS, intervalOf, isoInstant } from '../aggregator/events.ts';
import { describeState, detectRelease } from '../database.ts';
import { compactDate, dayOfIsoDate, SECONDS_PER_DAY } from '../generate/time.ts';
import type { LegacyRelease } from '../releases/versions.ts';
import type { StateValue } from './events.ts';

/** Ids per statement in the lists that scope a delete to the simulated activities and agents. */
const IDS_PER_STATEMENT = 500;
/** How far back a state may have started and still be cut at the start of a run: no aggregator keeps one open longer. */
const LOOKBACK_DAYS = 7;

export interface LegacyDatabase {
  release: LegacyRelease;
  /** Activities not deleted and employees not terminated, under the ids the migration keeps. */
  catalog: Catalog;
  /** pabx.utc_offset_min of every PABX. */
  utcOffsetMinutes: Map<number, number>;
  /** activity.sl_seconds, null where the activity has no service objective. */
  serviceLevelSeconds: Map<number, number | null>;
}

const num = (value: unknown): number => Number(value);

/** The catalog as the 6.5 tables hold it, filtered as the aggregator of a migrated database filters it. */
export async function readLegacyDatabase(connection: Connection): Promise<LegacyDatabase> {
  const state = await detectRelease(connection);
  if (state.kind !== 'legacy') throw new InputError(`${connection.description} is ${describeState(state)}; the legacy target must be a WFM 6.5.104 or 6.5.201 database`);
  const activities = await connection.query('SELECT activity_id, pabx_id, sl_seconds FROM activity WHERE deleted = 0 ORDER BY activity_id');
  const employees = await connection.query('SELECT employee_id, pabx_id FROM employee WHERE term_date IS NULL ORDER BY employee_id');
  const skills = await connection.query('SELECT employee_id, activity_id FROM employee_activity ORDER BY employee_id, activity_id');
  const events = await connection.query('SELECT event_id, event_code, event_name FROM genesys_event ORDER BY event_id');
  const auxCodes = await connection.query('SELECT aux_code_id, aux_code, aux_name, event_id FROM aux_code ORDER BY aux_code_id');
  const pabxs = await connection.query('SELECT pabx_id, utc_offset_min FROM pabx');
  const skillsOf = new Map<number, number[]>();
  for (const row of skills) {
    const list = skillsOf.get(num(row.employee_id)) ?? [];
    list.push(num(row.activity_id));
    skillsOf.set(num(row.employee_id), list);
  }
  return {
    release: state.release,
    catalog: {
      activities: activities.map((r) => ({ id: num(r.activity_id), site_id: num(r.pabx_id), service_level_seconds: num(r.sl_seconds) })),
      agents: employees.map((r) => ({ id: num(r.employee_id), site_id: num(r.pabx_id), activity_ids: skillsOf.get(num(r.employee_id)) ?? [] })),
      agent_states: events.map((r) => ({ id: num(r.event_id), code: String(r.event_code), name: String(r.event_name) })),
      reasons: auxCodes.map((r) => ({ id: num(r.aux_code_id), code: String(r.aux_code), name: String(r.aux_name), agent_state_id: r.event_id === null ? null : num(r.event_id) })),
    },
    utcOffsetMinutes: new Map(pabxs.map((r) => [num(r.pabx_id), num(r.utc_offset_min)])),
    serviceLevelSeconds: new Map(activities.map((r) => [num(r.activity_id), r.sl_seconds === null ? null : num(r.sl_seconds)])),
  };
}

/** The instant (UTC) right after the last interval of `performance_data`, undefined when it is empty. */
export async function afterLastPerformance(connection: Connection): Promise<number | undefined> {
  const joined = 'FROM performance_data d JOIN activity a ON a.activity_id = d.activity_id JOIN pabx p ON p.pabx_id = a.pabx_id';
  const q = connection.compiler;
  let latest: number | undefined;
  // Local dates of PABXs in different zones do not compare: the last day of each offset is found on its own.
  for (const group of await connection.query(`SELECT p.utc_offset_min AS utc_offset, MAX(d.perf_date) AS last_date ${joined} GROUP BY p.utc_offset_min`)) {
    const rows = await connection.query(`SELECT MAX(d.interval_no) AS last_interval ${joined} WHERE p.utc_offset_min = ${q.parameter(1)} AND d.perf_date = ${q.parameter(2)}`, [
      num(group.utc_offset),
      num(group.last_date),
    ]);
    const after = utcOfLocal(num(group.last_date), (num(rows[0]?.last_interval) + 1) * INTERVAL_SECONDS, num(group.utc_offset));
    latest = Math.max(latest ?? after, after);
  }
  return latest;
}

function utcOfLocal(compact: number, secondOfDay: number, offsetMinutes: number): number {
  const text = String(compact);
  const day = dayOfIsoDate(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`);
  if (day === undefined) throw new InputError(`performance_data holds the date ${compact}, which is not a YYYYMMDD date`);
  return day * SECONDS_PER_DAY + secondOfDay - offsetMinutes * 60;
}

interface LocalTime {
  /** YYYYMMDD in the PABX's standard time. */
  date: number;
  second: number;
}

function localTime(epochSecond: number, offsetMinutes: number): LocalTime {
  const local = epochSecond + offsetMinutes * 60;
  const day = Math.floor(local / SECONDS_PER_DAY);
  return { date: compactDate(day), second: local - day * SECONDS_PER_DAY };
}

interface Totals {
  offered: number;
  handled: number;
  abandoned: number;
  handleSeconds: number;
  answeredInServiceLevel: number;
  queueSeconds: number;
}

const noTotals = (): Totals => ({ offered: 0, handled: 0, abandoned: 0, handleSeconds: 0, answeredInServiceLevel: 0, queueSeconds: 0 });

interface OpenState {
  at: number;
  value: StateValue;
}

interface StateRow extends OpenState {
  agentId: number;
  duration: number;
}

/** The activities and agents of one PABX: deletes are scoped by them, in its local time. */
interface PabxScope {
  offsetMinutes: number;
  activityIds: number[];
  agentIds: number[];
}

export interface LegacyWriteSummary {
  performanceRows: number;
  complianceRows: number;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/** Placeholders of one statement; added in the order they appear in it, since `?` engines bind by position. */
class Parameters {
  readonly values: SqlValue[] = [];

  constructor(private readonly connection: Connection) {}

  add(value: SqlValue): string {
    this.values.push(value);
    return this.connection.compiler.parameter(this.values.length);
  }

  list(values: readonly number[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

/** (date, part) in [from, to), compared as a pair: the range may cross local midnight. */
function pairRange(params: Parameters, date: string, part: string, from: LocalTime, to: LocalTime, partOf: (t: LocalTime) => number): string {
  const atOrAfter = `(${date} > ${params.add(from.date)} OR (${date} = ${params.add(from.date)} AND ${part} >= ${params.add(partOf(from))}))`;
  const before = `(${date} < ${params.add(to.date)} OR (${date} = ${params.add(to.date)} AND ${part} < ${params.add(partOf(to))}))`;
  return `${atOrAfter} AND ${before}`;
}

const intervalNumber = (t: LocalTime): number => Math.floor(t.second / INTERVAL_SECONDS);

/**
 * Collects the events of one period [start, end) on whole intervals and writes them as they become known:
 * an interval once it has ended (again when a late interaction of it ends), a state once the next one begins.
 */
export class LegacyWriter {
  private readonly scopes: PabxScope[];
  private readonly offsetOfAgent = new Map<number, number>();
  private readonly totals = new Map<number, Map<number, Totals>>();
  private readonly changed = new Set<number>();
  private readonly open = new Map<number, OpenState>();
  private closed: StateRow[] = [];
  /** Every interval before this one has been written at least once. */
  private writtenThrough: number;
  /** The agents' rows starting before this instant (from the start) have been deleted: this run's rows go there. */
  private clearedThrough: number;
  private cutAtStart = false;
  private complianceRows = 0;

  constructor(
    private readonly connection: Connection,
    private readonly database: LegacyDatabase,
    private readonly period: { start: number; end: number },
    /** Each agent's state at the start: written from the start, so that every agent's time is accounted for. */
    statesAtStart: ReadonlyMap<number, StateValue>,
  ) {
    if (period.start % INTERVAL_SECONDS !== 0) throw new InputError(`a 6.5 database keeps whole 15-minute intervals: start on a quarter hour (:00, :15, :30 or :45), not at ${isoInstant(period.start)}`);
    if (period.end <= period.start || (period.end - period.start) % INTERVAL_SECONDS !== 0) {
      throw new InputError('a 6.5 database keeps whole 15-minute intervals: give a duration of whole quarter hours (15m, 90m, 2h ...)');
    }
    this.writtenThrough = period.start;
    this.clearedThrough = period.start;
    const byPabx = new Map<number, PabxScope>();
    const scopeOf = (pabxId: number): PabxScope => {
      const scope = byPabx.get(pabxId) ?? { offsetMinutes: this.offsetOf(pabxId), activityIds: [], agentIds: [] };
      byPabx.set(pabxId, scope);
      return scope;
    };
    for (const activity of database.catalog.activities) scopeOf(activity.site_id).activityIds.push(activity.id);
    for (const agent of database.catalog.agents) {
      scopeOf(agent.site_id).agentIds.push(agent.id);
      this.offsetOfAgent.set(agent.id, this.offsetOf(agent.site_id));
      const value = statesAtStart.get(agent.id);
      if (value) this.open.set(agent.id, { at: period.start, value });
    }
    this.scopes = [...byPabx.values()];
  }

  private offsetOf(pabxId: number): number {
    const offset = this.database.utcOffsetMinutes.get(pabxId);
    if (offset === undefined) throw new InputError(`PABX ${pabxId} is named by an activity or an employee but has no pabx row`);
    return offset;
  }

  add(event: AggregatorEvent): void {
    if (event.type === 'interaction') {
      if (!this.database.serviceLevelSeconds.has(event.activity_id)) throw new Error(`activity ${event.activity_id} is not an activity of this 6.5 database`);
      const interval = intervalOf(this.instant(event.offered_at));
      const byActivity = this.totals.get(interval) ?? new Map<number, Totals>();
      this.totals.set(interval, byActivity);
      const totals = byActivity.get(event.activity_id) ?? noTotals();
      byActivity.set(event.activity_id, totals);
      totals.offered++;
      totals.queueSeconds += event.queue_seconds;
      if (event.outcome === 'abandoned') totals.abandoned++;
      else {
        totals.handled++;
        totals.handleSeconds += event.handle_seconds;
        const serviceLevel = this.database.serviceLevelSeconds.get(event.activity_id);
        if (serviceLevel !== null && serviceLevel !== undefined && event.queue_seconds <= serviceLevel) totals.answeredInServiceLevel++;
      }
      this.changed.add(interval);
      return;
    }
    if (!this.offsetOfAgent.has(event.agent_id)) throw new Error(`employee ${event.agent_id} is not an employee of this 6.5 database`);
    const at = this.instant(event.at);
    const previous = this.open.get(event.agent_id);
    if (previous && at > previous.at) this.closed.push({ agentId: event.agent_id, ...previous, duration: at - previous.at });
    this.open.set(event.agent_id, { at, value: { agent_state_id: event.agent_state_id, reason_id: event.reason_id } });
  }

  private instant(text: string): number {
    const at = epochSecondsOf(text);
    if (at === undefined || at < this.period.start || at >= this.period.end) throw new Error(`an event at ${text} is outside the period being written`);
    return at;
  }

  /** Writes what is known at `clock` (seconds since the epoch), once an interval has ended that was not written as it is. */
  async flush(clock: number): Promise<void> {
    const ended = Math.min(intervalOf(clock), this.period.end);
    const intervals = this.intervalsToWrite(ended);
    if (intervals) await this.write(intervals, Math.min(intervalOf(clock) + INTERVAL_SECONDS, this.period.end));
  }

  /** Writes everything, the states still open lasting to the end of the period. */
  async finish(): Promise<LegacyWriteSummary> {
    for (const [agentId, state] of this.open) this.closed.push({ agentId, ...state, duration: this.period.end - state.at });
    this.open.clear();
    await this.write(this.intervalsToWrite(this.period.end), this.period.end);
    const intervals = (this.period.end - this.period.start) / INTERVAL_SECONDS;
    return { performanceRows: intervals * this.database.catalog.activities.length, complianceRows: this.complianceRows };
  }

  /** From the first interval ended and changed or never written, to the last one: [from, to). */
  private intervalsToWrite(endedBefore: number): { from: number; to: number } | undefined {
    const due = [...this.changed].filter((interval) => interval < endedBefore);
    if (this.writtenThrough < endedBefore) due.push(this.writtenThrough, endedBefore - INTERVAL_SECONDS);
    if (due.length === 0) return undefined;
    return { from: Math.min(...due), to: Math.max(...due) + INTERVAL_SECONDS };
  }

  private async write(intervals: { from: number; to: number } | undefined, clearTo: number): Promise<void> {
    if (!intervals && this.closed.length === 0) return;
    const rows = this.closed;
    await this.connection.transaction(async () => {
      if (!this.cutAtStart) await this.cutStatesAtStart();
      if (clearTo > this.clearedThrough) await this.deleteStates(this.clearedThrough, clearTo);
      if (intervals) await this.writePerformance(intervals.from, intervals.to);
      if (rows.length === 0) return;
      this.complianceRows += await this.connection.bulkInsert(
        'agent_compliance',
        ['employee_id', 'state_date', 'start_sec', 'duration_sec', 'event_id', 'aux_code_id'],
        rows.map((row) => this.complianceRow(row)),
      );
    });
    this.cutAtStart = true;
    this.clearedThrough = Math.max(this.clearedThrough, clearTo);
    this.closed = [];
    if (intervals) {
      this.writtenThrough = Math.max(this.writtenThrough, intervals.to);
      for (const interval of this.changed) if (interval >= intervals.from && interval < intervals.to) this.changed.delete(interval);
    }
  }

  private complianceRow(row: StateRow): SqlValue[] {
    const local = localTime(row.at, this.offsetOfAgent.get(row.agentId) ?? 0);
    return [row.agentId, local.date, local.second, row.duration, row.value.agent_state_id, row.value.reason_id];
  }

  private async writePerformance(from: number, to: number): Promise<void> {
    const withServiceLevel = this.database.release !== '6.5.104';
    for (const scope of this.scopes) {
      for (const ids of chunks(scope.activityIds, IDS_PER_STATEMENT)) {
        const params = new Parameters(this.connection);
        const scoped = `activity_id IN (${params.list(ids)})`;
        const range = pairRange(params, 'perf_date', 'interval_no', localTime(from, scope.offsetMinutes), localTime(to, scope.offsetMinutes), intervalNumber);
        await this.connection.execute(`DELETE FROM performance_data WHERE ${scoped} AND ${range}`, params.values);
      }
    }
    const columns = ['activity_id', 'perf_date', 'interval_no', 'offered', 'handled', 'abandoned', 'handle_sec', ...(withServiceLevel ? ['answered_in_sl'] : []), 'queue_sec', 'staff_sec'];
    await this.connection.bulkInsert('performance_data', columns, this.performanceRows(from, to, withServiceLevel));
  }

  private *performanceRows(from: number, to: number, withServiceLevel: boolean): Generator<SqlValue[]> {
    for (const scope of this.scopes) {
      for (let interval = from; interval < to; interval += INTERVAL_SECONDS) {
        const local = localTime(interval, scope.offsetMinutes);
        for (const activityId of scope.activityIds) {
          const t = this.totals.get(interval)?.get(activityId) ?? noTotals();
          const answered = this.database.serviceLevelSeconds.get(activityId) === null ? null : t.answeredInServiceLevel;
          yield [activityId, local.date, intervalNumber(local), t.offered, t.handled, t.abandoned, t.handleSeconds, ...(withServiceLevel ? [answered] : []), t.queueSeconds, 0];
        }
      }
    }
  }

  private async deleteStates(from: number, to: number): Promise<void> {
    for (const scope of this.scopes) {
      for (const ids of chunks(scope.agentIds, IDS_PER_STATEMENT)) {
        const params = new Parameters(this.connection);
        const scoped = `employee_id IN (${params.list(ids)})`;
        const range = pairRange(params, 'state_date', 'start_sec', localTime(from, scope.offsetMinutes), localTime(to, scope.offsetMinutes), (t) => t.second);
        await this.connection.execute(`DELETE FROM agent_compliance WHERE ${scoped} AND ${range}`, params.values);
      }
    }
  }

  /** A state begun before the start and lasting past it now ends there: from the start on, this run's rows say what each agent did. */
  private async cutStatesAtStart(): Promise<void> {
    for (const scope of this.scopes) {
      const start = localTime(this.period.start, scope.offsetMinutes);
      const startDay = Math.floor((this.period.start + scope.offsetMinutes * 60) / SECONDS_PER_DAY);
      for (const ids of chunks(scope.agentIds, IDS_PER_STATEMENT)) {
        for (let daysBack = 0; daysBack <= LOOKBACK_DAYS; daysBack++) {
          const params = new Parameters(this.connection);
          // The start, counted in seconds after the midnight that begins the row's date.
          const cut = daysBack * SECONDS_PER_DAY + start.second;
          await this.connection.execute(
            `UPDATE agent_compliance SET duration_sec = ${params.add(cut)} - start_sec WHERE employee_id IN (${params.list(ids)}) AND state_date = ${params.add(compactDate(startDay - daysBack))} AND start_sec < ${params.add(cut)} AND start_sec + duration_sec > ${params.add(cut)}`,
            params.values,
          );
        }
      }
    }
  }
}
