// A run's page: the share done and the time left, every step (those to come too), the tables of the step
// under way first and the finished steps' tables folded, the rows per second over time, the log, and the
// actions the run's state allows. live.js replaces the part that changes as the run goes on.
import { counted, formatDuration } from '../../engine/wording.ts';
import type { LogLine, RunAction, RunStatus, StepStatus, TableStatus } from '../../wfm/run-status.ts';
import { html, type Html } from './html.ts';

const secondsText = (seconds: number): string => formatDuration(Math.round(seconds * 1000));

function overall(status: RunStatus): Html {
  const eta = status.etaSeconds === undefined ? '' : html` · about <b id="eta">${secondsText(status.etaSeconds)}</b> left`;
  const where = status.currentStep ? html` · ${status.journal.state === 'running' ? 'now' : 'stopped at'}: <b>${status.currentStep}</b>` : '';
  return html`<div class="card overall"><div class="bar big"><i style="width:${status.percent}%"></i></div>
<p><b id="percent">${status.percent}%</b> done${eta}${where}</p>${stoppedWithoutAWord(status)}</div>`;
}

/** A run whose process was killed outright left no word of its own: the page says so, and how to go on. */
function stoppedWithoutAWord(status: RunStatus): Html | string {
  if (!status.journal.processGone) return '';
  return html`<p class="warn">The run stopped without a word: its process is gone (killed outright, or the machine stopped). To go on: <code>wfm run --resume ${status.journal.runId}</code>, or Resume below.</p>`;
}

function stepRow(step: StepStatus): Html {
  const estimate = step.estimateSeconds === undefined ? '' : `about ${secondsText(step.estimateSeconds)}`;
  return html`<tr data-step="${step.name}"><td>${step.name}</td><td class="${step.state}">${step.state}</td><td class="n muted">${estimate}</td><td class="n">${step.durationMs === undefined ? '' : formatDuration(step.durationMs)}</td><td class="detail">${step.detail ?? ''}</td></tr>`;
}

function tableRow(table: TableStatus): Html {
  const percent = table.done ? 100 : table.totalRows ? Math.min(100, Math.round((100 * table.rows) / Math.max(table.totalRows, 1))) : 0;
  const eta = table.done ? 'done' : table.etaSeconds === undefined ? '' : secondsText(table.etaSeconds);
  return html`<tr data-table="${table.table}"><td class="conn">${table.table}</td><td><div class="bar"><i style="width:${percent}%"></i></div></td><td class="n pct">${table.totalRows || table.done ? `${percent}%` : ''}</td><td class="n">${table.rows.toLocaleString('en-US')}</td><td class="n">${table.rowsPerSecond > 0 ? `${Math.round(table.rowsPerSecond).toLocaleString('en-US')}/s` : ''}</td><td class="n">${eta}</td></tr>`;
}

/** The current step's tables, those still moving first. */
function tablesTable(tables: readonly TableStatus[]): Html {
  const ordered = [...tables].sort((a, b) => Number(a.done) - Number(b.done));
  return html`<div class="scroll"><table class="tables"><thead><tr><th>table</th><th>progress</th><th></th><th>rows</th><th>rate</th><th>left</th></tr></thead><tbody>${ordered.map(tableRow)}</tbody></table></div>`;
}

function stepTables(status: RunStatus): Html {
  const withTables = status.steps.filter((s) => s.tables.length > 0);
  if (withTables.length === 0) return html`<p class="muted">No table moved yet.</p>`;
  const current = withTables.find((s) => s.name === status.currentStep);
  const others = withTables.filter((s) => s !== current).reverse();
  return html`${current ? html`<h3>${current.name}</h3>${tablesTable(current.tables)}` : ''}${others.map(
    (s) => html`<details data-step="${s.name}"><summary><b>${s.name}</b>: ${counted(s.tables.length, 'table')}, ${counted(s.tables.reduce((sum, t) => sum + t.rows, 0), 'row')}</summary>${tablesTable(s.tables)}</details>`,
  )}`;
}

const ACTION_FORMS: Record<RunAction, (runId: string) => Html> = {
  resume: (runId) => html`<form method="post" action="/runs/${runId}/resume"><button>Resume</button></form>`,
  'roll back': (runId) => html`<form method="post" action="/rollback"><input type="hidden" name="run" value="${runId}"><button class="secondary">Roll back…</button></form>`,
  'step two': (runId) => html`<form method="post" action="/runs/${runId}/step-two"><button>Step two: migrate the performance data</button></form>`,
  verify: (runId) => html`<form method="post" action="/runs/${runId}/verify"><button class="secondary">Verify the new database</button></form>`,
};

function actions(status: RunStatus, mayAct: boolean): Html {
  if (!mayAct) return html`<p class="muted">Only an administrator may act on a run.</p>`;
  if (status.actions.length === 0) return html`<p class="muted">${status.journal.state === 'running' ? 'No action while the run is under way.' : 'Nothing left to do with this run.'}</p>`;
  return html`<div class="actions">${status.actions.map((action) => ACTION_FORMS[action](status.journal.runId))}</div>`;
}

/** The part of the page that changes as the run goes on, sent again by the page's event stream. */
export function runLivePart(status: RunStatus, mayAct: boolean): Html {
  return html`${overall(status)}
<h2>Actions</h2>${actions(status, mayAct)}
<h2>Steps</h2><div class="scroll"><table id="steps"><thead><tr><th>step</th><th>state</th><th>planned</th><th>took</th><th>detail</th></tr></thead><tbody>${status.steps.map(stepRow)}</tbody></table></div>
<h2>Tables</h2>${stepTables(status)}`;
}

export function logText(lines: readonly LogLine[]): string {
  return lines.map((line) => `${formatDuration(Math.round(line.seconds * 1000)).padStart(9)}  ${line.text}`).join('\n');
}

export function runPage(status: RunStatus, mayAct: boolean): Html {
  const { journal } = status;
  return html`<h1>${journal.runId} <span id="state" class="${journal.state.replace(' ', '-')}">${status.stateText}</span></h1>
<p class="muted conn">${journal.path}${journal.twoStep ? ', step one' : ''}: ${journal.from}${journal.to === null ? '' : html` → ${journal.to}`}</p>
<div id="run-live">${runLivePart(status, mayAct)}</div>
<h2>Rows per second</h2><div class="card"><svg id="rate-chart" role="img" aria-label="rows per second over time" viewBox="0 0 640 180" data-rates="${JSON.stringify(status.rates)}"></svg></div>
<h2>Log</h2><pre class="log" id="log">${logText(status.log)}</pre>`;
}
