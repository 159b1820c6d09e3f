// `wfm simulate`: the same seed sends the same events, overlapping runs agree on the intervals they share,
// the events look like a contact center's, a 6.5 database receives exactly their totals in PABX standard
// time (and the same rows when a period is written again), and an HTTP aggregator receives every event.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { registerSimulate } from '../src/cli/commands/simulate.ts';
import { withConnection, type Connection } from '../src/engine/dialect/index.ts';
import { InputError, OperationError } from '../src/engine/errors.ts';
import { type Catalog, loadCatalog } from '../src/wfm/aggregator/catalog.ts';
import { type AggregatorEvent, epochSecondsOf, formatEvent, INTERVAL_SECONDS, intervalOf, parseEvent, parseEventLines } from '../src/wfm/aggregator/events.ts';
import { createDatabase } from '../src/wfm/database.ts';
import { migrateLegacy } from '../src/wfm/migrate.ts';
import type { LegacyRelease } from '../src/wfm/releases/versions.ts';
import { type SentEvent, simulatedEvents } from '../src/wfm/simulate/events.ts';
import { simulate, type SimulateSummary } from '../src/wfm/simulate/index.ts';
import { readLegacyDatabase } from '../src/wfm/simulate/legacy-writer.ts';
import { tableHash } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const HOUR = 3600;
/** Monday 2024-01-08 00:00 UTC. */
const MONDAY = Date.UTC(2024, 0, 8) / 1000;

const CATALOG: Catalog = {
  activities: [
    { id: 1, site_id: 1, service_level_seconds: 20 },
    { id: 2, site_id: 1, service_level_seconds: 30 },
    { id: 3, site_id: 2, service_level_seconds: 14_400 },
    { id: 4, site_id: 2, service_level_seconds: 0 },
  ],
  agents: Array.from({ length: 25 }, (_, n) => ({ id: n + 1, site_id: (n % 2) + 1, activity_ids: [1 + (n % 4)] })),
  agent_states: [
    { id: 1, code: 'LOGGED_OUT', name: 'Logged Out' },
    { id: 2, code: 'READY', name: 'Ready' },
    { id: 3, code: 'NOT_READY', name: 'Not Ready' },
    { id: 4, code: 'TALKING', name: 'Talking' },
    { id: 5, code: 'ACW', name: 'After Call Work' },
  ],
  reasons: [
    { id: 1, code: '10', name: 'Break', agent_state_id: 3 },
    { id: 2, code: '11', name: 'Lunch', agent_state_id: 3 },
    { id: 3, code: '50', name: 'Back-office work', agent_state_id: 5 },
    { id: 4, code: '99', name: 'Unknown', agent_state_id: null },
  ],
};

const events = (seed: number, start: number, end: number, catalog = CATALOG): SentEvent[] => [...simulatedEvents({ catalog, seed, interactionsPerHour: 600, start, end })];

/** The instant an event describes: when an interaction was offered, when a state began. */
const keyTime = (event: AggregatorEvent): number => epochSecondsOf(event.type === 'interaction' ? event.offered_at : event.at) as number;

const within = (list: SentEvent[], from: number, to: number): AggregatorEvent[] => list.map((s) => s.event).filter((e) => keyTime(e) >= from && keyTime(e) < to);

