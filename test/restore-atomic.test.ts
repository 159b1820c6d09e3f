// A restore into an empty or absent database is all or nothing, even when its process is killed: the real
// `wfm bru restore` is sent SIGKILL while it loads, after which the target is still an empty database that
// holds no table of the release, the load's scratch being all it left; the restore run again says it
// removes that scratch, restores and verifies every table, and leaves no scratch behind.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dialectFor, withConnection, type ConnectionTarget } from '../src/engine/dialect/index.ts';
import { scratchDatabaseName } from '../src/engine/dialect/mysql/scratch.ts';
import { backupDatabase } from '../src/wfm/backup.ts';
import { releaseModel } from '../src/wfm/releases/index.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const all = await testEngines();
const sqlite = all.find((e) => e.engine === 'sqlite') as TestEngine;
const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-restore-atomic-'));
const RELEASE = '8.5.2';
const releaseTables = new Set((await releaseModel(RELEASE)).tables.map((t) => t.name));
/** Targets whose scratch, should a test fail, would outlive their database: a MariaDB scratch is a database of its own. */
const targets: ConnectionTarget[] = [];

after(async () => {
  for (const target of targets.filter((t) => t.engine === 'mysql')) {
    const dialect = await dialectFor(target.engine);
    await dialect.dropDatabase(dialect.scratchFor(target).target);
  }
});

interface InfoJson {
  state: { kind: string };
  release: string | null;
  tables: { name: string; rows: number }[];
}

function succeeded(args: string[], what: string): CliResult {
  const result = wfm(args);
  assert.equal(result.status, 0, `${what} (wfm ${args.join(' ')}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

function info(url: string): InfoJson {
  return JSON.parse(succeeded(['info', '--db', url, '--json'], 'wfm info').stdout) as InfoJson;
}

/** Runs `wfm args` and sends it SIGKILL once a table's rows are loaded, the others still loading. */
async function killedWhileLoading(args: string[]): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [WFM, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (/ rows? in /.test(stderr) && child.exitCode === null) child.kill('SIGKILL');
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, by) => resolve(by)));
  return { signal, stderr };
}

async function scratchExists(target: ConnectionTarget): Promise<boolean> {
  const dialect = await dialectFor(target.engine);
  return withConnection(target, (connection) => dialect.scratchFor(target).exists(connection));
}

/** The release's tables in the target itself (in its own schema), whatever detectRelease makes of them. */
async function releaseTablesIn(target: ConnectionTarget): Promise<string[]> {
  return withConnection(target, async (connection) => (await connection.introspector.tableNames()).filter((name) => releaseTables.has(name)));
}

/** Files beside a SQLite target that are named after it, besides the lock's side file. */
function filesBeside(path: string): string[] {
  return readdirSync(dirname(path)).filter((name) => name.startsWith(`${basename(path)}.`) && !name.endsWith('.wfmlock'));
}

let source: TestDatabase;
let file: string;
let sourceRows: Map<string, number>;

before(async () => {
  // Large enough that the load takes seconds: the kill, sent once the first table is loaded, finds it under way.
  source = await generatedDatabase(fresh, sqlite, 'atomic-source', RELEASE, { agents: 150, days: 30, seed: 23 });
  file = join(directory, 'source.backup.db');
  await backupDatabase(source.target, file);
  sourceRows = new Map(info(source.url).tables.map((t) => [t.name, t.rows]));
});

describe('a restore into an empty database, killed while it loads', () => {
  for (const engine of all) {
    it(`on ${engine.engine}: the target stays empty, and the restore run again removes the scratch, restores and verifies`, { skip: engine.skip }, async () => {
      const target = await fresh(engine, 'atomic-target');
      targets.push(target.target);
      const args = ['bru', 'restore', '--db', target.url, '--file', file, '--verbose'];
      const killed = await killedWhileLoading(args);
      assert.equal(killed.signal, 'SIGKILL', `the restore ended before it was killed:\n${killed.stderr}`);
      assert.ok(await scratchExists(target.target), 'the kill came while the rows were loading into the scratch');

      const left = info(target.url);
      assert.equal(left.state.kind, 'empty', `wfm info after the kill: ${JSON.stringify(left)}`);
      assert.deepEqual(await releaseTablesIn(target.target), [], 'no table of the release in the target');

      const again = succeeded(args, 'the restore run again');
      assert.match(again.stderr, /removed .*left by an interrupted restore/);
      assert.match(again.stdout, /restored: \d+ tables/);
      assert.doesNotMatch(again.stdout, /\bNO\b/, 'every table verified');
      const restored = info(target.url);
      assert.equal(restored.release, RELEASE);
      assert.deepEqual(new Map(restored.tables.map((t) => [t.name, t.rows])), sourceRows, 'every table holds the source rows');
      assert.equal(await scratchExists(target.target), false, 'the scratch is gone');
      if (engine.engine === 'sqlite') assert.deepEqual(filesBeside(target.target.path as string), [], 'nothing beside the restored file');
    });
  }
});

describe('a restore that is not interrupted', () => {
  for (const engine of all) {
    it(`on ${engine.engine}: into an absent database, leaves no scratch and says nothing of one`, { skip: engine.skip }, async () => {
      const target = await fresh(engine, 'atomic-plain');
      targets.push(target.target);
      // The database itself is absent: the restore creates it.
      await (await dialectFor(engine.engine)).dropDatabase(target.target);
      const restored = succeeded(['bru', 'restore', '--db', target.url, '--file', file], 'the restore');
      assert.doesNotMatch(restored.stderr, /interrupted restore/);
      assert.equal(info(target.url).release, RELEASE);
      assert.equal(await scratchExists(target.target), false, 'no scratch left');
      if (engine.engine === 'sqlite') {
        assert.deepEqual(filesBeside(target.target.path as string), [], 'nothing beside the restored file');
        assert.equal(existsSync(`${target.target.path}.restoring`), false);
      }
    });
  }
});

describe('the scratch of a MariaDB database', () => {
  it('is named after the database, within 64 characters, distinct for long names that share a start', () => {
    assert.equal(scratchDatabaseName('wfm'), 'wfm__wfm_restoring');
    const long = 'w'.repeat(60);
    const names = [scratchDatabaseName(`${long}_a`), scratchDatabaseName(`${long}_b`)];
    for (const name of names) assert.ok(name.length <= 64, name);
    assert.notEqual(names[0], names[1]);
  });
});
