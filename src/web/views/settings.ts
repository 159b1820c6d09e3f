// The Organization and Users pages: a form per business unit, site and user for the settings the
// verification checks, time zones offered from the list the check accepts.
import { counted } from '../../engine/wording.ts';
import type { SqlValue } from '../../engine/dialect/index.ts';
import { TIME_ZONES } from '../../wfm/time-zones.ts';
import { html, type Html } from './html.ts';
import { anchorOf } from './verify.ts';

type Row = Record<string, SqlValue>;

/** The Organization and Users modules edit an 8.5.2 database; any other release gets a card that says so. */
export function notAtCurrentRelease(problem: string, module: string): Html {
  return html`<h1>${module}</h1><div class="card warn">${problem}. The ${module} module works on an 8.5.2 database: update or migrate it first from <a href="/runs">Plans &amp; runs</a>.</div>`;
}

/** The zones the time zone fields offer: the list the check accepts, so that a choice from it is never refused. */
function timeZoneChoices(): Html {
  return html`<datalist id="time-zones">${TIME_ZONES.map((zone) => html`<option value="${zone}">`)}</datalist>`;
}

function organizationForm(object: string, row: Row): Html {
  return html`<form class="inline" method="post" action="/organization">
<input type="hidden" name="object" value="${object}"><input type="hidden" name="name" value="${row.name}">
<label>Time zone<input name="timeZone" list="time-zones" value="${row.time_zone ?? ''}"></label>
<label>Data Aggregator<input name="dataAggregator" value="${row.data_aggregator_name ?? ''}"></label>
<label>Tenant<input name="tenant" value="${row.data_aggregator_tenant ?? ''}"></label>
<label>Password ${row.data_aggregator_password ? '(set)' : '(not set)'}<input type="password" name="password" autocomplete="new-password" placeholder="unchanged"></label>
<label>Time profile<input name="timeProfile" value="${row.data_aggregator_time_profile ?? ''}"></label>
${object === 'site' ? html`<label>WFM Server<input name="wfmServer" value="${row.wfm_server_name ?? ''}"></label>` : ''}
<button>Save</button></form>`;
}

export function organizationPage(rows: { units: Row[]; sites: Row[] }): Html {
  return html`<h1>Organization</h1>${timeZoneChoices()}
<h2>Business units</h2>${rows.units.map((u) => html`<div class="card" id="${anchorOf('business unit', String(u.name))}"><b>${u.name}</b>${organizationForm('business unit', u)}</div>`)}
<h2>Sites</h2>${rows.sites.map((s) => html`<div class="card" id="${anchorOf('site', String(s.name))}"><b>${s.name}</b> <span class="${Number(s.agents) > 0 ? 'muted' : 'warn'}">${counted(Number(s.agents), 'agent')}</span>${organizationForm('site', s)}</div>`)}`;
}

export function usersPage({ users, roles }: { users: Row[]; roles: string[] }): Html {
  return html`<h1>Users</h1>${timeZoneChoices()}<div class="scroll"><table><tr><th>user</th><th>time zone · WFM Builder · role</th></tr>
${users.map(
  (u) => html`<tr id="${anchorOf('user', String(u.login))}"><td><b>${u.login}</b><br><span class="muted">${u.full_name}</span></td><td><form class="inline" method="post" action="/users"><input type="hidden" name="login" value="${u.login}">
<label>Time zone<input name="timeZone" list="time-zones" value="${u.time_zone ?? ''}"></label><label>WFM Builder<input name="builder" value="${u.builder_name ?? ''}"></label>
<label>Role<select name="role"><option value="">${u.role ? '' : '(none)'}</option>${roles.map((r) => html`<option ${r === u.role ? 'selected' : ''}>${r}</option>`)}</select></label><button>Save</button></form></td></tr>`,
)}</table></div>`;
}