describe('simulated events', () => {
  it('are the same for the same seed, and identical for the intervals two overlapping runs share', () => {
    const first = events(7, MONDAY + 8 * HOUR, MONDAY + 11 * HOUR);
    assert.ok(first.length > 500, `only ${first.length} events`);
    assert.deepEqual(events(7, MONDAY + 8 * HOUR, MONDAY + 11 * HOUR), first);
    const later = events(7, MONDAY + 9 * HOUR, MONDAY + 12 * HOUR);
    const shared = within(first, MONDAY + 9 * HOUR, MONDAY + 11 * HOUR);
    assert.ok(shared.length > 300);
    assert.deepEqual(within(later, MONDAY + 9 * HOUR, MONDAY + 11 * HOUR), shared);
    // A start inside an interval leaves that interval's later events as they were.
    const offset = events(7, MONDAY + 9 * HOUR + 450, MONDAY + 10 * HOUR);
    assert.deepEqual(within(offset, MONDAY + 9 * HOUR + 450, MONDAY + 10 * HOUR), within(first, MONDAY + 9 * HOUR + 450, MONDAY + 10 * HOUR));
    const other = events(8, MONDAY + 8 * HOUR, MONDAY + 11 * HOUR);
    assert.notDeepEqual(other.map((s) => s.event.id), first.map((s) => s.event.id));
  });

  it('look like a contact center: a day curve, waits, abandons, handle times, agents in and out of states', () => {
    const day = events(3, MONDAY, MONDAY + 24 * HOUR);
    const start = MONDAY;
    const end = MONDAY + 24 * HOUR;
    const ids = new Set<string>();
    let previousSent = -Infinity;
    const interactions = day.map((s) => s.event).filter((e) => e.type === 'interaction');
    for (const { sentAt, event } of day) {
      assert.ok(sentAt >= previousSent, `${event.id} is sent before the one ahead of it`);
      previousSent = sentAt;
      assert.ok(!ids.has(event.id), `${event.id} twice`);
      ids.add(event.id);
      assert.deepEqual(parseEvent(formatEvent(event)), event, 'every event is one the aggregator parses back to itself');
      assert.ok(keyTime(event) >= start && keyTime(event) < end);
      if (event.type === 'interaction') {
        assert.equal(sentAt, keyTime(event) + event.queue_seconds + event.handle_seconds, 'an interaction is sent when it ends');
        if (event.outcome === 'abandoned') assert.equal(event.handle_seconds, 0);
        else assert.ok(event.handle_seconds > 0);
      } else {
        assert.equal(sentAt, keyTime(event), 'a state is sent when it begins');
      }
    }
    const abandoned = interactions.filter((e) => e.outcome === 'abandoned').length;
    assert.ok(abandoned > 0 && abandoned < 0.2 * interactions.length, `${abandoned} of ${interactions.length} abandoned`);
    const handled = interactions.filter((e) => e.outcome === 'handled');
    const meanHandle = handled.reduce((sum, e) => sum + e.handle_seconds, 0) / handled.length;
    assert.ok(meanHandle > 180 && meanHandle < 420, `mean handle time ${meanHandle} s`);
    const offeredIn = (hour: number) => interactions.filter((e) => keyTime(e) >= MONDAY + hour * HOUR && keyTime(e) < MONDAY + (hour + 1) * HOUR);
    assert.ok(offeredIn(10).length > 450 && offeredIn(10).length < 700, `${offeredIn(10).length} offered at Monday's peak for a rate of 600 an hour`);
    assert.ok(offeredIn(3).length < offeredIn(10).length / 5, 'nights are quiet');
    const meanQueue = (hour: number) => offeredIn(hour).reduce((sum, e) => sum + e.queue_seconds, 0) / offeredIn(hour).length;
    const abandonRate = (hour: number) => offeredIn(hour).filter((e) => e.outcome === 'abandoned').length / offeredIn(hour).length;
    assert.ok(meanQueue(10) > meanQueue(3) && abandonRate(10) > abandonRate(3), 'longer queues and more abandons at the peak');

    const states = day.map((s) => s.event).filter((e) => e.type === 'agent_state');
    const perAgentInterval = new Map<string, number>();
    const lastOf = new Map<number, string>();
    for (const state of states) {
      const reason = CATALOG.reasons.find((r) => r.id === state.reason_id);
      if (state.reason_id !== null) assert.equal(reason?.agent_state_id, state.agent_state_id, `reason ${state.reason_id} does not belong to state ${state.agent_state_id}`);
      const key = `${state.agent_id}@${intervalOf(keyTime(state))}`;
      perAgentInterval.set(key, (perAgentInterval.get(key) ?? 0) + 1);
      const value = `${state.agent_state_id}/${state.reason_id}`;
      assert.notEqual(lastOf.get(state.agent_id), value, `agent ${state.agent_id} enters the state it is in at ${state.at}`);
      lastOf.set(state.agent_id, value);
    }
    assert.ok(Math.max(...perAgentInterval.values()) <= 4, 'a few changes of state per agent and interval at most');
    const used = new Set(states.map((s) => s.agent_state_id));
    for (const id of [1, 2, 3, 4, 5]) assert.ok(used.has(id), `state ${id} never used`);
    assert.ok(states.some((s) => s.reason_id !== null) && states.some((s) => s.agent_state_id === 3 && s.reason_id === null), 'not-ready with and without a reason');
  });

  it('take what a catalog has: other state codes, no agents or no states at all', () => {
    const odd: Catalog = { ...CATALOG, agent_states: [{ id: 9, code: 'AVAILABLE', name: 'Available' }, { id: 11, code: 'BUSY', name: 'Busy' }], reasons: [] };
    const list = events(1, MONDAY + 9 * HOUR, MONDAY + 10 * HOUR, odd);
    const states = list.map((s) => s.event).filter((e) => e.type === 'agent_state');
    assert.ok(states.length > 0 && states.every((s) => [9, 11].includes(s.agent_state_id) && s.reason_id === null));
    assert.deepEqual(events(1, MONDAY + 9 * HOUR, MONDAY + 10 * HOUR, { ...CATALOG, agent_states: [] }).filter((s) => s.event.type === 'agent_state'), []);
    assert.deepEqual(events(1, MONDAY, MONDAY + HOUR, { activities: [], agents: [], agent_states: [], reasons: [] }), []);
  });
});

