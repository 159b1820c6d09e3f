// wfm.yaml: read and checked whole, problems named by line; options read and changed by `wfm config`
// with the file's comments kept; database access points usable wherever a command opens a database; and
// the options the Database Utility honours (AllowMigratePerformance, RequireWfmUser).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connect } from '../src/engine/dialect/index.ts';
import { ConfigFile } from '../src/wfm/config/config-file.ts';
import { createDatabase } from '../src/wfm/database.ts';
import { generate } from '../src/wfm/generate/index.ts';
import { wfm } from './helpers/cli.ts';

const directory = mkdtempSync(join(tmpdir(), 'wfm-config-'));
const EXAMPLE = readFileSync(new URL('../wfm.example.yaml', import.meta.url), 'utf8');

function configWith(text: string, name = 'wfm.yaml'): string {
  const path = join(directory, `${Math.random().toString(36).slice(2)}-${name}`);
  writeFileSync(path, text);
  return path;
}

function problem(text: string): string {
  try {
    ConfigFile.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no problem found';
}

describe('wfm.yaml', () => {
  it('reads the example: database access points and applications with their options', () => {
    const config = ConfigFile.parse(EXAMPLE);
    assert.deepEqual(config.databases.map((d) => d.name), ['wfm65', 'wfm852']);
    const client = config.application('WFM Client');
    assert.equal(client.type, 'client');
    assert.equal(config.option(client, 'Options', 'AllowMigratePerformance'), '0');
    assert.equal(config.application('data-aggregator').name, 'WFM Data Aggregator', 'an application found by its type');
    assert.equal(config.option(config.application('data-aggregator'), 'Options', 'CloseIntervalAfter'), '1800', 'a known option falls back to its default');
  });

  it('names the line of what is wrong', () => {
    assert.match(problem('databases:\n  a: [1\n'), /^wfm\.yaml line \d: /);
    assert.equal(problem('databases:\n  a:\n    connection: sqlite:a.db\napplications:\n  X:\n    type: robot\n'), 'wfm.yaml line 6: application X: unknown type "robot"; the types are client (WFM Client), data-aggregator (WFM Data Aggregator), server (WFM Server), web (WFM Web), database-utility (WFM Database Utility)');
    assert.equal(problem('databases:\n  a:\n    connection: sqlite:a.db\napplications:\n  X:\n    type: client\n    connections: [b]\n'), 'wfm.yaml line 7: application X: connection "b" is not one of the databases (a)');
    assert.match(problem('databases:\n  a:\n    connection: "nosuch://x"\n'), /^wfm\.yaml line 2: database a: "nosuch:\/\/x" is not a connection string; use a URL/);
    assert.equal(problem('applications:\n  C:\n    type: client\n    options:\n      Options:\n        AllowMigratePerformance: 2\n'), 'wfm.yaml line 6: C Options.AllowMigratePerformance takes 0 or 1, not "2"');
    assert.equal(problem('databse:\n  a: {}\n'), 'wfm.yaml line 1: unknown section "databse"; the configuration has databases and applications');
    assert.equal(problem('applications:\n  C:\n    release: 9.9\n    type: client\n'), 'wfm.yaml line 3: application C: unknown release "9.9"');
  });

  it('`wfm config get|set` read and change an option, keep the comments, and name an unknown application', () => {
    const path = configWith(EXAMPLE);
    const get = wfm(['config', 'get', 'WFM Client', 'Options.AllowMigratePerformance', '--config', path]);
    assert.equal(get.stdout, '0\n');
    const set = wfm(['config', 'set', 'WFM Client', 'Options.AllowMigratePerformance', '1', '--config', path]);
    assert.equal(set.status, 0, set.stderr);
    assert.equal(set.stdout, 'WFM Client Options.AllowMigratePerformance = 1 (was 0)\n');
    const text = readFileSync(path, 'utf8');
    assert.match(text, /# 0 during step one of a two-step migration; 1 to migrate the performance data.\n\s+AllowMigratePerformance: 1\n/);
    assert.equal(wfm(['config', 'get', 'client', 'Options.AllowMigratePerformance', '--config', path]).stdout, '1\n');
    assert.equal(wfm(['config', 'set', 'WFM Server', 'Log.Verbose', 'all', '--config', path]).stdout, 'WFM Server Log.Verbose = all (created)\n');
    assert.equal(wfm(['config', 'get', 'WFM Server', 'Log.Verbose', '--config', path]).stdout, 'all\n');
    const bad = wfm(['config', 'set', 'WFM Client', 'Options.AllowMigratePerformance', 'yes', '--config', path]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, 'wfm: WFM Client Options.AllowMigratePerformance takes 0 or 1, not "yes"\n');
    const unknown = wfm(['config', 'get', 'WFM Clinet', 'Options.AllowMigratePerformance', '--config', path]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /has no application named "WFM Clinet"; its applications are "WFM Client", "WFM Data Aggregator"/);
    assert.equal(readFileSync(path, 'utf8').includes('AllowMigratePerformance: 1'), true, 'a refused change leaves the file as it was');
  });

  it('`wfm config set` range-checks the WFM Server [ETL] options with exit 2, and `get` gives their defaults', () => {
    const path = configWith(EXAMPLE);
    const set = (option: string, value: string) => wfm(['config', 'set', 'WFM Server', `ETL.${option}`, value, '--config', path]);
    const refusals: [string, string, string][] = [
      ['DayChunk', '32', 'takes a whole number from 1 to 31'],
      ['DayChunk', '2.5', 'takes a whole number from 1 to 31'],
      ['DaysBack', '-1', 'takes a whole number from 0 to 365'],
      ['DaysAhead', '0', 'takes a whole number from 1 to 365'],
      ['MaxPurgeChunk', '0', 'takes a whole number from 1 to 10000000'],
      ['PurgeDaysBack', 'ten', 'takes a whole number from 0 to 36500'],
      ['ETLTimeout', '600000', 'takes a whole number from -525600 to 525600'],
      ['PurgeDate', '2026-02-30', 'takes a date YYYY-MM-DD'],
    ];
    for (const [option, value, message] of refusals) {
      const refused = set(option, value);
      assert.equal(refused.status, 2, `${option} ${value}`);
      assert.equal(refused.stderr, `wfm: WFM Server ETL.${option} ${message}, not "${value}"\n`);
    }
    assert.equal(readFileSync(path, 'utf8'), EXAMPLE, 'a refused value leaves the file as it was');
    assert.equal(wfm(['config', 'get', 'WFM Server', 'ETL.DaysBack', '--config', path]).stdout, '14 (not set; the default)\n');
    assert.equal(wfm(['config', 'get', 'WFM Server', 'ETL.PurgeDate', '--config', path]).stdout, '(not set; no default)\n');
    assert.equal(set('DayChunk', '31').stdout, 'WFM Server ETL.DayChunk = 31 (created)\n');
    assert.equal(set('ETLTimeout', '-5').status, 0);
    assert.equal(set('PurgeDate', '2026-01-31').status, 0);
    assert.equal(wfm(['config', 'get', 'WFM Server', 'ETL.PurgeDate', '--config', path]).stdout, '2026-01-31\n');
    const edited = problem(readFileSync(path, 'utf8').replace('DayChunk: 31', 'DayChunk: 0'));
    assert.match(edited, /line \d+: WFM Server ETL\.DayChunk takes a whole number from 1 to 31, not "0"/);
  });

  it('opens a database by its access point (--config --dap), and names an unknown one', async () => {
    const db = join(directory, 'dap.db');
    const connection = await connect(`sqlite:${db}`);
    await createDatabase(connection, '8.5.2');
    await connection.close();
    const path = configWith(`databases:\n  main:\n    connection: sqlite:${db}\n`);
    const info = wfm(['info', '--config', path, '--dap', 'main', '--json']);
    assert.equal(info.status, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).release, '8.5.2');
    const missing = wfm(['info', '--config', path, '--dap', 'other']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /has no database access point named "other"; it has "main"/);
    assert.equal(wfm(['info', '--dap', 'main']).stderr, 'wfm: --dap main needs the configuration that defines it: --config wfm.yaml (or WFM_CONFIG)\n');
    assert.equal(wfm(['dbu', 'migrate', '--from', `sqlite:${db}`]).stderr, 'wfm: name the database: --to CONNECTION, or --config wfm.yaml --dap NAME\n');
  });

  it('step one: AllowMigratePerformance = 0 in the configuration leaves the performance data for step two', async () => {
    const legacy = join(directory, 'legacy.db');
    const connection = await connect(`sqlite:${legacy}`);
    await createDatabase(connection, '6.5.201');
    await generate(connection, '6.5.201', { agents: 10, days: 2, seed: 4 });
    await connection.close();
    const path = configWith(EXAMPLE.replace('sqlite:wfm65.db', `sqlite:${legacy}`).replace('postgres://wfm@127.0.0.1:5432/wfm852', `sqlite:${join(directory, 'step-one.db')}`));
    const migrated = wfm(['dbu', 'migrate', '--config', path, '--from', 'wfm65', '--dap', 'wfm852', '--json']);
    assert.equal(migrated.status, 0, migrated.stderr);
    const targets = (JSON.parse(migrated.stdout).tables as { target: string }[]).map((t) => t.target);
    assert.ok(targets.includes('agent') && !targets.includes('activity_performance') && !targets.includes('agent_adherence'), targets.join(', '));
  });

  it('RequireWfmUser = 1: a backup must name the WFM user', () => {
    const path = configWith(EXAMPLE.replace('RequireWfmUser: 0', 'RequireWfmUser: 1'));
    const result = wfm(['bru', 'backup', '--config', path, '--db', `sqlite:${join(directory, 'x.db')}`, '--file', join(directory, 'x.backup')]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /WFM Database Utility Options\.RequireWfmUser = 1 in .*wfm\.yaml: name the WFM user doing this with --wfm-user LOGIN/);
  });
});
