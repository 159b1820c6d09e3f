// Legal 6.5 rows that no target stores as they are: a name with a NUL character, text whose bytes are not
// UTF-8 in a SQLite source, and local times on 9999-12-31 or 1000-01-01 that UTC pushes past the years a
// target holds. Validation names each of them before anything is written, the migration's transforms
// reject the same rows (so --reject-file takes them and the rest migrates), and verification compares the
// bytes the source holds, not a lossy reading of them.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { connect, type Connection, type Row } from '../src/engine/dialect/index.ts';
import { detectRelease } from '../src/wfm/database.ts';
import { loadLegacyContext, type Rejection, TABLE_MAPPINGS, validateLegacy } from '../src/wfm/legacy65/index.ts';
import { migrateLegacy } from '../src/wfm/migrate.ts';
import type { LegacyRelease } from '../src/wfm/releases/versions.ts';
import { verifyMigration } from '../src/wfm/verify.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { legacySchemaStatements } from '../src/wfm/releases/legacy.ts';
import { goodFixture, insertRows, legacyDatabase, type Tables } from './fixtures/legacy65.ts';

const all = await testEngines();
const engines = all.filter((e) => !e.skip);
const unavailable = all.filter((e) => e.skip).map((e) => e.engine);
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const fresh = trackedDatabases();

/** 'Cafe' then 0x80 and 0xE9: a continuation byte with no lead, and a lead byte with nothing after it. */
const NOT_UTF8 = "X'4361666580E9'";
const STORED_TIMES = 'local standard times that are, in UTC, within 1000-01-01 00:00:00 .. 9999-12-31 23:59:59 (the timestamps every target stores)';
const TEXT = 'text without the NUL character (U+0000), stored as UTF-8: what every target stores as text';

const performance = { offered: 1, handled: 1, abandoned: 0, handle_sec: 60, answered_in_sl: 1, queue_sec: 0, staff_sec: 900 };

/** goodFixture with a Sydney site (UTC+10), rows at both edges of the calendar, and a name with a NUL. */
function edgeFixture(): Tables {
  const tables = goodFixture();
  const add = (table: string, ...rows: Row[]) => (tables[table] ?? []).push(...rows);
  add('pabx', { pabx_id: 13, vpabx_id: 2, pabx_name: 'Sydney', time_zone: 'Australia/Sydney', utc_offset_min: 600, max_seats: 10, switch_name: null, da_app_name: null, server_app_name: null, deleted: 0 });
  add('activity', { activity_id: 6, pabx_id: 13, activity_name: 'Sydney calls', activity_type: 'P', sl_seconds: 20, sl_percent: 80, min_staff: 0, max_staff: null, deleted: 0 });
  add('compliance_rule', { rule_id: 71, pabx_id: 10, rule_name: 'Late\u0000start', threshold_sec: 60, start_grace_sec: 0, end_grace_sec: 0 });
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
  add('planner_entry', { entry_id: 904, employee_id: 1000, entry_date: 20230801, entry_kind: 'V', entry_status: 'P', start_min: null, end_min: null, note: 'replaced by bytes that are not UTF-8' });
  return tables;
}

/** A SQLite 6.5 database whose planner_entry 904 holds NOT_UTF8 as text, as a 6.5 installation could. */
async function withBytesNotUtf8(release: LegacyRelease, tables: Tables): Promise<Connection> {
  const connection = await legacyDatabase(release, tables);
  await connection.execute(`UPDATE planner_entry SET note = CAST(${NOT_UTF8} AS TEXT) WHERE entry_id = 904`);
  return connection;
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
  { table: 'compliance_rule', key: 'rule_id=71', column: 'rule_name', value: '"Late\\u0000start"', reason: `${TEXT}; it holds a NUL character` },
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
  { table: 'planner_entry', key: 'entry_id=904', column: 'note', value: '0x4361666580e9', reason: `${TEXT}; these bytes are not UTF-8` },
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
  const connection = await withBytesNotUtf8(release, edgeFixture());
  await connection.close();
  return connection.target.path as string;
}