// ---- into a 6.5 database ----

const all = await testEngines();
const fresh = trackedDatabases();
const tempDir = mkdtempSync(join(tmpdir(), 'wfm-simulate-'));
let fileCounter = 0;
const eventsFile = (): string => join(tempDir, `events-${++fileCounter}.jsonl`);
const readEvents = (path: string): AggregatorEvent[] => {
  const parsed = parseEventLines(readFileSync(path, 'utf8'));
  assert.deepEqual(parsed.errors, []);
  return parsed.events;
};

async function legacyDatabase(engine: TestEngine, release: LegacyRelease): Promise<TestDatabase> {
  return generatedDatabase(fresh, engine, `sim${release}`, release, { agents: 30, days: 2, seed: 11 });
}

const dayOf = (compact: number): number => Date.UTC(Math.floor(compact / 10_000), (Math.floor(compact / 100) % 100) - 1, compact % 100) / 86_400_000;
const compactOf = (day: number): number => {
  const date = new Date(day * 86_400_000);
  return date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
};
/** PABX standard local time of an instant: YYYYMMDD and seconds of the day. */
function local(epochSecond: number, offsetMinutes: number): { date: number; second: number } {
  const shifted = epochSecond + offsetMinutes * 60;
  const day = Math.floor(shifted / 86_400);
  return { date: compactOf(day), second: shifted - day * 86_400 };
}
const utcOf = (date: number, second: number, offsetMinutes: number): number => dayOf(date) * 86_400 + second - offsetMinutes * 60;

interface Offsets {
  ofActivity: Map<number, number>;
  ofEmployee: Map<number, number>;
  slOf: Map<number, number | null>;
}

async function offsetsOf(connection: Connection): Promise<Offsets> {
  const activities = await connection.query('SELECT a.activity_id, a.sl_seconds, p.utc_offset_min FROM activity a JOIN pabx p ON p.pabx_id = a.pabx_id');
  const employees = await connection.query('SELECT e.employee_id, p.utc_offset_min FROM employee e JOIN pabx p ON p.pabx_id = e.pabx_id');
  return {
    ofActivity: new Map(activities.map((r) => [Number(r.activity_id), Number(r.utc_offset_min)])),
    ofEmployee: new Map(employees.map((r) => [Number(r.employee_id), Number(r.utc_offset_min)])),
    slOf: new Map(activities.map((r) => [Number(r.activity_id), r.sl_seconds === null ? null : Number(r.sl_seconds)])),
  };
}

interface PerfRow {
  offered: number;
  handled: number;
  abandoned: number;
  handle_sec: number;
  answered_in_sl: number | null;
  queue_sec: number;
}

