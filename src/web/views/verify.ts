// The Verification page: the guide's "Verify your connections and settings", grouped by business unit
// (the unit, then its sites) and the users, with counts, a filter that works without script, and for
// each object a link to the form that fixes it and the one command that fixes it whole.
import { InputError } from '../../engine/errors.ts';
import type { SettingsCheck } from '../../wfm/settings.ts';
import { html, type Html } from './html.ts';

/** Where an object's form is on its module's page. */
export function anchorOf(object: string, name: string): string {
  return `${object.replaceAll(' ', '-')}-${encodeURIComponent(name)}`;
}

/** What the page shows: every group, one business unit with its sites, one site, or the users; all objects or only those to fix. */
export interface VerifyFilter {
  scope: string;
  openOnly: boolean;
}

interface CheckGroup {
  title: string;
  checks: SettingsCheck[];
}

const USERS_SCOPE = 'users';
const USERS_TITLE = 'Users';
const UNIT_PREFIX = 'unit:';
const SITE_PREFIX = 'site:';

/** The business units with their sites, the sites of none, and the users. */
function groupsOf(checks: SettingsCheck[]): CheckGroup[] {
  const units = checks.filter((c) => c.object === 'business unit');
  const sites = checks.filter((c) => c.object === 'site');
  const unitNames = new Set(units.map((u) => u.name));
  const groups = units.map((unit) => ({ title: `Business unit ${unit.name}`, checks: [unit, ...sites.filter((s) => s.businessUnit === unit.name)] }));
  const orphans = sites.filter((s) => s.businessUnit === undefined || !unitNames.has(s.businessUnit));
  if (orphans.length > 0) groups.push({ title: 'Sites of no business unit', checks: orphans });
  groups.push({ title: USERS_TITLE, checks: checks.filter((c) => c.object === 'user') });
  return groups;
}

/** The groups the filter keeps, each with the checks it keeps; a scope that names nothing is refused. */
function filtered(groups: CheckGroup[], filter: VerifyFilter): CheckGroup[] {
  const { scope } = filter;
  const inScope = (group: CheckGroup): CheckGroup | undefined => {
    if (scope === '') return group;
    if (scope === USERS_SCOPE) return group.title === USERS_TITLE ? group : undefined;
    if (scope.startsWith(UNIT_PREFIX)) return group.checks.some((c) => c.object === 'business unit' && c.name === scope.slice(UNIT_PREFIX.length)) ? group : undefined;
    if (scope.startsWith(SITE_PREFIX)) {
      const site = group.checks.filter((c) => c.object === 'site' && c.name === scope.slice(SITE_PREFIX.length));
      return site.length > 0 ? { ...group, checks: site } : undefined;
    }
    return undefined;
  };
  const kept = groups.map(inScope).filter((g): g is CheckGroup => g !== undefined);
  if (kept.length === 0) throw new InputError(`the verification report has nothing named by the filter "${scope}"; choose a business unit, a site or the users from the list`);
  return filter.openOnly ? kept.map((g) => ({ ...g, checks: g.checks.filter((c) => c.findings.length > 0) })) : kept;
}

const toFix = (checks: SettingsCheck[]): number => checks.filter((c) => c.findings.length > 0).length;

function countOf(checks: SettingsCheck[]): Html {
  const open = toFix(checks);
  return html`<span class="${open === 0 ? 'ok' : 'warn'}">${open === 0 ? 'all in place' : `${open} of ${checks.length} to fix`}</span>`;
}

function filterForm(checks: SettingsCheck[], filter: VerifyFilter): Html {
  const option = (value: string, label: string): Html => html`<option value="${value}" ${filter.scope === value ? 'selected' : ''}>${label}</option>`;
  const named = (object: SettingsCheck['object'], prefix: string): Html[] => checks.filter((c) => c.object === object).map((c) => option(`${prefix}${c.name}`, c.name));
  return html`<form class="inline" method="get" action="/verify" id="filter">
<label>Show<select name="scope">${option('', 'every business unit, site and user')}<optgroup label="A business unit and its sites">${named('business unit', UNIT_PREFIX)}</optgroup><optgroup label="A site">${named('site', SITE_PREFIX)}</optgroup>${option(USERS_SCOPE, 'the users')}</select></label>
<label class="check"><span><input type="checkbox" name="open" value="1" ${filter.openOnly ? 'checked' : ''}> only what is to fix</span></label>
<button>Filter</button></form>`;
}

function checkRow(check: SettingsCheck): Html {
  const link = `${check.object === 'user' ? '/users' : '/organization'}#${anchorOf(check.object, check.name)}`;
  const cells =
    check.findings.length === 0
      ? html`<td class="ok check">✓ in place</td><td></td>`
      : html`<td class="warn check">${check.findings.map((f) => html`${f.problem}<br>`)}</td><td><a href="${link}">fix it</a><br><span class="muted">or </span><code class="fix">${check.fix ?? ''}</code></td>`;
  return html`<tr data-object="${check.object}" data-name="${check.name}"><td>${check.object}</td><td>${check.name}</td>${cells}</tr>`;
}

function groupSection(group: CheckGroup): Html {
  const body =
    group.checks.length === 0
      ? html`<p class="muted">Nothing to fix here.</p>`
      : html`<div class="scroll"><table><tr><th>object</th><th>name</th><th>check</th><th>fix</th></tr>${group.checks.map(checkRow)}</table></div>`;
  return html`<section class="group" data-group="${group.title}"><h2>${group.title} ${countOf(group.checks)}</h2>${body}</section>`;
}

export function verifyPage(checks: SettingsCheck[] | string, filter: VerifyFilter = { scope: '', openOnly: false }): Html {
  if (typeof checks === 'string') return html`<h1>Verification</h1><div class="card bad">${checks}</div>`;
  const open = toFix(checks);
  return html`<h1>Verification <span id="summary" class="${open === 0 ? 'ok' : 'warn'}">${open === 0 ? 'all settings in place' : `${open} of ${checks.length} to fix`}</span></h1>
<p class="muted">The guide's "Verify your connections and settings": Data Aggregator name, tenant, password and time profile of each business unit and site, the WFM Server of each site, the agents assigned to each site, and each user's time zone, WFM Builder and role. Each command fixes its object whole once its capitals are replaced by the values to set; a Data Aggregator password comes from an environment variable, never the command line.</p>
${filterForm(checks, filter)}${filtered(groupsOf(checks), filter).map(groupSection)}`;
}
