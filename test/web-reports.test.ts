// The console's Reports page through fastify's inject, on an ETL database on every engine (SQLite, PostgreSQL
// and MariaDB here) filled by a real `wfm etl run` from a generated WFM database: every report's figures
// equal the day facts read back and added up here, the CSV parses and holds the table's rows, and bad input
// gets 400 with a message.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { resolveTarget } from '../src/cli/connections.ts';
import { parseConnectionString, withConnection, type Row } from '../src/engine/dialect/index.ts';
import { ConfigFile } from '../src/wfm/config/index.ts';
import { buildConsole } from '../src/web/server.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases } from './helpers/databases.ts';

const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-web-reports-'));
const generated = `sqlite:${join(directory, 'wfm.db')}`;

/** The cycle covers the generated week; the reports read a range inside it, so the range's ends matter. */
const CYCLE = ['--from', generated, '--today', '2024-01-04', '--days-back', '3', '--days-ahead', '3'];
const FIRST = '2024-01-02';
const LAST = '2024-01-05';

function consoleFor(etlUrl: string): FastifyInstance {
  return buildConsole({
    database: parseConnectionString(generated),
    etl: parseConnectionString(etlUrl),
    tokens: [{ token: 'viewer-token', role: 'viewer' }],
    runsDirectory: join(directory, 'runs'),
    backupDirectory: directory,
    keyFile: join(directory, 'key'),
    resolve: async (text) => parseConnectionString(text),
  });
}

async function signIn(app: FastifyInstance): Promise<string> {
  const response = await app.inject({ url: '/sign-in?token=viewer-token' });
  assert.equal(response.statusCode, 302, response.body);
  return String(response.headers['set-cookie']).split(';')[0] as string;
}

const day = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value)).slice(0, 10);
const inRange = (row: Row): boolean => day(row.WFM_DATE) >= FIRST && day(row.WFM_DATE) <= LAST;
const hours = (seconds: number): string => (seconds / 3600).toFixed(2);
const percent = (part: number, whole: number): string => (whole > 0 ? ((100 * part) / whole).toFixed(1) : '');

/** Every row of a table, read with nothing but SELECT *. */
async function rowsOf(url: string, table: string): Promise<Row[]> {
  return withConnection(url, (connection) => connection.query(`SELECT * FROM ${connection.compiler.quoteIdentifier(table)}`));
}

/** Rows in one order whatever the database's collation, so that two lists of rows compare as sets. */
const sorted = (rows: string[][]): string[][] => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

type Sums = Map<string, Record<string, number>>;

/** Adds the named columns of the range's rows up per value of `key`. */
function sumsBy(rows: Row[], key: string, columns: string[]): Sums {
  const sums: Sums = new Map();
  for (const row of rows.filter(inRange)) {
    const id = String(row[key]);
    const sum = sums.get(id) ?? Object.fromEntries([['days', 0], ...columns.map((c) => [c, 0])]);
    sum.days = (sum.days ?? 0) + 1;
    for (const column of columns) sum[column] = (sum[column] ?? 0) + Number(row[column]);
    sums.set(id, sum);
  }
  return sums;
}

/** The adherence report of one level as it must read, worked out from the facts and dimensions. */
async function expectedAdherence(url: string, level: 'SITE' | 'TEAM' | 'AGENT'): Promise<string[][]> {
  const dimension = `WFM_${level}`;
  const key = `${dimension}_KEY`;
  const adherence = sumsBy(await rowsOf(url, `WFM_ADH_${level}_DAY`), key, ['WFM_SCHEDULE_DURATION', 'WFM_NON_ADHERENCE_DURATION', 'WFM_ACTUAL_WORK_DURATION']);
  const work = sumsBy(await rowsOf(url, `WFM_SCH_${level}_DAY`), key, ['WFM_WORK_DURATION']);
  const names = new Map((await rowsOf(url, dimension)).map((d) => [String(d[key]), d]));
  const sites = new Map((await rowsOf(url, 'WFM_SITE')).map((s) => [String(s.WFM_SITE_KEY), String(s.WFM_SITE_NAME)]));
  const rows = [...adherence].map(([id, sum]) => {
    const d = names.get(id) as Row;
    const name = level === 'AGENT' ? `${String(d.WFM_LAST_NAME)}, ${String(d.WFM_FIRST_NAME)}` : String(d[`${dimension}_NAME`]);
    const scheduled = sum.WFM_SCHEDULE_DURATION ?? 0;
    const out = sum.WFM_NON_ADHERENCE_DURATION ?? 0;
    const worked = sum.WFM_ACTUAL_WORK_DURATION ?? 0;
    const site = sites.get(String(d.WFM_SITE_KEY ?? id)) ?? '';
    return [name, site, String(sum.days), hours(scheduled), hours(out), hours(worked), percent(scheduled - out, scheduled), percent(worked, work.get(id)?.WFM_WORK_DURATION ?? 0)];
  });
  return sorted(rows);
}

