// The command line as a user meets it: clear one-line errors with exit 2, no stack trace, no password.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { connect } from '../src/engine/dialect/index.ts';
import { createDatabase } from '../src/wfm/database.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, type TestDatabase } from './helpers/databases.ts';

const engines = await testEngines();
const sqlite = engines.find((e) => e.engine === 'sqlite');
const postgres = engines.find((e) => e.engine === 'postgres');

function assertOneLineError(result: { status: number | null; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(result.status, code, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  assert.match(lines[0] ?? '', /^wfm: /);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

describe('wfm command line', () => {
  const databases: TestDatabase[] = [];
  const fresh = async (label: string): Promise<TestDatabase> => {
    const database = await (sqlite ?? assert.fail('sqlite is always available')).newDatabase(label);
    databases.push(database);
    return database;
  };
  after(async () => {
    for (const d of databases) await d.drop();
  });

  it('names an empty database and one that is not WFM', async () => {
    const empty = await fresh('empty');
    // An empty file is an empty SQLite database: `wfm info` only reads, and makes none.
    writeFileSync(empty.target.path as string, '');
    const info = wfm(['info', '--db', empty.url, '--json']);
    assert.equal(info.status, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).state.kind, 'empty');
    const other = await fresh('other');
    const connection = await connect(other.url);
    await connection.execute('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    await connection.close();
    const result = wfm(['info', '--db', other.url]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /not a WFM database/);
    assertOneLineError(wfm(['dbu', 'update', '--db', other.url]), 2, /not a WFM database/);
  });

  it('refuses a 6.5 database in update and points to migrate', async () => {
    const legacy = await fresh('legacy');
    assert.equal(wfm(['dbu', 'create', '--db', legacy.url, '--version', '6.5.201']).status, 0);
    assert.match(wfm(['info', '--db', legacy.url]).stdout, /6\.5\.201/);
    assertOneLineError(wfm(['dbu', 'update', '--db', legacy.url]), 2, /wfm dbu migrate/);
  });

  it('refuses a database at a newer release', async () => {
    const newer = await fresh('newer');
    const connection = await connect(newer.url);
    await createDatabase(connection, '8.5.2');
    await connection.execute("INSERT INTO wm_db_version (version, applied_at) VALUES ('9.0.1', '2030-01-01 00:00:00')");
    await connection.close();
    assertOneLineError(wfm(['dbu', 'update', '--db', newer.url]), 2, /9\.0\.1, newer than this tool/);
    assertOneLineError(wfm(['bru', '-UPDATE', '-DB', newer.url]), 2, /newer/);
  });

  it('rejects malformed connection strings and unknown releases with exit 2', () => {
    assertOneLineError(wfm(['info', '--db', 'postgres;;wfm;admin;TopSecret1']), 2, /connection string/);
    assertOneLineError(wfm(['info', '--db', 'db2;host;wfm;admin;TopSecret1']), 2, /unknown database engine "db2"/);
    assertOneLineError(wfm(['dbu', 'create', '--db', 'sqlite::memory:', '--version', '9.9']), 2, /unknown release "9\.9"/);
    assert.equal(wfm(['dbu', 'frobnicate']).status, 2);
  });

  it('never prints a password, even when the connection fails (exit 3: could not connect)', { skip: postgres?.skip }, () => {
    const result = wfm(['info', '--db', 'postgres://postgres:TopSecret1@127.0.0.1:5432/wfm_no_such_database']);
    assertOneLineError(result, 3, /cannot connect to postgres:\/\/postgres@127\.0\.0\.1:5432\/wfm_no_such_database/);
    assert.doesNotMatch(result.stdout + result.stderr, /TopSecret1/);
    const fromEnv = wfm(['info', '--password-env', 'WFM_TEST_PW', '--db', 'postgres;127.0.0.1;wfm_no_such_database;postgres'], { WFM_TEST_PW: 'TopSecret1' });
    assert.equal(fromEnv.status, 3);
    assert.doesNotMatch(fromEnv.stdout + fromEnv.stderr, /TopSecret1/);
  });

  it('creates the latest release with the original -UPDATE syntax on an empty database', async () => {
    const empty = await fresh('bruupdate');
    const result = wfm(['bru', '-UPDATE', '-DB', `sqlite;${empty.target.path}`]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /now at 8\.5\.2/);
    assert.equal(JSON.parse(wfm(['info', '--db', empty.url, '--json']).stdout).release, '8.5.2');
  });

  it('runs a reviewed script, and refuses one that was changed', async () => {
    const database = await fresh('script');
    assert.equal(wfm(['dbu', 'create', '--db', database.url, '--version', '7.6']).status, 0);
    const script = wfm(['schema', 'script', '--dialect', 'sqlite', '--from', '7.6']);
    assert.equal(script.status, 0, script.stderr);
    assert.match(script.stdout, /-- wfm:step 8\.0 sha256=/);
    const file = `${database.target.path}.sql`;
    writeFileSync(file, script.stdout.replace("'Role '", "'Group '"));
    assertOneLineError(wfm(['bru', '-UPDATE', '-DB', database.url, '-SCRIPT', file]), 2, /step 8\.0 .* was changed/);
    assert.equal(JSON.parse(wfm(['info', '--db', database.url, '--json']).stdout).release, '7.6');
    writeFileSync(file, script.stdout);
    const run = wfm(['bru', '-UPDATE', '-DB', database.url, '-SCRIPT', file]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(wfm(['info', '--db', database.url, '--json']).stdout).release, '8.5.2');
    const postgresScript = wfm(['schema', 'script', '--dialect', 'postgres', '--from', '7.6']).stdout;
    assert.notEqual(postgresScript, readFileSync(file, 'utf8'));
  });

  it('prints the SQL of a dry run and changes nothing', async () => {
    const database = await fresh('dryrun');
    assert.equal(wfm(['dbu', 'create', '--db', database.url, '--version', '8.0']).status, 0);
    const dry = wfm(['dbu', 'update', '--db', database.url, '--dry-run']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /-- step 8\.5\.0/);
    assert.match(dry.stdout, /ALTER TABLE "business_unit" ADD COLUMN "data_aggregator_name"/);
    assert.equal(JSON.parse(wfm(['info', '--db', database.url, '--json']).stdout).release, '8.0');
  });
});
