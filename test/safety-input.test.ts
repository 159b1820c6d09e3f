// No destructive surprise: the input checks and the source/target checks, through the real `wfm` process on
// real databases. A command that only reads leaves a SQLite file byte for byte as it was and creates no
// file; the same database on both sides of a migration is refused, however it is spelled, before anything
// is written, and no advice ever tells to drop a database that holds data; a usage error of `wfm run` exits
// 2 and writes no journal; a time zone is an IANA one wherever it is given; the key file is named when it is
// created, with what losing it costs.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { connect, type ConnectionTarget } from '../src/engine/dialect/index.ts';
import type { SettingFinding } from '../src/wfm/settings.ts';
import { isTimeZone, requireTimeZone } from '../src/wfm/time-zones.ts';
import { buildConsole } from '../src/web/server.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { databaseContent } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = await testEngines();
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const fresh = trackedDatabases();

const directory = (): string => mkdtempSync(join(tmpdir(), 'wfm-safety-'));

/** Every file of a folder with the sha256 of its bytes: what "nothing changed, nothing created" compares. */
function folderState(folder: string): Record<string, string> {
  const state: Record<string, string> = {};
  for (const name of readdirSync(folder).sort()) state[name] = createHash('sha256').update(readFileSync(join(folder, name))).digest('hex');
  return state;
}

/** A generated SQLite database copied alone into its own folder, in rollback-journal or WAL mode. */
async function sqliteFile(release: '6.5.201' | '8.5.2', folder: string, mode: 'delete' | 'wal'): Promise<string> {
  const generated = await generatedDatabase(fresh, sqlite, `ro${release}`, release, { agents: 4, days: 1, seed: 5 });
  const path = join(folder, `${release}.db`);
  copyFileSync(generated.target.path as string, path);
  const db = new Database(path);
  db.pragma(`journal_mode = ${mode}`);
  db.close();
  return path;
}

/** What the database holds, read through a session that cannot write. */
async function contentOf(target: ConnectionTarget): Promise<Map<string, { rows: number; hash: string }>> {
  const connection = await connect({ ...target, readOnly: true });
  try {
    return await databaseContent(connection);
  } finally {
    await connection.close();
  }
}

function assertNoInternalError(result: CliResult, what: string): void {
  assert.ok(!`${result.stdout}${result.stderr}`.includes('internal error'), `${what}: ${result.stderr}`);
}

describe('commands that only read a SQLite file', () => {
  for (const mode of ['delete', 'wal'] as const) {
    it(`leave a file in ${mode} journal mode byte for byte as it was, and create no file beside it`, async () => {
      const folder = directory();
      const elsewhere = directory();
      const legacy = `sqlite:${await sqliteFile('6.5.201', folder, mode)}`;
      const current = `sqlite:${await sqliteFile('8.5.2', folder, mode)}`;
      const before = folderState(folder);
      const commands: [string, string[]][] = [
        ['info', ['info', '--db', legacy]],
        ['info --json', ['info', '--db', current, '--json']],
        ['plan into a database that holds data', ['plan', '--from', legacy, '--to', current, '--backup-dir', elsewhere]],
        ['plan into a new file', ['plan', '--from', legacy, '--to', `sqlite:${join(elsewhere, 'new.db')}`, '--backup-dir', elsewhere]],
        ['verify --settings', ['verify', '--db', current, '--settings']],
        ['verify --from --to', ['verify', '--from', legacy, '--to', current]],
        ['bru backup', ['bru', 'backup', '--db', legacy, '--file', join(elsewhere, 'legacy.backup.db')]],
      ];
      for (const [what, args] of commands) {
        const result = wfm(args);
        assertNoInternalError(result, what);
        assert.deepEqual(folderState(folder), before, `${what} changed or created a file (exit ${result.status}: ${result.stderr})`);
      }
      assert.ok(!existsSync(join(elsewhere, 'new.db')), 'plan created the target it was only to check');
    });
  }

  it('refuse a file that does not exist with exit 2, and do not create it', () => {
    const folder = directory();
    const missing = join(folder, 'nope.db');
    for (const args of [
      ['info', '--db', `sqlite:${missing}`],
      ['verify', '--db', `sqlite:${missing}`, '--settings'],
      ['bru', 'backup', '--db', `sqlite:${missing}`, '--file', join(directory(), 'b.db')],
    ]) {
      const result = wfm(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /the SQLite file .*nope\.db does not exist/);
      assert.deepEqual(readdirSync(folder), [], `${args[0]} created a file`);
    }
    const plan = wfm(['plan', '--from', `sqlite:${missing}`]);
    assert.match(plan.stdout, /FAIL +source release: the SQLite file .*nope\.db does not exist/);
    assert.deepEqual(readdirSync(folder), [], 'plan created the file');
  });

  it('refuse a file that is not a database as bad input, not an internal error', () => {
    const path = join(directory(), 'notes.db');
    writeFileSync(path, 'not a database, but long enough to have a header of a hundred bytes. '.repeat(3));
    const result = wfm(['info', '--db', `sqlite:${path}`]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /cannot connect to sqlite:.*notes\.db: file is not a database/);
  });
});