async function expectedPerformance(url: string): Promise<string[][]> {
  const sums = sumsBy(await rowsOf(url, 'WFM_PERF_ACT_DAY'), 'WFM_ACTIVITY_KEY', ['WFM_OFFERED', 'WFM_HANDLED', 'WFM_ABANDONED', 'WFM_ANSWERED_IN_SL', 'WFM_HANDLE_DURATION']);
  const activities = new Map((await rowsOf(url, 'WFM_ACTIVITY')).map((a) => [String(a.WFM_ACTIVITY_KEY), a]));
  const sites = new Map((await rowsOf(url, 'WFM_SITE')).map((s) => [String(s.WFM_SITE_KEY), String(s.WFM_SITE_NAME)]));
  const rows = [...sums].map(([id, sum]) => {
    const activity = activities.get(id) as Row;
    const handled = sum.WFM_HANDLED ?? 0;
    return [
      String(activity.WFM_ACTIVITY_NAME),
      sites.get(String(activity.WFM_SITE_KEY)) ?? '',
      String(sum.days),
      String(sum.WFM_OFFERED),
      String(handled),
      String(sum.WFM_ABANDONED),
      percent(sum.WFM_ANSWERED_IN_SL ?? 0, sum.WFM_OFFERED ?? 0),
      handled > 0 ? ((sum.WFM_HANDLE_DURATION ?? 0) / handled).toFixed(1) : '',
    ];
  });
  return sorted(rows);
}

/** The text of each cell of the page's report table, row by row. */
function tableRows(page: string): string[][] {
  const table = /<table id="report-table">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
  const unescape = (text: string): string => text.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...(row[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => unescape(cell[1] ?? '')));
}


before(() => {
  const result = wfm(['generate', '--version', '8.5.2', '--db', generated, '--agents', '24', '--days', '7']);
  assert.equal(result.status, 0, result.stderr);
});

for (const engine of await testEngines()) {
  describe(`the Reports page on an ETL database on ${engine.engine}`, { skip: engine.skip }, () => {
    let etlUrl: string;
    let app: FastifyInstance;
    let cookie: string;
    before(async () => {
      etlUrl = (await fresh(engine, 'etlreports')).url;
      const created = wfm(['etl', 'create', '--db', etlUrl]);
      assert.equal(created.status, 0, created.stderr);
      const cycle = wfm(['etl', 'run', ...CYCLE, '--to', etlUrl]);
      assert.equal(cycle.status, 0, cycle.stderr);
      app = consoleFor(etlUrl);
      cookie = await signIn(app);
    });
    after(async () => app.close());

    const report = (query: Record<string, string>) => app.inject({ url: `/reports?${new URLSearchParams(query).toString()}`, headers: { cookie } });

    for (const level of ['SITE', 'TEAM', 'AGENT'] as const) {
      it(`gives adherence and conformance by ${level.toLowerCase()} equal to the day facts added up, in the table and the CSV`, async () => {
        const kind = `adherence-${level.toLowerCase()}`;
        const expected = await expectedAdherence(etlUrl, level);
        assert.ok(expected.length > 0, 'the cycle wrote adherence facts in the range');
        const page = await report({ etl: '--etl', report: kind, from: FIRST, to: LAST });
        assert.equal(page.statusCode, 200, page.body);
        const [header, ...rows] = tableRows(page.body);
        assert.deepEqual(header, ['name', 'site', 'days', 'scheduled hours', 'out of adherence hours', 'worked hours', 'adherence %', 'conformance %']);
        assert.deepEqual(sorted(rows), expected);
        assert.match(page.body, /<svg id="report-chart"[^>]*>.*<rect class="value"/s);

        const csv = await report({ etl: '--etl', report: kind, from: FIRST, to: LAST, format: 'csv' });
        assert.equal(csv.statusCode, 200, csv.body);
        assert.match(String(csv.headers['content-type']), /^text\/csv/);
        assert.equal(csv.headers['content-disposition'], `attachment; filename="wfm-${kind}-${FIRST}-${LAST}.csv"`);
        assert.deepEqual(parse(csv.body, { relax_column_count: false }), [header, ...rows]);
      });
    }

    it('gives service level, handle time and volume by activity equal to the performance facts added up', async () => {
      const expected = await expectedPerformance(etlUrl);
      assert.ok(expected.some((row) => Number(row[3]) > 0), 'the cycle wrote offered contacts in the range');
      const page = await report({ etl: '--etl', report: 'activity-performance', from: FIRST, to: LAST });
      assert.equal(page.statusCode, 200, page.body);
      const [header, ...rows] = tableRows(page.body);
      assert.deepEqual(sorted(rows), expected);
      const csv = await report({ etl: '--etl', report: 'activity-performance', from: FIRST, to: LAST, format: 'csv' });
      assert.deepEqual(parse(csv.body), [header, ...rows]);
    });

    it('keeps one site only when given its id, and a range with no facts reads as empty', async () => {
      const sites = await rowsOf(etlUrl, 'WFM_SITE');
      const site = sites[0] as Row;
      const only = parse((await report({ etl: '--etl', report: 'adherence-agent', from: FIRST, to: LAST, site: String(site.WFM_SITE_ID), format: 'csv' })).body) as string[][];
      assert.ok(only.length > 1);
      assert.deepEqual(new Set(only.slice(1).map((row) => row[1])), new Set([String(site.WFM_SITE_NAME)]));
      const empty = await report({ etl: '--etl', report: 'adherence-site', from: '2030-01-01', to: '2030-01-31' });
      assert.equal(empty.statusCode, 200);
      assert.match(empty.body, /id="report-empty"/);
    });

    it('refuses bad dates, a bad range, an unknown report or ETL database and a bad site id with 400 and a message', async () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{ from: '2024-02-30', to: LAST }, /from takes a date YYYY-MM-DD, not &quot;2024-02-30&quot;/],
        [{ from: FIRST, to: 'yesterday' }, /to takes a date YYYY-MM-DD, not &quot;yesterday&quot;/],
        [{ from: LAST, to: FIRST }, /the range ends \(2024-01-02\) before it starts \(2024-01-05\)/],
        [{ from: '2020-01-01', to: '2024-01-01' }, /731 days at most/],
        [{ from: FIRST, to: LAST, report: 'salaries' }, /report takes one of adherence-site/],
        [{ from: FIRST, to: LAST, site: '1 OR 1=1' }, /site takes a site&#39;s id/],
        [{ from: FIRST, to: LAST, etl: 'sqlite:/etc/passwd' }, /etl names no ETL database the console offers/],
      ];
      for (const [query, message] of cases) {
        const page = await report({ etl: '--etl', ...query });
        assert.equal(page.statusCode, 400, JSON.stringify(query));
        assert.match(page.body, message);
        assert.doesNotMatch(page.body, /id="report-table"/);
      }
      const csv = await report({ etl: '--etl', from: FIRST, to: '2024-13-01', format: 'csv' });
      assert.equal(csv.statusCode, 400);
      assert.equal(csv.body, 'to takes a date YYYY-MM-DD, not "2024-13-01"\n');
    });
  });
}

