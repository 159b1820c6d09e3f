// Legal 6.5 rows that no target stores as they are: local times on 9999-12-31 or 1000-01-01 that UTC
// pushes past the years a target holds. Validation names each of them before anything is written, and the
// migration's transforms reject the same rows (so --reject-file takes them and the rest migrates).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { connect, type Connection, type Row } from '../src/engine/dialect/index.ts';
import { detectRelease } from '../src/wfm/database.ts';
import { loadLegacyContext, type Rejection, TABLE_MAPPINGS, validateLegacy } from '../src/wfm/legacy65/index.ts';
import type { LegacyRelease } from '../src/wfm/releases/versions.ts';
import { verifyMigration } from '../src/wfm/verify.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { legacySchemaStatements } from '../src/wfm/releases/legacy.ts';
import { goodFixture, insertRows, legacyDatabase, type Tables } from './fixtures/legacy65.ts';

const all = await testEngines();
const engines = all.filter((e) => !e.skip);
const unavailable = all.filter((e) => e.skip).map((e) => e.engine);
const fresh = trackedDatabases();

const STORED_TIMES = 'local standard times that are, in UTC, within 1000-01-01 00:00:00 .. 9999-12-31 23:59:59 (the timestamps every target stores)';

const performance = { offered: 1, handled: 1, abandoned: 0, handle_sec: 60, answered_in_sl: 1, queue_sec: 0, staff_sec: 900 };

/** goodFixture with a Sydney site (UTC+10) and rows at both edges of the calendar. */
function edgeFixture(): Tables {
  const tables = goodFixture();
  const add = (table: string, ...rows: Row[]) => (tables[table] ?? []).push(...rows);
  add('pabx', { pabx_id: 13, vpabx_id: 2, pabx_name: 'Sydney', time_zone: 'Australia/Sydney', utc_offset_min: 600, max_seats: 10, switch_name: null, da_app_name: null, server_app_name: null, deleted: 0 });
  add('activity', { activity_id: 6, pabx_id: 13, activity_name: 'Sydney calls', activity_type: 'P', sl_seconds: 20, sl_percent: 80, min_staff: 0, max_staff: null, deleted: 0 });
  add(
    'performance_data',
    // New York (UTC−5): 00:00 on the last day is 05:00 UTC, 23:45 is in the year 10000.
    { activity_id: 1, perf_date: 99991231, interval_no: 0, ...performance },
    { activity_id: 1, perf_date: 99991231, interval_no: 95, ...performance },
    // Sydney (UTC+10): 10:00 on the first day is the first second a target holds, midnight is in 999.
    { activity_id: 6, perf_date: 10000101, interval_no: 0, ...performance },
    { activity_id: 6, perf_date: 10000101, interval_no: 40, ...performance },
  );
  add(
    'agent_compliance',
    { employee_id: 1000, state_date: 99991231, start_sec: 68_399, duration_sec: 1, event_id: 1, aux_code_id: null },
    { employee_id: 1000, state_date: 99991231, start_sec: 86_399, duration_sec: 1, event_id: 1, aux_code_id: null },
  );
  return tables;
}

/** The rows edgeFixture holds that no target stores, as validation names them, in its order. */
const EDGE_FINDINGS: Rejection[] = [
  {
    table: 'agent_compliance',
    key: 'employee_id=1000, state_date=99991231, start_sec=86399',
    column: 'state_date',
    value: '99991231',
    reason: `${STORED_TIMES}; start_sec 86399 at UTC-05:00 is 10000-01-01 04:59:59 UTC`,
  },
  {
    table: 'performance_data',
    key: 'activity_id=1, perf_date=99991231, interval_no=95',
    column: 'perf_date',
    value: '99991231',
    reason: `${STORED_TIMES}; interval_no 95 at UTC-05:00 is 10000-01-01 04:45:00 UTC`,
  },
  {
    table: 'performance_data',
    key: 'activity_id=6, perf_date=10000101, interval_no=0',
    column: 'perf_date',
    value: '10000101',
    reason: `${STORED_TIMES}; interval_no 0 at UTC+10:00 is 0999-12-31 14:00:00 UTC`,
  },
];

/** Every rejection the copy's transforms make, reading each table as the copy does. */
async function rejectedByTransforms(connection: Connection, release: LegacyRelease): Promise<Rejection[]> {
  const context = await loadLegacyContext(connection, release);
  const q = connection.compiler;
  const list = (names: string[]) => names.map((n) => q.quoteIdentifier(n)).join(', ');
  const rejected: Rejection[] = [];
  for (const mapping of TABLE_MAPPINGS) {
    const transform = mapping.transform(context);
    for (const row of await connection.query(`SELECT ${list(mapping.sourceColumns(release))} FROM ${q.quoteIdentifier(mapping.source)} ORDER BY ${list(mapping.sourceKey)}`)) {
      const result = transform(row);
      if ('rejection' in result) rejected.push(result.rejection);
    }
  }
  return rejected;
}

