// The console's Verification, Organization, Users and Backup & restore pages, through fastify's inject on
// real SQLite files and a real PostgreSQL server: the verification grouped by business unit with counts,
// a filter that hides what it leaves out, commands that name the access point and never a password and
// that fix a whole object when run; search, the business unit beside each site, a notice after each save,
// time zones refused as the command line refuses them, roles with their privileges, a bulk change applied
// to exactly the selected users; and restores that take the key file and RequireSealedBackups as
// `wfm bru restore` does, from the backup folder only.
import { strict as assert } from 'node:assert';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse as Reply } from 'fastify';
import { describeTarget, parseConnectionString, withConnection, type Connection, type ConnectionTarget } from '../src/engine/dialect/index.ts';
import { backupSealKey } from '../src/wfm/backup-seal.ts';
import { backupDatabase } from '../src/wfm/backup.ts';
import { ConfigFile } from '../src/wfm/config/index.ts';
import { PRIVILEGE_TITLES, type Privilege } from '../src/wfm/privileges.ts';
import { loadKey } from '../src/wfm/secrets.ts';
import { buildConsole } from '../src/web/server.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = (await testEngines()).filter((e) => e.engine === 'sqlite' || e.engine === 'postgres');
const fresh = trackedDatabases();
const PASSWORD = 's3cret-pw-27';
const PASSWORD_VARIABLE = 'WFM_SETTINGS_TEST_PASSWORD';
const ACCESS_POINT = 'WFM852';

const escaped = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
const unescaped = (text: string): string => text.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

interface Console {
  app: FastifyInstance;
  cookie: string;
  get(path: string): Promise<Reply>;
  post(path: string, values: Record<string, string | string[]>): Promise<Reply>;
}

interface Installation {
  folder: string;
  configFile: string;
  config: ConfigFile;
  keyFile: string;
  /** The console's database, with the password its access point's variable gives (the servers here trust it). */
  target: ConnectionTarget;
}

/** A configuration whose access point names the database with its password in a variable, and whose Database Utility requires sealed backups. */
function installation(url: string): Installation {
  const folder = mkdtempSync(join(tmpdir(), 'wfm-settings-web-'));
  const base = parseConnectionString(url);
  const connection = describeTarget(base);
  const passwordLine = base.engine === 'sqlite' ? '' : `\n    passwordEnv: ${PASSWORD_VARIABLE}`;
  const configFile = join(folder, 'wfm.yaml');
  writeFileSync(
    configFile,
    `databases:\n  ${ACCESS_POINT}:\n    connection: ${connection}${passwordLine}\napplications:\n  WFM Web:\n    type: web\n    release: 8.5.2\n    connections: [${ACCESS_POINT}]\n  WFM Database Utility:\n    type: database-utility\n    release: 8.5.2\n    connections: [${ACCESS_POINT}]\n    options:\n      Options:\n        RequireSealedBackups: 1\n`,
  );
  const keyFile = join(folder, 'wfm-secret.key');
  loadKey(keyFile, true, () => undefined);
  const target = base.engine === 'sqlite' ? base : { ...base, password: PASSWORD };
  return { folder, configFile, config: ConfigFile.load(configFile), keyFile, target };
}

async function consoleOf(setup: Installation, login: string | undefined, byAccessPoint = true): Promise<Console> {
  const app = buildConsole({
    database: setup.target,
    config: setup.config,
    accessPoint: byAccessPoint ? ACCESS_POINT : undefined,
    tokens: [{ token: 'admin-token', role: 'administrator' }],
    runsDirectory: join(setup.folder, 'runs'),
    backupDirectory: join(setup.folder, 'backups'),
    keyFile: setup.keyFile,
    resolve: async (text) => parseConnectionString(text),
  });
  const signIn = await app.inject({ url: `/sign-in?token=admin-token${login === undefined ? '' : `&login=${encodeURIComponent(login)}`}` });
  assert.equal(signIn.statusCode, 302, signIn.body.slice(0, 300));
  const cookie = String(signIn.headers['set-cookie']).split(';')[0] as string;
  return {
    app,
    cookie,
    get: (path) => app.inject({ url: path, headers: { cookie } }),
    post: (path, values) => {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(values)) for (const v of [value].flat()) body.append(name, v);
      return app.inject({ method: 'POST', url: path, payload: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie } });
    },
  };
}

