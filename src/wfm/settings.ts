// The guide's last step, "Verify your connections and settings", as a check of the database: for each
// business unit and site the Data Aggregator name, tenant, password and time profile; the WFM Server of
// each site; the agents assigned to each site; each user's time zone, WFM Builder and role. Every finding
// names the object and the command that fixes it; `setOrganization` and `setUser` are those commands.
import type { Connection, SqlValue } from '../engine/dialect/types.ts';
import { InputError } from '../engine/errors.ts';
import { describeState, detectRelease, lockDatabase, refusedOrLocked } from './database.ts';
import { isProtected, protect } from './secrets.ts';
import { isTimeZone, requireTimeZone } from './time-zones.ts';

export interface SettingFinding {
  object: 'business unit' | 'site' | 'user';
  name: string;
  problem: string;
  /** The command that fixes it; DB stands for the database's connection. */
  fix: string;
}

const DATA_AGGREGATOR_SETTINGS = [
  ['data_aggregator_name', 'Data Aggregator name', '--data-aggregator NAME'],
  ['data_aggregator_tenant', 'Data Aggregator tenant', '--tenant TENANT'],
  ['data_aggregator_password', 'Data Aggregator password', '--da-password-env VARIABLE'],
  ['data_aggregator_time_profile', 'Data Aggregator time profile', '--time-profile PROFILE'],
] as const;

const missing = (value: SqlValue | undefined): boolean => value === null || value === undefined || String(value).trim() === '';
const quoted = (name: string): string => `"${name.replaceAll('"', '\\"')}"`;

/** Why the settings of this database cannot be read or changed here, or undefined when it is at 8.5.2. */
export async function settingsReleaseProblem(connection: Connection): Promise<string | undefined> {
  const state = await detectRelease(connection);
  return state.kind === 'current' && state.release === '8.5.2' ? undefined : `${connection.description} is ${describeState(state)}`;
}

async function require852(connection: Connection): Promise<void> {
  const problem = await settingsReleaseProblem(connection);
  if (problem) throw new InputError(`${problem}; the settings check reads an 8.5.2 database`);
}

/** A settings change, made under the database lock: never in the middle of an update or a restore. */
async function changeUnderLock<T>(connection: Connection, operation: string, change: () => Promise<T>): Promise<T> {
  await refusedOrLocked(connection, () => require852(connection));
  const lock = await lockDatabase(connection, operation);
  try {
    await require852(connection);
    return await change();
  } finally {
    await lock.release();
  }
}

/** The business units and sites in use: their time zone, Data Aggregator settings, a site's WFM Server and its active agents. */
export async function organizationRows(connection: Connection): Promise<{ units: Record<string, SqlValue>[]; sites: Record<string, SqlValue>[] }> {
  const settings = DATA_AGGREGATOR_SETTINGS.map(([column]) => column).join(', ');
  const units = await connection.query(`SELECT name, time_zone, ${settings} FROM business_unit WHERE deleted = 0 ORDER BY name`);
  const sites = await connection.query(
    `SELECT s.name, s.time_zone, ${DATA_AGGREGATOR_SETTINGS.map(([column]) => `s.${column}`).join(', ')}, s.wfm_server_name, ` +
      '(SELECT COUNT(*) FROM agent a WHERE a.site_id = s.id AND a.termination_date IS NULL) AS agents FROM site s WHERE s.deleted = 0 ORDER BY s.name',
  );
  return { units, sites };
}

/** Every user with the settings the Users module edits, and the names of the roles one may be given. */
export async function userRows(connection: Connection): Promise<{ users: Record<string, SqlValue>[]; roles: string[] }> {
  const users = await connection.query('SELECT u.login, u.full_name, u.time_zone, u.builder_name, r.name AS role FROM wfm_user u LEFT JOIN role r ON r.id = u.role_id ORDER BY u.login');
  const roles = (await connection.query('SELECT name FROM role ORDER BY name')).map((r) => String(r.name));
  return { users, roles };
}

/** One business unit, site or user the check looked at, and what it found there (nothing: it is in place). */
export interface SettingsCheck {
  object: SettingFinding['object'];
  name: string;
  findings: SettingFinding[];
}