/** performance_data rows whose interval (in UTC) lies in [from, to), keyed by activity and UTC interval. */
async function performanceIn(connection: Connection, offsets: Offsets, from: number, to: number, withServiceLevel = true): Promise<Map<string, PerfRow>> {
  const rows = await connection.query(`SELECT * FROM performance_data`);
  const result = new Map<string, PerfRow>();
  for (const row of rows) {
    const activity = Number(row.activity_id);
    const utc = utcOf(Number(row.perf_date), Number(row.interval_no) * INTERVAL_SECONDS, offsets.ofActivity.get(activity) ?? 0);
    if (utc < from || utc >= to) continue;
    result.set(`${activity}@${utc}`, {
      offered: Number(row.offered),
      handled: Number(row.handled),
      abandoned: Number(row.abandoned),
      handle_sec: Number(row.handle_sec),
      answered_in_sl: withServiceLevel ? (row.answered_in_sl === null ? null : Number(row.answered_in_sl)) : null,
      queue_sec: Number(row.queue_sec),
    });
  }
  return result;
}

/** What the events add up to per activity and UTC interval, every interval of the catalog's activities present. */
function expectedPerformance(list: AggregatorEvent[], activityIds: number[], offsets: Offsets, from: number, to: number, withServiceLevel = true): Map<string, PerfRow> {
  const expected = new Map<string, PerfRow>();
  for (const id of activityIds) {
    for (let interval = from; interval < to; interval += INTERVAL_SECONDS) {
      const measured = withServiceLevel && offsets.slOf.get(id) !== null;
      expected.set(`${id}@${interval}`, { offered: 0, handled: 0, abandoned: 0, handle_sec: 0, answered_in_sl: measured ? 0 : null, queue_sec: 0 });
    }
  }
  for (const event of list) {
    if (event.type !== 'interaction') continue;
    const row = expected.get(`${event.activity_id}@${intervalOf(keyTime(event))}`);
    assert.ok(row, `an interaction of ${event.activity_id} at ${event.offered_at} is outside the period`);
    row.offered++;
    row.queue_sec += event.queue_seconds;
    if (event.outcome === 'abandoned') row.abandoned++;
    else {
      row.handled++;
      row.handle_sec += event.handle_seconds;
      const sl = offsets.slOf.get(event.activity_id);
      if (row.answered_in_sl !== null && sl !== null && sl !== undefined && event.queue_seconds <= sl) row.answered_in_sl++;
    }
  }
  return expected;
}

/** Each agent's rows from `from` to `to`: one after the other with no gap or overlap, covering the whole span. */
async function checkAdherence(connection: Connection, offsets: Offsets, agentIds: number[], from: number, to: number): Promise<number> {
  const rows = await connection.query('SELECT employee_id, state_date, start_sec, duration_sec, event_id, aux_code_id FROM agent_compliance ORDER BY employee_id, state_date, start_sec');
  const reasons = new Map((await connection.query('SELECT aux_code_id, event_id FROM aux_code')).map((r) => [Number(r.aux_code_id), r.event_id === null ? null : Number(r.event_id)]));
  let count = 0;
  for (const agent of agentIds) {
    const offset = offsets.ofEmployee.get(agent) ?? 0;
    const mine = rows
      .filter((r) => Number(r.employee_id) === agent)
      .map((r) => ({ start: utcOf(Number(r.state_date), Number(r.start_sec), offset), duration: Number(r.duration_sec), state: Number(r.event_id), reason: r.aux_code_id === null ? null : Number(r.aux_code_id) }))
      .filter((r) => r.start + r.duration > from && r.start < to);
    let at = from;
    for (const row of mine) {
      assert.ok(row.duration > 0);
      if (row.reason !== null) assert.equal(reasons.get(row.reason), row.state, `agent ${agent}: aux code ${row.reason} belongs to another state`);
      if (row.start < from) {
        assert.equal(row.start + row.duration, from, `agent ${agent}: a state from before the period runs into it`);
        continue;
      }
      assert.equal(row.start, at, `agent ${agent}: a gap or an overlap at ${new Date(at * 1000).toISOString()}`);
      at += row.duration;
      count++;
    }
    assert.equal(at, to, `agent ${agent}: states up to ${new Date(at * 1000).toISOString()}, not to the end`);
  }
  return count;
}

