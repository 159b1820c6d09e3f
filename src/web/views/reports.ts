// The Reports page: the form that chooses the ETL database, the report and its range, then the report as a
// bar chart drawn on the server (inline SVG) and a table, with the same columns offered as CSV.
import { stringify } from 'csv-stringify/sync';
import { MAX_REPORT_DAYS, REPORT_KINDS, REPORT_TITLES, type ActivityPerformanceRow, type AdherenceRow, type EtlReport } from '../../wfm/etl/index.ts';
import { html, type Html } from './html.ts';

/** An ETL database the page offers: an access point of the configuration, or the one `wfm web --etl` named. */
export interface EtlChoice {
  value: string;
  label: string;
}

export interface ReportForm {
  choices: EtlChoice[];
  etl: string;
  report: string;
  from: string;
  to: string;
  site: string;
}

interface Column<R> {
  header: string;
  /** The value as the table shows it and the CSV holds it. */
  value: (row: R) => string;
  numeric: boolean;
}

const hours = (seconds: number): string => (seconds / 3600).toFixed(2);
const percent = (value: number | null): string => (value === null ? '' : value.toFixed(1));

const text = <R>(header: string, value: (row: R) => string): Column<R> => ({ header, value, numeric: false });
const number = <R>(header: string, value: (row: R) => string): Column<R> => ({ header, value, numeric: true });

const ADHERENCE_COLUMNS: Column<AdherenceRow>[] = [
  text('name', (r) => r.name),
  text('site', (r) => r.site),
  number('days', (r) => String(r.days)),
  number('scheduled hours', (r) => hours(r.scheduleSeconds)),
  number('out of adherence hours', (r) => hours(r.nonAdherenceSeconds)),
  number('worked hours', (r) => hours(r.actualWorkSeconds)),
  number('adherence %', (r) => percent(r.adherencePercent)),
  number('conformance %', (r) => percent(r.conformancePercent)),
];

const PERFORMANCE_COLUMNS: Column<ActivityPerformanceRow>[] = [
  text('activity', (r) => r.name),
  text('site', (r) => r.site),
  number('days', (r) => String(r.days)),
  number('offered', (r) => String(r.offered)),
  number('handled', (r) => String(r.handled)),
  number('abandoned', (r) => String(r.abandoned)),
  number('service level %', (r) => percent(r.serviceLevelPercent)),
  number('average handle seconds', (r) => (r.averageHandleSeconds === null ? '' : r.averageHandleSeconds.toFixed(1))),
];

/** The report's header and rows as text, the same for the table and the CSV. */
function reportCells(report: EtlReport): { headers: string[]; numeric: boolean[]; rows: string[][] } {
  const cells = <R>(columns: Column<R>[], rows: R[]) => ({
    headers: columns.map((c) => c.header),
    numeric: columns.map((c) => c.numeric),
    rows: rows.map((row) => columns.map((c) => c.value(row))),
  });
  return report.kind === 'adherence' ? cells(ADHERENCE_COLUMNS, report.rows) : cells(PERFORMANCE_COLUMNS, report.rows);
}

/** The report as CSV (RFC 4180: a header line, fields quoted where they need it). */
export function reportCsv(report: EtlReport): string {
  const { headers, rows } = reportCells(report);
  return stringify([headers, ...rows], { record_delimiter: 'windows' });
}

/** The file name a CSV download is saved under: the report and its range, nothing taken from elsewhere. */
export function reportFileName(report: EtlReport): string {
  return `wfm-${report.request.kind}-${report.request.first}-${report.request.last}.csv`;
}

/** A bar's label: the row's name, with its site where names repeat from one site to the next. */
function barLabel(report: EtlReport, row: { name: string; site: string }): string {
  return report.request.kind === 'adherence-site' || row.site === '' ? row.name : `${row.name} (${row.site})`;
}

/** The bars the chart draws: the percentage every row is judged by. */
function chartedValues(report: EtlReport): { label: string; value: number | null }[] {
  if (report.kind === 'adherence') return report.rows.map((r) => ({ label: barLabel(report, r), value: r.adherencePercent }));
  return report.rows.map((r) => ({ label: barLabel(report, r), value: r.serviceLevelPercent }));
}

/** Rows past this many are in the table only: a chart of hundreds of agents says nothing. */
const CHARTED_ROWS = 40;
const BAR_HEIGHT = 18;
const LABEL_WIDTH = 220;
const CHART_WIDTH = 760;