function organizationCheck(object: 'business unit' | 'site', row: Record<string, SqlValue>): SettingsCheck {
  const name = String(row.name);
  const flag = object === 'site' ? '--site' : '--business-unit';
  const findings: SettingFinding[] = [];
  for (const [column, label, option] of DATA_AGGREGATOR_SETTINGS) {
    if (missing(row[column])) findings.push({ object, name, problem: `${label} is not set`, fix: `wfm org set --db DB ${flag} ${quoted(name)} ${option}` });
  }
  if (!missing(row.data_aggregator_password) && !isProtected(String(row.data_aggregator_password))) {
    findings.push({ object, name, problem: 'Data Aggregator password is stored in clear', fix: `wfm org set --db DB ${flag} ${quoted(name)} --da-password-env VARIABLE` });
  }
  if (object === 'site' && missing(row.wfm_server_name)) findings.push({ object, name, problem: 'WFM Server is not set', fix: `wfm org set --db DB --site ${quoted(name)} --wfm-server NAME` });
  if (object === 'site' && Number(row.agents) === 0) findings.push({ object, name, problem: 'no agent is assigned to it', fix: `wfm org set --db DB --site ${quoted(name)} --assign-agents ID,ID` });
  return { object, name, findings };
}

function userCheck(user: Record<string, SqlValue>): SettingsCheck {
  const login = String(user.login);
  const fix = (option: string): string => `wfm user set --db DB --login ${quoted(login)} ${option}`;
  const findings: SettingFinding[] = [];
  if (missing(user.time_zone)) findings.push({ object: 'user', name: login, problem: 'time zone is not set', fix: fix('--time-zone ZONE') });
  else if (!isTimeZone(String(user.time_zone))) findings.push({ object: 'user', name: login, problem: `time zone "${String(user.time_zone)}" is not an IANA time zone`, fix: fix('--time-zone ZONE') });
  if (missing(user.builder_name)) findings.push({ object: 'user', name: login, problem: 'WFM Builder is not set', fix: fix('--builder NAME') });
  if (missing(user.role_id)) findings.push({ object: 'user', name: login, problem: 'has no role', fix: fix('--role ROLE') });
  return { object: 'user', name: login, findings };
}

/** Every business unit, site and enabled user, each with its findings. */
export async function checkSettings(connection: Connection): Promise<SettingsCheck[]> {
  await require852(connection);
  const { units, sites } = await organizationRows(connection);
  const users = await connection.query('SELECT u.login, u.time_zone, u.builder_name, u.role_id FROM wfm_user u WHERE u.disabled = 0 ORDER BY u.login');
  return [...units.map((u) => organizationCheck('business unit', u)), ...sites.map((s) => organizationCheck('site', s)), ...users.map(userCheck)];
}

export async function verifySettings(connection: Connection): Promise<SettingFinding[]> {
  return (await checkSettings(connection)).flatMap((check) => check.findings);
}

export interface OrganizationSettings {
  /** The IANA time zone of the business unit or site. */
  timeZone?: string;
  dataAggregator?: string;
  tenant?: string;
  /** In clear; stored protected with the key. */
  password?: { secret: string; key: Buffer };
  timeProfile?: string;
  wfmServer?: string;
  /** Agents (by id) to assign to the site. */
  assignAgents?: number[];
}

/** Changes a business unit's or a site's settings; returns what changed, passwords never shown. */
export async function setOrganization(connection: Connection, object: 'business unit' | 'site', name: string, settings: OrganizationSettings): Promise<string[]> {
  if (settings.timeZone !== undefined) requireTimeZone(settings.timeZone, `the ${object} "${name}"`);
  return changeUnderLock(connection, 'wfm org set', () => changeOrganization(connection, object, name, settings));
}

