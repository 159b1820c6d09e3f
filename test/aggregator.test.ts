// The Data Aggregator against real databases: events counted exactly once whatever the order, repeats
// and batches; closed intervals complete for every activity; the database going away, maintenance mode
// and a killed process lose nothing and count nothing twice; malformed events are refused whole.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, withConnection, parseConnectionString } from '../src/engine/dialect/index.ts';
import type { AggregatorEvent } from '../src/wfm/aggregator/events.ts';
import { Aggregator } from '../src/wfm/aggregator/service.ts';
import { setMaintenanceMode } from '../src/wfm/aggregator/store.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const all = await testEngines();
const fresh = trackedDatabases();
const engine = (name: string): TestEngine | undefined => all.find((e) => e.engine === name && !e.skip);
const spoolDirectory = (): string => mkdtempSync(join(tmpdir(), 'wfm-spool-'));

const START = Date.UTC(2026, 10, 2, 8, 0, 0) / 1000;
/** The events replay history from START: the aggregators are told to accept them, with a day to spare. */
const REPLAY_AGE = Math.floor(Date.now() / 1000) - START + 86_400;
const iso = (epoch: number): string => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

async function database(on: TestEngine): Promise<TestDatabase> {
  return generatedDatabase(fresh, on, 'aggregator', '8.5.2', { agents: 12, days: 1, seed: 3 });
}

/** Interactions over `intervals` quarter hours on two activities, and state changes of two agents. */
function events(seed: number, intervals: number, from = START): AggregatorEvent[] {
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state % n;
  };
  const list: AggregatorEvent[] = [];
  for (let i = 0; i < intervals * 6; i++) {
    const offered = from + i * 150 + next(100);
    const abandoned = next(5) === 0;
    list.push({
      type: 'interaction',
      id: `t${seed}-${i}`,
      activity_id: 1 + next(2),
      offered_at: iso(offered),
      outcome: abandoned ? 'abandoned' : 'handled',
      queue_seconds: next(60),
      handle_seconds: abandoned ? 0 : 60 + next(300),
    });
  }
  for (const agent of [1, 2]) {
    for (let i = 0; i < intervals * 2; i++) {
      list.push({ type: 'agent_state', id: `s${seed}-${agent}-${i}`, agent_id: agent, at: iso(from + i * 450 + agent), agent_state_id: 2 + (i % 2), reason_id: null });
    }
  }
  return list;
}

const lines = (list: readonly AggregatorEvent[]): string => list.map((e) => JSON.stringify(e)).join('\n');

