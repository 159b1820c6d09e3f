// The data generator on SQLite, at the two legacy layouts and two current releases: deterministic, additive,
// and true to each release's encodings, with the edge cases a migration must survive.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { connect, type Connection, type Row } from '../src/engine/dialect/index.ts';
import { InputError } from '../src/engine/errors.ts';
import { generate, type GenerateOptions } from '../src/wfm/generate/index.ts';
import { PRIVILEGES_7_6, PRIVILEGES_8_5_2 } from '../src/wfm/privileges.ts';
import { createDatabase } from '../src/wfm/database.ts';
import { HISTORY_TABLE } from '../src/wfm/releases/index.ts';
import { isLegacyRelease, type Release } from '../src/wfm/releases/versions.ts';
import { databaseContent } from './helpers/content.ts';
import { testEngines, type TestDatabase } from './helpers/databases.ts';

const SMALL: GenerateOptions = { agents: 40, days: 7, seed: 11 };
const RELEASES: Release[] = ['6.5.104', '6.5.201', '7.6', '8.5.2'];
const LEGACY_RIGHTS = ['ORG_VIEW', 'ORG_EDIT', 'POLICY_VIEW', 'POLICY_EDIT', 'CAL_VIEW', 'CAL_EDIT', 'FCST_VIEW', 'FCST_EDIT', 'SCHED_VIEW', 'SCHED_EDIT', 'PERF_VIEW', 'ADH_VIEW', 'REPORTS', 'DB_BACKUP'];

/** Catalogues the runs share (found by code, never written twice) and the legacy release row. */
const SHARED_TABLES = new Set(['db_info', 'genesys_event', 'aux_code', 'agent_state', 'reason', 'wm_db_version']);

/** What the generator wrote: every table but the history, whose one row says when the schema was created. */
async function generatedContent(connection: Connection): Promise<Map<string, { rows: number; hash: string }>> {
  const content = await databaseContent(connection);
  content.delete(HISTORY_TABLE);
  return content;
}

const legacy = (release: Release) => isLegacyRelease(release);

interface Layout {
  performance: string;
  handleSeconds: string;
  activity: { table: string; id: string; site: string; workType: string; workTypes: string[] };
  site: { table: string; id: string; businessUnit: string };
  businessUnit: { table: string; id: string; name: string };
  schedule: { kind: string; kinds: string[] };
  calendar: { table: string; kind: string; status: string; starts: string; kinds: string[]; statuses: string[] };
  stateGroup: { table: string; kind: string; kinds: string[] };
  users: { table: string; login: string; siteAccess: string };
}

/** Where each release keeps what the assertions look at, and the codes it documents. */
function layoutOf(release: Release): Layout {
  const scheduleKinds = ['work', 'break', 'meal', 'time_off', 'day_off', 'exception'];
  return legacy(release)
    ? {
        performance: 'performance_data',
        handleSeconds: 'handle_sec',
        activity: { table: 'activity', id: 'activity_id', site: 'pabx_id', workType: 'activity_type', workTypes: ['P', 'M', 'X'] },
        site: { table: 'pabx', id: 'pabx_id', businessUnit: 'vpabx_id' },
        businessUnit: { table: 'virtual_pabx', id: 'vpabx_id', name: 'vpabx_name' },
        schedule: { kind: 'seg_kind', kinds: ['W', 'B', 'M', 'V', 'O', 'E'] },
        calendar: { table: 'planner_entry', kind: 'entry_kind', status: 'entry_status', starts: 'start_min', kinds: ['V', 'O', 'S', 'E'], statuses: ['P', 'G', 'D'] },
        // sched_kind spells time off and day off T and D, where master_schedule.seg_kind has V and O.
        stateGroup: { table: 'scheduled_agent_state', kind: 'sched_kind', kinds: ['W', 'B', 'M', 'T', 'D', 'E'] },
        users: { table: 'supervisor', login: 'login_name', siteAccess: 'supervisor_pabx' },
      }
    : {
        performance: 'activity_performance',
        handleSeconds: 'handle_seconds',
        activity: { table: 'activity', id: 'id', site: 'site_id', workType: 'work_type', workTypes: ['immediate', 'deferred', 'fixed_staff'] },
        site: { table: 'site', id: 'id', businessUnit: 'business_unit_id' },
        businessUnit: { table: 'business_unit', id: 'id', name: 'name' },
        schedule: { kind: 'kind', kinds: scheduleKinds },
        calendar: {
          table: 'calendar_item',
          kind: 'kind',
          status: 'status',
          starts: 'starts_minute',
          kinds: ['time_off', 'day_off', 'shift_preference', 'exception'],
          statuses: ['preferred', 'granted', 'declined'],
        },
        stateGroup: { table: 'schedule_state_group', kind: 'kind', kinds: scheduleKinds },
        users: { table: 'wfm_user', login: 'login', siteAccess: 'user_site_access' },
      };
}