for (const engine of all) {
  describe(`simulate into a 6.5.201 database on ${engine.engine}`, { skip: engine.skip }, () => {
    it('writes the events’ totals in PABX standard time, right after the last collected interval, the same rows when run again', async () => {
      const database = await legacyDatabase(engine, '6.5.201');
      const { offsets, lastCollected, catalog } = await withConnection(database.url, async (connection) => {
        const found = await offsetsOf(connection);
        const rows = await connection.query('SELECT activity_id, perf_date, interval_no FROM performance_data');
        const last = Math.max(...rows.map((r) => utcOf(Number(r.perf_date), Number(r.interval_no) * INTERVAL_SECONDS, found.ofActivity.get(Number(r.activity_id)) ?? 0)));
        return { offsets: found, lastCollected: last, catalog: (await readLegacyDatabase(connection)).catalog };
      });
      assert.ok(new Set(offsets.ofActivity.values()).size > 2, 'PABXs in several zones');
      const out = eventsFile();
      const target = { legacyDb: database.target };
      const summary = await simulate({ target, seed: 5, durationSeconds: 3 * HOUR, interactionsPerHour: 900, eventsOut: out });
      const start = epochSecondsOf(summary.start) as number;
      const end = start + 3 * HOUR;
      assert.equal(start, lastCollected + INTERVAL_SECONDS, 'starts right after the last interval of performance_data');
      const sent = readEvents(out);
      assert.equal(sent.length, summary.eventsSent);
      assert.equal(sent.filter((e) => e.type === 'interaction').length, summary.interactions.offered);
      assert.ok(summary.interactions.offered > 100 && summary.agentStates > 100, JSON.stringify(summary));

      const activityIds = catalog.activities.map((a) => a.id);
      const agentIds = catalog.agents.map((a) => a.id);
      await withConnection(database.url, async (connection) => {
        const written = await performanceIn(connection, offsets, start, end + 2 * HOUR);
        assert.deepEqual(written, expectedPerformance(sent, activityIds, offsets, start, end));
        assert.equal(summary.rowsWritten?.performance_data, written.size);
        // Keyed in standard time: the first interval of a New York activity (UTC-5) is five hours earlier in its row.
        const newYork = catalog.activities.find((a) => offsets.ofActivity.get(a.id) === -300);
        assert.ok(newYork);
        const first = local(start, -300);
        const rows = await connection.query(`SELECT COUNT(*) AS n FROM performance_data WHERE activity_id = ${newYork.id} AND perf_date = ${first.date} AND interval_no = ${first.second / INTERVAL_SECONDS}`);
        assert.equal(Number(rows[0]?.n), 1);
        assert.equal(await checkAdherence(connection, offsets, agentIds, start, end), summary.rowsWritten?.agent_compliance);
      });

      const before = await withConnection(database.url, (c) => contentOf(c));
      const again = await simulate({ target, seed: 5, start, durationSeconds: 3 * HOUR, interactionsPerHour: 900 });
      assert.deepEqual(withoutTiming(again), withoutTiming(summary));
      assert.deepEqual(await withConnection(database.url, (c) => contentOf(c)), before, 'the same period written again gives the same rows');

      // A run overlapping the last two hours and going one further agrees on the shared intervals.
      const sharedBefore = await withConnection(database.url, (c) => performanceIn(c, offsets, start + HOUR, end));
      const laterOut = eventsFile();
      await simulate({ target, seed: 5, start: start + HOUR, durationSeconds: 3 * HOUR, interactionsPerHour: 900, eventsOut: laterOut });
      await withConnection(database.url, async (connection) => {
        assert.deepEqual(await performanceIn(connection, offsets, start + HOUR, end), sharedBefore);
        assert.deepEqual(await performanceIn(connection, offsets, end, end + HOUR), expectedPerformance(readEvents(laterOut).filter((e) => keyTime(e) >= end), activityIds, offsets, end, end + HOUR));
        await checkAdherence(connection, offsets, agentIds, start, end + HOUR);
      });
    });
  });
}