async function post(url: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/events`, { method: 'POST', body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** offered, handled and handle seconds of the interactions, summed per activity and interval. */
function expectedTotals(list: readonly AggregatorEvent[]): Map<string, [number, number, number]> {
  const totals = new Map<string, [number, number, number]>();
  for (const e of list) {
    if (e.type !== 'interaction') continue;
    const interval = Math.floor(Date.parse(e.offered_at) / 900_000) * 900;
    const key = `${e.activity_id}@${interval}`;
    const t = totals.get(key) ?? [0, 0, 0];
    totals.set(key, [t[0] + 1, t[1] + (e.outcome === 'handled' ? 1 : 0), t[2] + e.handle_seconds]);
  }
  return totals;
}

async function actualTotals(url: string): Promise<Map<string, [number, number, number]>> {
  return withConnection(url, async (c) => {
    const rows = await c.query('SELECT activity_id, interval_start, offered, handled, handle_seconds FROM activity_performance WHERE offered > 0 AND interval_start >= \'2026-11-01\'');
    return new Map(rows.map((r) => [`${r.activity_id}@${Date.parse(`${String(r.interval_start).replace(' ', 'T')}Z`) / 1000}`, [Number(r.offered), Number(r.handled), Number(r.handle_seconds)]]));
  });
}

const sorted = <V>(map: Map<string, V>): [string, V][] => [...map.entries()].sort(([a], [b]) => a.localeCompare(b));

async function started(db: TestDatabase, spool = spoolDirectory()): Promise<Aggregator> {
  return Aggregator.start({ name: 'test aggregator', release: '8.5.2', target: parseConnectionString(db.url), spoolDirectory: spool, port: 0, host: '127.0.0.1', closeAfterSeconds: 1800, heartbeatSeconds: 1, maxEventAgeSeconds: REPLAY_AGE });
}

for (const on of all) {
  describe(`the Data Aggregator on ${on.engine}`, { skip: on.skip }, () => {
    it('counts every event once, in any order and however often it is sent, and closes intervals for every activity', async () => {
      const db = await database(on);
      const aggregator = await started(db);
      try {
        const sent = events(7, 12);
        const shuffled = [...sent].sort((a, b) => a.id.localeCompare(b.id));
        for (let i = 0; i < shuffled.length; i += 40) assert.equal((await post(aggregator.url, lines(shuffled.slice(i, i + 40)))).status, 202);
        assert.equal((await post(aggregator.url, lines(sent.slice(0, 50)))).status, 202);
        assert.ok(await aggregator.drain(20_000), 'the spool drains');
        assert.deepEqual(sorted(await actualTotals(db.url)), sorted(expectedTotals(sent)));
        const status = aggregator.status();
        assert.equal(status.applied, sent.length);
        assert.equal(status.duplicates, 50);
        await withConnection(db.url, async (c) => {
          const activities = Number((await c.query('SELECT COUNT(*) AS n FROM activity WHERE deleted = 0'))[0]?.n);
          const closed = await c.query('SELECT interval_start FROM aggregator_interval WHERE closed_at IS NOT NULL ORDER BY interval_start');
          assert.ok(closed.length >= 8, `intervals closed: ${closed.length}`);
          for (const row of closed) {
            const [count] = await c.query(`SELECT COUNT(*) AS n FROM activity_performance WHERE interval_start = ${c.compiler.parameter(1)}`, [row.interval_start ?? null]);
            assert.equal(Number(count?.n), activities, `every activity has one row in ${String(row.interval_start)}`);
          }
          const states = await c.query('SELECT agent_id, starts_at, duration_seconds FROM agent_adherence WHERE agent_id IN (1, 2) AND starts_at >= \'2026-11-02\' ORDER BY agent_id, starts_at');
          assert.equal(states.length, 2 * (12 * 2 - 1), 'every state but the open one per agent');
          for (const row of states) assert.equal(Number(row.duration_seconds), 450);
          const [component] = await c.query("SELECT kind, wfm_release, state FROM component WHERE name = 'test aggregator'");
          assert.deepEqual({ ...component }, { kind: 'data-aggregator', wfm_release: '8.5.2', state: 'collecting' });
        });
      } finally {
        await aggregator.stop();
      }
      await withConnection(db.url, async (c) => {
        assert.equal((await c.query("SELECT state FROM component WHERE name = 'test aggregator'"))[0]?.state, 'stopped');
      });
    });
  });
}

describe('the Data Aggregator refuses what it cannot count', () => {
  const sqlite = engine('sqlite') as TestEngine;

  it('answers 400 naming the line and the reason, applies nothing of that batch, and keeps running', async () => {
    const db = await database(sqlite);
    const aggregator = await started(db);
    try {
      const good = events(1, 1).slice(0, 3);
      const bad = await post(aggregator.url, `${lines(good)}\n{"type":"interaction","id":"x","activity_id":1,"offered_at":"yesterday","outcome":"handled","queue_seconds":1,"handle_seconds":1}`);
      assert.equal(bad.status, 400);
      assert.match(String(bad.body.error), /line 4: "offered_at" must be an ISO 8601 instant/);
      const unknown = await post(aggregator.url, JSON.stringify({ ...good[0], id: 'u', activity_id: 9999 }));
      assert.equal(unknown.status, 400);
      assert.match(String(unknown.body.error), /activity 9999 is not an activity of this database/);
      assert.equal((await post(aggregator.url, 'not json')).status, 400);
      assert.equal((await post(aggregator.url, lines(good))).status, 202);
      assert.ok(await aggregator.drain(10_000));
      assert.equal(aggregator.status().applied, 3);
      assert.deepEqual(sorted(await actualTotals(db.url)), sorted(expectedTotals(good)));
    } finally {
      await aggregator.stop();
    }
  });

  it('spools during maintenance and applies everything once maintenance ends', async () => {
    const db = await database(sqlite);
    await withConnection(db.url, (c) => setMaintenanceMode(c, true));
    const aggregator = await started(db);
    try {
      const sent = events(2, 4);
      assert.equal((await post(aggregator.url, lines(sent))).status, 202);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(aggregator.status().state, 'maintenance');
      assert.equal(aggregator.status().applied, 0);
      assert.equal(aggregator.status().spooledEvents, sent.length);
      await withConnection(db.url, (c) => setMaintenanceMode(c, false));
      assert.ok(await aggregator.drain(10_000));
      assert.deepEqual(sorted(await actualTotals(db.url)), sorted(expectedTotals(sent)));
    } finally {
      await aggregator.stop();
    }
  });
});

describe('the Data Aggregator survives', () => {
  const postgres = engine('postgres');

  it('its PostgreSQL database going away for a while', { skip: postgres ? undefined : 'PostgreSQL is not available' }, async () => {
    const db = await database(postgres as TestEngine);
    const aggregator = await started(db);
    const name = db.target.database as string;
    const admin = await connect({ ...db.target, database: 'postgres' });
    try {
      const first = events(3, 4);
      const second = events(4, 4, START + 4 * 900);
      assert.equal((await post(aggregator.url, lines(first))).status, 202);
      assert.ok(await aggregator.drain(10_000));
      await admin.execute(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
      assert.equal((await post(aggregator.url, lines(second))).status, 202, 'accepted while the database is away');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(aggregator.status().state, 'database unreachable');
      assert.equal(aggregator.status().spooledEvents, second.length);
      await admin.execute(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      assert.ok(await aggregator.drain(20_000));
      assert.deepEqual(sorted(await actualTotals(db.url)), sorted(expectedTotals([...first, ...second])));
    } finally {
      await admin.execute(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      await admin.close();
      await aggregator.stop();
    }
  });

  it('a SIGKILL of its own process: restarted on the same spool, every event is counted once', async () => {
    const db = await database(engine('sqlite') as TestEngine);
    const spool = spoolDirectory();
    const first = events(5, 6);
    const second = events(6, 6, START + 6 * 900);
    const run = async (): Promise<{ child: ChildProcess; url: string }> => {
      const child = spawn(process.execPath, [WFM, 'aggregator', '--db', db.url, '--port', '0', '--spool-dir', spool, '--max-event-age', String(REPLAY_AGE)], { stdio: ['ignore', 'pipe', 'pipe'] });
      const [line] = await new Promise<string[]>((resolve) => createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l: string) => resolve([l])));
      return { child, url: String(line).replace('listening on ', '') };
    };
    const one = await run();
    for (let i = 0; i < first.length; i += 25) assert.equal((await post(one.url, lines(first.slice(i, i + 25)))).status, 202);
    one.child.kill('SIGKILL');
    await new Promise((resolve) => one.child.once('exit', resolve));
    const two = await run();
    // The source did not hear back for its last batch, so it sends it again.
    assert.equal((await post(two.url, lines(first.slice(-25)))).status, 202);
    assert.equal((await post(two.url, lines(second))).status, 202);
    const deadline = Date.now() + 20_000;
    while (((await (await fetch(`${two.url}/status`)).json()) as { spooledEvents: number }).spooledEvents > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    two.child.kill('SIGTERM');
    const code = await new Promise((resolve) => two.child.once('exit', resolve));
    assert.equal(code, 0);
    assert.deepEqual(sorted(await actualTotals(db.url)), sorted(expectedTotals([...first, ...second])));
    await withConnection(db.url, async (c) => {
      assert.equal(Number((await c.query('SELECT COUNT(*) AS n FROM aggregator_event'))[0]?.n), first.length + second.length);
      assert.equal((await c.query("SELECT state FROM component WHERE kind = 'data-aggregator'"))[0]?.state, 'stopped');
    });
  });

  it('reads JSON lines on stdin, reports a bad line by number, and stops when the input ends', async () => {
    const db = await database(engine('sqlite') as TestEngine);
    const sent = events(8, 3);
    const input = `${lines(sent.slice(0, 10))}\n{"type":"agent_state"}\n${lines(sent.slice(10))}\n`;
    const dir = spoolDirectory();
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [WFM, 'aggregator', '--db', db.url, '--port', '0', '--spool-dir', dir, '--stdin', '--max-event-age', String(REPLAY_AGE)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
      child.stdin.end(input);
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /stdin line 11: "id" is missing; that event was not accepted/);
    assert.deepEqual(sorted(await actualTotals(db.url)), sorted(expectedTotals(sent)));
  });

  it('refuses a database that is not at 8.5.2, naming it', () => {
    const result = wfm(['aggregator', '--db', `sqlite:${join(spoolDirectory(), 'empty.db')}`, '--port', '0', '--spool-dir', spoolDirectory()]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /is an empty database; the Data Aggregator writes into an 8\.5\.2 database/);
  });
});