async function edgeSource(release: LegacyRelease): Promise<string> {
  const connection = await legacyDatabase(release, edgeFixture());
  await connection.close();
  return connection.target.path as string;
}

/** edgeFixture as a 6.5.201 database on a server engine. */
async function serverSource(engine: TestEngine, tables: Tables): Promise<Connection> {
  const connection = await connect((await fresh(engine, 'legacy')).url);
  for (const statement of legacySchemaStatements('6.5.201')) await connection.execute(statement);
  const q = connection.compiler;
  await connection.execute(`INSERT INTO db_info (version, created_on, product) VALUES (${q.parameter(1)}, ${q.parameter(2)}, ${q.parameter(3)})`, ['6.5.201.00', 20230101, 'Workforce Management']);
  await insertRows(connection, tables);
  return connection;
}

async function readColumn(url: string, sql: string): Promise<unknown[]> {
  const connection = await connect(url);
  try {
    return (await connection.query(sql)).map((row) => Object.values(row)[0]);
  } finally {
    await connection.close();
  }
}

const suffix = unavailable.length > 0 ? ` (not ${unavailable.join(', ')}: unavailable)` : '';

describe(`6.5 rows no target stores as they are${suffix}`, () => {
  for (const release of ['6.5.104', '6.5.201'] as const) {
    it(`${release}: validation names the times past the calendar; the transforms reject the same rows`, async () => {
      const connection = await legacyDatabase(release, edgeFixture());
      try {
        assert.deepStrictEqual(await validateLegacy(connection, release), EDGE_FINDINGS);
        const byText = (rejections: Rejection[]) => rejections.map((r) => JSON.stringify(r)).sort();
        assert.deepStrictEqual(byText(await rejectedByTransforms(connection, release)), byText(EDGE_FINDINGS));
      } finally {
        await connection.close();
      }
    });
  }

  for (const from of engines.filter((e) => e.engine !== 'sqlite')) {
    it(`finds the same rows in a ${from.engine} 6.5 source, and the transforms reject them`, async () => {
      const connection = await serverSource(from, edgeFixture());
      try {
        assert.deepStrictEqual(await validateLegacy(connection, '6.5.201'), EDGE_FINDINGS);
        const byText = (rejections: Rejection[]) => rejections.map((r) => JSON.stringify(r)).sort();
        assert.deepStrictEqual(byText(await rejectedByTransforms(connection, '6.5.201')), byText(EDGE_FINDINGS));
      } finally {
        await connection.close();
      }
    });
  }

  for (const to of engines) {
    it(`stops before writing anything into ${to.engine}, naming each row; with --reject-file rejects them and migrates the rest`, async () => {
      const sourcePath = await edgeSource('6.5.201');
      const sourceUrl = `sqlite:${sourcePath}`;
      const target = await fresh(to, 'edges');
      const stopped = wfm(['dbu', 'migrate', '--from', sourceUrl, '--to', target.url]);
      assert.equal(stopped.status, 1, stopped.stderr);
      assert.doesNotMatch(stopped.stderr, /internal error/);
      for (const finding of EDGE_FINDINGS) assert.ok(stopped.stderr.includes(`${finding.table} (${finding.key}): ${finding.column} = ${finding.value}: ${finding.reason}`), `${finding.table} ${finding.key} in:\n${stopped.stderr}`);
      assert.match(stopped.stderr, /nothing was written/);
      const empty = await connect(target.url);
      assert.deepEqual(await detectRelease(empty), { kind: 'empty' });
      await empty.close();

      const rejectFile = `${sourcePath}.${to.engine}.rejected.jsonl`;
      const migrated = wfm(['dbu', 'migrate', '--from', sourceUrl, '--to', target.url, '--reject-file', rejectFile, '--json']);
      assert.equal(migrated.status, 0, migrated.stderr);
      const rejected = readFileSync(rejectFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Rejection);
      const byText = (rejections: Rejection[]) => rejections.map((r) => JSON.stringify(r)).sort();
      assert.deepStrictEqual(byText(rejected), byText(EDGE_FINDINGS));
      const verification = await verifyMigration({ engine: 'sqlite', path: sourcePath }, target.target, { allowMigratePerformance: true });
      assert.deepEqual(verification.filter((t) => !t.equal).map((t) => t.target), [], 'everything not rejected arrived');
      assert.deepEqual(
        await readColumn(target.url, 'SELECT interval_start FROM activity_performance WHERE activity_id IN (1, 6) ORDER BY interval_start'),
        ['1000-01-01 00:00:00', '2023-07-15 14:00:00', '2023-07-16 01:00:00', '9999-12-31 05:00:00'],
      );
      assert.deepEqual(await readColumn(target.url, 'SELECT starts_at FROM agent_adherence WHERE agent_id = 1000 ORDER BY starts_at DESC'), [
        '9999-12-31 23:59:59',
        '2023-07-16 05:00:00',
        '2023-07-16 04:53:20',
      ]);
    });
  }
});
