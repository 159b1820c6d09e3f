// The guide's last step, "Verify your connections and settings", as a check of the database: for each
// business unit and site the Data Aggregator name, tenant, password and time profile; the WFM Server of
// each site; the agents assigned to each site; each user's time zone, WFM Builder and role. Every finding
// names the object and the command that fixes it; `setOrganization` and `setUser` are those commands.
import type { Connection, SqlValue } from '../engine/dialect/types.ts';
import { InputError } from '../engine/errors.ts';
import { describeState, detectRelease, lockDatabase, refusedOrLocked } from './database.ts';
import { isProtected, protect } from './secrets.ts';
import { PRIVILEGES_8_5_2 } from './privileges.ts';
import { isTimeZone, requireTimeZone } from './time-zones.ts';

export interface SettingFinding {
  object: 'business unit' | 'site' | 'user';
  name: string;
  problem: string;
  /** The command that fixes it, naming the database as `databaseArguments` does. */
  fix: string;
}

const DATA_AGGREGATOR_SETTINGS = [
  ['data_aggregator_name', 'Data Aggregator name', '--data-aggregator NAME'],
  ['data_aggregator_tenant', 'Data Aggregator tenant', '--tenant TENANT'],
  ['data_aggregator_password', 'Data Aggregator password', '--da-password-env VARIABLE'],
  ['data_aggregator_time_profile', 'Data Aggregator time profile', '--time-profile PROFILE'],
] as const;

const missing = (value: SqlValue | undefined): boolean => value === null || value === undefined || String(value).trim() === '';