async function contentOf(connection: Connection): Promise<unknown> {
  return {
    performance: await tableHash(connection, 'performance_data', ['activity_id', 'perf_date', 'interval_no', 'offered', 'handled', 'abandoned', 'handle_sec', 'answered_in_sl', 'queue_sec', 'staff_sec'], ['activity_id', 'perf_date', 'interval_no']),
    adherence: await tableHash(connection, 'agent_compliance', ['employee_id', 'state_date', 'start_sec', 'duration_sec', 'event_id', 'aux_code_id'], ['employee_id', 'state_date', 'start_sec']),
  };
}

const withoutTiming = (summary: SimulateSummary): Omit<SimulateSummary, 'durationMs'> => {
  const { durationMs: _durationMs, ...rest } = summary;
  return rest;
};

const sqlite = all.find((e) => e.engine === 'sqlite') as TestEngine;

describe('simulate into 6.5 on SQLite', () => {
  it('writes 6.5.104, which has no answered_in_sl, as events come at their pace, and refuses a period of partial intervals', async () => {
    const database = await legacyDatabase(sqlite, '6.5.104');
    const out = eventsFile();
    // An hour in half a second: intervals are written as they end, and again as their late interactions end.
    const summary = await simulate({ target: { legacyDb: database.target }, seed: 2, durationSeconds: HOUR, interactionsPerHour: 600, speed: 7200, eventsOut: out });
    const start = epochSecondsOf(summary.start) as number;
    await withConnection(database.url, async (connection) => {
      const offsets = await offsetsOf(connection);
      const { catalog } = await readLegacyDatabase(connection);
      const written = await performanceIn(connection, offsets, start, start + HOUR, false);
      assert.deepEqual(written, expectedPerformance(readEvents(out), catalog.activities.map((a) => a.id), offsets, start, start + HOUR, false));
    });
    await assert.rejects(simulate({ target: { legacyDb: database.target }, seed: 2, start: start + 60, durationSeconds: HOUR, interactionsPerHour: 600 }), (error: Error) => error instanceof InputError && /quarter hour/.test(error.message));
    await assert.rejects(simulate({ target: { legacyDb: database.target }, seed: 2, start, durationSeconds: 1000, interactionsPerHour: 600 }), (error: Error) => error instanceof InputError && /quarter hours/.test(error.message));
  });

  it('reads the catalog a migrated database serves, under the same ids', async () => {
    const source = await legacyDatabase(sqlite, '6.5.201');
    const target = await fresh(sqlite, 'simmigrated');
    await migrateLegacy(source.target, target.target, { allowMigratePerformance: false });
    const legacy = await withConnection(source.url, async (c) => (await readLegacyDatabase(c)).catalog);
    assert.deepEqual(legacy, await withConnection(target.url, (c) => loadCatalog(c)));
  });

  it('refuses a database that is not 6.5', async () => {
    const database = await fresh(sqlite, 'simcurrent');
    await withConnection(database.url, (c) => createDatabase(c, '8.5.2'));
    await assert.rejects(simulate({ target: { legacyDb: database.target }, seed: 1, durationSeconds: HOUR, interactionsPerHour: 600 }), (error: Error) => error instanceof InputError && /6\.5\.104 or 6\.5\.201/.test(error.message));
  });
});

// ---- to a Data Aggregator over HTTP ----

