// The Organization and Users pages: a search, a form per business unit, site and user for the settings the
// verification checks, time zones offered from the list the check accepts, a change for many users at
// once, and what each role may do.
import { counted } from '../../engine/wording.ts';
import type { SqlValue } from '../../engine/dialect/index.ts';
import { PRIVILEGE_TITLES } from '../../wfm/privileges.ts';
import type { RoleWithPrivileges } from '../../wfm/settings.ts';
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

/** The search box of a module's page: a GET form, so that it works without script and its results can be linked. */
function searchForm(action: string, query: string, placeholder: string): Html {
  return html`<form class="inline" method="get" action="${action}" id="search"><label>Search<input type="search" name="q" value="${query}" placeholder="${placeholder}"></label><button>Search</button>${query ? html` <a href="${action}">show all</a>` : ''}</form>`;
}

/** Whether the row's named fields hold the search text, compared without case. */
export function matchesSearch(row: Row, fields: readonly string[], query: string): boolean {
  const text = query.trim().toLowerCase();
  return text === '' || fields.some((field) => String(row[field] ?? '').toLowerCase().includes(text));
}

const shownCount = (shown: number, all: number, noun: string): Html => html`<p class="muted" id="shown">${shown === all ? counted(all, noun) : `${shown} of ${counted(all, noun)}`}</p>`;

export interface OrganizationPageData {
  units: Row[];
  sites: Row[];
  query: string;
}

export function organizationPage({ units, sites, query }: OrganizationPageData): Html {
  const shownUnits = units.filter((u) => matchesSearch(u, ['name'], query));
  const shownSites = sites.filter((s) => matchesSearch(s, ['name', 'business_unit'], query));
  return html`<h1>Organization</h1>${timeZoneChoices()}${searchForm('/organization', query, 'business unit or site')}
<h2>Business units</h2>${shownCount(shownUnits.length, units.length, 'business unit')}${shownUnits.map((u) => html`<div class="card" id="${anchorOf('business unit', String(u.name))}"><b>${u.name}</b>${organizationForm('business unit', u)}</div>`)}
<h2>Sites</h2>${shownCount(shownSites.length, sites.length, 'site')}${shownSites.map(
    (s) => html`<div class="card" id="${anchorOf('site', String(s.name))}"><b>${s.name}</b> <span class="muted unit">business unit ${s.business_unit ?? '(none)'}</span> · <span class="${Number(s.agents) > 0 ? 'muted' : 'warn'}">${counted(Number(s.agents), 'agent')}</span>${organizationForm('site', s)}</div>`,
  )}`;
}

export interface UsersPageData {
  users: Row[];
  roles: RoleWithPrivileges[];
  query: string;
}

const BULK_FORM = 'bulk-users';

function roleChoices(roles: RoleWithPrivileges[], current: SqlValue, none: string): Html {
  return html`<option value="">${none}</option>${roles.map((r) => html`<option value="${r.name}" title="${r.privileges.join(', ')}" ${r.name === current ? 'selected' : ''}>${r.name}</option>`)}`;
}

function userRow(user: Row, roles: RoleWithPrivileges[]): Html {
  return html`<tr id="${anchorOf('user', String(user.login))}"><td><input type="checkbox" name="login" value="${user.login}" form="${BULK_FORM}" aria-label="select ${user.login}"></td><td><b>${user.login}</b><br><span class="muted">${user.full_name}</span></td><td><form class="inline" method="post" action="/users"><input type="hidden" name="login" value="${user.login}">
<label>Time zone<input name="timeZone" list="time-zones" value="${user.time_zone ?? ''}"></label><label>WFM Builder<input name="builder" value="${user.builder_name ?? ''}"></label>
<label>Role<select name="role">${roleChoices(roles, user.role ?? null, user.role ? '' : '(none)')}</select></label><button>Save</button></form></td></tr>`;
}

/** One change for every user ticked in the table: the fields left empty stay as they are. */
function bulkForm(roles: RoleWithPrivileges[]): Html {
  return html`<div class="card"><form class="inline" method="post" action="/users/bulk" id="${BULK_FORM}"><b>For the selected users</b>
<label>Time zone<input name="timeZone" list="time-zones" placeholder="unchanged"></label><label>WFM Builder<input name="builder" placeholder="unchanged"></label>
<label>Role<select name="role">${roleChoices(roles, null, 'unchanged')}</select></label><button>Apply to the selected users</button></form></div>`;
}

/** What each role may do, from the privilege catalogue. */
function rolesSection(roles: RoleWithPrivileges[]): Html {
  const title = (privilege: string): string => (PRIVILEGE_TITLES as Readonly<Record<string, string>>)[privilege] ?? privilege;
  return html`<h2 id="roles">Roles and what they may do</h2><div class="scroll"><table><tr><th>role</th><th>privileges</th></tr>${roles.map(
    (r) => html`<tr data-role="${r.name}"><td><b>${r.name}</b></td><td>${r.privileges.length === 0 ? html`<span class="muted">nothing</span>` : html`<ul class="privileges">${r.privileges.map((p) => html`<li>${title(p)} <code>${p}</code></li>`)}</ul>`}</td></tr>`,
  )}</table></div>`;
}

export function usersPage({ users, roles, query }: UsersPageData): Html {
  const shown = users.filter((u) => matchesSearch(u, ['login', 'full_name', 'role'], query));
  return html`<h1>Users</h1>${timeZoneChoices()}${searchForm('/users', query, 'login, name or role')}${shownCount(shown.length, users.length, 'user')}${bulkForm(roles)}
<div class="scroll"><table id="users"><tr><th></th><th>user</th><th>time zone · WFM Builder · role (<a href="#roles">what each role may do</a>)</th></tr>
${shown.map((u) => userRow(u, roles))}</table></div>${rolesSection(roles)}`;
}
