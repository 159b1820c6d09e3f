// The ETL cycle on every engine: a hand-computed fixture (three agents of a New York site on 8 March 2026,
// the 23-hour day the clocks go forward, one of them without a team) gives exactly the figures worked out
// by hand below in every fact it touches; a second cycle changes no fact; the purge respects
// MaxPurgeChunk, PurgeDate and PurgeDaysBack; and a `wfm etl run` killed mid-way is completed by the next
// with every fact equal to an uninterrupted cycle's.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connect, type Connection, type Row, type SqlValue } from '../src/engine/dialect/index.ts';
import { InputError } from '../src/engine/errors.ts';
import { createDatabase } from '../src/wfm/database.ts';
import { createEtlDatabase, type EtlCycleRun, factTables, parseEtlOptions, runEtlCycle } from '../src/wfm/etl/index.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases } from './helpers/databases.ts';

const fresh = trackedDatabases();
const WFM_BIN = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));

/**
 * Generated data (2024-01-01 to 2024-01-14) in an SQLite WFM database, read by the cycles that are killed:
 * the ETL database on each engine is then filled from another database, in batches.
 */
const generated = `sqlite:${join(mkdtempSync(join(tmpdir(), 'wfm-etl-cycle-')), 'wfm.db')}`;
const GENERATED_CYCLE = ['--from', generated, '--today', '2024-01-08', '--days-back', '7', '--days-ahead', '7', '--day-chunk', '1'];

/**
 * Runs `wfm etl run` and kills it (SIGKILL) once it reports its first chunk of facts written: a moment
 * mid-way, after a chunk committed and with more to come. Resolves with the signal that ended it.
 */
