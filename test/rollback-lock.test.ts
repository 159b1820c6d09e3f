// `wfm rollback` of a migration drops the new database only under the database lock: while another
// session holds it (a restore into it, a migration resuming), the rollback exits 1 naming the holder, the
// database is still there, and the rollback goes through once the holder has gone.
import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConnectionString, withConnection } from '../src/engine/dialect/index.ts';
import { LockHeldError } from '../src/engine/errors.ts';
import { DATABASE_LOCK } from '../src/wfm/database.ts';
import { loadJournal, rollbackRun } from '../src/wfm/run.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = await testEngines();
const fresh = trackedDatabases();
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const HOLD_LOCK = fileURLToPath(new URL('./fixtures/hold-lock.ts', import.meta.url));
const HOLDER = /is held by[^\n]*the test lock holder/;

/** Another process holding the database lock of `url` until it is killed or the file's tests end. */
async function holdLock(url: string): Promise<ChildProcess> {
  const holder = spawn(process.execPath, ['--import', 'tsx', HOLD_LOCK, url, DATABASE_LOCK], { stdio: ['ignore', 'pipe', 'inherit'] });
  after(() => holder.kill('SIGKILL'));
  const [chunk] = (await once(holder.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString().trim(), 'locked');
  return holder;
}

async function release(holder: ChildProcess): Promise<void> {
  const exited = once(holder, 'exit');
  holder.kill('SIGKILL');
  await exited;
}

/** The tables of the database; none when it cannot be opened (dropped). */
async function tablesOf(database: TestDatabase): Promise<string[]> {
  return withConnection({ ...database.target, readOnly: true }, (connection) => connection.introspector.tableNames()).catch(() => []);
}

/** A migration of a small 6.5 database into a new one on `engine`, with the runs folder its journal is in. */
async function migrated(engine: TestEngine, label: string): Promise<{ target: TestDatabase; runsDir: string }> {
  const legacy = await generatedDatabase(fresh, sqlite, `${label}-src`, '6.5.104', { agents: 4, days: 1, seed: 5 });
  const target = await fresh(engine, label);
  const directory = mkdtempSync(join(tmpdir(), 'wfm-rollback-lock-'));
  const runsDir = join(directory, 'runs');
  const run = wfm(['run', '--from', legacy.url, '--to', target.url, '--backup-dir', directory, '--runs-dir', runsDir]);
  assert.equal(run.status, 0, run.stderr + run.stdout);
  assert.ok((await tablesOf(target)).length > 0, 'the migration wrote the new database');
  return { target, runsDir };
}

for (const engine of engines) {
  describe(`rollback of a migration while its new database is locked, on ${engine.engine}`, { skip: engine.skip }, () => {
    it('wfm rollback --yes exits 1 naming the holder, and the new database is still there; once the holder has gone it is dropped', async () => {
      const { target, runsDir } = await migrated(engine, 'rbl-cli');
      const holder = await holdLock(target.url);
      const refused = wfm(['rollback', '--run', 'last', '--runs-dir', runsDir, '--yes']);
      assert.equal(refused.status, 1, refused.stderr + refused.stdout);
      assert.match(refused.stderr, HOLDER);
      assert.doesNotMatch(refused.stderr, /internal error/);
      assert.ok((await tablesOf(target)).length > 0, 'the new database is still there');
      await release(holder);
      const done = wfm(['rollback', '--run', 'last', '--runs-dir', runsDir, '--yes']);
      assert.equal(done.status, 0, done.stderr + done.stdout);
      assert.deepEqual(await tablesOf(target), [], 'the new database is dropped');
    });

    it('the drop itself takes the lock: a rollback confirmed before the holder came refuses, naming it, and drops nothing', async () => {
      const { target, runsDir } = await migrated(engine, 'rbl-drop');
      await holdLock(target.url);
      const journal = loadJournal(runsDir, 'last');
      const rollback = rollbackRun(journal, async (text) => parseConnectionString(text), { runsDirectory: runsDir, backupDirectory: runsDir });
      await assert.rejects(rollback, (error: unknown) => error instanceof LockHeldError && HOLDER.test(error.message));
      assert.ok((await tablesOf(target)).length > 0, 'the new database is still there');
      assert.equal(loadJournal(runsDir, 'last').state, 'done', 'the run is not marked rolled back');
    });
  });
}
