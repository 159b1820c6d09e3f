// Reports read from the ETL database as a report tool reads it: the day facts of a date range added up per
// site, team, agent or activity, with the percentages recomputed from the sums so that each day weighs by
// its scheduled time or its offered contacts. Every query is neutral SQL through the dialect layer, and
// every input is checked before it reaches one.
import { withConnection, type Connection, type ConnectionTarget, type Row } from '../../engine/dialect/index.ts';
import { InputError } from '../../engine/errors.ts';
import { calendarDate } from './cycle/options.ts';
import { describeEtlState, detectEtlRelease } from './database.ts';
import { compareEtlReleases, type EtlRelease } from './versions.ts';

export const REPORT_KINDS = ['adherence-site', 'adherence-team', 'adherence-agent', 'activity-performance'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_TITLES: Record<ReportKind, string> = {
  'adherence-site': 'Adherence and conformance by site',
  'adherence-team': 'Adherence and conformance by team',
  'adherence-agent': 'Adherence and conformance by agent',
  'activity-performance': 'Service level, handle time and volume by activity',
};

/** The longest range a report adds up: two years of days. */
export const MAX_REPORT_DAYS = 731;

export interface ReportRequest {
  kind: ReportKind;
  /** First and last local day of the range, inclusive. */
  first: string;
  last: string;
  /** Only this site (its WFM id), when given. */
  siteId?: number;
}

export interface AdherenceRow {
  /** The site, team or agent as the report names it. */
  name: string;
  site: string;
  /** Days of the range with facts. */
  days: number;
  scheduleSeconds: number;
  nonAdherenceSeconds: number;
  actualWorkSeconds: number;
  /** 100 × (scheduled − out of adherence) / scheduled; null when nothing was scheduled. */
  adherencePercent: number | null;
  /** 100 × actual work / scheduled work; null when no work was scheduled. */
  conformancePercent: number | null;
}

export interface ActivityPerformanceRow {
  name: string;
  /** The activity's site; empty for a multi-site activity. */
  site: string;
  days: number;
  offered: number;
  handled: number;
  abandoned: number;
  answeredInServiceLevel: number;
  handleSeconds: number;
  /** 100 × answered in service level / offered; null without offered contacts. */
  serviceLevelPercent: number | null;
  /** Handle time per handled contact; null when none was handled. */
  averageHandleSeconds: number | null;
}

export type EtlReport = { kind: 'adherence'; request: ReportRequest; rows: AdherenceRow[] } | { kind: 'activity-performance'; request: ReportRequest; rows: ActivityPerformanceRow[] };

export function isReportKind(text: string): text is ReportKind {
  return (REPORT_KINDS as readonly string[]).includes(text);
}

const dayNumber = (day: string): number => Date.parse(`${day}T00:00:00Z`) / 86_400_000;

/** A report request from the texts of a form or a query string, or an InputError that names what is wrong. */
export function parseReportRequest(texts: { report?: string; from?: string; to?: string; site?: string }): ReportRequest {
  const kindText = texts.report ?? REPORT_KINDS[0];
  if (!isReportKind(kindText)) throw new InputError(`report takes one of ${REPORT_KINDS.join(', ')}, not "${kindText}"`);
  if (!texts.from || !texts.to) throw new InputError('name the range: from and to, dates YYYY-MM-DD');
  const first = calendarDate(texts.from, 'from');
  const last = calendarDate(texts.to, 'to');
  if (last < first) throw new InputError(`the range ends (${last}) before it starts (${first})`);
  if (dayNumber(last) - dayNumber(first) + 1 > MAX_REPORT_DAYS) throw new InputError(`a report covers ${MAX_REPORT_DAYS} days at most; ${first}..${last} is longer`);
  const request: ReportRequest = { kind: kindText, first, last };
  if (texts.site !== undefined && texts.site.trim() !== '') {
    if (!/^\d{1,9}$/.test(texts.site.trim())) throw new InputError(`site takes a site's id (a whole number), not "${texts.site}"`);
    request.siteId = Number(texts.site.trim());
  }
  return request;
}

/** What each level's facts join to name their rows: the level's dimension, and its site. */
const LEVELS = {
  'adherence-site': { fact: 'WFM_ADH_SITE_DAY', dimension: 'WFM_SITE' },
  'adherence-team': { fact: 'WFM_ADH_TEAM_DAY', dimension: 'WFM_TEAM' },
  'adherence-agent': { fact: 'WFM_ADH_AGENT_DAY', dimension: 'WFM_AGENT' },
} as const;

const count = (value: unknown): number => Number(value ?? 0);
const ratio = (part: number, whole: number): number | null => (whole > 0 ? (100 * part) / whole : null);

/** The neutral SQL pieces a report is written with: quoted names and the range's parameters. */
function sqlParts(etl: Connection) {
  const q = etl.compiler;
  const name = (alias: string, column: string): string => `${alias}.${q.quoteIdentifier(column)}`;
  const table = (tableName: string, alias: string): string => `${q.quoteIdentifier(tableName)} ${alias}`;
  const range = (request: ReportRequest): { where: string; values: (string | number)[] } => {
    const where = [`${name('f', 'WFM_DATE')} >= ${q.parameter(1)}`, `${name('f', 'WFM_DATE')} <= ${q.parameter(2)}`];
    const values: (string | number)[] = [request.first, request.last];
    if (request.siteId !== undefined) {
      where.push(`${name('s', 'WFM_SITE_ID')} = ${q.parameter(3)}`);
      values.push(request.siteId);
    }
    return { where: where.join(' AND '), values };
  };
  return { name, table, range };
}

/**
 * Adherence facts summed per site, team or agent. Conformance needs scheduled work, which the adherence
 * facts do not keep: it comes from the schedule day facts of the same rows.
 */
async function adherenceRows(etl: Connection, request: ReportRequest & { kind: keyof typeof LEVELS }): Promise<AdherenceRow[]> {
  const { name, table, range } = sqlParts(etl);
  const level = LEVELS[request.kind];
  const key = `${level.dimension}_KEY`;
  const label =
    request.kind === 'adherence-agent'
      ? [name('d', 'WFM_LAST_NAME'), name('d', 'WFM_FIRST_NAME'), name('d', 'WFM_AGENT_ID')]
      : [name('d', `${level.dimension}_NAME`), name('d', `${level.dimension}_ID`)];
  const scheduleFact = level.fact.replace('WFM_ADH_', 'WFM_SCH_');
  const filter = range(request);
  const rows = await etl.query(
    `SELECT ${label.join(', ')}, ${name('s', 'WFM_SITE_NAME')} AS site_name, COUNT(*) AS days, ` +
      `SUM(${name('f', 'WFM_SCHEDULE_DURATION')}) AS scheduled, SUM(${name('f', 'WFM_NON_ADHERENCE_DURATION')}) AS non_adherence, ` +
      `SUM(${name('f', 'WFM_ACTUAL_WORK_DURATION')}) AS worked, SUM(${name('w', 'WFM_WORK_DURATION')}) AS scheduled_work ` +
      `FROM ${table(level.fact, 'f')} JOIN ${table(level.dimension, 'd')} ON ${name('d', key)} = ${name('f', key)} ` +
      `JOIN ${table('WFM_SITE', 's')} ON ${name('s', 'WFM_SITE_KEY')} = ${name('f', 'WFM_SITE_KEY')} ` +
      `LEFT JOIN ${table(scheduleFact, 'w')} ON ${name('w', key)} = ${name('f', key)} AND ${name('w', 'WFM_DATE')} = ${name('f', 'WFM_DATE')} ` +
      `WHERE ${filter.where} GROUP BY ${name('d', key)}, ${label.join(', ')}, ${name('s', 'WFM_SITE_NAME')} ` +
      `ORDER BY ${name('s', 'WFM_SITE_NAME')}, ${label.join(', ')}`,
    filter.values,
  );
  return rows.map((row) => adherenceRow(row, request.kind));
}

function rowName(row: Row, kind: ReportKind): string {
  if (kind === 'adherence-agent') return `${String(row.WFM_LAST_NAME)}, ${String(row.WFM_FIRST_NAME)}`;
  return String(row[kind === 'adherence-team' ? 'WFM_TEAM_NAME' : 'WFM_SITE_NAME']);
}

function adherenceRow(row: Row, kind: ReportKind): AdherenceRow {
  const scheduleSeconds = count(row.scheduled);
  const nonAdherenceSeconds = count(row.non_adherence);
  const actualWorkSeconds = count(row.worked);
  return {
    name: rowName(row, kind),
    site: String(row.site_name),
    days: count(row.days),
    scheduleSeconds,
    nonAdherenceSeconds,
    actualWorkSeconds,
    adherencePercent: ratio(scheduleSeconds - nonAdherenceSeconds, scheduleSeconds),
    conformancePercent: ratio(actualWorkSeconds, count(row.scheduled_work)),
  };
}

/** Performance day facts summed per activity; a multi-site activity has no site, so a site filter leaves it out. */
async function activityPerformanceRows(etl: Connection, request: ReportRequest): Promise<ActivityPerformanceRow[]> {
  const { name, table, range } = sqlParts(etl);
  const filter = range(request);
  const measure = (column: string, alias: string): string => `SUM(${name('f', column)}) AS ${alias}`;
  const rows = await etl.query(
    `SELECT ${name('a', 'WFM_ACTIVITY_NAME')} AS activity, ${name('s', 'WFM_SITE_NAME')} AS site_name, COUNT(*) AS days, ` +
      [measure('WFM_OFFERED', 'offered'), measure('WFM_HANDLED', 'handled'), measure('WFM_ABANDONED', 'abandoned'), measure('WFM_ANSWERED_IN_SL', 'in_sl'), measure('WFM_HANDLE_DURATION', 'handle')].join(', ') +
      ` FROM ${table('WFM_PERF_ACT_DAY', 'f')} JOIN ${table('WFM_ACTIVITY', 'a')} ON ${name('a', 'WFM_ACTIVITY_KEY')} = ${name('f', 'WFM_ACTIVITY_KEY')} ` +
      `LEFT JOIN ${table('WFM_SITE', 's')} ON ${name('s', 'WFM_SITE_KEY')} = ${name('a', 'WFM_SITE_KEY')} ` +
      `WHERE ${filter.where} GROUP BY ${name('a', 'WFM_ACTIVITY_KEY')}, ${name('a', 'WFM_ACTIVITY_NAME')}, ${name('s', 'WFM_SITE_NAME')} ` +
      `ORDER BY ${name('s', 'WFM_SITE_NAME')}, ${name('a', 'WFM_ACTIVITY_NAME')}, ${name('a', 'WFM_ACTIVITY_KEY')}`,
    filter.values,
  );
  return rows.map((row) => {
    const handled = count(row.handled);
    const handleSeconds = count(row.handle);
    return {
      name: String(row.activity),
      site: row.site_name === null || row.site_name === undefined ? '' : String(row.site_name),
      days: count(row.days),
      offered: count(row.offered),
      handled,
      abandoned: count(row.abandoned),
      answeredInServiceLevel: count(row.in_sl),
      handleSeconds,
      serviceLevelPercent: ratio(count(row.in_sl), count(row.offered)),
      averageHandleSeconds: handled > 0 ? handleSeconds / handled : null,
    };
  });
}

/** The report over an open ETL database. */
export async function etlReport(etl: Connection, request: ReportRequest): Promise<EtlReport> {
  if (request.kind === 'activity-performance') return { kind: 'activity-performance', request, rows: await activityPerformanceRows(etl, request) };
  return { kind: 'adherence', request, rows: await adherenceRows(etl, { ...request, kind: request.kind }) };
}

/** The release that brought the adherence and performance facts. */
const REPORTED_RELEASE: EtlRelease = '8.5';

/** Opens the ETL database to read only, checks that it has the facts a report reads, and reads the report. */
export function readEtlReport(target: ConnectionTarget, request: ReportRequest): Promise<EtlReport> {
  return withConnection({ ...target, readOnly: true }, async (etl) => {
    const state = await detectEtlRelease(etl);
    if (state.kind !== 'current' || compareEtlReleases(state.release, REPORTED_RELEASE) < 0) {
      throw new InputError(`the reports read the adherence and performance facts of an ETL database at ${REPORTED_RELEASE} or later; this one is ${describeEtlState(state)}`);
    }
    return etlReport(etl, request);
  });
}
