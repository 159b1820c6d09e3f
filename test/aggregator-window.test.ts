// The window of event time a Data Aggregator accepts, against real databases: an event far in the past or
// ahead of the aggregator's clock is refused with a 400 naming the line and the window, never after a 202;
// closing intervals after a long idle gap is bounded by the window, runs in passes that /status reports,
// and never closes an interval that has not ended yet.
import { strict as assert } from 'node:assert';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConnectionString, withConnection } from '../src/engine/dialect/index.ts';
import { intervalOf } from '../src/wfm/aggregator/events.ts';
import { Aggregator, type AggregatorOptions, type AggregatorStatus } from '../src/wfm/aggregator/service.ts';
import { timestampOf } from '../src/wfm/aggregator/store.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { wfm } from './helpers/cli.ts';
import { generatedDatabase } from './helpers/generated.ts';

const all = await testEngines();
const fresh = trackedDatabases();
const DAY = 86_400;

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const iso = (epoch: number): string => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

async function database(on: TestEngine): Promise<TestDatabase> {
  return generatedDatabase(fresh, on, 'aggwindow', '8.5.2', { agents: 12, days: 1, seed: 3 });
}

function start(db: TestDatabase, options: Partial<AggregatorOptions> = {}): Promise<Aggregator> {
  const spoolDirectory = mkdtempSync(join(tmpdir(), 'wfm-window-spool-'));
  return Aggregator.start({ name: 'window aggregator', release: '8.5.2', target: parseConnectionString(db.url), spoolDirectory, port: 0, host: '127.0.0.1', closeAfterSeconds: 1800, heartbeatSeconds: 1, ...options });
}

const interaction = (id: string, offered: number): string =>
  JSON.stringify({ type: 'interaction', id, activity_id: 1, offered_at: iso(offered), outcome: 'handled', queue_seconds: 5, handle_seconds: 60 });
const agentState = (id: string, at: number): string => JSON.stringify({ type: 'agent_state', id, agent_id: 1, at: iso(at), agent_state_id: 2, reason_id: null });

async function post(url: string, body: string): Promise<{ status: number; error: string }> {
  const response = await fetch(`${url}/events`, { method: 'POST', body });
  return { status: response.status, error: String(((await response.json()) as { error?: unknown }).error) };
}

async function intervalStarts(url: string): Promise<{ closed: number[]; activities: number }> {
  return withConnection(url, async (c) => {
    const rows = await c.query('SELECT interval_start FROM aggregator_interval WHERE closed_at IS NOT NULL ORDER BY interval_start');
    const [activities] = await c.query('SELECT COUNT(*) AS n FROM activity WHERE deleted = 0');
    return { closed: rows.map((r) => Date.parse(`${String(r.interval_start).replace(' ', 'T')}Z`) / 1000), activities: Number(activities?.n) };
  });
}