/** The same database spelled another way: a symbolic link to the file, or the server by another of its names. */
function otherSpelling(target: ConnectionTarget): string {
  if (target.engine === 'sqlite') {
    const link = join(directory(), `link-to-${basename(target.path as string)}`);
    symlinkSync(target.path as string, link);
    return `sqlite:${link}`;
  }
  const host = target.host === 'localhost' ? '127.0.0.1' : 'localhost';
  return `${target.engine};${host}:${target.port};${target.database};${target.user ?? ''}${target.password ? `;${target.password}` : ''}`;
}

for (const engine of engines) {
  describe(`the same database on both sides, on ${engine.engine}`, { skip: engine.skip }, () => {
    it('is refused by run, dbu migrate and migrate-performance before anything is written, and nothing says to drop it', async () => {
      const legacy = await generatedDatabase(fresh, engine, 'samesource', '6.5.201', { agents: 3, days: 1, seed: 3 });
      const same = otherSpelling(legacy.target);
      const folder = directory();
      const runs = join(folder, 'runs');
      const before = await contentOf(legacy.target);
      const fileBefore = engine.engine === 'sqlite' ? folderState(join(legacy.target.path as string, '..')) : undefined;
      for (const to of [legacy.url, same]) {
        for (const args of [
          ['run', '--from', legacy.url, '--to', to, '--runs-dir', runs, '--backup-dir', folder],
          ['dbu', 'migrate', '--from', legacy.url, '--to', to],
          ['dbu', 'migrate-performance', '--from', legacy.url, '--to', to],
        ]) {
          const result = wfm(args);
          const what = `${args.slice(0, 2).join(' ')} --to ${to}`;
          assert.equal(result.status, 2, `${what}: ${result.stderr}`);
          assert.match(result.stderr, /the source and the target are the same database \(.*\); the source is only read: name a new or empty database as the target/, what);
          assert.doesNotMatch(`${result.stdout}${result.stderr}`, /drop|--resume/i, what);
        }
        const plan = wfm(['plan', '--from', legacy.url, '--to', to, '--backup-dir', folder]);
        assert.equal(plan.status, 1, plan.stderr);
        assert.match(plan.stdout, /FAIL +target: .* is the source itself/);
        assert.doesNotMatch(plan.stdout, /drop/i);
      }
      assert.ok(!existsSync(runs), 'a refused run wrote a journal');
      assert.deepEqual(await contentOf(legacy.target), before, 'the source changed');
      if (fileBefore) assert.deepEqual(folderState(join(legacy.target.path as string, '..')), fileBefore, 'the source file changed, or a file was created beside it');
    });
  });
}

describe('wfm run usage errors', () => {
  it('exit 2 before any journal exists, and never advise --resume or dropping a database', async () => {
    const legacy = await generatedDatabase(fresh, sqlite, 'usagelegacy', '6.5.201', { agents: 3, days: 1, seed: 2 });
    const current = await generatedDatabase(fresh, sqlite, 'usagecurrent', '7.6', { agents: 3, days: 1, seed: 2 });
    const other = await fresh(sqlite, 'usageother');
    const holdsData = await generatedDatabase(fresh, sqlite, 'usagetarget', '8.5.2', { agents: 3, days: 1, seed: 2 });
    const targetBefore = await contentOf(holdsData.target);
    const folder = directory();
    const runs = join(folder, 'runs');
    const cases: [string[], RegExp][] = [
      [['--from', legacy.url], /is a WFM 6\.5\.201 database: a migration writes into a new database; name it with --to URL/],
      [['--from', legacy.url, '--to', holdsData.url], /is a WFM 8\.5\.2 database; name a new or empty database as the target; this one is left as it is/],
      [['--from', current.url, '--to', other.url], /is updated in place, and --to .* names another database; leave --to out/],
      [['--from', current.url, '--two-step'], /--two-step is for a 6\.5 migration; leave --two-step out/],
      [['--resume', 'last', '--from', legacy.url], /--resume goes on with the databases and path of the run's journal; leave out --from/],
      [['--from', legacy.url, '--dap', 'wfm'], /--from CONNECTION or --dap NAME, not both/],
    ];
    for (const [args, message] of cases) {
      const result = wfm(['run', ...args, '--runs-dir', runs, '--backup-dir', folder]);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}${result.stdout}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.doesNotMatch(`${result.stdout}${result.stderr}`, /drop|--resume run-/i, args.join(' '));
      assert.ok(!existsSync(runs), `${args.join(' ')} wrote a journal`);
    }
    assert.deepEqual(await contentOf(holdsData.target), targetBefore, 'the target that holds data changed');
    assert.equal(existsSync(other.target.path as string), false, 'the target of a refused update in place was created');
  });
});