interface Recorder {
  url: string;
  posts: { contentType: string | undefined; body: string; status: number }[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A stand-in aggregator: serves the catalog, records what is posted and answers each post with the next status. */
async function recorder(statuses: (n: number) => { status: number; body: string }): Promise<Recorder> {
  const posts: Recorder['posts'] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      if (request.method === 'GET' && request.url === '/catalog') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(CATALOG));
        return;
      }
      const body = await readBody(request);
      const answer = statuses(posts.length);
      posts.push({ contentType: request.headers['content-type'], body, status: answer.status });
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return { url: `http://127.0.0.1:${address.port}/`, posts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('simulate to a Data Aggregator over HTTP', () => {
  it('posts every event as JSON lines in batches, sending a batch again after a 5xx', async () => {
    const server = await recorder((n) => (n === 1 ? { status: 503, body: '{"error":"busy"}' } : { status: 202, body: '{"accepted":true}' }));
    try {
      const out = eventsFile();
      const summary = await simulate({ target: { url: server.url }, seed: 4, start: MONDAY + 9 * HOUR, durationSeconds: 2 * HOUR, interactionsPerHour: 600, eventsOut: out });
      const accepted = server.posts.filter((p) => p.status === 202);
      assert.ok(accepted.length >= 2, 'more than one batch');
      assert.equal(server.posts[2]?.body, server.posts[1]?.body, 'the refused batch is sent again as it was');
      assert.ok(server.posts.every((p) => p.contentType === 'application/x-ndjson'));
      const received = accepted.flatMap((p) => {
        const parsed = parseEventLines(p.body);
        assert.deepEqual(parsed.errors, []);
        return parsed.events;
      });
      assert.deepEqual(received, readEvents(out));
      assert.deepEqual(received, events(4, MONDAY + 9 * HOUR, MONDAY + 11 * HOUR, CATALOG).map((s) => s.event), 'the events of the model, in order');
      assert.equal(summary.eventsSent, received.length);
      assert.equal(summary.target, server.url.replace(/\/$/, ''));
      assert.equal(summary.firstInterval, '2024-01-08T09:00:00Z');
      assert.equal(summary.lastInterval, '2024-01-08T10:45:00Z');
    } finally {
      await server.close();
    }
  });

  it('paces events in simulated time', async () => {
    const server = await recorder(() => ({ status: 202, body: '{}' }));
    try {
      const started = performance.now();
      // Fifteen simulated minutes at 1800 simulated seconds per second: half a second.
      const summary = await simulate({ target: { url: server.url }, seed: 4, start: MONDAY + 10 * HOUR, durationSeconds: 900, interactionsPerHour: 600, speed: 1800 });
      assert.ok(performance.now() - started >= 400, 'not sent all at once');
      assert.ok(server.posts.length > 3, `${server.posts.length} posts: paced events go out as they happen`);
      assert.equal(server.posts.reduce((n, p) => n + parseEventLines(p.body).events.length, 0), summary.eventsSent);
    } finally {
      await server.close();
    }
  });

  it('stops at a 4xx with what the aggregator said', async () => {
    const server = await recorder(() => ({ status: 400, body: '{"error":"line 3: agent 999 is not an agent of this database"}' }));
    try {
      await assert.rejects(
        simulate({ target: { url: server.url }, seed: 4, start: MONDAY + 9 * HOUR, durationSeconds: HOUR, interactionsPerHour: 600 }),
        (error: Error) => error instanceof OperationError && /HTTP 400/.test(error.message) && /agent 999 is not an agent/.test(error.message),
      );
      assert.equal(server.posts.length, 1, 'a refused batch is not sent again');
    } finally {
      await server.close();
    }
  });
});

describe('wfm simulate flags', () => {
  const run = (...args: string[]): Promise<unknown> => {
    const program = new Command('wfm').exitOverride();
    registerSimulate(program);
    return program.parseAsync(['simulate', ...args], { from: 'user' });
  };
  const refused = (pattern: RegExp) => (error: Error) => error instanceof InputError && pattern.test(error.message);

  it('name the option that is wrong and what it takes', async () => {
    await assert.rejects(run('--duration', '1h'), refused(/--url URL .* --legacy-db CONNECTION/));
    await assert.rejects(run('--url', 'http://127.0.0.1:9', '--legacy-db', 'sqlite:x.db'), refused(/one of --url/));
    await assert.rejects(run('--url', 'ftp://x'), refused(/--url must be an http/));
    await assert.rejects(run('--url', 'http://127.0.0.1:9', '--duration', '5x'), refused(/--duration .* 2h, 90m or 3600s/));
    await assert.rejects(run('--url', 'http://127.0.0.1:9', '--start', '2024-01-08 09:00'), refused(/--start must be an ISO 8601 instant with a zone/));
    await assert.rejects(run('--url', 'http://127.0.0.1:9', '--speed', '0'), refused(/--speed .* or max/));
    await assert.rejects(run('--url', 'http://127.0.0.1:9', '--rate', 'lots'), refused(/--rate/));
    await assert.rejects(run('--url', 'http://127.0.0.1:9', '--seed', '1.5'), refused(/--seed must be a whole number/));
  });
});
