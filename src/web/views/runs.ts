// The Plans & runs page, where a plan or a run is started and every run of the runs folder is listed,
// whoever started it, each linked to its page; and the page of another job the console started (a
// rollback, a backup, a restore, step two, a verification), which live.js keeps up to date.
import { formatDuration } from '../../engine/wording.ts';
import type { RunSummary } from '../../wfm/overview.ts';
import { html, type Html } from './html.ts';
import { utcSecond } from './time.ts';
import type { LiveJob } from '../live-runs.ts';

export const RUN_HEADINGS = html`<tr><th>run</th><th>source</th><th>target</th><th>state</th><th>started (UTC)</th><th>duration</th></tr>`;

export function runRow(run: RunSummary): Html {
  const state = run.state === 'done' || !run.currentStep ? run.stateText : `${run.stateText} at “${run.currentStep}”`;
  return html`<tr data-run="${run.runId}"><td class="id"><a href="/runs/${run.runId}">${run.runId}</a><br><span class="muted">${run.path}${run.twoStep ? ', step one' : ''}</span></td><td class="conn">${run.source}</td><td class="conn">${run.target}</td><td class="${run.state.replace(' ', '-')}">${state}</td><td class="when">${run.startedAt ? utcSecond(run.startedAt) : ''}</td><td class="n">${run.state === 'running' ? 'under way' : formatDuration(run.durationMs)}</td></tr>`;
}

export interface RunsPageData {
  database: string;
  runsDirectory: string;
  runs: RunSummary[];
  jobs: LiveJob[];
}

export function runsPage(data: RunsPageData): Html {
  return html`<h1>Plans & runs</h1>
<div class="card"><form class="inline" method="post" action="/runs">
<label>From<input name="from" placeholder="${data.database}"></label>
<label>To (a new database, for 6.5)<input name="to" placeholder="sqlite:wfm-8.5.2.db"></label>
<label><span>Two-step</span><input type="checkbox" name="twoStep" style="min-width:0"></label>
<button name="action" value="plan" class="secondary">Plan</button><button name="action" value="run">Run</button></form></div>
<h2>Runs in ${data.runsDirectory}</h2>
${data.runs.length === 0 ? html`<p class="muted">No run in ${data.runsDirectory} yet.</p>` : html`<div class="scroll"><table id="runs">${RUN_HEADINGS}${data.runs.map(runRow)}</table></div>`}
<div class="card">${data.runs.length === 0 ? html`<span class="muted">No run in ${data.runsDirectory} to roll back.</span>` : html`<form class="inline" method="post" action="/rollback"><label>Run<select name="run">${data.runs.map((r) => html`<option value="${r.runId}">${r.runId}: ${r.path}, ${r.stateText}</option>`)}</select></label><button class="secondary">Roll back…</button></form>`}</div>
<h2>Other work started here</h2>
${data.jobs.length === 0 ? html`<p class="muted">Nothing yet.</p>` : html`<div class="scroll"><table><tr><th>what</th><th>started</th><th>state</th></tr>${data.jobs.map((j) => html`<tr><td><a href="/jobs/${j.id}">${j.title}</a></td><td>${j.startedAt}</td><td class="${j.state}">${j.state}</td></tr>`)}</table></div>`}`;
}

export function jobPage(title: string, state: string): Html {
  return html`<h1>${title} <span id="state" class="${state}">${state}</span></h1>
<h2>Steps</h2><div class="scroll"><table><thead><tr><th>step</th><th>state</th><th>duration</th><th>detail</th></tr></thead><tbody id="steps"></tbody></table></div>
<h2>Tables</h2><div class="scroll"><table><thead><tr><th>step</th><th>table</th><th>progress</th><th></th><th>rows</th><th>rate</th><th>ETA</th></tr></thead><tbody id="tables"></tbody></table></div>
<h2>Log</h2><pre class="log" id="log"></pre>`;
}
