// The two-step migration end to end on real databases: 6.5 history; the old aggregator collecting; step
// one; the new aggregator collecting live from `wfm simulate` while the old one keeps collecting; step two
// and a catch-up run. Afterwards every activity has every interval exactly once, the new aggregator's rows
// are untouched, the conflicts reported are exactly the overlap, and the totals match the events sent.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withConnection, parseConnectionString, type Connection, type Row } from '../src/engine/dialect/index.ts';
import type { AggregatorEvent } from '../src/wfm/aggregator/events.ts';
import { Aggregator } from '../src/wfm/aggregator/service.ts';
import { epochOfTimestamp } from '../src/wfm/aggregator/store.ts';
import { diffSchemas } from '../src/engine/schema/diff.ts';
import { createDatabase } from '../src/wfm/database.ts';
import { releaseModel } from '../src/wfm/releases/index.ts';
import { generate } from '../src/wfm/generate/index.ts';
import { loadLegacyContext, TABLE_MAPPINGS } from '../src/wfm/legacy65/index.ts';
import { migratePerformance } from '../src/wfm/migrate-performance.ts';
import { simulate } from '../src/wfm/simulate/index.ts';
import { afterLastPerformance } from '../src/wfm/simulate/legacy-writer.ts';
import { closedThrough, performanceTimeline } from '../src/wfm/timeline.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';

const HOUR = 3600;
const SEED = 21;
const RATE = 900;
const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-two-step-'));

const readEvents = (file: string): AggregatorEvent[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AggregatorEvent);

const intervalOfText = (iso: string): number => Math.floor(Date.parse(iso) / 900_000) * 900;

/** offered and handled per activity and interval, from events. */
function totals(events: readonly AggregatorEvent[]): Map<string, [number, number]> {
  const map = new Map<string, [number, number]>();
  for (const e of events) {
    if (e.type !== 'interaction') continue;
    const key = `${e.activity_id}@${intervalOfText(e.offered_at)}`;
    const t = map.get(key) ?? [0, 0];
    map.set(key, [t[0] + 1, t[1] + (e.outcome === 'handled' ? 1 : 0)]);
  }
  return map;
}

/** The rows the new aggregator owns: those of the intervals it collected, in both tables. */
async function aggregatorRows(c: Connection): Promise<string[]> {
  const owned = new Set((await c.query('SELECT interval_start FROM aggregator_interval')).map((r) => epochOfTimestamp(r.interval_start)));
  const inOwned = (instant: Row[string]): boolean => owned.has(Math.floor(epochOfTimestamp(instant) / 900) * 900);
  const performance = (await c.query('SELECT * FROM activity_performance')).filter((r) => inOwned(r.interval_start ?? null));
  const adherence = (await c.query('SELECT * FROM agent_adherence')).filter((r) => inOwned(r.starts_at ?? null));
  return [...performance, ...adherence].map((r) => JSON.stringify(Object.entries(r).sort())).sort();
}

/** The target keys of the 6.5 performance rows that fall in the intervals the new aggregator collected. */
async function legacyOverlap(legacyUrl: string, targetUrl: string): Promise<Set<string>> {
  const owned = await withConnection(targetUrl, async (c) => new Set((await c.query('SELECT interval_start FROM aggregator_interval')).map((r) => epochOfTimestamp(r.interval_start))));
  return withConnection(legacyUrl, async (legacy) => {
    const context = await loadLegacyContext(legacy, '6.5.201');
    const keys = new Set<string>();
    for (const mapping of TABLE_MAPPINGS.filter((m) => m.performance)) {
      const transform = mapping.transform(context);
      const [keyA, keyB] = mapping.target === 'activity_performance' ? ['activity_id', 'interval_start'] : ['agent_id', 'starts_at'];
      for (const row of await legacy.query(`SELECT ${mapping.sourceColumns('6.5.201').join(', ')} FROM ${mapping.source}`)) {
        const mapped = transform(row);
        assert.ok('row' in mapped);
        const instant = mapped.row[1] ?? null;
        if (owned.has(Math.floor(epochOfTimestamp(instant) / 900) * 900)) keys.add(`${mapping.target}: ${keyA}=${String(mapped.row[0])}, ${keyB}=${String(instant)}`);
      }
    }
    return keys;
  });
}