/** edgeFixture as a 6.5.201 database on a server engine, which holds no bytes that are not UTF-8. */
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
    it(`${release}: validation names the NUL, the bytes that are not UTF-8 and the times past the calendar; the transforms reject the same rows`, async () => {
      const connection = await withBytesNotUtf8(release, edgeFixture());
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
      const tables = edgeFixture();
      // PostgreSQL refuses a NUL in text: such a 6.5 database cannot exist there.
      if (from.engine === 'postgres') tables.compliance_rule = (tables.compliance_rule ?? []).filter((row) => row.rule_id !== 71);
      const connection = await serverSource(from, tables);
      try {
        const expected = EDGE_FINDINGS.filter((f) => f.table !== 'planner_entry' && (from.engine !== 'postgres' || f.table !== 'compliance_rule'));
        assert.deepStrictEqual(await validateLegacy(connection, '6.5.201'), expected);
        const byText = (rejections: Rejection[]) => rejections.map((r) => JSON.stringify(r)).sort();
        assert.deepStrictEqual(byText(await rejectedByTransforms(connection, '6.5.201')), byText(expected));
      } finally {
        await connection.close();
      }
    });
  }

  it('keeps text that is UTF-8, replacement characters and non-ASCII names included', async () => {
    const tables = goodFixture();
    (tables.planner_entry ?? []).push({ entry_id: 905, employee_id: 1000, entry_date: 20230802, entry_kind: 'V', entry_status: 'P', start_min: null, end_min: null, note: 'a real \uFFFD, 東京 and Zoë' });
    const connection = await legacyDatabase('6.5.201', tables);
    try {
      assert.deepStrictEqual(await validateLegacy(connection, '6.5.201'), []);
      assert.deepStrictEqual(await rejectedByTransforms(connection, '6.5.201'), []);
    } finally {
      await connection.close();
    }
  });

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
      assert.deepEqual(await readColumn(target.url, 'SELECT name FROM adherence_rule ORDER BY id'), ['Strict']);
    });
  }

  it('wfm verify compares the bytes the source holds: replacement characters in the target are a difference', async () => {
    const source = await withBytesNotUtf8('6.5.201', edgeFixture());
    const sourcePath = source.target.path as string;
    // What a migration that read the bytes as text wrote: the note with replacement characters, and the other rows as they are.
    const lossyNote = (await source.query('SELECT note FROM planner_entry WHERE entry_id = 904'))[0]?.note;
    await source.close();
    assert.equal(lossyNote, 'Cafe\uFFFD\uFFFD');
    const lossyTables = edgeFixture();
    const lossySource = await legacyDatabase('6.5.201', { ...lossyTables, planner_entry: (lossyTables.planner_entry ?? []).map((row) => (row.entry_id === 904 ? { ...row, note: lossyNote } : row)) });
    const lossyPath = lossySource.target.path as string;
    await lossySource.close();
    const lossyTarget = await fresh(sqlite, 'lossy');
    await migrateLegacy({ engine: 'sqlite', path: lossyPath }, lossyTarget.target, { allowMigratePerformance: true, rejectFile: `${lossyPath}.rejected.jsonl` });

    const differs = wfm(['verify', '--from', `sqlite:${sourcePath}`, '--to', lossyTarget.url, '--json']);
    assert.equal(differs.status, 1, differs.stderr);
    const report = JSON.parse(differs.stdout) as { equal: boolean; tables: { target: string; equal: boolean; rejected: number }[] };
    assert.deepEqual(report.tables.filter((t) => !t.equal).map((t) => t.target), ['calendar_item']);

    const target = await fresh(sqlite, 'bytes');
    const migrated = wfm(['dbu', 'migrate', '--from', `sqlite:${sourcePath}`, '--to', target.url, '--reject-file', `${sourcePath}.rejected.jsonl`]);
    assert.equal(migrated.status, 0, migrated.stderr);
    const equal = wfm(['verify', '--from', `sqlite:${sourcePath}`, '--to', target.url]);
    assert.equal(equal.status, 0, equal.stdout + equal.stderr);
    assert.match(equal.stdout, /all 31 tables equal/);
  });

  it('wfm verify compares the bytes the target holds: bytes that are not UTF-8 against real replacement characters are a difference', async () => {
    const tables = goodFixture();
    (tables.planner_entry ?? []).push({ entry_id: 904, employee_id: 1000, entry_date: 20230801, entry_kind: 'V', entry_status: 'P', start_min: null, end_min: null, note: 'Cafe\uFFFD\uFFFD' });
    const source = await legacyDatabase('6.5.201', tables);
    const sourceUrl = `sqlite:${source.target.path as string}`;
    await source.close();
    const target = await fresh(sqlite, 'notutf8');
    await migrateLegacy({ engine: 'sqlite', path: source.target.path as string }, target.target, { allowMigratePerformance: true });
    assert.equal(wfm(['verify', '--from', sourceUrl, '--to', target.url]).status, 0);

    const corrupted = await connect(target.url);
    await corrupted.execute(`UPDATE calendar_item SET note = CAST(${NOT_UTF8} AS TEXT) WHERE id = 904`);
    await corrupted.close();
    const differs = wfm(['verify', '--from', sourceUrl, '--to', target.url, '--json']);
    assert.equal(differs.status, 1, differs.stdout + differs.stderr);
    const report = JSON.parse(differs.stdout) as { tables: { target: string; equal: boolean; targetValuesNotUtf8: number }[] };
    assert.deepEqual(
      report.tables.filter((t) => !t.equal).map((t) => [t.target, t.targetValuesNotUtf8]),
      [['calendar_item', 1]],
    );
  });
});