const PLACEHOLDERS: Record<string, string> = { NAME: 'DataAggregator_APAC', TENANT: 'Environment', VARIABLE: 'WFM_SETTINGS_DA_PASSWORD', PROFILE: 'Default', ZONE: 'Asia/Tokyo' };
const WFM_BIN = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
/** A business unit's name with every character a shell interprets inside double quotes. */
const SHELL_UNIT = 'Asia "Pacific" $HOME `id` \\ 100%';

/** A command as printed, run by a POSIX shell with its capitals replaced by values, as an administrator would paste it. */
function runPasted(command: string, extra: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const line = command.replace(/^wfm /, `"${process.execPath}" "${WFM_BIN}" `).replace(/ (NAME|TENANT|VARIABLE|PROFILE|ZONE)(?= |$)/g, (_, word: string) => ` ${PLACEHOLDERS[word] ?? word}`);
  return spawnSync('/bin/sh', ['-c', `${line} ${extra}`], { encoding: 'utf8', env: { ...process.env, ...env } });
}

/** Each site's business unit and the users' settings, read here, apart from the code under test. */
async function facts(connection: Connection): Promise<{ unitOfSite: Map<string, string>; users: Map<string, string>; roles: Map<string, string[]>; allowed: string }> {
  const sites = await connection.query('SELECT s.name, b.name AS unit FROM site s JOIN business_unit b ON b.id = s.business_unit_id WHERE s.deleted = 0');
  const users = await connection.query('SELECT u.login, u.time_zone, u.builder_name, r.name AS role FROM wfm_user u LEFT JOIN role r ON r.id = u.role_id');
  const grants = await connection.query('SELECT r.name, rp.privilege FROM role r JOIN role_privilege rp ON rp.role_id = r.id');
  const roles = new Map<string, string[]>();
  for (const g of grants) roles.set(String(g.name), [...(roles.get(String(g.name)) ?? []), String(g.privilege)]);
  const [allowed] = await connection.query("SELECT u.login FROM wfm_user u JOIN role_privilege rp ON rp.role_id = u.role_id WHERE rp.privilege = 'general.allow_backup_restore' AND u.disabled = 0 ORDER BY u.login");
  return {
    unitOfSite: new Map(sites.map((s) => [String(s.name), String(s.unit)])),
    users: new Map(users.map((u) => [String(u.login), `${String(u.time_zone)}|${String(u.builder_name)}|${String(u.role)}`])),
    roles,
    allowed: String(allowed?.login),
  };
}

const readFacts = (url: string) => withConnection(url, facts);

/** The rows of the verification page: object, name, and whether it is to fix. */
function verificationRows(body: string): { object: string; name: string; open: boolean }[] {
  return [...body.matchAll(/<tr data-object="([^"]+)" data-name="([^"]*)"><td>[^<]*<\/td><td>[^<]*<\/td><td class="(ok|warn) check">/g)].map((m) => ({ object: m[1] as string, name: unescaped(m[2] as string), open: m[3] === 'warn' }));
}

/** The verification page's section of one group: from its heading to the next. */
function sectionOf(body: string, group: string): string {
  const start = body.indexOf(`<section class="group" data-group="${escaped(group)}">`);
  assert.ok(start >= 0, `a section for ${group}`);
  return body.slice(start, body.indexOf('</section>', start));
}

interface Scene {
  database: TestDatabase;
  setup: Installation;
  known: Awaited<ReturnType<typeof readFacts>>;
}

/** A generated 8.5.2 database in an installation of its own, read here before the console opens it. */
async function sceneOf(engine: TestEngine, label: string, agents: number): Promise<Scene> {
  const database = await generatedDatabase(fresh, engine, label, '8.5.2', { agents, days: 1, seed: 27 });
  return { database, setup: installation(database.url), known: await readFacts(database.url) };
}

/** Runs `work` on a console signed in as `login` (none: an administrator without a WFM user), closed whatever happens. */
async function onConsole(setup: Installation, login: string | undefined, work: (page: Console) => Promise<void>, byAccessPoint = true): Promise<void> {
  const page = await consoleOf(setup, login, byAccessPoint);
  try {
    await work(page);
  } finally {
    await page.app.close();
  }
}