async function conflictKeys(targetUrl: string): Promise<Set<string>> {
  return withConnection(targetUrl, async (c) => new Set((await c.query('SELECT table_name, row_key FROM performance_migration_conflict')).map((r) => `${String(r.table_name)}: ${String(r.row_key)}`)));
}

for (const engine of await testEngines()) {
  if (engine.engine === 'mysql') continue; // the issue asks for SQLite and PostgreSQL; MariaDB is covered by the aggregator and simulate suites
  describe(`the two-step migration on ${engine.engine}`, { skip: engine.skip }, () => {
    it('collects every interval exactly once across the old and the new aggregator, keeping the new one’s rows', async () => {
      const legacyDb = await fresh(engine as TestEngine, 'legacy');
      const targetDb = await fresh(engine as TestEngine, 'target');
      const legacyTarget = parseConnectionString(legacyDb.url);
      const t0 = await withConnection(legacyDb.url, async (c) => {
        await createDatabase(c, '6.5.201');
        await generate(c, '6.5.201', { agents: 16, days: 2, seed: 9 });
        return (await afterLastPerformance(c)) as number;
      });
      const run = (from: number, hours: number, name: string, target: { url: string } | { legacyDb: typeof legacyTarget }) =>
        simulate({ target, seed: SEED, start: from, durationSeconds: hours * HOUR, interactionsPerHour: RATE, eventsOut: join(directory, `${engine.engine}-${name}.jsonl`) });

      // The old aggregator collects after the history ends.
      await run(t0, 2, 'old-1', { legacyDb: legacyTarget });

      // Step one, from the configuration: everything but the performance data.
      const config = join(directory, `${engine.engine}-wfm.yaml`);
      writeFileSync(
        config,
        `databases:\n  wfm65:\n    connection: "${legacyDb.url}"\n  wfm852:\n    connection: "${targetDb.url}"\n` +
          'applications:\n  WFM Client:\n    type: client\n    release: 8.5.2\n    connections: [wfm852]\n    options:\n      Options:\n        AllowMigratePerformance: 0\n',
      );
      const stepOne = wfm(['dbu', 'migrate', '--config', config, '--from', 'wfm65', '--to', 'wfm852', '--json']);
      assert.equal(stepOne.status, 0, stepOne.stderr);
      const refused = wfm(['dbu', 'migrate-performance', '--config', config, '--from', 'wfm65', '--to', 'wfm852']);
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /not allowed while AllowMigratePerformance = 0 \(WFM Client Options\.AllowMigratePerformance = 0 in .*wfm\.yaml\).*wfm config set "WFM Client" Options\.AllowMigratePerformance 1/);

      // The new aggregator collects live; the old one keeps collecting the same contact center meanwhile.
      const aggregator = await Aggregator.start({
        name: 'WFM Data Aggregator 8.5.2',
        release: '8.5.2',
        target: parseConnectionString(targetDb.url),
        spoolDirectory: mkdtempSync(join(directory, 'spool-')),
        port: 0,
        host: '127.0.0.1',
        closeAfterSeconds: 1800,
        heartbeatSeconds: 1,
        // The generated history is from 2024: the aggregator is told to accept events from its end on.
        maxEventAgeSeconds: Math.floor(Date.now() / 1000) - t0 + HOUR,
      });
      try {
        await Promise.all([run(t0 + 2 * HOUR, 3, 'new', { url: aggregator.url }), run(t0 + 2 * HOUR, 1, 'old-2', { legacyDb: legacyTarget })]);
        assert.ok(await aggregator.drain(30_000), 'the aggregator takes every event');
      } finally {
        await aggregator.stop();
      }
      const collected = await withConnection(targetDb.url, aggregatorRows);

      // Step two, then the old aggregator's last hour and a catch-up run.
      assert.equal(wfm(['config', 'set', 'WFM Client', 'Options.AllowMigratePerformance', '1', '--config', config]).status, 0);
      const stepTwo = wfm(['dbu', 'migrate-performance', '--config', config, '--from', 'wfm65', '--to', 'wfm852', '--json']);
      assert.equal(stepTwo.status, 0, stepTwo.stderr);
      const first = JSON.parse(stepTwo.stdout) as { tables: { verified: boolean; inserted: number }[]; conflicts: number };
      assert.ok(first.tables.every((t) => t.verified && t.inserted > 0), stepTwo.stdout);
      await run(t0 + 3 * HOUR, 1, 'old-3', { legacyDb: legacyTarget });
      const catchUp = await migratePerformance(parseConnectionString(legacyDb.url), parseConnectionString(targetDb.url), { conflict: 'keep-target', deferForeignKeysFrom: 1 });
      assert.ok(catchUp.tables.every((t) => t.verified));
      assert.ok(catchUp.tables.every((t) => t.fromDay !== null), 'the catch-up reads from where the first run ended');
      assert.ok(catchUp.conflicts.length > 0, 'the old aggregator’s last hour overlaps the new one');

      // The foreign keys dropped for the load are back; a run killed without them gets them back first.
      await withConnection(targetDb.url, async (c) => {
        assert.deepEqual(diffSchemas(releaseModel('8.5.2'), await c.introspector.introspect()), []);
        if (!c.adapter.addsForeignKeys) return;
        for (const sql of c.compiler.dropForeignKey('agent_adherence', 'agent_adherence_agent_id_fk')) await c.execute(sql);
      });
      await migratePerformance(parseConnectionString(legacyDb.url), parseConnectionString(targetDb.url), { conflict: 'keep-target' });
      await withConnection(targetDb.url, async (c) => assert.deepEqual(diffSchemas(releaseModel('8.5.2'), await c.introspector.introspect()), []));

      // The new aggregator's rows are exactly as it wrote them.
      assert.deepEqual(await withConnection(targetDb.url, aggregatorRows), collected);
      // The conflicts reported are exactly the 6.5 rows of the intervals the new aggregator collected.
      assert.deepEqual([...(await conflictKeys(targetDb.url))].sort(), [...(await legacyOverlap(legacyDb.url, targetDb.url))].sort());

      await withConnection(targetDb.url, async (c) => {
        // Every activity, every interval from the end of the history to the last closed one: exactly one row.
        const until = (await closedThrough(c)) as number;
        assert.ok(until >= t0 + 4 * HOUR, `closed through ${new Date(until * 1000).toISOString()}`);
        const timeline = await performanceTimeline(c, t0, until);
        assert.deepEqual(timeline.missing, []);
        assert.ok(timeline.aggregatorIntervals > 0 && timeline.aggregatorIntervals < timeline.intervals);

        // Offered and handled: the old aggregator's events before the cut-over, the new one's after.
        const cutOver = t0 + 2 * HOUR;
        const expected = new Map(
          [...totals([...readEvents(join(directory, `${engine.engine}-old-1.jsonl`))])].filter(([key]) => Number(key.split('@')[1]) < cutOver),
        );
        for (const [key, value] of totals(readEvents(join(directory, `${engine.engine}-new.jsonl`)))) expected.set(key, value);
        const rows = await c.query('SELECT activity_id, interval_start, offered, handled FROM activity_performance WHERE offered > 0');
        const actual = new Map<string, [number, number]>();
        for (const r of rows) {
          const interval = epochOfTimestamp(r.interval_start);
          if (interval >= t0) actual.set(`${Number(r.activity_id)}@${interval}`, [Number(r.offered), Number(r.handled)]);
        }
        assert.deepEqual([...actual].sort(), [...expected].sort());
      });
    });
  });
}