const values = async (connection: Connection, sql: string): Promise<unknown[]> => (await connection.query(sql)).map((row) => Object.values(row)[0]);
const count = async (connection: Connection, sql: string): Promise<number> => Number((await values(connection, sql))[0]);
const epochSeconds = (timestamp: unknown): number => Date.parse(`${String(timestamp).replace(' ', 'T')}Z`) / 1000;
const legacyEpochSeconds = (date: unknown, second: unknown): number => {
  const d = String(date);
  return Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8))) / 1000 + Number(second);
};

/** Each agent's states follow one another with no gap and no overlap; some run past the midnight of their day. */
function checkAdherence(rows: Row[], release: Release): void {
  const start = (r: Row) => (legacy(release) ? legacyEpochSeconds(r.state_date, r.start_sec) : epochSeconds(r.starts_at));
  let previous: Row | undefined;
  let pastMidnight = 0;
  for (const row of rows) {
    const duration = Number(legacy(release) ? row.duration_sec : row.duration_seconds);
    assert.ok(duration > 0, `a state lasts no time: ${JSON.stringify(row)}`);
    if (previous && previous.agent === row.agent) {
      const previousEnd = start(previous) + Number(legacy(release) ? previous.duration_sec : previous.duration_seconds);
      assert.equal(start(row), previousEnd, `agent ${String(row.agent)}: a gap or overlap before ${JSON.stringify(row)}`);
    }
    const secondOfDay = start(row) % 86_400;
    if (secondOfDay + duration > 86_400) pastMidnight++;
    previous = row;
  }
  assert.ok(pastMidnight > 0, 'no state runs past midnight');
}

const sqlite = (await testEngines()).find((e) => e.engine === 'sqlite');