for (const engine of engines) {
  describe(`the console's settings pages on ${engine.engine}`, { skip: engine.skip }, () => {
    it('groups the verification by business unit with counts, filters it, and its commands name the access point and fix a whole object', async () => {
      const { database, setup } = await sceneOf(engine as TestEngine, 'settingsverify', 12);
      await withConnection(database.url, (c) => c.execute(`UPDATE business_unit SET name = ${c.compiler.parameter(1)} WHERE name = 'Asia Pacific'`, [SHELL_UNIT]));
      const known = await readFacts(database.url);
      await onConsole(setup, undefined, async (page) => {
        const report = await page.get('/verify');
        assert.equal(report.statusCode, 200, report.body.slice(0, 300));
        const rows = verificationRows(report.body);
        const open = rows.filter((r) => r.open).length;
        assert.ok(open > 0 && open < rows.length, 'some objects to fix, some in place');
        assert.ok(report.body.includes(`<span id="summary" class="warn">${open} of ${rows.length} to fix</span>`), 'the summary counts the rows it shows');
        for (const [site, unit] of known.unitOfSite) {
          const section = sectionOf(report.body, `Business unit ${unit}`);
          assert.ok(section.includes(`<tr data-object="site" data-name="${escaped(site)}">`), `${site} is listed under ${unit}`);
          const sectionRows = verificationRows(section);
          const sectionOpen = sectionRows.filter((r) => r.open).length;
          assert.ok(section.includes(sectionOpen === 0 ? 'all in place' : `${sectionOpen} of ${sectionRows.length} to fix`), `${unit} counts its own rows`);
        }

        // Every command names the access point and its configuration; none carries a placeholder for the database or a password.
        const commands = [...report.body.matchAll(/<code class="fix">([^<]+)<\/code>/g)].map((m) => unescaped(m[1] as string));
        assert.equal(commands.length, open, 'one command per object to fix');
        for (const command of commands) assert.ok(command.includes(` --config "${setup.configFile}" --dap "${ACCESS_POINT}" `), command);
        assert.ok(!report.body.includes('--db DB') && !report.body.includes(PASSWORD), 'no placeholder, no password');

        // The business unit with four findings, and a name a shell would expand, is fixed whole by its one command pasted into a shell.
        const whole = commands.find((c) => c.includes(' --business-unit "Asia \\"Pacific\\" \\$HOME \\`id\\` \\\\ 100%" '));
        assert.ok(whole, commands.join('\n'));
        assert.match(whole, / --data-aggregator NAME --tenant TENANT --da-password-env VARIABLE --time-profile PROFILE$/);
        const fixed = runPasted(whole, `--key-file "${setup.keyFile}"`, { [PASSWORD_VARIABLE]: PASSWORD, WFM_SETTINGS_DA_PASSWORD: 'da-secret-27' });
        assert.equal(fixed.status, 0, fixed.stderr + fixed.stdout);
        const after = await page.get('/verify');
        assert.ok(verificationRows(after.body).some((r) => r.object === 'business unit' && r.name === SHELL_UNIT && !r.open), 'the business unit is in place after its one command');
        assert.ok(!after.body.includes('da-secret-27'));

        // A filter of one site hides every other site, the business units and the users.
        const [site, unit] = [...known.unitOfSite][0] as [string, string];
        const oneSite = await page.get(`/verify?scope=${encodeURIComponent(`site:${site}`)}`);
        assert.equal(oneSite.statusCode, 200);
        assert.deepEqual(verificationRows(oneSite.body).map((r) => `${r.object} ${r.name}`), [`site ${site}`]);
        assert.ok(oneSite.body.includes(`<option value="site:${escaped(site)}" selected>`), 'the filter shows what it is set to');
        // A business unit's filter keeps it and its sites, and nothing else.
        const ofUnit = verificationRows((await page.get(`/verify?scope=${encodeURIComponent(`unit:${unit}`)}`)).body).map((r) => r.name).sort();
        assert.deepEqual(ofUnit, [unit, ...[...known.unitOfSite].filter(([, u]) => u === unit).map(([s]) => s)].sort());
        const openOnly = verificationRows((await page.get('/verify?open=1')).body);
        assert.ok(openOnly.length > 0 && openOnly.every((r) => r.open), 'only what is to fix');
        const unknown = await page.get('/verify?scope=site%3ANowhere');
        assert.equal(unknown.statusCode, 400);
        assert.match(unknown.body, /nothing named by the filter &quot;site:Nowhere&quot;/);
      });

      // Without an access point, the command carries the connection without its password, which it asks for.
      await onConsole(setup, undefined, async (byUrl) => {
        const body = (await byUrl.get('/verify')).body;
        const password = engine.engine === 'sqlite' ? '' : ' --password-prompt';
        assert.ok(body.includes(escaped(`--db "${describeTarget(setup.target)}"${password} `)), 'the URL without its password');
        assert.ok(!body.includes(PASSWORD));
      }, false);
    });

    it('searches Organization and Users, says what each save changed, refuses a bad zone, lists what each role may do, and changes exactly the selected users', async () => {
      const { database, setup, known } = await sceneOf(engine as TestEngine, 'settingsusers', 12);
      await onConsole(setup, undefined, async (page) => {
        const [site, unit] = [...known.unitOfSite][0] as [string, string];
        const organization = await page.get(`/organization?q=${encodeURIComponent(site)}`);
        assert.equal(organization.statusCode, 200);
        assert.ok(organization.body.includes(`<b>${escaped(site)}</b> <span class="muted unit">business unit ${escaped(unit)}</span>`), 'the business unit beside the site');
        for (const other of known.unitOfSite.keys()) {
          if (!other.includes(site) && !site.includes(other)) assert.ok(!organization.body.includes(`<input type="hidden" name="name" value="${escaped(other)}">`), `${other} is not shown`);
        }
        assert.ok(organization.body.includes('<option value="Pacific/Chatham">'), 'time zones from the IANA list');

        const badZone = await page.post('/organization', { object: 'site', name: site, timeZone: 'Mars/Olympus_Mons' });
        assert.equal(badZone.statusCode, 400);
        assert.match(badZone.body, /&quot;Mars\/Olympus_Mons&quot; is not a time zone \(for the site &quot;/);
        assert.equal((await page.post('/organization', { object: 'site', name: site, timeZone: 'Europe/Paris', wfmServer: 'WFMServer_Test' })).statusCode, 302);
        const saved = (await page.get('/organization')).body;
        assert.ok(saved.includes(`<div class="card ok" id="notice" role="status">Saved: site &quot;${escaped(site)}&quot;: time zone = Europe/Paris; site &quot;${escaped(site)}&quot;: WFM Server = WFMServer_Test.</div>`), 'the notice says what changed');
        assert.ok(!(await page.get('/organization')).body.includes('id="notice"'), 'shown once');

        const logins = [...known.users.keys()].sort();
        const [first] = logins as [string];
        const search = (await page.get(`/users?q=${encodeURIComponent(first)}`)).body;
        const listed = [...search.matchAll(/<input type="checkbox" name="login" value="([^"]+)"/g)].map((m) => unescaped(m[1] as string));
        assert.deepEqual(listed, logins.filter((l) => l.includes(first)), 'the search keeps the matching users only');

        // What each role may do: every privilege the database grants it, with its title.
        const users = (await page.get('/users')).body;
        for (const [role, privileges] of known.roles) {
          const start = users.indexOf(`<tr data-role="${escaped(role)}">`);
          assert.ok(start >= 0, role);
          const row = users.slice(start, users.indexOf('</tr>', start));
          for (const privilege of privileges) assert.ok(row.includes(`<li>${escaped(PRIVILEGE_TITLES[privilege as Privilege])} <code>${privilege}</code></li>`), `${role}: ${privilege}`);
          assert.equal([...row.matchAll(/<li>/g)].length, privileges.length, `${role} lists no privilege it does not hold`);
        }

        // A bulk change: exactly the selected users change, in one transaction.
        const selected = logins.slice(1, 4);
        const role = [...known.roles.keys()].sort()[0] as string;
        const refusedZone = await page.post('/users/bulk', { login: selected, timeZone: 'Europe/Pariss' });
        assert.equal(refusedZone.statusCode, 400);
        assert.match(refusedZone.body, /&quot;Europe\/Pariss&quot; is not a time zone/);
        const refusedLogin = await page.post('/users/bulk', { login: [...selected, 'nobody-here'], builder: 'WFMBuilder_Bulk' });
        assert.equal(refusedLogin.statusCode, 400);
        assert.match(refusedLogin.body, /no WFM user with the login &quot;nobody-here&quot;; nothing was changed/);
        assert.deepEqual((await readFacts(database.url)).users, known.users, 'a refused change changes no one');

        const bulk = await page.post('/users/bulk', { login: selected, timeZone: 'Asia/Tokyo', builder: 'WFMBuilder_Bulk', role });
        assert.equal(bulk.statusCode, 302, bulk.body.slice(0, 300));
        const now = (await readFacts(database.url)).users;
        for (const login of logins) assert.equal(now.get(login), selected.includes(login) ? `Asia/Tokyo|WFMBuilder_Bulk|${role}` : known.users.get(login), login);
        assert.ok((await page.get('/users')).body.includes(`id="notice" role="status">Saved for 3 users: time zone = Asia/Tokyo; WFM Builder = WFMBuilder_Bulk; role = ${escaped(role)}.</div>`));
        assert.equal((await page.post('/users/bulk', { timeZone: 'Asia/Tokyo' })).statusCode, 400, 'no user selected');
      });
    });

    it('restores under RequireSealedBackups with the key file, only from the backup folder, and shows each file’s claimed seal', async () => {
      const { setup, known } = await sceneOf(engine as TestEngine, 'settingsbackups', 6);
      const backups = join(setup.folder, 'backups');
      const key = backupSealKey(loadKey(setup.keyFile, false));
      const otherKeyFile = join(setup.folder, 'other.key');
      const otherKey = backupSealKey(loadKey(otherKeyFile, true, () => undefined));
      await backupDatabase(setup.target, join(backups, 'plain.backup.db'));
      await backupDatabase(setup.target, join(backups, 'sealed.backup.db'), { sealing: { key } });
      await backupDatabase(setup.target, join(backups, 'foreign.backup.db'), { sealing: { key: otherKey } });
      await onConsole(setup, known.allowed, async (page) => {
        const list = await page.get('/backups');
        assert.equal(list.statusCode, 200, list.body.slice(0, 300));
        const sealOf = (name: string): string | undefined => new RegExp(`<tr data-backup="${name.replaceAll('.', '\\.')}">.*?<span class="seal [a-z]+">([^<]+)</span>`).exec(list.body)?.[1];
        assert.equal(sealOf('plain.backup.db'), 'not sealed');
        assert.equal(sealOf('sealed.backup.db'), 'sealed by this key');
        assert.equal(sealOf('foreign.backup.db'), 'sealed by another key');
        assert.match(list.body, /<p class="warn" id="sealed-only">WFM Database Utility Options\.RequireSealedBackups = 1 in wfm\.yaml: only a backup sealed by this key file is restored\.<\/p>/);
        for (const name of ['plain', 'sealed', 'foreign']) assert.ok(list.body.includes(`<option value="${name}.backup.db">`), `${name} is offered to restore`);

        const into = await fresh(engine as TestEngine, 'settingsrestored');
        for (const [file, reason] of [
          ['plain.backup.db', /not sealed: it was backed up without a key file/],
          ['foreign.backup.db', /sealed by another key/],
        ] as const) {
          const refused = await page.post('/backups', { action: 'restore', file, into: into.url, confirm: 'yes' });
          assert.equal(refused.statusCode, 400, refused.body.slice(0, 300));
          assert.match(refused.body, /RequireSealedBackups = 1 in wfm\.yaml: only a backup sealed by this key file is restored/);
          assert.match(refused.body, reason);
        }
        for (const file of [join(setup.folder, 'elsewhere.backup.db'), '../elsewhere.backup.db', '/etc/passwd']) {
          const outside = await page.post('/backups', { action: 'restore', file, into: into.url, confirm: 'yes' });
          assert.equal(outside.statusCode, 400, file);
          assert.match(outside.body, /is not a file of that folder; choose one from the list/);
        }
        const escape = await page.post('/backups', { action: 'backup', file: '../escaped.backup.db' });
        assert.equal(escape.statusCode, 400);
        assert.ok(!existsSync(join(setup.folder, 'escaped.backup.db')), 'nothing written outside the folder');

        // The file sealed by this key restores, its seal checked with the key file.
        const restore = await page.post('/backups', { action: 'restore', file: 'sealed.backup.db', into: into.url, confirm: 'yes' });
        assert.equal(restore.statusCode, 302, restore.body.slice(0, 300));
        const job = String(restore.headers.location);
        let ended: string | undefined;
        for (let i = 0; i < 600 && ended === undefined; i++) {
          ended = /<span id="state" class="(done|failed)"/.exec((await page.get(job)).body)?.[1];
          if (ended === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.equal(ended, 'done', (await page.get(job)).body.slice(0, 2000));
        assert.deepEqual((await readFacts(into.url)).users, known.users, 'the restored database holds the users backed up');
      });
    });
  });
}