async function changeOrganization(connection: Connection, object: 'business unit' | 'site', name: string, settings: OrganizationSettings): Promise<string[]> {
  const table = object === 'site' ? 'site' : 'business_unit';
  const q = connection.compiler;
  const [row] = await connection.query(`SELECT id FROM ${table} WHERE name = ${q.parameter(1)} AND deleted = 0`, [name]);
  if (!row) throw new InputError(`${connection.description} has no ${object} named "${name}"`);
  if (object === 'business unit' && (settings.wfmServer !== undefined || settings.assignAgents)) throw new InputError('--wfm-server and --assign-agents are settings of a site');
  const changes: [string, SqlValue, string][] = [];
  if (settings.timeZone !== undefined) changes.push(['time_zone', settings.timeZone, `time zone = ${settings.timeZone}`]);
  if (settings.dataAggregator !== undefined) changes.push(['data_aggregator_name', settings.dataAggregator, `Data Aggregator name = ${settings.dataAggregator}`]);
  if (settings.tenant !== undefined) changes.push(['data_aggregator_tenant', settings.tenant, `tenant = ${settings.tenant}`]);
  if (settings.password) changes.push(['data_aggregator_password', protect(settings.password.secret, settings.password.key), 'password set (stored protected)']);
  if (settings.timeProfile !== undefined) changes.push(['data_aggregator_time_profile', settings.timeProfile, `time profile = ${settings.timeProfile}`]);
  if (settings.wfmServer !== undefined) changes.push(['wfm_server_name', settings.wfmServer, `WFM Server = ${settings.wfmServer}`]);
  if (changes.length === 0 && !settings.assignAgents) throw new InputError('name at least one setting to change (see wfm org set --help)');
  await connection.transaction(async () => {
    if (changes.length > 0) {
      await connection.execute(`UPDATE ${table} SET ${changes.map(([column], i) => `${column} = ${q.parameter(i + 1)}`).join(', ')} WHERE id = ${q.parameter(changes.length + 1)}`, [
        ...changes.map(([, value]) => value),
        row.id ?? null,
      ]);
    }
    for (const agent of settings.assignAgents ?? []) {
      // A team belongs to one site: an agent who moves leaves its team.
      const moved = await connection.execute(`UPDATE agent SET site_id = ${q.parameter(1)}, team_id = NULL WHERE id = ${q.parameter(2)}`, [row.id ?? null, agent]);
      if (moved === 0) throw new InputError(`${connection.description} has no agent ${agent}; nothing was changed`);
    }
  });
  return [...changes.map(([, , text]) => text), ...(settings.assignAgents ?? []).map((agent) => `agent ${agent} assigned`)].map((text) => `${object} "${name}": ${text}`);
}

export interface UserSettings {
  timeZone?: string;
  builder?: string;
  role?: string;
}

export async function setUser(connection: Connection, login: string, settings: UserSettings): Promise<string[]> {
  if (settings.timeZone !== undefined) requireTimeZone(settings.timeZone, `the user "${login}"`);
  return changeUnderLock(connection, 'wfm user set', () => changeUser(connection, login, settings));
}

async function changeUser(connection: Connection, login: string, settings: UserSettings): Promise<string[]> {
  const q = connection.compiler;
  const [user] = await connection.query(`SELECT id FROM wfm_user WHERE login = ${q.parameter(1)}`, [login]);
  if (!user) throw new InputError(`${connection.description} has no WFM user with the login "${login}"`);
  const changes: [string, SqlValue, string][] = [];
  if (settings.timeZone !== undefined) changes.push(['time_zone', settings.timeZone, `time zone = ${settings.timeZone}`]);
  if (settings.builder !== undefined) changes.push(['builder_name', settings.builder, `WFM Builder = ${settings.builder}`]);
  if (settings.role !== undefined) {
    const [role] = await connection.query(`SELECT id FROM role WHERE name = ${q.parameter(1)}`, [settings.role]);
    if (!role) {
      const names = (await connection.query('SELECT name FROM role ORDER BY name')).map((r) => `"${String(r.name)}"`);
      throw new InputError(`${connection.description} has no role named "${settings.role}"; its roles are ${names.join(', ') || 'none'}`);
    }
    changes.push(['role_id', role.id ?? null, `role = ${settings.role}`]);
  }
  if (changes.length === 0) throw new InputError('name at least one setting to change: --time-zone, --builder or --role');
  await connection.execute(`UPDATE wfm_user SET ${changes.map(([column], i) => `${column} = ${q.parameter(i + 1)}`).join(', ')} WHERE id = ${q.parameter(changes.length + 1)}`, [
    ...changes.map(([, value]) => value),
    user.id ?? null,
  ]);
  return changes.map(([, , text]) => `user "${login}": ${text}`);
}