for (const on of all) {
  describe(`the Data Aggregator's event window on ${on.engine}`, { skip: on.skip }, () => {
    it('refuses an event of 1970 with a 400 naming the line and the window, and takes nothing of the batch', async () => {
      const db = await database(on);
      const aggregator = await start(db);
      try {
        const answer = await post(aggregator.url, `${interaction('now-1', nowSeconds() - 600)}\n${interaction('epoch-1', DAY)}\n`);
        assert.equal(answer.status, 400, answer.error);
        assert.match(answer.error, /^line 2: offered at 1970-01-02T00:00:00Z, older than the 7 days the aggregator accepts \(from \d{4}-\d\d-\d\dT[\d:]+Z by its clock\)/);
        assert.match(answer.error, /start it with a larger --max-event-age \(Options\.MaxEventAge\); nothing of this batch was accepted$/);
        assert.equal(aggregator.status().received, 0);
        assert.equal(aggregator.status().spooledEvents, 0);
      } finally {
        await aggregator.stop();
      }
    });

    it('refuses an event 23 hours ahead of its clock, and one in 2099, before answering', async () => {
      const db = await database(on);
      const spool = mkdtempSync(join(tmpdir(), 'wfm-window-spool-'));
      const aggregator = await start(db, { spoolDirectory: spool });
      try {
        const ahead = await post(aggregator.url, agentState('ahead-1', nowSeconds() + 23 * 3600));
        assert.equal(ahead.status, 400, ahead.error);
        assert.match(ahead.error, /^line 1: at \S+, more than 300 s ahead of the aggregator's clock \(\S+\); check the clock of the event source/);
        const far = await post(aggregator.url, `\n${interaction('future-1', Date.UTC(2099, 0, 1) / 1000)}`);
        assert.equal(far.status, 400, far.error);
        assert.match(far.error, /^line 2: ends at 2099-01-01T00:01:05Z, more than 300 s ahead/);
        assert.equal(aggregator.status().received, 0);
      } finally {
        await aggregator.stop();
      }
      assert.equal(existsSync(join(spool, 'refused.jsonl')), false, 'nothing was accepted only to be refused later');
    });

    it('accepts events at the edges inside the window it was started with', async () => {
      const db = await database(on);
      const aggregator = await start(db, { maxEventAgeSeconds: 3600, clockSkewSeconds: 300 });
      try {
        const now = nowSeconds();
        assert.equal((await post(aggregator.url, interaction('old-edge', now - 3600 + 120))).status, 202);
        assert.equal((await post(aggregator.url, agentState('ahead-edge', now + 240))).status, 202);
        const outside = await post(aggregator.url, interaction('too-old', now - 3600 - 900));
        assert.equal(outside.status, 400, outside.error);
        assert.match(outside.error, /older than the 1 hour the aggregator accepts/);
        assert.ok(await aggregator.drain(20_000));
        assert.equal(aggregator.status().applied, 2);
        assert.equal(aggregator.status().refused, 0);
      } finally {
        await aggregator.stop();
      }
    });

    it('refuses at the 400 an event older than its event memory counts back from the latest event taken', async () => {
      const db = await database(on);
      const spool = mkdtempSync(join(tmpdir(), 'wfm-window-spool-'));
      const aggregator = await start(db, { spoolDirectory: spool, maxEventAgeSeconds: 30 * DAY });
      try {
        assert.equal((await post(aggregator.url, interaction('recent', nowSeconds() - DAY))).status, 202);
        const stale = await post(aggregator.url, interaction('stale', nowSeconds() - 10 * DAY));
        assert.equal(stale.status, 400, stale.error);
        assert.match(stale.error, /^line 1: older than the aggregator remembers events \(7 days\), so it could be counted twice; nothing of this batch was accepted$/);
        assert.ok(await aggregator.drain(20_000));
      } finally {
        await aggregator.stop();
      }
      assert.equal(existsSync(join(spool, 'refused.jsonl')), false, 'nothing was accepted only to be refused later');
    });

    it('never closes an interval that has not ended by its clock, even for an event its skew allows', async () => {
      const db = await database(on);
      const aggregator = await start(db, { clockSkewSeconds: 2 * DAY });
      try {
        assert.equal((await post(aggregator.url, `${interaction('now-2', nowSeconds() - 3 * 3600)}\n${agentState('tomorrow', nowSeconds() + DAY)}`)).status, 202);
        assert.ok(await aggregator.drain(20_000));
      } finally {
        await aggregator.stop();
      }
      const { closed } = await intervalStarts(db.url);
      assert.ok(closed.length > 0, 'the intervals before now were closed');
      assert.ok((closed.at(-1) ?? 0) + 900 <= nowSeconds(), `the last interval closed starts at ${iso(closed.at(-1) ?? 0)}`);
    });

    it('after a long idle gap closes no interval before the window, in bounded passes that its status shows', async () => {
      const db = await database(on);
      const old = nowSeconds() - 20 * DAY;
      const replay = await start(db, { maxEventAgeSeconds: 30 * DAY });
      try {
        assert.equal((await post(replay.url, interaction('gap-old', old))).status, 202);
        assert.ok(await replay.drain(20_000));
      } finally {
        await replay.stop();
      }
      const snapshots: AggregatorStatus[] = [];
      // The status is taken at each line the aggregator logs, as /status would show it at that moment.
      const watched: Aggregator[] = [];
      const aggregator = await start(db, { log: () => watched.forEach((a) => snapshots.push(a.status())) });
      watched.push(aggregator);
      try {
        assert.equal((await post(aggregator.url, interaction('gap-now', nowSeconds() - 300))).status, 202);
        assert.ok(await aggregator.drain(60_000));
        const served = (await (await fetch(`${aggregator.url}/status`)).json()) as AggregatorStatus;
        assert.equal(served.closing, null, 'nothing left to close');
        assert.match(String(served.acceptedEvents?.from), /^\d{4}-/);
      } finally {
        await aggregator.stop();
      }
      const during = snapshots.filter((s) => s.closing !== null);
      assert.ok(during.length >= 2, `the status showed the closing passes: ${JSON.stringify(snapshots.map((s) => s.closing))}`);
      assert.ok(during.every((s) => (s.closing?.intervalsLeft ?? 0) > 0 && /^\d{4}-/.test(String(s.closing?.from))));
      const { closed, activities } = await intervalStarts(db.url);
      // The interval of the old event holds data, so it is closed too; the empty ones after it are not.
      const [first, ...gap] = closed;
      assert.equal(first, intervalOf(old));
      const windowStart = nowSeconds() - 7 * DAY - 1800;
      assert.ok(gap.every((start) => start >= windowStart), `no empty interval before the window was closed: the first is ${iso(gap[0] ?? 0)}`);
      assert.ok(closed.length <= 7 * 96 + 1, `${closed.length} intervals closed`);
      const rows = await withConnection(db.url, async (c) => Number((await c.query(`SELECT COUNT(*) AS n FROM activity_performance WHERE interval_start >= ${c.compiler.parameter(1)}`, [timestampOf(intervalOf(old))]))[0]?.n));
      assert.ok(rows <= (closed.length + 1) * activities, `${rows} performance rows written for ${closed.length} intervals of ${activities} activities`);
    });
  });
}

describe('wfm aggregator', () => {
  it('refuses a window that is not a number of seconds, naming the flag', () => {
    const spool = mkdtempSync(join(tmpdir(), 'wfm-window-spool-'));
    const result = wfm(['aggregator', '--db', `sqlite:${join(spool, 'wfm.db')}`, '--port', '0', '--spool-dir', spool, '--max-event-age', '7d']);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /the maximum event age in seconds must be a number of at least 1, not "7d"/);
  });
});