describe('time zones', () => {
  it('are the IANA ones Intl knows', () => {
    for (const zone of ['Europe/Paris', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/GMT+5', 'Asia/Kolkata']) assert.ok(isTimeZone(zone), zone);
    for (const zone of ['Europe/Pariss', 'Mars/Olympus_Mons', '+01:00', '', 'Paris']) assert.ok(!isTimeZone(zone), zone);
    assert.throws(() => requireTimeZone('Mars/Olympus_Mons', 'the user "ana"'), /"Mars\/Olympus_Mons" is not a time zone \(for the user "ana"\); use an IANA time zone name/);
  });

  it('are checked by wfm user set and wfm org set, which change nothing on a refusal', async () => {
    const { url, target } = await generatedDatabase(fresh, sqlite, 'zones', '8.5.2', { agents: 4, days: 1, seed: 7 });
    const connection = await connect({ ...target, readOnly: true });
    const [user] = await connection.query('SELECT login, time_zone FROM wfm_user ORDER BY login');
    const [site] = await connection.query('SELECT name, time_zone FROM site WHERE deleted = 0 ORDER BY name');
    await connection.close();
    const login = String(user?.login);
    const siteName = String(site?.name);
    const zonesNow = async (): Promise<[unknown, unknown]> => {
      const c = await connect({ ...target, readOnly: true });
      try {
        const [u] = await c.query(`SELECT time_zone FROM wfm_user WHERE login = ${c.compiler.parameter(1)}`, [login]);
        const [s] = await c.query(`SELECT time_zone FROM site WHERE name = ${c.compiler.parameter(1)}`, [siteName]);
        return [u?.time_zone, s?.time_zone];
      } finally {
        await c.close();
      }
    };
    const before = await zonesNow();
    for (const zone of ['Europe/Pariss', 'Mars/Olympus_Mons']) {
      const userSet = wfm(['user', 'set', '--db', url, '--login', login, '--time-zone', zone]);
      assert.equal(userSet.status, 2, userSet.stderr);
      assert.match(userSet.stderr, new RegExp(`"${zone}" is not a time zone \\(for the user "${login}"\\)`));
      const orgSet = wfm(['org', 'set', '--db', url, '--site', siteName, '--time-zone', zone, '--tenant', 'Changed']);
      assert.equal(orgSet.status, 2, orgSet.stderr);
      assert.match(orgSet.stderr, /is not a time zone \(for the site "/);
    }
    assert.deepEqual(await zonesNow(), before, 'a refused time zone changed something');
    for (const zone of ['Europe/Paris', 'UTC', 'America/Argentina/Buenos_Aires']) {
      const userSet = wfm(['user', 'set', '--db', url, '--login', login, '--time-zone', zone]);
      assert.equal(userSet.status, 0, userSet.stderr);
    }
    const orgSet = wfm(['org', 'set', '--db', url, '--site', siteName, '--time-zone', 'America/Argentina/Buenos_Aires']);
    assert.equal(orgSet.status, 0, orgSet.stderr);
    assert.match(orgSet.stdout, new RegExp(`site "${siteName}": time zone = America/Argentina/Buenos_Aires`));
    assert.deepEqual(await zonesNow(), ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires']);
  });

  it('stored unknown is a finding of wfm verify --settings', async () => {
    const { url, target } = await generatedDatabase(fresh, sqlite, 'zonefinding', '8.5.2', { agents: 4, days: 1, seed: 7 });
    const connection = await connect(target);
    const [user] = await connection.query('SELECT login FROM wfm_user WHERE disabled = 0 ORDER BY login');
    await connection.execute(`UPDATE wfm_user SET time_zone = 'Mars/Olympus_Mons' WHERE login = ${connection.compiler.parameter(1)}`, [user?.login ?? null]);
    await connection.close();
    const result = wfm(['verify', '--db', url, '--settings', '--json']);
    const findings = (JSON.parse(result.stdout) as { findings: SettingFinding[] }).findings;
    const finding = findings.find((f) => f.object === 'user' && f.name === user?.login && /time zone/.test(f.problem));
    assert.deepEqual(finding, { object: 'user', name: user?.login, problem: 'time zone "Mars/Olympus_Mons" is not an IANA time zone', fix: `wfm user set --db "${url}" --login "${String(user?.login)}" --time-zone ZONE` });
  });

  it('are checked by the console’s Users and Organization forms, which offer the same list', async () => {
    const { target } = await generatedDatabase(fresh, sqlite, 'zoneconsole', '8.5.2', { agents: 4, days: 1, seed: 7 });
    const folder = directory();
    const app = buildConsole({
      database: target,
      tokens: [{ token: 'admin-token', role: 'administrator' }],
      runsDirectory: join(folder, 'runs'),
      backupDirectory: folder,
      keyFile: join(folder, 'key'),
      resolve: async () => target,
    });
    try {
      const signIn = await app.inject({ url: '/sign-in?token=admin-token' });
      const cookie = String(signIn.headers['set-cookie']).split(';')[0] as string;
      const post = (url: string, values: Record<string, string>) =>
        app.inject({ method: 'POST', url, payload: new URLSearchParams(values).toString(), headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } });
      const connection = await connect({ ...target, readOnly: true });
      const [user] = await connection.query('SELECT login FROM wfm_user ORDER BY login');
      const [site] = await connection.query('SELECT name FROM site WHERE deleted = 0 ORDER BY name');
      await connection.close();
      const refusedUser = await post('/users', { login: String(user?.login), timeZone: 'Europe/Pariss' });
      assert.equal(refusedUser.statusCode, 400, refusedUser.body);
      assert.match(refusedUser.body, /&quot;Europe\/Pariss&quot; is not a time zone/);
      const refusedSite = await post('/organization', { object: 'site', name: String(site?.name), timeZone: 'Mars/Olympus_Mons' });
      assert.equal(refusedSite.statusCode, 400, refusedSite.body);
      assert.equal((await post('/users', { login: String(user?.login), timeZone: 'America/Argentina/Buenos_Aires' })).statusCode, 302);
      assert.equal((await post('/organization', { object: 'site', name: String(site?.name), timeZone: 'Europe/Paris' })).statusCode, 302);
      for (const page of ['/users', '/organization']) {
        const body = (await app.inject({ url: page, headers: { cookie } })).body;
        assert.match(body, /<input name="timeZone" list="time-zones"/, page);
        assert.match(body, /<option value="Europe\/Paris">/, page);
      }
      assert.match((await app.inject({ url: '/organization', headers: { cookie } })).body, /value="Europe\/Paris"><\/label>/);
    } finally {
      await app.close();
    }
  });
});

describe('the key file', () => {
  it('is named once, when a command creates it, with what losing it costs', async () => {
    const { url } = await generatedDatabase(fresh, sqlite, 'keyfile', '8.5.2', { agents: 4, days: 1, seed: 7 });
    const folder = directory();
    const keyFile = join(folder, 'wfm-secret.key');
    const connection = await connect(url);
    const [site] = await connection.query('SELECT name FROM site WHERE deleted = 0 ORDER BY name');
    await connection.close();
    const set = (): CliResult => wfm(['org', 'set', '--db', url, '--site', String(site?.name), '--da-password-env', 'DA_SECRET', '--key-file', keyFile], { DA_SECRET: 'a-secret' });
    const first = set();
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stderr.split(keyFile).length - 1, 1, `the key file is named once: ${first.stderr}`);
    assert.match(first.stderr, /created the key file .*wfm-secret\.key \(readable by its owner only\).*without it those passwords are lost/);
    const second = set();
    assert.equal(second.status, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /key file/, 'an existing key file is not announced again');

    const config = join(folder, 'wfm.yaml');
    writeFileSync(config, `databases:\n  wfm852:\n    connection: "postgres://wfm@db.example:5432/wfm"\n    passwordEnv: WFM_DB_PASSWORD\n`);
    const otherKey = join(folder, 'config.key');
    const stored = wfm(['config', 'set-password', 'wfm852', '--config', config, '--password-env', 'WFM_DB_PASSWORD', '--key-file', otherKey], { WFM_DB_PASSWORD: 'db-secret' });
    assert.equal(stored.status, 0, stored.stderr);
    assert.match(stored.stderr, /created the key file .*config\.key .*without it those passwords are lost/);
    assert.ok(!`${stored.stdout}${stored.stderr}`.includes('db-secret'));
  });
});