/** A value in double quotes as a POSIX shell reads it back: the four characters it would interpret are escaped. */
const quoted = (value: string): string => `"${value.replace(/[$`"\\]/g, '\\$&')}"`;

/** How a fix command names the database: an access point of the configuration, or its connection without a password. */
export interface DatabaseNaming {
  /** The connection as it may be shown (Connection.description): never a password. */
  description: string;
  /** The environment variable the password came from, which the command names too. */
  passwordEnv?: string;
  /** The connection came with a password from elsewhere, which the command then asks for at a prompt. */
  passwordGiven?: boolean;
  accessPoint?: { name: string; configFile: string };
}

/** The options of a `wfm` command that open the database `naming` names, a password never among them. */
export function databaseArguments(naming: DatabaseNaming): string {
  if (naming.accessPoint) return `--config ${quoted(naming.accessPoint.configFile)} --dap ${quoted(naming.accessPoint.name)}`;
  const password = naming.passwordEnv !== undefined ? ` --password-env ${quoted(naming.passwordEnv)}` : naming.passwordGiven ? ' --password-prompt' : '';
  return `--db ${quoted(naming.description)}${password}`;
}

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
    `SELECT s.name, bu.name AS business_unit, s.time_zone, ${DATA_AGGREGATOR_SETTINGS.map(([column]) => `s.${column}`).join(', ')}, s.wfm_server_name, ` +
      '(SELECT COUNT(*) FROM agent a WHERE a.site_id = s.id AND a.termination_date IS NULL) AS agents FROM site s LEFT JOIN business_unit bu ON bu.id = s.business_unit_id WHERE s.deleted = 0 ORDER BY s.name',
  );
  return { units, sites };
}

/** A role, and what it may do: its privileges in the order of the catalogue. */
export interface RoleWithPrivileges {
  name: string;
  privileges: string[];
}

/** Every user with the settings the Users module edits, and the roles one may be given with their privileges. */
export async function userRows(connection: Connection): Promise<{ users: Record<string, SqlValue>[]; roles: RoleWithPrivileges[] }> {
  const users = await connection.query('SELECT u.login, u.full_name, u.time_zone, u.builder_name, r.name AS role FROM wfm_user u LEFT JOIN role r ON r.id = u.role_id ORDER BY u.login');
  const grants = await connection.query('SELECT r.name, rp.privilege FROM role r LEFT JOIN role_privilege rp ON rp.role_id = r.id ORDER BY r.name');
  const roles = new Map<string, string[]>();
  for (const grant of grants) {
    const privileges = roles.get(String(grant.name)) ?? [];
    if (grant.privilege !== null && grant.privilege !== undefined) privileges.push(String(grant.privilege));
    roles.set(String(grant.name), privileges);
  }
  const order = (privilege: string): number => (PRIVILEGES_8_5_2 as readonly string[]).indexOf(privilege);
  return { users, roles: [...roles].map(([name, privileges]) => ({ name, privileges: privileges.sort((a, b) => order(a) - order(b)) })) };
}

/** One business unit, site or user the check looked at, and what it found there (nothing: it is in place). */
export interface SettingsCheck {
  object: SettingFinding['object'];
  name: string;
  /** The business unit a site belongs to, or the business unit itself; absent for a user. */
  businessUnit?: string;
  findings: SettingFinding[];
  /** One command that fixes every finding of the object; absent when it is in place. */
  fix?: string;
}

/** A finding before it is a command: the problem, and the options of the object's command that fix it. */
type Problem = [problem: string, option: string];

/** The object's findings, each with its command, and the one command that fixes them all. */
function checkOf(object: SettingFinding['object'], name: string, prefix: string, problems: Problem[]): SettingsCheck {
  const findings = problems.map(([problem, option]) => ({ object, name, problem, fix: `${prefix} ${option}` }));
  const options = [...new Set(problems.map(([, option]) => option))];
  return { object, name, findings, fix: options.length === 0 ? undefined : `${prefix} ${options.join(' ')}` };
}

function organizationCheck(object: 'business unit' | 'site', row: Record<string, SqlValue>, database: string): SettingsCheck {
  const name = String(row.name);
  const problems: Problem[] = [];
  for (const [column, label, option] of DATA_AGGREGATOR_SETTINGS) {
    if (missing(row[column])) problems.push([`${label} is not set`, option]);
  }
  if (!missing(row.data_aggregator_password) && !isProtected(String(row.data_aggregator_password))) problems.push(['Data Aggregator password is stored in clear', '--da-password-env VARIABLE']);
  if (object === 'site' && missing(row.wfm_server_name)) problems.push(['WFM Server is not set', '--wfm-server NAME']);
  if (object === 'site' && Number(row.agents) === 0) problems.push(['no agent is assigned to it', '--assign-agents ID,ID']);
  const prefix = `wfm org set ${database} ${object === 'site' ? '--site' : '--business-unit'} ${quoted(name)}`;
  const businessUnit = object === 'site' ? (missing(row.business_unit) ? undefined : String(row.business_unit)) : name;
  return { ...checkOf(object, name, prefix, problems), businessUnit };
}

function userCheck(user: Record<string, SqlValue>, database: string): SettingsCheck {
  const login = String(user.login);
  const problems: Problem[] = [];
  if (missing(user.time_zone)) problems.push(['time zone is not set', '--time-zone ZONE']);
  else if (!isTimeZone(String(user.time_zone))) problems.push([`time zone "${String(user.time_zone)}" is not an IANA time zone`, '--time-zone ZONE']);
  if (missing(user.builder_name)) problems.push(['WFM Builder is not set', '--builder NAME']);
  if (missing(user.role_id)) problems.push(['has no role', '--role ROLE']);
  return checkOf('user', login, `wfm user set ${database} --login ${quoted(login)}`, problems);
}

/**
 * Every business unit, site and enabled user, each with its findings; the fix commands name the database
 * with `database` (from `databaseArguments`), its connection without a password unless told otherwise.
 */
export async function checkSettings(connection: Connection, database = databaseArguments({ description: connection.description })): Promise<SettingsCheck[]> {
  await require852(connection);
  const { units, sites } = await organizationRows(connection);
  const users = await connection.query('SELECT u.login, u.time_zone, u.builder_name, u.role_id FROM wfm_user u WHERE u.disabled = 0 ORDER BY u.login');
  return [...units.map((u) => organizationCheck('business unit', u, database)), ...sites.map((s) => organizationCheck('site', s, database)), ...users.map((u) => userCheck(u, database))];
}

export async function verifySettings(connection: Connection, database?: string): Promise<SettingFinding[]> {
  return (await checkSettings(connection, database)).flatMap((check) => check.findings);
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

/** The columns a user settings change writes, with how each is told; the role is looked up by name. */
async function userChanges(connection: Connection, settings: UserSettings): Promise<[string, SqlValue, string][]> {
  const changes: [string, SqlValue, string][] = [];
  if (settings.timeZone !== undefined) changes.push(['time_zone', settings.timeZone, `time zone = ${settings.timeZone}`]);
  if (settings.builder !== undefined) changes.push(['builder_name', settings.builder, `WFM Builder = ${settings.builder}`]);
  if (settings.role !== undefined) {
    const [role] = await connection.query(`SELECT id FROM role WHERE name = ${connection.compiler.parameter(1)}`, [settings.role]);
    if (!role) {
      const names = (await connection.query('SELECT name FROM role ORDER BY name')).map((r) => `"${String(r.name)}"`);
      throw new InputError(`${connection.description} has no role named "${settings.role}"; its roles are ${names.join(', ') || 'none'}`);
    }
    changes.push(['role_id', role.id ?? null, `role = ${settings.role}`]);
  }
  if (changes.length === 0) throw new InputError('name at least one setting to change: --time-zone, --builder or --role');
  return changes;
}

async function userId(connection: Connection, login: string): Promise<SqlValue> {
  const [user] = await connection.query(`SELECT id FROM wfm_user WHERE login = ${connection.compiler.parameter(1)}`, [login]);
  if (!user) throw new InputError(`${connection.description} has no WFM user with the login "${login}"; nothing was changed`);
  return user.id ?? null;
}

async function writeUserChanges(connection: Connection, id: SqlValue, changes: [string, SqlValue, string][]): Promise<void> {
  const q = connection.compiler;
  await connection.execute(`UPDATE wfm_user SET ${changes.map(([column], i) => `${column} = ${q.parameter(i + 1)}`).join(', ')} WHERE id = ${q.parameter(changes.length + 1)}`, [
    ...changes.map(([, value]) => value),
    id,
  ]);
}

async function changeUser(connection: Connection, login: string, settings: UserSettings): Promise<string[]> {
  const id = await userId(connection, login);
  const changes = await userChanges(connection, settings);
  await writeUserChanges(connection, id, changes);
  return changes.map(([, , text]) => `user "${login}": ${text}`);
}

/** The same settings for every user named, in one transaction: all of them change, or none when a login is unknown. */
export async function setUsers(connection: Connection, logins: readonly string[], settings: UserSettings): Promise<{ users: number; changes: string[] }> {
  const distinct = [...new Set(logins)];
  if (distinct.length === 0) throw new InputError('select at least one user to change');
  if (settings.timeZone !== undefined) requireTimeZone(settings.timeZone, `the ${distinct.length} users selected`);
  return changeUnderLock(connection, 'wfm user set', async () => {
    const changes = await userChanges(connection, settings);
    await connection.transaction(async () => {
      for (const login of distinct) await writeUserChanges(connection, await userId(connection, login), changes);
    });
    return { users: distinct.length, changes: changes.map(([, , text]) => text) };
  });
}
