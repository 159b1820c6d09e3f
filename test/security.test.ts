// Nobody let in, nothing leaked. Hostile names (quotes, semicolons, backslashes, comments, an injected
// DROP TABLE, non-ASCII) go through migration, verification, backup, restore and the settings commands on
// every engine byte for byte, changing nothing else; a database password given through the environment or
// in a URL shows in no output, journal, backup file or process title; every console route but /sign-in
// needs a real session, requests from other pages cannot change anything, a viewer changes nothing, the
// session cookie is HttpOnly and SameSite=Strict, and `wfm web` listens on localhost only; a password
// written in clear in wfm.yaml is refused, and one stored with `wfm config set-password` is protected and
// opens the database.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { connect, parseConnectionString, type Connection, type ConnectionTarget, type EngineName, type Row } from '../src/engine/dialect/index.ts';
import { ConfigFile } from '../src/wfm/config/config-file.ts';
import { createDatabase } from '../src/wfm/database.ts';
import { generate } from '../src/wfm/generate/index.ts';
import { releaseModel } from '../src/wfm/releases/index.ts';
import { isProtected } from '../src/wfm/secrets.ts';
import { buildConsole } from '../src/web/server.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { databaseContent } from './helpers/content.ts';
import { targetUrl, testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const all = await testEngines();
const engines = all.filter((e) => !e.skip);
const servers = engines.filter((e) => e.engine !== 'sqlite');
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const unavailable = all.filter((e) => e.skip).map((e) => e.engine);
const suffix = unavailable.length > 0 ? ` (not ${unavailable.join(', ')}: unavailable)` : '';
const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-security-'));

/** The real `wfm` command, as wfm() runs it, without blocking: two runs side by side. */
async function wfmAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [WFM, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

function writeConfig(text: string): string {
  const path = join(mkdtempSync(join(directory, 'config-')), 'wfm.yaml');
  writeFileSync(path, text);
  return path;
}

function ok(result: CliResult, what: string): CliResult {
  assert.equal(result.status, 0, `${what}: ${result.stderr}${result.stdout.slice(0, 500)}`);
  return result;
}

// ---- 1. Identifiers and values quoted everywhere ----

type NameKey = 'businessUnit' | 'site' | 'firstName' | 'lastName' | 'login';

/** Each name must fit VARCHAR(64): the 6.5 columns' size. */
const HOSTILE: Record<NameKey, string> = {
  businessUnit: `Unit O'Hara "HQ"; \\ -- ); DROP TABLE agent; -- Zürich`,
  site: `Site'); DROP TABLE agent; -- "x" \\ 東京; é`,
  firstName: `Zoë'"; --`,
  lastName: `"); DROP TABLE agent; -- \\'`,
  login: `o'brien"; \\ -- ); DROP TABLE agent; -- ü`,
};
const PLAIN: Record<NameKey, string> = { businessUnit: 'Plain unit', site: 'Plain site', firstName: 'Plain', lastName: 'Agent', login: 'plain.user' };

/** Where each name lives in 6.5 and in 8.5.2; a migrated row keeps its legacy id. */
const NAMED: { key: NameKey; legacy: { table: string; id: string; column: string; live?: string }; current: { table: string; column: string } }[] = [
  { key: 'businessUnit', legacy: { table: 'virtual_pabx', id: 'vpabx_id', column: 'vpabx_name', live: 'deleted = 0' }, current: { table: 'business_unit', column: 'name' } },
  { key: 'site', legacy: { table: 'pabx', id: 'pabx_id', column: 'pabx_name', live: 'deleted = 0' }, current: { table: 'site', column: 'name' } },
  { key: 'firstName', legacy: { table: 'employee', id: 'employee_id', column: 'first_name' }, current: { table: 'agent', column: 'first_name' } },
  { key: 'lastName', legacy: { table: 'employee', id: 'employee_id', column: 'last_name' }, current: { table: 'agent', column: 'last_name' } },
  { key: 'login', legacy: { table: 'supervisor', id: 'supervisor_id', column: 'login_name' }, current: { table: 'wfm_user', column: 'login' } },
];
const NAMED_TABLES = [...new Set(NAMED.map((n) => n.current.table))];

/** What records when and how long, not what: differs between any two runs. */
const VOLATILE: Record<string, string[]> = {
  wm_db_version: ['applied_at', 'duration_ms', 'tool_version'],
};

/** The stored bytes of a text column, as the server holds them. */
const HEX_OF: Partial<Record<EngineName, (column: string) => string>> = {
  sqlite: (c) => `lower(hex(${c}))`,
  postgres: (c) => `encode(convert_to(${c}, 'UTF8'), 'hex')`,
  mysql: (c) => `lower(hex(${c}))`,
};

interface Pipeline {
  /** The legacy ids of the renamed rows. */
  ids: Record<NameKey, number>;
  migrated: Connection;
  restored: Connection;
  outputs: string[];
}

async function renamedLegacy(engine: TestEngine, names: Record<NameKey, string>): Promise<{ database: TestDatabase; ids: Record<NameKey, number> }> {
  const database = await fresh(engine, 'names65');
  const connection = await connect(database.url);
  try {
    await createDatabase(connection, '6.5.201');
    await generate(connection, '6.5.201', { agents: 6, days: 1, seed: 5 });
    const q = connection.compiler;
    const ids = {} as Record<NameKey, number>;
    for (const { key, legacy } of NAMED) {
      const [row] = await connection.query(`SELECT MIN(${legacy.id}) AS id FROM ${legacy.table}${legacy.live ? ` WHERE ${legacy.live}` : ''}`);
      ids[key] = Number(row?.id);
      await connection.execute(`UPDATE ${legacy.table} SET ${legacy.column} = ${q.parameter(1)} WHERE ${legacy.id} = ${q.parameter(2)}`, [names[key], ids[key]]);
    }
    return { database, ids };
  } finally {
    await connection.close();
  }
}

/** 6.5 with these names, migrated, verified, backed up, restored, then its settings changed by name. */
async function pipeline(engine: TestEngine, names: Record<NameKey, string>): Promise<Pipeline> {
  const { database: legacy, ids } = await renamedLegacy(engine, names);
  const migrated = await fresh(engine, 'names852');
  const restored = await fresh(engine, 'namesback');
  const file = join(directory, `${engine.engine}-${names === HOSTILE ? 'hostile' : 'plain'}.backup.db`);
  const steps: [string, string[]][] = [
    ['dbu migrate', ['dbu', 'migrate', '--from', legacy.url, '--to', migrated.url]],
    ['verify --from --to', ['verify', '--from', legacy.url, '--to', migrated.url]],
    ['bru backup', ['bru', 'backup', '--db', migrated.url, '--file', file]],
    ['bru restore', ['bru', 'restore', '--db', restored.url, '--file', file]],
    ['org set --site', ['org', 'set', '--db', restored.url, '--site', names.site, '--data-aggregator', 'DA 1', '--tenant', 'T1', '--time-profile', 'Default', '--wfm-server', 'WFM1']],
    ['org set --business-unit', ['org', 'set', '--db', restored.url, '--business-unit', names.businessUnit, '--data-aggregator', 'DA 0', '--tenant', 'T0']],
    ['user set --login', ['user', 'set', '--db', restored.url, '--login', names.login, '--time-zone', 'Europe/Paris', '--builder', 'Builder 1']],
  ];
  const outputs: string[] = [];
  for (const [what, args] of steps) outputs.push(ok(await wfmAsync(args), what).stdout);
  return { ids, migrated: await connect(migrated.url), restored: await connect(restored.url), outputs };
}

async function storedHex(connection: Connection, engine: EngineName, table: string, column: string, id: number): Promise<string> {
  const hex = HEX_OF[engine];
  if (!hex) throw new Error(`no test reads the stored bytes of a ${engine} column`);
  const [row] = await connection.query(`SELECT ${hex(column)} AS bytes FROM ${table} WHERE id = ${connection.compiler.parameter(1)}`, [id]);
  return String(row?.bytes);
}

/** The rows of the tables holding the names, with the renamed values put back to the plain ones. */
async function namedRows(connection: Connection, ids: Record<NameKey, number>): Promise<Record<string, Row[]>> {
  const rows: Record<string, Row[]> = {};
  for (const table of NAMED_TABLES) {
    rows[table] = (await connection.query(`SELECT * FROM ${table} ORDER BY id`)).map((row) => {
      const plain = { ...row };
      for (const { key, current } of NAMED.filter((n) => n.current.table === table)) if (Number(row.id) === ids[key]) plain[current.column] = PLAIN[key];
      return plain;
    });
  }
  return rows;
}

async function otherContent(connection: Connection): Promise<Map<string, { rows: number; hash: string }>> {
  const schema = await connection.introspector.introspect();
  const content = await databaseContent(connection, (table) => {
    const volatile = VOLATILE[table];
    return volatile && schema.tables.find((t) => t.name === table)?.columns.map((c) => c.name).filter((c) => !volatile.includes(c));
  });
  for (const table of NAMED_TABLES) content.delete(table);
  return content;
}

describe(`hostile names${suffix}`, () => {
  for (const engine of engines) {
    it(`come through migrate, verify, backup, restore and org/user set on ${engine.engine} byte for byte, and change nothing else`, async () => {
      const [hostile, plain] = await Promise.all([pipeline(engine, HOSTILE), pipeline(engine, PLAIN)]);
      try {
        const expectedTables = releaseModel('8.5.2').tables.map((t) => t.name);
        for (const [label, run] of [['hostile', hostile], ['plain', plain]] as const) {
          for (const connection of [run.migrated, run.restored]) {
            const tables = await connection.introspector.tableNames();
            assert.deepEqual(expectedTables.filter((t) => !tables.includes(t)), [], `${label}: a table is missing from ${connection.description}`);
          }
        }
        for (const { key, current } of NAMED) {
          const expected = Buffer.from(HOSTILE[key], 'utf8').toString('hex');
          assert.equal(await storedHex(hostile.migrated, engine.engine, current.table, current.column, hostile.ids[key]), expected, `${current.table}.${current.column} after the migration`);
          assert.equal(await storedHex(hostile.restored, engine.engine, current.table, current.column, hostile.ids[key]), expected, `${current.table}.${current.column} after the restore`);
        }
        const [site, unit, user] = hostile.outputs.slice(-3);
        assert.ok(site?.includes(`site "${HOSTILE.site}": Data Aggregator name = DA 1`), site);
        assert.ok(unit?.includes(`business unit "${HOSTILE.businessUnit}": tenant = T0`), unit);
        assert.ok(user?.includes(`user "${HOSTILE.login}": time zone = Europe/Paris`), user);
        const [changedSite] = await hostile.restored.query(`SELECT data_aggregator_name, wfm_server_name FROM site WHERE id = ${hostile.restored.compiler.parameter(1)}`, [hostile.ids.site]);
        assert.deepEqual({ ...changedSite }, { data_aggregator_name: 'DA 1', wfm_server_name: 'WFM1' }, 'org set changed the hostile site');
        for (const stage of ['migrated', 'restored'] as const) {
          assert.deepEqual(await namedRows(hostile[stage], hostile.ids), await namedRows(plain[stage], plain.ids), `${stage}: the named tables differ beyond the names`);
          assert.deepEqual(await otherContent(hostile[stage]), await otherContent(plain[stage]), `${stage}: another table differs from the run with plain names`);
        }
      } finally {
        for (const run of [hostile, plain]) {
          await run.migrated.close();
          await run.restored.close();
        }
      }
    });
  }
});

// ---- 2. No password in any output, journal, backup file or process title ----

const PASSWORD = 'S3cr3t-pw-zq9';
const WRONG_PASSWORD = 'Wr0ng-pw-zq9';
const PASSWORD_VARIABLE = 'WFM_SECURITY_PASSWORD';

/** A role or user of its own, with a password, the databases it is given, and the server's administrator. */
interface PasswordRole {
  engine: TestEngine;
  name: string;
  databases: TestDatabase[];
  admin: { database: TestDatabase; connection: Connection };
}

const roles: PasswordRole[] = [];
// The role goes once its databases are gone; the administrator's database last, once its session is closed.
after(async () => {
  for (const role of roles) {
    for (const database of role.databases) await database.drop();
    await role.admin.connection.execute(role.engine.engine === 'postgres' ? `DROP ROLE IF EXISTS ${role.name}` : `DROP USER IF EXISTS '${role.name}'@'%'`);
    await role.admin.connection.close();
    await role.admin.database.drop();
  }
});

async function passwordRole(engine: TestEngine): Promise<PasswordRole> {
  const database = await engine.newDatabase('admin');
  const admin = { database, connection: await connect(database.url) };
  const role: PasswordRole = { engine, name: `wfmsec_${process.pid}_${roles.length}`, databases: [], admin };
  roles.push(role);
  await admin.connection.execute(engine.engine === 'postgres' ? `CREATE ROLE ${role.name} LOGIN PASSWORD '${PASSWORD}'` : `CREATE USER '${role.name}'@'%' IDENTIFIED BY '${PASSWORD}'`);
  return role;
}

/** A new empty database the role owns (PostgreSQL) or may do anything in (MariaDB). */
async function roleDatabase(role: PasswordRole, label: string): Promise<ConnectionTarget> {
  const database = await role.engine.newDatabase(label);
  role.databases.push(database);
  const name = database.target.database as string;
  await role.admin.connection.execute(role.engine.engine === 'postgres' ? `ALTER DATABASE ${name} OWNER TO ${role.name}` : `GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${role.name}'@'%'`);
  return { ...database.target, user: role.name, password: undefined };
}

type PasswordForm = 'password-env' | 'URL';

/** How a command is given the role's password: the connection text and the extra arguments and environment. */
function given(form: PasswordForm, password = PASSWORD): { url: (target: ConnectionTarget) => string; args: string[]; env: NodeJS.ProcessEnv } {
  return form === 'URL'
    ? { url: (target) => targetUrl({ ...target, password }), args: [], env: {} }
    : { url: (target) => targetUrl(target), args: ['--password-env', PASSWORD_VARIABLE], env: { [PASSWORD_VARIABLE]: password } };
}

function filesUnder(path: string): string[] {
  return statSync(path).isDirectory() ? readdirSync(path).flatMap((entry) => filesUnder(join(path, entry))) : [path];
}

/** Every sample of /proc/<pid>/cmdline taken while the command runs, and how it ended. */
async function commandLinesWhileRunning(args: string[], env: NodeJS.ProcessEnv): Promise<{ samples: string[]; status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [WFM, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const closed = once(child, 'close');
  const samples: string[] = [];
  let running = true;
  void closed.then(() => (running = false));
  while (running) {
    try {
      // Empty once the process has exited and waits to be reaped.
      const sample = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      if (sample !== '') samples.push(sample);
    } catch {
      // gone between two samples
    }
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  const [status] = (await closed) as [number | null];
  return { samples, status, stderr };
}

async function trustsWithoutPassword(target: ConnectionTarget): Promise<boolean> {
  try {
    await (await connect(targetUrl({ ...target, password: WRONG_PASSWORD }))).close();
    return true;
  } catch {
    return false;
  }
}

describe(`database passwords${suffix}`, () => {
  if (servers.length === 0) it.skip('needs a PostgreSQL or MariaDB server: none is reachable');
  for (const engine of servers) {
    for (const form of ['password-env', 'URL'] as const) {
      it(`on ${engine.engine}, given with ${form === 'URL' ? 'the URL' : '--password-env'}: never in stdout, stderr, the journal, the backup file or the process title`, async () => {
        const role = await passwordRole(engine);
        const [legacy, current, migrated, restored, planned, lineTarget] = [
          await roleDatabase(role, 'pwlegacy'),
          await roleDatabase(role, 'pwcurrent'),
          await roleDatabase(role, 'pwmigrated'),
          await roleDatabase(role, 'pwrestored'),
          await roleDatabase(role, 'pwplanned'),
          await roleDatabase(role, 'pwcmdline'),
        ] as const;
        const { url, args, env } = given(form);
        const runs = join(directory, `runs-${engine.engine}-${form}`);
        const backups = join(directory, `backups-${engine.engine}-${form}`);
        mkdirSync(backups, { recursive: true });
        const file = join(backups, 'migrated.backup.db');
        const texts: [string, string][] = [];
        const command = (what: string, commandArgs: string[], expected = 0, opensDatabase = true): CliResult => {
          const result = wfm([...commandArgs, ...(opensDatabase ? args : [])], env);
          texts.push([`${what} stdout`, result.stdout], [`${what} stderr`, result.stderr]);
          assert.equal(result.status, expected, `${what}: ${result.stderr}`);
          return result;
        };
        command('generate', ['generate', '--version', '6.5.201', '--db', url(legacy), '--agents', '3', '--days', '1']);
        command('info', ['info', '--db', url(legacy)]);
        command('info --json', ['info', '--db', url(legacy), '--json']);
        command('dbu create', ['dbu', 'create', '--db', url(current), '--version', '7.6']);
        command('dbu update', ['dbu', 'update', '--db', url(current), '--to', '8.0', '--json']);
        command('dbu migrate', ['dbu', 'migrate', '--from', url(legacy), '--to', url(migrated), '--json']);
        command('verify', ['verify', '--from', url(legacy), '--to', url(migrated)]);
        command('verify --json', ['verify', '--from', url(legacy), '--to', url(migrated), '--json']);
        command('verify --settings', ['verify', '--db', url(migrated), '--settings'], 1);
        command('bru backup', ['bru', 'backup', '--db', url(migrated), '--file', file, '--json']);
        command('bru verify', ['bru', 'verify', '--file', file], 0, false);
        command('bru restore', ['bru', 'restore', '--db', url(restored), '--file', file]);
        command('plan', ['plan', '--from', url(legacy), '--to', url(planned), '--backup-dir', backups, '--json']);
        if (form === 'URL') {
          const refused = command('run', ['run', '--from', url(current), '--runs-dir', runs, '--backup-dir', backups], 2);
          assert.match(refused.stderr, /give the password with --password-env NAME/);
        } else {
          command('run', ['run', '--from', url(current), '--runs-dir', runs, '--backup-dir', backups, '--force', '--json']);
          const journals = filesUnder(runs);
          assert.ok(journals.length > 0, 'the run wrote its journal');
          for (const journal of journals) texts.push([`journal ${journal}`, readFileSync(journal, 'utf8')]);
        }
        const missing = { ...current, database: `${current.database}_missing` };
        command('a database that does not exist', ['info', '--db', url(missing)], 3);
        for (const [what, text] of texts) assert.ok(!text.includes(PASSWORD), `the password is in the ${what}`);
        for (const backup of filesUnder(backups)) assert.ok(!readFileSync(backup).includes(PASSWORD), `the password is in the bytes of ${backup}`);

        const line = await commandLinesWhileRunning(['dbu', 'migrate', '--from', url(legacy), '--to', url(lineTarget), ...args], env);
        assert.equal(line.status, 0, line.stderr);
        assert.ok(line.samples.length > 0, 'the command line was read while the command ran');
        const commandLine = [process.execPath, WFM, 'dbu', 'migrate', '--from', url(legacy), '--to', url(lineTarget), ...args].join('\0') + '\0';
        // A password in a URL is on the user's own command line; the process never retitles itself.
        for (const sample of line.samples) assert.equal(sample, commandLine, 'the process title changed');
        if (form === 'password-env') for (const sample of line.samples) assert.ok(!sample.includes(PASSWORD), 'the password is on the command line');
        assert.ok(!line.stderr.includes(PASSWORD));
      });
    }

    it(`on ${engine.engine}, a wrong password is refused and shown nowhere, nor the right one`, async (t: TestContext) => {
      const role = await passwordRole(engine);
      const target = await roleDatabase(role, 'pwwrong');
      if (await trustsWithoutPassword(target)) {
        const reason = `the ${engine.engine} server at ${target.host}:${target.port} lets ${role.name} in without checking its password (trust authentication), so a wrong password cannot be refused`;
        console.error(`\n*** SKIPPING: ${reason} ***\n`);
        t.skip(reason);
        return;
      }
      for (const form of ['password-env', 'URL'] as const) {
        const { url, args, env } = given(form, WRONG_PASSWORD);
        for (const json of [[], ['--json']]) {
          const result = wfm(['info', '--db', url(target), ...json, ...args], env);
          assert.equal(result.status, 3, `${form}: ${result.stderr}`);
          assert.match(result.stderr, /denied|authentication|password/i);
          for (const secret of [WRONG_PASSWORD, PASSWORD]) assert.ok(!`${result.stdout}${result.stderr}`.includes(secret), `${form}: a password is in the output: ${result.stderr}`);
        }
      }
    });
  }
});

// ---- 3. The console lets nobody in and takes no order from another page ----

async function consoleOn(): Promise<{ app: FastifyInstance; url: string }> {
  const database = await generatedDatabase(fresh, sqlite, 'console', '8.5.2', { agents: 4, days: 1, seed: 3 });
  const home = mkdtempSync(join(directory, 'console-'));
  const app = buildConsole({
    database: parseConnectionString(database.url),
    tokens: [
      { token: 'admin-token', role: 'administrator' },
      { token: 'viewer-token', role: 'viewer' },
    ],
    runsDirectory: join(home, 'runs'),
    backupDirectory: home,
    keyFile: join(home, 'key'),
    resolve: async (text) => parseConnectionString(text),
  });
  await app.ready();
  return { app, url: database.url };
}

/** Every route the console serves, read from fastify's own table so that a route added later is covered. */
function routesOf(app: FastifyInstance): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const parents: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─\s]*)(\S.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = Math.floor((match[1] as string).length / 4);
    const path = `${parents[depth - 1] ?? ''}${match[2]}`;
    parents[depth] = path;
    for (const method of (match[3] as string).split(', ')) if (method !== 'HEAD') routes.push({ method, url: path.replace(/:\w+/g, 'x') });
  }
  return routes;
}

async function sessionOf(app: FastifyInstance, token: string): Promise<string> {
  const response = await app.inject({ url: `/sign-in?token=${token}` });
  assert.equal(response.statusCode, 302, response.body);
  return String(response.headers['set-cookie']).split(';')[0] as string;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('the console', () => {
  it('refuses every route but /sign-in without a session or with a forged one', async () => {
    const { app } = await consoleOn();
    const routes = routesOf(app);
    assert.ok(routes.length >= 15, `the route table was read: ${JSON.stringify(routes)}`);
    for (const path of ['/', '/sign-in', '/api/status', '/runs', '/rollback', '/jobs/x', '/jobs/x/events', '/organization', '/users', '/backups', '/verify']) {
      assert.ok(routes.some((r) => r.url === path), `${path} is in the route table`);
    }
    const forged = ['', 'wfm_session=forged', `wfm_session=${'A'.repeat(32)}`, 'wfm_session=admin-token'];
    for (const route of routes.filter((r) => r.url !== '/sign-in')) {
      for (const cookie of forged) {
        const response = await app.inject({ method: route.method as 'GET' | 'POST', url: route.url, headers: { ...FORM, cookie }, payload: 'from=x&action=run&object=site&name=x&login=x' });
        const refused = response.statusCode === 401 || (response.statusCode === 302 && response.headers.location === '/sign-in');
        assert.ok(refused, `${route.method} ${route.url} with "${cookie}" answered ${response.statusCode} ${String(response.headers.location ?? '')}`);
      }
    }
    await app.close();
  });

  it('refuses a change from another page: a foreign Origin, a foreign Referer, Sec-Fetch-Site cross-site or same-site', async () => {
    const { app, url } = await consoleOn();
    const cookie = await sessionOf(app, 'admin-token');
    const before = await connect(url);
    const site = String((await before.query('SELECT name FROM site WHERE deleted = 0 ORDER BY id'))[0]?.name);
    const change = new URLSearchParams({ object: 'site', name: site, tenant: 'changed by another page' }).toString();
    const foreign: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: 'http://localhost:8080' },
      { referer: 'http://evil.example/form.html' },
      { referer: 'http://localhost:8080/form.html' },
      { referer: 'not a url' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://localhost:80', 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of foreign) {
      const response = await app.inject({ method: 'POST', url: '/organization', headers: { ...FORM, ...headers, cookie }, payload: change });
      assert.equal(response.statusCode, 403, `${JSON.stringify(headers)} answered ${response.statusCode}`);
    }
    const signInFromElsewhere = await app.inject({ method: 'POST', url: '/sign-in', headers: { ...FORM, referer: 'http://evil.example/' }, payload: 'token=admin-token' });
    assert.equal(signInFromElsewhere.statusCode, 403, 'a sign-in posted by another page');
    const tenant = async (): Promise<unknown> => (await before.query(`SELECT data_aggregator_tenant FROM site WHERE name = ${before.compiler.parameter(1)}`, [site]))[0]?.data_aggregator_tenant;
    assert.notEqual(await tenant(), 'changed by another page');
    const own = await app.inject({ method: 'POST', url: '/organization', headers: { ...FORM, cookie, origin: 'http://localhost:80', referer: 'http://localhost:80/organization', 'sec-fetch-site': 'same-origin' }, payload: change });
    assert.equal(own.statusCode, 302, `the console's own page: ${own.body}`);
    assert.equal(await tenant(), 'changed by another page', 'the same request from the console’s own page is taken');
    await before.close();
    await app.close();
  });

  it('lets a viewer look but change nothing, and keeps the session cookie from scripts and other sites', async () => {
    const { app } = await consoleOn();
    const signIn = await app.inject({ url: '/sign-in?token=viewer-token' });
    const attributes = String(signIn.headers['set-cookie']).split(';').map((a) => a.trim());
    assert.ok(attributes.includes('HttpOnly'), String(signIn.headers['set-cookie']));
    assert.ok(attributes.includes('SameSite=Strict'), String(signIn.headers['set-cookie']));
    const cookie = attributes[0] as string;
    assert.equal((await app.inject({ url: '/organization', headers: { cookie } })).statusCode, 200, 'a viewer may look');
    // Signing in and out change nothing but the viewer's own session.
    for (const route of routesOf(app).filter((r) => r.method === 'POST' && r.url !== '/sign-in' && r.url !== '/sign-out')) {
      const response = await app.inject({ method: 'POST', url: route.url, headers: { ...FORM, cookie }, payload: 'from=x&action=plan&object=site&name=x&login=x' });
      assert.equal(response.statusCode, 403, `a viewer's POST ${route.url} answered ${response.statusCode}`);
    }
    await app.close();
  });

  it('`wfm web` listens on 127.0.0.1 unless --host says otherwise', async () => {
    const child = spawn(process.execPath, [WFM, 'web', '--db', `sqlite:${join(directory, 'web.db')}`, '--port', '0', '--runs-dir', join(directory, 'web-runs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let printed = '';
      child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
      const deadline = Date.now() + 60_000;
      while (!printed.includes('\n') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(printed, /^console at http:\/\/127\.0\.0\.1:\d+; sign in once as administrator: http:\/\/127\.0\.0\.1:\d+\/sign-in\?token=/);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'close');
    }
  });
});

// ---- 4. Database passwords in wfm.yaml ----

function configProblem(text: string): string {
  try {
    ConfigFile.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no problem found';
}

describe(`database passwords in wfm.yaml${suffix}`, () => {
  it('refuses a password written in clear, naming the line and what to do, without repeating it', () => {
    const inUrl = configProblem(`databases:\n  wfm65:\n    connection: sqlite:a.db\n  wfm852:\n    # the new database\n    connection: postgres://wfm:${PASSWORD}@127.0.0.1:5432/wfm852\n`);
    assert.equal(
      inUrl,
      'wfm.yaml line 6: database wfm852: the connection holds a password in clear; take it out, then give it with passwordEnv: VARIABLE or store it protected: wfm config set-password wfm852 --password-env VARIABLE',
    );
    assert.match(configProblem(`databases:\n  old:\n    connection: "mysql;127.0.0.1;wfm;wfm;${PASSWORD}"\n`), /^wfm\.yaml line 3: database old: the connection holds a password in clear; /);
    const inClear = configProblem(`databases:\n  wfm852:\n    connection: postgres://wfm@127.0.0.1/wfm852\n    password: ${PASSWORD}\n`);
    assert.equal(inClear, 'wfm.yaml line 4: database wfm852: password holds a password in clear; remove it and store it protected: wfm config set-password wfm852 --password-env VARIABLE');
    assert.equal(
      configProblem('databases:\n  wfm852:\n    connection: postgres://wfm@127.0.0.1/wfm852\n    passwordEnv: X\n    password: "aes-256-gcm:AAAA:AAAA:AAAA"\n'),
      'wfm.yaml line 5: database wfm852 has both password and passwordEnv; keep one',
    );
    const cli = wfm(['config', 'show', '--config', writeConfig(`databases:\n  wfm852:\n    connection: "mysql://wfm:${PASSWORD}@127.0.0.1:3306/wfm852"\n`)]);
    assert.equal(cli.status, 2, cli.stderr);
    assert.ok(!`${cli.stdout}${cli.stderr}`.includes(PASSWORD), cli.stderr);
  });

  it('`wfm config set-password` needs the password from the environment or a terminal', () => {
    const config = writeConfig('databases:\n  wfm852:\n    connection: postgres://wfm@127.0.0.1/wfm852\n');
    const keyFile = join(directory, 'unused.key');
    const unset = wfm(['config', 'set-password', 'wfm852', '--config', config, '--password-env', 'WFM_SECURITY_UNSET', '--key-file', keyFile]);
    assert.equal(unset.status, 2);
    assert.equal(unset.stderr, 'wfm: the environment variable WFM_SECURITY_UNSET (from --password-env) is not set; set it to the password of wfm852\n');
    const noTerminal = wfm(['config', 'set-password', 'wfm852', '--config', config, '--key-file', keyFile]);
    assert.equal(noTerminal.status, 2);
    assert.match(noTerminal.stderr, /on a terminal; elsewhere give it with --password-env VARIABLE/);
    const unknown = wfm(['config', 'set-password', 'nosuch', '--config', config, '--password-env', PASSWORD_VARIABLE, '--key-file', keyFile], { [PASSWORD_VARIABLE]: PASSWORD });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /has no database access point named "nosuch"; it has "wfm852"/);
    assert.equal(readFileSync(config, 'utf8'), 'databases:\n  wfm852:\n    connection: postgres://wfm@127.0.0.1/wfm852\n', 'nothing was written');
  });

  const mysql = servers.find((e) => e.engine === 'mysql');
  const noMysql = mysql ? false : 'needs the MariaDB server, whose users must give their password (the PostgreSQL server here trusts local connections): not reachable';
  if (noMysql) console.error(`\n*** SKIPPING the stored-password test: it ${noMysql} ***\n`);
  it('`wfm config set-password` stores it protected with the key file, and the access point opens the database with it', { skip: noMysql }, async () => {
    const role = await passwordRole(mysql as TestEngine);
    const target = await roleDatabase(role, 'pwstored');
    const config = writeConfig(`# access points\ndatabases:\n  wfm852:\n    # the new database\n    connection: "${targetUrl(target)}"\n    passwordEnv: ${PASSWORD_VARIABLE}\n`);
    const keyFile = join(mkdtempSync(join(directory, 'key-')), 'wfm-secret.key');
    const stored = wfm(['config', 'set-password', 'wfm852', '--config', config, '--password-env', PASSWORD_VARIABLE, '--key-file', keyFile], { [PASSWORD_VARIABLE]: PASSWORD });
    assert.equal(stored.status, 0, stored.stderr);
    assert.ok(!`${stored.stdout}${stored.stderr}`.includes(PASSWORD));
    assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the key file is its owner’s only');
    const text = readFileSync(config, 'utf8');
    assert.ok(!text.includes(PASSWORD), text);
    assert.ok(text.includes('# the new database'), 'the comments are kept');
    const point = ConfigFile.load(config).database('wfm852');
    assert.ok(point.password !== undefined && isProtected(point.password), text);
    assert.equal(point.passwordEnv, undefined, 'the stored password takes the place of passwordEnv');

    const opened = wfm(['info', '--config', config, '--dap', 'wfm852', '--key-file', keyFile, '--json']);
    assert.equal(opened.status, 0, opened.stderr);
    assert.ok(!opened.stdout.includes(PASSWORD));
    const otherKey = join(mkdtempSync(join(directory, 'key-')), 'other.key');
    writeFileSync(otherKey, Buffer.alloc(32, 7).toString('base64'), { mode: 0o600 });
    const wrongKey = wfm(['info', '--config', config, '--dap', 'wfm852', '--key-file', otherKey]);
    assert.equal(wrongKey.status, 2);
    assert.equal(wrongKey.stderr, `wfm: the password of the database access point wfm852 does not open with the key file ${otherKey}; give the key file it was stored with (--key-file), or store it again: wfm config set-password wfm852\n`);
    const noKey = wfm(['info', '--config', config, '--dap', 'wfm852', '--key-file', join(directory, 'absent.key')]);
    assert.equal(noKey.status, 2);
    assert.match(noKey.stderr, /absent\.key does not exist; the protected passwords cannot be read without it/);
  });
});