describe('generate on SQLite', { skip: sqlite?.skip ?? (sqlite ? undefined : 'no sqlite engine') }, () => {
  const databases: TestDatabase[] = [];
  const connections: Connection[] = [];
  const open = async (label: string, release: Release): Promise<Connection> => {
    if (!sqlite) throw new Error('no sqlite engine');
    const database = await sqlite.newDatabase(label);
    databases.push(database);
    const connection = await connect(database.url);
    connections.push(connection);
    await createDatabase(connection, release);
    return connection;
  };
  after(async () => {
    for (const c of connections) await c.close();
    for (const d of databases) await d.drop();
  });

  for (const release of RELEASES) {
    describe(release, () => {
      let first: Connection;

      it('gives identical tables from the same seed, and reports what it wrote', async () => {
        first = await open(`gen${release}a`, release);
        const second = await open(`gen${release}b`, release);
        const progress = new Map<string, number>();
        const summary = await generate(first, release, { ...SMALL, onProgress: (event) => event.type === 'table-progress' && progress.set(event.table, event.rows) });
        await generate(second, release, SMALL);
        const content = await generatedContent(first);
        assert.deepEqual(content, await generatedContent(second));
        for (const [table, rows] of Object.entries(summary.rowsPerTable)) {
          assert.equal(content.get(table)?.rows, rows, `rows reported for ${table}`);
          assert.equal(progress.get(table), rows, `last progress of ${table}`);
        }
        assert.equal(summary.totalRows, Object.values(summary.rowsPerTable).reduce((a, b) => a + b, 0));
        const other = await open(`gen${release}c`, release);
        await generate(other, release, { ...SMALL, seed: SMALL.seed + 1 });
        const { performance } = layoutOf(release);
        assert.notEqual((await databaseContent(other)).get(performance)?.hash, content.get(performance)?.hash, 'another seed, other data');
      });

      it('encodes intervals, codes and flags as the release documents them', async () => {
        const { performance, activity, schedule, stateGroup } = layoutOf(release);
        if (legacy(release)) {
          assert.equal(await count(first, `SELECT COUNT(*) FROM ${performance} WHERE interval_no < 0 OR interval_no > 95`), 0);
          assert.deepEqual(await values(first, `SELECT DISTINCT interval_no FROM ${performance} ORDER BY 1`), Array.from({ length: 96 }, (_, n) => n));
        } else {
          assert.equal(await count(first, `SELECT COUNT(*) FROM ${performance} WHERE interval_start NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-5][05]:00'`), 0);
          assert.equal(await count(first, `SELECT COUNT(*) FROM ${performance} WHERE CAST(substr(interval_start, 15, 2) AS INTEGER) % 15 <> 0`), 0);
        }
        assert.deepEqual((await values(first, `SELECT DISTINCT ${activity.workType} FROM ${activity.table}`)).sort(), [...activity.workTypes].sort());
        assert.deepEqual((await values(first, `SELECT DISTINCT ${schedule.kind} FROM master_schedule`)).sort(), [...schedule.kinds].sort());
        assert.deepEqual((await values(first, `SELECT DISTINCT ${stateGroup.kind} FROM ${stateGroup.table}`)).sort(), [...stateGroup.kinds].sort());
        for (const table of [activity.table, layoutOf(release).site.table, layoutOf(release).businessUnit.table]) {
          assert.deepEqual(await values(first, `SELECT DISTINCT deleted FROM ${table} ORDER BY 1`), [0, 1], `${table}.deleted`);
        }
        const agents = legacy(release) ? 'employee' : 'agent';
        assert.equal(await count(first, `SELECT COUNT(*) FROM ${agents} WHERE first_name = 'Siobhán' AND last_name = 'O''Brien '`), 1, 'a name with an accent, a quote and a trailing space');
      });

      it('has every Calendar kind with every status, whole-day items among them', async () => {
        const { table, kind, status, starts, kinds, statuses } = layoutOf(release).calendar;
        const pairs = await values(first, `SELECT DISTINCT ${kind} || '/' || ${status} FROM ${table}`);
        assert.deepEqual(pairs.sort(), kinds.flatMap((k) => statuses.map((s) => `${k}/${s}`)).sort());
        assert.ok((await count(first, `SELECT COUNT(*) FROM ${table} WHERE ${starts} IS NULL`)) > 0, 'whole-day items');
        assert.ok((await count(first, `SELECT COUNT(*) FROM ${table} WHERE ${starts} IS NOT NULL`)) > 0, 'items with times');
      });

      it('keeps performance consistent, and soft-deleted objects referenced by history', async () => {
        const { performance, handleSeconds: handle, activity, site, businessUnit } = layoutOf(release);
        assert.equal(await count(first, `SELECT COUNT(*) FROM ${performance} WHERE handled > offered OR abandoned <> offered - handled OR ${handle} < 0 OR (handled = 0 AND ${handle} <> 0)`), 0);
        if (release === '6.5.104') {
          const columns = await values(first, `SELECT name FROM pragma_table_info('performance_data')`);
          assert.ok(!columns.includes('answered_in_sl'));
        } else {
          const answered = legacy(release) ? 'answered_in_sl' : 'answered_in_service_level';
          assert.equal(await count(first, `SELECT COUNT(*) FROM ${performance} WHERE ${answered} > handled`), 0);
          assert.ok((await count(first, `SELECT COUNT(*) FROM ${performance} WHERE ${answered} IS NULL`)) > 0, 'some intervals unmeasured');
        }
        const deletedActivities = `SELECT ${activity.id} FROM ${activity.table} WHERE deleted = 1`;
        assert.ok((await count(first, `SELECT COUNT(*) FROM ${performance} WHERE activity_id IN (${deletedActivities})`)) > 0);
        const deletedSites = `SELECT ${site.id} FROM ${site.table} WHERE deleted = 1`;
        const deletedSiteActivities = `SELECT ${activity.id} FROM ${activity.table} WHERE ${activity.site} IN (${deletedSites})`;
        assert.ok((await count(first, `SELECT COUNT(*) FROM ${performance} WHERE activity_id IN (${deletedSiteActivities})`)) > 0);
        const deletedUnits = `SELECT ${businessUnit.id} FROM ${businessUnit.table} WHERE deleted = 1`;
        assert.ok((await count(first, `SELECT COUNT(*) FROM ${site.table} WHERE deleted = 1 AND ${site.businessUnit} IN (${deletedUnits})`)) > 0);
      });

      it('schedules overnight shifts, and records adherence states back to back', async () => {
        const overnight = legacy(release)
          ? `SELECT COUNT(*) FROM master_schedule WHERE seg_end_min > 1440`
          : `SELECT COUNT(*) FROM master_schedule WHERE substr(starts_at, 1, 10) <> substr(ends_at, 1, 10)`;
        assert.ok((await count(first, overnight)) > 0, 'overnight segments');
        const adherence = legacy(release)
          ? 'SELECT employee_id AS agent, state_date, start_sec, duration_sec FROM agent_compliance ORDER BY employee_id, state_date, start_sec'
          : 'SELECT agent_id AS agent, starts_at, duration_seconds FROM agent_adherence ORDER BY agent_id, starts_at';
        checkAdherence(await first.query(adherence), release);
      });

      it('stores users and their access the way the release does', async () => {
        const users = layoutOf(release).users;
        assert.equal(await count(first, `SELECT COUNT(DISTINCT ${users.login}) FROM ${users.table}`), await count(first, `SELECT COUNT(*) FROM ${users.table}`));
        assert.ok((await count(first, `SELECT COUNT(*) FROM ${users.table} WHERE disabled = 1`)) > 0, 'a disabled user');
        assert.ok((await count(first, `SELECT COUNT(*) FROM ${users.siteAccess}`)) > 0, 'users restricted to some sites');
        if (release === '6.5.104') {
          const rights = (await values(first, 'SELECT rights FROM supervisor')).map(String);
          assert.ok(rights.every((r) => /^[YN]{1,14}$/.test(r)));
          assert.ok(rights.some((r) => r.length < 14) && rights.some((r) => r.length === 14), 'full and shortened rights strings');
          assert.ok(rights.some((r) => !r.includes('Y')), 'a supervisor without any right');
        } else if (release === '6.5.201') {
          assert.ok((await values(first, 'SELECT DISTINCT right_code FROM supervisor_right')).every((code) => LEGACY_RIGHTS.includes(String(code))));
          assert.ok((await count(first, 'SELECT COUNT(*) FROM supervisor WHERE supervisor_id NOT IN (SELECT supervisor_id FROM supervisor_right)')) > 0);
        } else if (release === '7.6') {
          const granted = await values(first, 'SELECT DISTINCT privilege FROM user_privilege');
          assert.ok(granted.every((p) => (PRIVILEGES_7_6 as readonly string[]).includes(String(p))));
          assert.ok(granted.includes('calendar.edit'));
        } else {
          const granted = await values(first, 'SELECT DISTINCT privilege FROM role_privilege');
          assert.ok(granted.every((p) => (PRIVILEGES_8_5_2 as readonly string[]).includes(String(p))));
          assert.ok(granted.includes('general.allow_backup_restore') && granted.includes('calendar.prefer_grant_decline'));
          assert.ok((await count(first, 'SELECT COUNT(DISTINCT role_id) FROM wfm_user')) < (await count(first, 'SELECT COUNT(*) FROM wfm_user')), 'users share roles');
          assert.ok((await count(first, 'SELECT COUNT(*) FROM wfm_user WHERE role_id NOT IN (SELECT role_id FROM role_privilege)')) > 0, 'a user without any privilege');
          assert.ok((await count(first, 'SELECT COUNT(*) FROM business_unit WHERE data_aggregator_name IS NOT NULL')) >= 2);
          assert.ok((await count(first, 'SELECT COUNT(*) FROM forecast_scenario_interval')) > 0 && (await count(first, 'SELECT COUNT(*) FROM schedule_scenario_segment')) > 0);
        }
        if (legacy(release)) assert.deepEqual(await values(first, 'SELECT version FROM db_info'), [`${release}.00`]);
      });

      it('adds as much again when run a second time, with new keys and unique names', async () => {
        const before = await databaseContent(first);
        await generate(first, release, SMALL);
        const afterwards = await databaseContent(first);
        for (const [table, { rows }] of before) {
          const expected = SHARED_TABLES.has(table) ? rows : rows * 2;
          assert.equal(afterwards.get(table)?.rows, expected, `rows of ${table}`);
        }
        const { users, businessUnit } = layoutOf(release);
        assert.equal(await count(first, `SELECT COUNT(DISTINCT ${users.login}) FROM ${users.table}`), await count(first, `SELECT COUNT(*) FROM ${users.table}`));
        assert.equal(await count(first, `SELECT COUNT(DISTINCT ${businessUnit.name}) FROM ${businessUnit.table}`), await count(first, `SELECT COUNT(*) FROM ${businessUnit.table}`));
      });
    });
  }

  it('refuses a database without the tables of the release, and bad options, before writing anything', async () => {
    const older = await open('genwrongrelease', '7.6');
    await assert.rejects(generate(older, '8.5.2', SMALL), (error: unknown) => error instanceof InputError && /no table role\b/.test(error.message));
    await assert.rejects(generate(older, '7.6', { ...SMALL, startDate: '2024-02-30' }), InputError);
    await assert.rejects(generate(older, '7.6', { ...SMALL, agents: 0 }), InputError);
    assert.equal(await count(older, 'SELECT COUNT(*) FROM business_unit'), 0);
  });

  it('follows daylight saving time in 7.6 and later, and standard time in 6.5', async () => {
    const options = { ...SMALL, startDate: '2024-03-09', days: 3 };
    const current = await open('gendstcurrent', '8.5.2');
    await generate(current, '8.5.2', options);
    // New York: local midnight is 05:00 UTC in winter, 04:00 UTC in summer; 10 March 2024 has 23 hours.
    const newYork = "SELECT MIN(id) FROM activity WHERE deleted = 0 AND site_id = (SELECT id FROM site WHERE name = 'New York')";
    const perLocalDay = async (from: string, to: string) =>
      count(current, `SELECT COUNT(*) FROM activity_performance WHERE activity_id = (${newYork}) AND interval_start >= '${from}' AND interval_start < '${to}'`);
    assert.equal(await perLocalDay('2024-03-09 05:00:00', '2024-03-10 05:00:00'), 96);
    assert.equal(await perLocalDay('2024-03-10 05:00:00', '2024-03-11 04:00:00'), 92);
    assert.equal(await perLocalDay('2024-03-11 04:00:00', '2024-03-12 04:00:00'), 96);
    assert.deepEqual(await values(current, "SELECT starts_at FROM site_dst_period WHERE year = 2024 AND site_id = (SELECT id FROM site WHERE name = 'New York')"), ['2024-03-10 07:00:00']);

    const old = await open('gendstlegacy', '6.5.201');
    await generate(old, '6.5.201', options);
    assert.deepEqual(await values(old, 'SELECT DISTINCT COUNT(*) FROM performance_data GROUP BY activity_id, perf_date'), [96]);
    assert.deepEqual(await old.query("SELECT dst_start_date, dst_start_min, dst_end_date, dst_end_min FROM pabx_time_offset WHERE dst_year = 2024 AND pabx_id = (SELECT pabx_id FROM pabx WHERE pabx_name = 'New York')"), [
      { dst_start_date: 20240310, dst_start_min: 120, dst_end_date: 20241103, dst_end_min: 60 },
    ]);
  });
});
