// The Verification page: the guide's "Verify your connections and settings", each object with what to fix
// and a link to the form that fixes it.
import type { SettingsCheck } from '../../wfm/settings.ts';
import { html, type Html } from './html.ts';

/** Where an object's form is on its module's page. */
export function anchorOf(object: string, name: string): string {
  return `${object.replaceAll(' ', '-')}-${encodeURIComponent(name)}`;
}

export function verifyPage(checks: SettingsCheck[] | string): Html {
  if (typeof checks === 'string') return html`<h1>Verification</h1><div class="card bad">${checks}</div>`;
  const link = (check: SettingsCheck): string => `${check.object === 'user' ? '/users' : '/organization'}#${anchorOf(check.object, check.name)}`;
  const toFix = checks.filter((c) => c.findings.length > 0);
  const ordered = [...toFix, ...checks.filter((c) => c.findings.length === 0)];
  return html`<h1>Verification <span id="summary" class="${toFix.length === 0 ? 'ok' : 'warn'}">${toFix.length === 0 ? 'all settings in place' : `${toFix.length} of ${checks.length} to fix`}</span></h1>
<p class="muted">The guide's "Verify your connections and settings": Data Aggregator name, tenant, password and time profile of each business unit and site, the WFM Server of each site, the agents assigned to each site, and each user's time zone, WFM Builder and role.</p>
<div class="scroll"><table><tr><th>object</th><th>name</th><th>check</th><th>fix</th></tr>${ordered.map(
    (c) => html`<tr data-object="${c.object}" data-name="${c.name}"><td>${c.object}</td><td>${c.name}</td>${
      c.findings.length === 0
        ? html`<td class="ok check">✓ in place</td><td></td>`
        : html`<td class="warn check">${c.findings.map((f) => html`${f.problem}<br>`)}</td><td><a href="${link(c)}">fix it</a><br><span class="muted">or ${c.findings.map((f) => html`<code>${f.fix}</code><br>`)}</span></td>`
    }</tr>`,
  )}</table></div>`;
}