describe('the Reports page with the access points of wfm.yaml', () => {
  it('offers every access point, reads the one chosen, says what a database without ETL facts is, and is in the navigation', async () => {
    const etlFile = join(directory, 'etl-by-access-point.db');
    for (const args of [['etl', 'create', '--db', `sqlite:${etlFile}`], ['etl', 'run', ...CYCLE, '--to', `sqlite:${etlFile}`]]) {
      const result = wfm(args);
      assert.equal(result.status, 0, result.stderr);
    }
    const configFile = join(directory, 'wfm.yaml');
    writeFileSync(configFile, `databases:\n  WFM:\n    connection: ${generated}\n  Reporting:\n    connection: sqlite:${etlFile}\n`);
    const app = buildConsole({
      database: parseConnectionString(generated),
      config: ConfigFile.load(configFile),
      tokens: [{ token: 'viewer-token', role: 'viewer' }],
      runsDirectory: join(directory, 'runs'),
      backupDirectory: directory,
      keyFile: join(directory, 'key'),
      resolve: (text) => resolveTarget(text, { config: configFile }),
    });
    const cookie = await signIn(app);
    const form = await app.inject({ url: '/reports', headers: { cookie } });
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<option value="WFM" selected>WFM \(access point\)<\/option><option value="Reporting"\s*>Reporting \(access point\)<\/option>/);
    assert.doesNotMatch(form.body, /--etl/, 'no --etl database was given');
    assert.match(form.body, /<a href="\/reports" class="on">Reports<\/a>/);
    const chosen = await app.inject({ url: `/reports?etl=Reporting&report=adherence-site&from=${FIRST}&to=${LAST}`, headers: { cookie } });
    assert.equal(chosen.statusCode, 200, chosen.body);
    assert.deepEqual(sorted(tableRows(chosen.body).slice(1)), await expectedAdherence(`sqlite:${etlFile}`, 'SITE'));
    const notEtl = await app.inject({ url: `/reports?etl=WFM&from=${FIRST}&to=${LAST}`, headers: { cookie } });
    assert.equal(notEtl.statusCode, 400);
    assert.match(notEtl.body, /the reports read the adherence and performance facts of an ETL database at 8\.5 or later; this one is no WFM ETL database/);
    await app.close();
  });
});
