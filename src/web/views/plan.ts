// A plan's page: its verdict, every prerequisite with what to do about it, the steps with the downtime
// estimate, and "Run this plan", which starts the run the plan describes.
import { formatBytes, formatDuration } from '../../engine/wording.ts';
import type { Plan } from '../../wfm/plan.ts';
import { html, type Html } from './html.ts';

/** What the run form sends again: the plan's own from, to and two-step, as they were typed. */
export interface PlanRequest {
  from: string;
  to?: string;
  twoStep: boolean;
}

function verdict(plan: Plan): Html {
  const failed = plan.checks.filter((c) => c.status === 'fail').length;
  const warned = plan.checks.filter((c) => c.status === 'warn').length;
  if (plan.path === 'nothing to do') return html`<p class="verdict pass">Nothing to do: ${plan.source} is already at ${plan.targetRelease}.</p>`;
  if (!plan.ok) return html`<p class="verdict fail">Not ready: ${failed} ${failed === 1 ? 'check fails' : 'checks fail'}. Fix ${failed === 1 ? 'it' : 'them'} as said below, then plan again.</p>`;
  return html`<p class="verdict pass">Ready: ${plan.path} to ${plan.targetRelease}, no check fails${warned > 0 ? html`, <span class="warn">${warned} to look at</span>` : ''}.</p>`;
}

function estimate(plan: Plan): Html {
  const e = plan.estimate;
  if (!e) return html`<p class="muted">No estimate: the source could not be measured.</p>`;
  return html`<dl class="facts"><dt>downtime</dt><dd id="downtime"><b>about ${formatDuration(e.downtimeSeconds * 1000)}</b></dd>
<dt>rows</dt><dd>${e.rows.toLocaleString('en-US')} (${formatBytes(e.sizeBytes)})</dd>
<dt>measured</dt><dd>${Math.round(e.rowsPerSecond).toLocaleString('en-US')} rows/s over a sample of ${e.sampleRows.toLocaleString('en-US')} rows</dd>
<dt>backup</dt><dd>about ${formatBytes(e.backupBytes)}</dd><dt>new database</dt><dd>about ${formatBytes(e.targetBytes)}</dd></dl>`;
}

function runForm(request: PlanRequest): Html {
  return html`<form class="inline" method="post" action="/runs"><input type="hidden" name="from" value="${request.from}"><input type="hidden" name="to" value="${request.to ?? ''}">${request.twoStep ? html`<input type="hidden" name="twoStep" value="on">` : ''}<button name="action" value="run">Run this plan</button></form>`;
}

export function planPage(plan: Plan, request: PlanRequest): Html {
  return html`<h1>Plan: ${plan.path}</h1>
<p class="muted conn">${plan.source} (${plan.sourceRelease ?? 'no WFM release'})${plan.target ? html` → ${plan.target}` : ''}</p>
<div class="card">${verdict(plan)}${plan.ok && plan.path !== 'nothing to do' ? runForm(request) : ''}</div>
<h2>Checks</h2><div class="scroll"><table id="checks"><thead><tr><th>check</th><th>result</th><th>detail, and what to do</th></tr></thead><tbody>${plan.checks.map(
    (c) => html`<tr data-check="${c.name}"><td>${c.name}</td><td class="${c.status}">${c.status}</td><td>${c.detail}${c.action ? html`<br><span class="todo">What to do: ${c.action}</span>` : ''}</td></tr>`,
  )}</tbody></table></div>
<h2>Downtime</h2><div class="card">${estimate(plan)}</div>
<h2>Steps</h2><div class="scroll"><table id="plan-steps"><thead><tr><th>step</th><th>planned</th><th>what it does</th></tr></thead><tbody>${plan.steps.map(
    (s) => html`<tr><td>${s.name}</td><td class="n">${s.estimateSeconds === undefined ? '' : `about ${formatDuration(s.estimateSeconds * 1000)}`}</td><td>${s.description}</td></tr>`,
  )}</tbody></table></div>`;
}