/** A horizontal bar per row on a 0–100 % scale, drawn to the width of the page. */
function barChart(report: EtlReport): Html {
  const bars = chartedValues(report).slice(0, CHARTED_ROWS);
  const scale = CHART_WIDTH - LABEL_WIDTH - 60;
  const height = bars.length * (BAR_HEIGHT + 6) + 24;
  const measure = report.kind === 'adherence' ? 'Adherence' : 'Service level';
  const grid = [0, 25, 50, 75, 100].map((tick) => {
    const x = LABEL_WIDTH + (scale * tick) / 100;
    return html`<line class="grid" x1="${x}" x2="${x}" y1="0" y2="${height - 18}"/><text x="${x}" y="${height - 4}" text-anchor="middle">${tick}%</text>`;
  });
  const rows = bars.map((bar, i) => {
    const y = i * (BAR_HEIGHT + 6);
    const width = bar.value === null ? 0 : (scale * Math.min(100, Math.max(0, bar.value))) / 100;
    return html`<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end">${bar.label.length > 34 ? `${bar.label.slice(0, 33)}…` : bar.label}</text><rect class="value" x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}"/><text x="${LABEL_WIDTH + width + 6}" y="${y + 13}">${bar.value === null ? '–' : `${bar.value.toFixed(1)}%`}</text>`;
  });
  const more = report.rows.length > CHARTED_ROWS ? html`<p class="muted">The chart shows the first ${CHARTED_ROWS} of ${report.rows.length} rows; the table has them all.</p>` : '';
  return html`<svg id="report-chart" role="img" aria-label="${measure} by row" viewBox="0 0 ${CHART_WIDTH} ${height}" width="100%">${grid}${rows}</svg>${more}`;
}

function reportTable(report: EtlReport): Html {
  const { headers, numeric, rows } = reportCells(report);
  const head = headers.map((h) => html`<th>${h}</th>`);
  const body = rows.map((row) => html`<tr>${row.map((cell, i) => html`<td class="${numeric[i] ? 'n' : ''}">${cell}</td>`)}</tr>`);
  return html`<div class="scroll"><table id="report-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function reportForm(form: ReportForm): Html {
  const etl = form.choices.map((c) => html`<option value="${c.value}" ${c.value === form.etl ? html`selected` : ''}>${c.label}</option>`);
  const kinds = REPORT_KINDS.map((k) => html`<option value="${k}" ${k === form.report ? html`selected` : ''}>${REPORT_TITLES[k]}</option>`);
  return html`<form class="inline card" method="get" action="/reports" id="report-form">
<label>ETL database<select name="etl">${etl}</select></label>
<label>Report<select name="report">${kinds}</select></label>
<label>From<input type="date" name="from" value="${form.from}" required></label>
<label>To<input type="date" name="to" value="${form.to}" required></label>
<label>Site id (optional)<input name="site" value="${form.site}" inputmode="numeric" pattern="[0-9]*"></label>
<button>Show</button></form>`;
}

/** The query string of the CSV download: the form's own choices with the format added. */
function csvLink(form: ReportForm): string {
  const query = new URLSearchParams({ etl: form.etl, report: form.report, from: form.from, to: form.to, site: form.site, format: 'csv' });
  return `/reports?${query.toString()}`;
}

export function reportsPage(form: ReportForm, outcome: { report?: EtlReport; problem?: string }): Html {
  const intro = html`<p class="muted">Read from the ETL database's day facts: each row adds up the days of the range (local days of the site, at most ${MAX_REPORT_DAYS}), and its percentages are recomputed from the sums.</p>`;
  const problem = outcome.problem ? html`<div class="card bad" id="report-problem" role="alert">${outcome.problem}</div>` : '';
  const { report } = outcome;
  const result = report
    ? html`<h2>${REPORT_TITLES[report.request.kind]}, ${report.request.first} to ${report.request.last}</h2>
${report.rows.length === 0 ? html`<p class="card" id="report-empty">The ETL database has no facts for this range.</p>` : html`<div class="card">${barChart(report)}</div>${reportTable(report)}`}
<p><a id="report-csv" href="${csvLink(form)}" download>Download CSV</a></p>`
    : '';
  return html`<h1>Reports</h1>${intro}${reportForm(form)}${problem}${result}`;
}

export function noEtlDatabase(): Html {
  return html`<h1>Reports</h1><div class="card" id="report-problem">The console knows no ETL database: start it with <code>wfm web --etl CONNECTION</code>, or name the ETL database as an access point in <code>wfm.yaml</code>.</div>`;
}