function runKilledMidway(etlUrl: string): Promise<{ signal: NodeJS.Signals | null; lines: string[] }> {
  const child = spawn(process.execPath, [WFM_BIN, 'etl', 'run', ...GENERATED_CYCLE, '--to', etlUrl, '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    lines.push(line);
    if (/"text":"facts /.test(line)) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ signal, lines })));
}

/** The fixture's window: 7 to 9 March 2026, one day per transaction, nothing purged. */
const WINDOW: EtlCycleRun = { today: '2026-03-08', daysBack: 1, daysAhead: 1, dayChunk: 1, maxPurgeChunk: 100_000 };

const FIXTURE: Record<string, SqlValue[][]> = {
  business_unit: [[1, 'East', 'America/New_York', 1, 0]],
  site: [[10, 1, 'Boston', 'America/New_York', 0]],
  team: [[100, 10, 'Team A']],
  agent: [
    [1001, 10, 100, 'Ann', 'Lee'],
    [1002, 10, 100, 'Bob', 'Ray'],
    [1003, 10, null, 'Cid', 'Roe'],
  ],
  activity: [[50, 10, 'Sales', 'immediate', 0]],
  agent_state: [
    [1, 'READY', 'Ready'],
    [2, 'NOT_READY', 'Not ready'],
    [3, 'LOGGED_OUT', 'Logged out'],
  ],
  reason: [
    [11, 'BREAK', 'Break', 2],
    [12, 'LUNCH', 'Lunch', 2],
    [13, 'PERSONAL', 'Personal', 2],
  ],
  schedule_state_group: [
    [201, 10, 'Working', 'work'],
    [202, 10, 'On break', 'break'],
    [203, 10, 'Meal', 'meal'],
    [204, 10, 'Time off', 'time_off'],
  ],
  schedule_state_group_state: [
    [201, 1, null],
    [202, 2, 11],
    [203, 2, 12],
    [203, 3, null],
    [204, 3, null],
  ],
  // Ann works through the change of the clocks (07:00 UTC: 02:00 EST becomes 03:00 EDT); Bob works the
  // afternoon (EDT, UTC-4); Cid, without a team, has two hours off and a shift across local midnight.
  master_schedule: [
    [1001, '2026-03-08 06:00:00', '2026-03-08 07:00:00', 'work', 50],
    [1001, '2026-03-08 07:00:00', '2026-03-08 07:15:00', 'break', null],
    [1001, '2026-03-08 07:15:00', '2026-03-08 09:00:00', 'work', 50],
    [1002, '2026-03-08 17:00:00', '2026-03-08 18:00:00', 'work', 50],
    [1002, '2026-03-08 18:00:00', '2026-03-08 18:30:00', 'meal', null],
    [1002, '2026-03-08 18:30:00', '2026-03-08 21:00:00', 'work', 50],
    [1003, '2026-03-08 14:00:00', '2026-03-08 16:00:00', 'time_off', null],
    [1003, '2026-03-09 03:30:00', '2026-03-09 04:30:00', 'work', 50],
  ],
  // Ann overruns her break by 5 minutes; Bob takes his meal with the wrong reason and works 30 minutes
  // past his shift; Cid is logged out through his time off, then ready for 45 of his 60 minutes.
  agent_adherence: [
    [1001, '2026-03-08 06:00:00', 3600, 1, null],
    [1001, '2026-03-08 07:00:00', 1200, 2, 11],
    [1001, '2026-03-08 07:20:00', 6000, 1, null],
    [1002, '2026-03-08 17:00:00', 3600, 1, null],
    [1002, '2026-03-08 18:00:00', 1800, 2, 13],
    [1002, '2026-03-08 18:30:00', 10800, 1, null],
    [1003, '2026-03-08 14:00:00', 7200, 3, null],
    [1003, '2026-03-09 03:30:00', 2700, 1, null],
  ],
  activity_performance: [
    [50, '2026-03-08 14:00:00', 20, 18, 2, 3600, 16, 400, 5400],
    [50, '2026-03-08 14:15:00', 10, 10, 0, 1500, 9, 100, 2700],
    [50, '2026-03-09 04:00:00', 4, 4, 0, 600, 4, 20, 900],
  ],
  master_forecast: [
    [50, '2026-03-08 14:00:00', 22, 200],
    [50, '2026-03-08 14:15:00', 8, 150],
  ],
  staffing: [
    [50, '2026-03-08 14:00:00', 5, 5],
    [50, '2026-03-08 14:15:00', 3, 3],
  ],
};

const COLUMNS: Record<string, string[]> = {
  business_unit: ['id', 'name', 'time_zone', 'week_start', 'deleted'],
  site: ['id', 'business_unit_id', 'name', 'time_zone', 'deleted'],
  team: ['id', 'site_id', 'name'],
  agent: ['id', 'site_id', 'team_id', 'first_name', 'last_name'],
  activity: ['id', 'site_id', 'name', 'work_type', 'deleted'],
  agent_state: ['id', 'code', 'name'],
  reason: ['id', 'code', 'name', 'agent_state_id'],
  schedule_state_group: ['id', 'site_id', 'name', 'kind'],
  schedule_state_group_state: ['schedule_state_group_id', 'agent_state_id', 'reason_id'],
  master_schedule: ['agent_id', 'starts_at', 'ends_at', 'kind', 'activity_id'],
  agent_adherence: ['agent_id', 'starts_at', 'duration_seconds', 'agent_state_id', 'reason_id'],
  activity_performance: ['activity_id', 'interval_start', 'offered', 'handled', 'abandoned', 'handle_seconds', 'answered_in_service_level', 'queue_seconds', 'staff_seconds'],
  master_forecast: ['activity_id', 'interval_start', 'volume', 'aht_seconds'],
  staffing: ['activity_id', 'interval_start', 'required_staff', 'calculated_staff'],
};

async function loadFixture(connection: Connection): Promise<void> {
  await createDatabase(connection);
  for (const [table, rows] of Object.entries(FIXTURE)) {
    const columns = COLUMNS[table] ?? [];
    for (const row of rows) {
      await connection.execute(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => connection.compiler.parameter(i + 1)).join(', ')})`, row);
    }
  }
}

/** A fact table's rows as names, not keys: what a report reads, comparable across ETL databases. */
async function facts(etl: Connection, table: string): Promise<Record<string, SqlValue>[]> {
  const q = etl.compiler;
  const rows = await etl.query(`SELECT * FROM ${q.quoteIdentifier(table)}`);
  const names = new Map<string, Map<number, SqlValue>>();
  for (const dimension of ['WFM_AGENT', 'WFM_TEAM', 'WFM_SITE', 'WFM_ACTIVITY', 'WFM_STATE', 'WFM_SSG']) {
    const dimensionRows = await etl.query(`SELECT * FROM ${q.quoteIdentifier(dimension)}`);
    names.set(`${dimension}_KEY`, new Map(dimensionRows.map((r) => [Number(r[`${dimension}_KEY`]), r[`${dimension}_NAME`] ?? null])));
  }
  const skipped = new Set([`${table}_KEY`, 'WFM_TIMESTAMP', 'CREATE_AUDIT_KEY', 'UPDATE_AUDIT_KEY']);
  const named = rows.map((row: Row) =>
      Object.fromEntries(
        Object.entries(row)
          .filter(([column]) => !skipped.has(column))
          .map(([column, value]) => {
            const byKey = names.get(column);
            if (byKey) return [column.replace(/_KEY$/, ''), value === null ? null : (byKey.get(Number(value)) ?? `missing ${String(value)}`)];
            return [column, typeof value === 'bigint' ? Number(value) : value];
          }),
      ),
  );
  const ordered = named.map((row) => ({ row, text: JSON.stringify(row) })).sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  return ordered.map(({ row }) => row);
}

/** Percentages are compared to 10 decimals: the hand figures are written rounded. */
function assertRow(actual: Record<string, SqlValue> | undefined, expected: Record<string, number | string | null>, what: string): void {
  assert.ok(actual, `${what}: no row`);
  for (const [column, value] of Object.entries(expected)) {
    const got: SqlValue | undefined = actual[column];
    if (typeof value === 'number' && !Number.isInteger(value)) assert.ok(Math.abs(Number(got) - value) < 1e-9, `${what} ${column}: ${String(got)}, expected ${value}`);
    else assert.equal(got === null ? null : typeof value === 'number' ? Number(got) : got, value, `${what} ${column}`);
  }
}

const find = (rows: Record<string, SqlValue>[], match: Record<string, SqlValue>): Record<string, SqlValue> | undefined =>
  rows.find((row) => Object.entries(match).every(([column, value]) => row[column] === value));

const ADH = (non: number, out: number, scheduled: number, worked: number, adherence: number | null, conformance: number | null) => ({
  WFM_NON_ADHERENCE_DURATION: non,
  WFM_OUT_SCH_NON_ADH_DURATION: out,
  WFM_SCHEDULE_DURATION: scheduled,
  WFM_ACTUAL_WORK_DURATION: worked,
  WFM_ADHERENCE_PERC: adherence,
  WFM_CONFORMANCE_PERC: conformance,
});

const SCH = (scheduled: number, work: number, paid: number, pause: number, timeOff: number) => ({
  WFM_SCHEDULE_DURATION: scheduled,
  WFM_WORK_DURATION: work,
  WFM_PAID_DURATION: paid,
  WFM_BREAK_DURATION: pause,
  WFM_TIME_OFF_DURATION: timeOff,
});

async function allFacts(etl: Connection): Promise<Record<string, Record<string, SqlValue>[]>> {
  const all: Record<string, Record<string, SqlValue>[]> = {};
  for (const table of factTables('8.5')) all[table] = await facts(etl, table);
  return all;
}

/** Every fact row as stored, surrogate key, timestamp and audit keys included, in key order. */
async function storedFacts(etl: Connection): Promise<Record<string, Row[]>> {
  const q = etl.compiler;
  const all: Record<string, Row[]> = {};
  for (const table of factTables('8.5')) {
    const rows = await etl.query(`SELECT * FROM ${q.quoteIdentifier(table)} ORDER BY ${q.quoteIdentifier(`${table}_KEY`)}`);
    all[table] = rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, typeof value === 'bigint' ? Number(value) : value])));
  }
  return all;
}

describe('the [ETL] options', () => {
  it('take their documented defaults and refuse a value out of range, naming the option', () => {
    assert.deepEqual(parseEtlOptions({}, 'WFM Server [ETL]'), { etlTimeout: 180, dayChunk: 7, daysBack: 14, daysAhead: 14, maxPurgeChunk: 100_000 });
    assert.throws(() => parseEtlOptions({ DayChunk: '32' }, 'WFM Server [ETL]'), (e: unknown) => e instanceof InputError && /DayChunk takes a whole number from 1 to 31, not "32"/.test(e.message));
    assert.throws(() => parseEtlOptions({ DaysAhead: '0' }, 'x'), /DaysAhead takes a whole number from 1 to 365/);
    assert.throws(() => parseEtlOptions({ PurgeDate: '2026-02-30' }, 'x'), /PurgeDate takes a date YYYY-MM-DD, not "2026-02-30"/);
    assert.throws(() => parseEtlOptions({ DayChunks: '3' }, 'x'), /has no option DayChunks/);
    assert.deepEqual(parseEtlOptions({ ETLTimeout: '-5', PurgeDaysBack: '30', PurgeDate: '2026-01-01' }, 'x'), {
      etlTimeout: -5,
      dayChunk: 7,
      daysBack: 14,
      daysAhead: 14,
      maxPurgeChunk: 100_000,
      purgeDaysBack: 30,
      purgeDate: '2026-01-01',
    });
  });

  it('reads them from the WFM Server application of wfm.yaml, and names it when one is out of range', () => {
    const config = join(mkdtempSync(join(tmpdir(), 'wfm-etl-config-')), 'wfm.yaml');
    writeFileSync(config, 'applications:\n  WFM Server:\n    type: server\n    options:\n      ETL:\n        DayChunk: 40\n');
    const result = wfm(['etl', 'run', '--config', config, '--from', 'sqlite::memory:', '--to', 'sqlite::memory:']);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /wfm\.yaml line 6: WFM Server ETL\.DayChunk takes a whole number from 1 to 31, not "40"/);
  });

  it('refuses a bad option on the command line with exit 2', () => {
    const result = wfm(['etl', 'run', '--from', 'sqlite::memory:', '--to', 'sqlite::memory:', '--day-chunk', '0']);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /DayChunk takes a whole number from 1 to 31, not "0"/);
  });
});

before(() => {
  const result = wfm(['generate', '--version', '8.5.2', '--db', generated, '--agents', '40', '--days', '14']);
  assert.equal(result.status, 0, result.stderr);
});

for (const engine of await testEngines()) {
  describe(`the ETL cycle on ${engine.engine}`, { skip: engine.skip }, () => {
    const connections: Connection[] = [];
    const open = async (label: string): Promise<{ connection: Connection; url: string }> => {
      const database = await fresh(engine, label);
      const connection = await connect(database.url);
      connections.push(connection);
      return { connection, url: database.url };
    };
    after(async () => {
      for (const c of connections) await c.close();
    });

    let source: { connection: Connection; url: string };
    let target: { connection: Connection; url: string };
    let first: Record<string, Record<string, SqlValue>[]>;
    before(async () => {
      source = await open('etlwfm');
      await loadFixture(source.connection);
      target = await open('etldb');
      await createEtlDatabase(target.connection);
      await runEtlCycle(source.connection, target.connection, WINDOW);
      first = await allFacts(target.connection);
    });

    it('gives the hand-computed adherence and conformance of each agent, team and site per local day', () => {
      const agentDays = first.WFM_ADH_AGENT_DAY ?? [];
      assert.equal(agentDays.length, 4, 'Ann, Bob and Cid on the 8th, Cid on the 9th');
      assertRow(find(agentDays, { WFM_AGENT: 'Ann Lee', WFM_DATE: '2026-03-08' }), { WFM_TEAM: 'Team A', ...ADH(300, 0, 10800, 9600, 97.2222222222, 96.9696969697) }, 'Ann 8th');
      assertRow(find(agentDays, { WFM_AGENT: 'Bob Ray', WFM_DATE: '2026-03-08' }), ADH(1800, 1800, 14400, 14400, 87.5, 114.2857142857), 'Bob 8th');
      assertRow(find(agentDays, { WFM_AGENT: 'Cid Roe', WFM_DATE: '2026-03-08' }), { WFM_TEAM: null, ...ADH(0, 0, 9000, 1800, 100, 100) }, 'Cid 8th');
      assertRow(find(agentDays, { WFM_AGENT: 'Cid Roe', WFM_DATE: '2026-03-09' }), { WFM_TEAM: null, DATE_TIME_DAY_KEY: 20260309, ...ADH(900, 0, 1800, 900, 50, 50) }, 'Cid 9th');
      const teamDays = first.WFM_ADH_TEAM_DAY ?? [];
      assert.equal(teamDays.length, 1, 'Team A on the 8th only: Cid has no team');
      assertRow(teamDays[0], { WFM_TEAM: 'Team A', WFM_DATE: '2026-03-08', ...ADH(2100, 1800, 25200, 24000, 91.6666666667, 106.6666666667) }, 'Team A 8th');
      const siteDays = first.WFM_ADH_SITE_DAY ?? [];
      assert.equal(siteDays.length, 2);
      assertRow(find(siteDays, { WFM_DATE: '2026-03-08' }), { WFM_SITE: 'Boston', ...ADH(2100, 1800, 34200, 25800, 93.8596491228, 106.1728395062) }, 'Boston 8th');
      assertRow(find(siteDays, { WFM_DATE: '2026-03-09' }), ADH(900, 0, 1800, 900, 50, 50), 'Boston 9th');
    });

    it('gives the hand-computed adherence per 15-minute timestep, days cut at local midnight (EDT)', () => {
      const steps = first.WFM_ADH_AGENT_TIMESTEP ?? [];
      assert.equal(steps.filter((r) => r.WFM_AGENT === 'Ann Lee').length, 12, 'Ann: 3 hours');
      assertRow(find(steps, { WFM_AGENT: 'Ann Lee', WFM_TIMESTEP: '2026-03-08 07:15:00' }), { WFM_DATE: '2026-03-08', ...ADH(300, 0, 900, 600, 66.6666666667, 66.6666666667) }, 'Ann 07:15');
      assertRow(find(steps, { WFM_AGENT: 'Ann Lee', WFM_TIMESTEP: '2026-03-08 07:00:00' }), ADH(0, 0, 900, 0, 100, null), 'Ann on break');
      assertRow(find(steps, { WFM_AGENT: 'Bob Ray', WFM_TIMESTEP: '2026-03-08 21:15:00' }), ADH(0, 900, 0, 900, null, null), 'Bob past his shift');
      assertRow(find(steps, { WFM_AGENT: 'Cid Roe', WFM_TIMESTEP: '2026-03-09 03:45:00' }), { WFM_DATE: '2026-03-08' }, 'Cid 23:45 EDT');
      assertRow(find(steps, { WFM_AGENT: 'Cid Roe', WFM_TIMESTEP: '2026-03-09 04:00:00' }), { WFM_DATE: '2026-03-09', ...ADH(0, 0, 900, 900, 100, 100) }, 'Cid 00:00 EDT');
      assertRow(find(steps, { WFM_AGENT: 'Cid Roe', WFM_TIMESTEP: '2026-03-09 04:15:00' }), ADH(900, 0, 900, 0, 0, 0), 'Cid without a state');
      assert.equal((first.WFM_ADH_SITE_TIMESTEP ?? []).length, new Set(steps.map((r) => r.WFM_TIMESTEP)).size, 'one site row per timestep any agent has');
    });

    it('gives the hand-computed schedule totals, states and state-group durations', () => {
      const agentDays = first.WFM_SCH_AGENT_DAY ?? [];
      assert.equal(agentDays.length, 4);
      assertRow(find(agentDays, { WFM_AGENT: 'Ann Lee' }), SCH(10800, 9900, 10800, 900, 0), 'Ann');
      assertRow(find(agentDays, { WFM_AGENT: 'Bob Ray' }), SCH(14400, 12600, 12600, 1800, 0), 'Bob: the meal is unpaid');
      assertRow(find(agentDays, { WFM_AGENT: 'Cid Roe', WFM_DATE: '2026-03-08' }), SCH(9000, 1800, 9000, 0, 7200), 'Cid 8th');
      assertRow(find(agentDays, { WFM_AGENT: 'Cid Roe', WFM_DATE: '2026-03-09' }), SCH(1800, 1800, 1800, 0, 0), 'Cid 9th');
      assertRow(find(first.WFM_SCH_TEAM_DAY ?? [], { WFM_TEAM: 'Team A' }), SCH(25200, 22500, 23400, 2700, 0), 'Team A');
      assertRow(find(first.WFM_SCH_SITE_DAY ?? [], { WFM_DATE: '2026-03-08' }), SCH(34200, 24300, 32400, 2700, 7200), 'Boston 8th');
      const states = first.WFM_SCH_AGENT_STATE ?? [];
      assert.equal(states.length, 8, 'one row per segment');
      assertRow(
        find(states, { WFM_AGENT: 'Cid Roe', WFM_START_TIME: '2026-03-09 03:30:00' }),
        { WFM_STATE: 'Work', WFM_ACTIVITY: 'Sales', WFM_END_TIME: '2026-03-09 04:30:00', WFM_DATE: '2026-03-08', WFM_DURATION: 3600, WFM_TEAM: null },
        'Cid across midnight',
      );
      assertRow(find(first.WFM_SCH_STATE_TIMESTEP ?? [], { WFM_STATE: 'Break', WFM_TIMESTEP: '2026-03-08 07:00:00' }), { WFM_DURATION: 900 }, 'break state');
      assertRow(find(first.WFM_SCH_STATE_TIMESTEP ?? [], { WFM_STATE: 'Work', WFM_TIMESTEP: '2026-03-08 17:00:00' }), { WFM_DURATION: 900 }, 'Bob at work');
      assertRow(find(first.WFM_SCH_SSG_TIMESTEP ?? [], { WFM_SSG: 'Meal', WFM_TIMESTEP: '2026-03-08 18:15:00' }), { WFM_DURATION: 900 }, 'meal group');
      assert.equal(find(first.WFM_SCH_SSG_TIMESTEP ?? [], { WFM_SSG: 'Meal', WFM_TIMESTEP: '2026-03-08 18:30:00' }), undefined);
    });

    it('gives the hand-computed performance and service level per activity and site, per day and timestep', () => {
      const perf = (handled: number[], forecast: (number | null)[], serviceLevel: number | null) => ({
        WFM_OFFERED: handled[0] ?? 0,
        WFM_HANDLED: handled[1] ?? 0,
        WFM_ABANDONED: handled[2] ?? 0,
        WFM_ANSWERED_IN_SL: handled[3] ?? 0,
        WFM_HANDLE_DURATION: handled[4] ?? 0,
        WFM_QUEUE_DURATION: handled[5] ?? 0,
        WFM_STAFF_DURATION: handled[6] ?? 0,
        WFM_FORECAST_VOLUME: forecast[0] ?? null,
        WFM_FORECAST_AHT: forecast[1] ?? null,
        WFM_REQUIRED_STAFF: forecast[2] ?? null,
        WFM_SERVICE_LEVEL_PERC: serviceLevel,
      });
      const days = first.WFM_PERF_ACT_DAY ?? [];
      assert.equal(days.length, 2);
      assertRow(find(days, { WFM_DATE: '2026-03-08' }), { WFM_ACTIVITY: 'Sales', ...perf([30, 28, 2, 25, 5100, 500, 8100], [30, 186.6666666667, 5], 83.3333333333) }, 'Sales 8th');
      assertRow(find(days, { WFM_DATE: '2026-03-09' }), perf([4, 4, 0, 4, 600, 20, 900], [null, null, null], 100), 'Sales 9th, 00:00 EDT');
      assertRow(find(first.WFM_PERF_ACT_TIMESTEP ?? [], { WFM_TIMESTEP: '2026-03-08 14:00:00' }), perf([20, 18, 2, 16, 3600, 400, 5400], [22, 200, 5], 80), 'Sales 14:00');
      assertRow(find(first.WFM_PERF_SITE_DAY ?? [], { WFM_DATE: '2026-03-08' }), { WFM_SITE: 'Boston', ...perf([30, 28, 2, 25, 5100, 500, 8100], [30, 186.6666666667, 5], 83.3333333333) }, 'Boston 8th');
      assert.equal((first.WFM_PERF_SITE_TIMESTEP ?? []).length, 3);
    });

    it('records the cycle in CTL_ETL_HISTORY and CTL_AUDIT_LOG, and its audit key on every fact row', async () => {
      const q = target.connection.compiler;
      const history = await target.connection.query(`SELECT * FROM ${q.quoteIdentifier('CTL_ETL_HISTORY')}`);
      assert.equal(history.length, 1);
      assert.equal(history[0]?.STATUS, 'COMPLETED');
      assert.equal(history[0]?.WINDOW_START, '2026-03-07');
      const audit = Number(history[0]?.AUDIT_KEY);
      const [log] = await target.connection.query(`SELECT * FROM ${q.quoteIdentifier('CTL_AUDIT_LOG')}`);
      assert.equal(Number(log?.CTL_AUDIT_LOG_KEY), audit);
      assert.equal(Number(log?.ROWS_WRITTEN), Number(history[0]?.ROWS_WRITTEN));
      for (const table of factTables('8.5')) {
        const [row] = await target.connection.query(
          `SELECT COUNT(*) AS n FROM ${q.quoteIdentifier(table)} WHERE ${q.quoteIdentifier('CREATE_AUDIT_KEY')} <> ${q.parameter(1)} OR ${q.quoteIdentifier('UPDATE_AUDIT_KEY')} <> ${q.parameter(2)} OR ${q.quoteIdentifier('TENANT_KEY')} IS NULL`,
          [audit, audit],
        );
        assert.equal(Number(row?.n), 0, table);
      }
    });

    it('changes no fact and no dimension key when run again, updates a renamed team in place and keeps a removed agent as DELETED', async () => {
      const q = target.connection.compiler;
      const agentsBefore = await target.connection.query(`SELECT ${q.quoteIdentifier('WFM_AGENT_KEY')}, ${q.quoteIdentifier('WFM_AGENT_ID')} FROM ${q.quoteIdentifier('WFM_AGENT')} ORDER BY 2`);
      const stored = await storedFacts(target.connection);
      const again = await runEtlCycle(source.connection, target.connection, WINDOW);
      assert.deepEqual(again.dimensions, { inserted: 0, updated: 0, deleted: 0 });
      assert.deepEqual(await storedFacts(target.connection), stored, 'every fact as it was: its key, timestamp and audit keys too');
      assert.equal(again.rowsWritten, 0);
      assert.deepEqual(await target.connection.query(`SELECT ${q.quoteIdentifier('WFM_AGENT_KEY')}, ${q.quoteIdentifier('WFM_AGENT_ID')} FROM ${q.quoteIdentifier('WFM_AGENT')} ORDER BY 2`), agentsBefore);
      await source.connection.execute(`UPDATE team SET name = ${source.connection.compiler.parameter(1)} WHERE id = 100`, ['Team Alpha']);
      const renamed = await runEtlCycle(source.connection, target.connection, WINDOW);
      assert.deepEqual(renamed.dimensions, { inserted: 0, updated: 1, deleted: 0 });
      const [team] = await target.connection.query(`SELECT * FROM ${q.quoteIdentifier('WFM_TEAM')}`);
      assert.equal(team?.WFM_TEAM_NAME, 'Team Alpha');
      assert.equal(Number(team?.UPDATE_AUDIT_KEY), renamed.auditKey);
      assert.notEqual(Number(team?.CREATE_AUDIT_KEY), renamed.auditKey);

      const p = (n: number) => source.connection.compiler.parameter(n);
      const cidOn9th = `UPDATE agent_adherence SET duration_seconds = ${p(1)} WHERE agent_id = 1003 AND duration_seconds = ${p(2)}`;
      await source.connection.execute(cidOn9th, [3600, 2700]);
      const changed = await runEtlCycle(source.connection, target.connection, WINDOW);
      const agentDays = (await storedFacts(target.connection)).WFM_ADH_AGENT_DAY ?? [];
      assert.deepEqual(agentDays.map((r) => r.WFM_ADH_AGENT_DAY_KEY), (stored.WFM_ADH_AGENT_DAY ?? []).map((r) => r.WFM_ADH_AGENT_DAY_KEY), 'the same facts keep their keys');
      const cid = agentDays.find((r) => r.WFM_DATE === '2026-03-09');
      assert.equal(Number(cid?.WFM_NON_ADHERENCE_DURATION), 0, 'Cid ready through his hour on the 9th');
      assert.equal(Number(cid?.UPDATE_AUDIT_KEY), changed.auditKey);
      assert.equal(Number(cid?.CREATE_AUDIT_KEY), Number(stored.WFM_ADH_AGENT_DAY?.[0]?.CREATE_AUDIT_KEY));
      assert.deepEqual(agentDays.filter((r) => r.WFM_DATE === '2026-03-08'), (stored.WFM_ADH_AGENT_DAY ?? []).filter((r) => r.WFM_DATE === '2026-03-08'), 'the 8th untouched');
      await source.connection.execute(cidOn9th, [2700, 3600]);
      await source.connection.execute(`INSERT INTO agent (id, site_id, team_id, first_name, last_name) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})`, [1004, 10, 100, 'Dee', 'Fox']);
      assert.deepEqual((await runEtlCycle(source.connection, target.connection, WINDOW)).dimensions, { inserted: 1, updated: 0, deleted: 0 });
      await source.connection.execute(`DELETE FROM agent WHERE id = ${p(1)}`, [1004]);
      assert.deepEqual((await runEtlCycle(source.connection, target.connection, WINDOW)).dimensions, { inserted: 0, updated: 0, deleted: 1 });
      const [gone] = await target.connection.query(`SELECT ${q.quoteIdentifier('DELETED')} AS deleted FROM ${q.quoteIdentifier('WFM_AGENT')} WHERE ${q.quoteIdentifier('WFM_AGENT_ID')} = 1004`);
      assert.equal(Number(gone?.deleted), 1, 'an agent gone from the WFM database stays, marked deleted');
      await source.connection.execute(`UPDATE team SET name = ${p(1)} WHERE id = 100`, ['Team A']);
      assert.deepEqual((await runEtlCycle(source.connection, target.connection, WINDOW)).dimensions, { inserted: 0, updated: 1, deleted: 0 });
      assert.deepEqual(await allFacts(target.connection), first);
    });

    it('purges in MaxPurgeChunk-row transactions, by PurgeDate over PurgeDaysBack', async () => {
      const q = target.connection.compiler;
      const count = async (table: string, before: string): Promise<number> =>
        Number((await target.connection.query(`SELECT COUNT(*) AS n FROM ${q.quoteIdentifier(table)} WHERE ${q.quoteIdentifier('WFM_DATE')} < ${q.parameter(1)}`, [before]))[0]?.n);
      const stepsOf8th = await count('WFM_ADH_AGENT_TIMESTEP', '2026-03-09');
      assert.ok(stepsOf8th > 7, `${stepsOf8th} timesteps on the 8th`);
      // PurgeDaysBack 0 alone would purge the 7th only; PurgeDate 2026-03-09 wins and purges the 8th.
      const purged = await runEtlCycle(source.connection, target.connection, { ...WINDOW, maxPurgeChunk: 7, purgeDaysBack: 0, purgeDate: '2026-03-09' });
      assert.equal(purged.purge.cutOff, '2026-03-09');
      const steps = purged.purge.tables.find((t) => t.table === 'WFM_ADH_AGENT_TIMESTEP');
      assert.ok(steps && steps.transactions.every((n) => n <= 7), `transactions ${String(steps?.transactions)}`);
      assert.equal(steps?.transactions.reduce((a, b) => a + b, 0), stepsOf8th);
      assert.equal(steps?.transactions.length, Math.ceil(stepsOf8th / 7));
      for (const table of factTables('8.5')) assert.equal(await count(table, '2026-03-09'), 0, table);
      assert.equal((await facts(target.connection, 'WFM_ADH_AGENT_DAY')).length, 1, 'Cid on the 9th stays');

      const byDays = await runEtlCycle(source.connection, target.connection, { ...WINDOW, purgeDaysBack: 0 });
      assert.equal(byDays.purge.cutOff, '2026-03-08');
      assert.equal(await count('WFM_ADH_AGENT_DAY', '2026-03-08'), 0);
      assert.equal((await facts(target.connection, 'WFM_ADH_AGENT_DAY')).length, 4, 'the 8th and 9th were recomputed and kept');
      const none = await runEtlCycle(source.connection, target.connection, WINDOW);
      assert.equal(none.purge.cutOff, undefined);
      assert.equal(none.rowsPurged, 0);
    });

    it('completes a wfm etl run killed mid-way with the next run: every fact equal to an uninterrupted cycle', async () => {
      const uninterrupted = await open('etlwhole');
      await createEtlDatabase(uninterrupted.connection);
      const whole = wfm(['etl', 'run', ...GENERATED_CYCLE, '--to', uninterrupted.url]);
      assert.equal(whole.status, 0, whole.stderr);
      const killed = await open('etlkill');
      await createEtlDatabase(killed.connection);
      const run = await runKilledMidway(killed.url);
      assert.equal(run.signal, 'SIGKILL', run.lines.join('\n'));
      const q = killed.connection.compiler;
      const history = `SELECT ${q.quoteIdentifier('STATUS')} AS status FROM ${q.quoteIdentifier('CTL_ETL_HISTORY')} ORDER BY ${q.quoteIdentifier('CTL_ETL_HISTORY_KEY')}`;
      assert.deepEqual((await killed.connection.query(history)).map((r) => r.status), ['RUNNING'], 'killed before it finished');
      const next = wfm(['etl', 'run', ...GENERATED_CYCLE, '--to', killed.url]);
      assert.equal(next.status, 0, next.stderr);
      assert.deepEqual((await killed.connection.query(history)).map((r) => r.status), ['FAILED', 'COMPLETED']);
      const expected = await allFacts(uninterrupted.connection);
      assert.ok((expected.WFM_ADH_AGENT_TIMESTEP ?? []).length > 1000, 'the generated data fills the window');
      assert.deepEqual(await allFacts(killed.connection), expected);
    });

    it('fills an ETL database at 8.1 with its schedule facts only, the same as at 8.5', async () => {
      const at81 = await open('etl81');
      await createEtlDatabase(at81.connection, '8.1');
      const result = await runEtlCycle(source.connection, at81.connection, WINDOW);
      assert.equal(result.chunks.length, 3);
      assert.deepEqual(factTables('8.1').filter((t) => !t.startsWith('WFM_SCH_')), []);
      const expected = await allFacts(target.connection);
      for (const table of factTables('8.1')) assert.deepEqual(await facts(at81.connection, table), expected[table], table);
    });

    it('fills ETL tables that live in the WFM database itself, and refuses a group of an unknown kind with its name, the job FAILED', async () => {
      const both = await open('etlsame');
      await loadFixture(both.connection);
      await createEtlDatabase(both.connection);
      const writer = await connect(both.url);
      connections.push(writer);
      await runEtlCycle(both.connection, writer, WINDOW);
      assert.deepEqual(await allFacts(writer), first);
      await both.connection.execute(`UPDATE schedule_state_group SET kind = ${both.connection.compiler.parameter(1)} WHERE id = 203`, ['lunch']);
      await assert.rejects(runEtlCycle(both.connection, writer, WINDOW), (e: unknown) => e instanceof InputError && /schedule_state_group 203 \(Meal\) has kind "lunch"/.test(e.message));
      const q = writer.compiler;
      const statuses = await writer.query(`SELECT ${q.quoteIdentifier('STATUS')} AS status, ${q.quoteIdentifier('MESSAGE')} AS message FROM ${q.quoteIdentifier('CTL_ETL_HISTORY')} ORDER BY 1`);
      assert.deepEqual(statuses.map((r) => r.status), ['COMPLETED', 'FAILED']);
      assert.match(String(statuses[1]?.message), /has kind "lunch"/);
    });
  });
}

describe('wfm etl serve', () => {
  it('runs the first cycle at start when ETLTimeout is negative and stops on SIGTERM with exit 143; 0 disables it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'wfm-etl-serve-'));
    const wfmUrl = `sqlite:${join(directory, 'wfm.db')}`;
    const etlUrl = `sqlite:${join(directory, 'etl.db')}`;
    const source = await connect(wfmUrl);
    const target = await connect(etlUrl);
    try {
      await loadFixture(source);
      await createEtlDatabase(target);
      const args = ['etl', 'serve', '--from', wfmUrl, '--to', etlUrl, '--today', '2026-03-08', '--days-back', '1', '--days-ahead', '1'];
      const disabled = wfm([...args, '--etl-timeout', '0']);
      assert.equal(disabled.status, 0, disabled.stderr);
      assert.match(disabled.stderr, /disabled \(ETLTimeout = 0\)/);

      const child = spawn(process.execPath, [WFM_BIN, ...args, '--etl-timeout', '-60'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const lines: string[] = [];
      createInterface({ input: child.stderr }).on('line', (line) => {
        lines.push(line);
        if (line.startsWith('purge:')) child.kill('SIGTERM');
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
      assert.equal(code, 143, lines.join('\n'));
      const q = target.compiler;
      const history = await target.query(`SELECT ${q.quoteIdentifier('STATUS')} AS status FROM ${q.quoteIdentifier('CTL_ETL_HISTORY')}`);
      assert.deepEqual(history.map((r) => r.status), ['COMPLETED']);
    } finally {
      await source.close();
      await target.close();
    }
  });
});

describe('wfm etl run stopped by SIGINT', () => {
  it('stops after the chunk it is writing, records the job FAILED and exits 130', async () => {
    const etlUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'wfm-etl-sigint-')), 'etl.db')}`;
    const target = await connect(etlUrl);
    try {
      await createEtlDatabase(target);
      const child = spawn(process.execPath, [WFM_BIN, 'etl', 'run', ...GENERATED_CYCLE, '--to', etlUrl, '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const lines: string[] = [];
      createInterface({ input: child.stderr }).on('line', (line) => {
        lines.push(line);
        if (/"text":"facts /.test(line) && lines.filter((l) => /"text":"facts /.test(l)).length === 1) child.kill('SIGINT');
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
      assert.equal(code, 130, lines.join('\n'));
      assert.match(lines.join('\n'), /to go on, run: wfm etl run/);
      const q = target.compiler;
      const [job] = await target.query(`SELECT ${q.quoteIdentifier('STATUS')} AS status, ${q.quoteIdentifier('MESSAGE')} AS message FROM ${q.quoteIdentifier('CTL_ETL_HISTORY')}`);
      assert.equal(job?.status, 'FAILED');
      assert.match(String(job?.message), /interrupted \(SIGINT\)/);
    } finally {
      await target.close();
    }
  });
});
