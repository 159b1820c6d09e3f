// The migration's largest table copied as key ranges side by side: each range has its own checkpoint, the
// migrated database verifies against its source on every engine, and a migration killed while the ranges
// load resumes each from its checkpoint with no row twice or missing.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { connect, type Connection } from '../src/engine/dialect/index.ts';
import { CHECKPOINT_TABLE_NAME } from '../src/engine/engine-tables.ts';
import { MIGRATION_JOB, migrateLegacy } from '../src/wfm/migrate.ts';
import { verifyMigration } from '../src/wfm/verify.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const all = await testEngines();
const engines = all.filter((e) => !e.skip);
const unavailable = all.filter((e) => e.skip).map((e) => e.engine);
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const servers = engines.filter((e) => e.engine !== 'sqlite');
const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const fresh = trackedDatabases();

/** The adherence ranges' checkpoints: name, rows written, done. */
async function rangeCheckpoints(connection: Connection): Promise<{ item: string; rows: number; done: boolean }[]> {
  const q = connection.compiler;
  const rows = await connection.query(
    `SELECT item, rows_written, done FROM ${q.quoteIdentifier(CHECKPOINT_TABLE_NAME)} WHERE job = ${q.parameter(1)} AND item LIKE ${q.parameter(2)} ORDER BY item`,
    [MIGRATION_JOB, 'agent_adherence %'],
  );
  return rows.map((row) => ({ item: String(row.item), rows: Number(row.rows_written), done: Number(row.done) === 1 }));
}

async function adherenceKeys(connection: Connection): Promise<{ rows: number; distinct: number }> {
  const [row] = await connection.query(
    'SELECT COUNT(*) AS n, (SELECT COUNT(*) FROM (SELECT DISTINCT agent_id, starts_at FROM agent_adherence) AS d) AS k FROM agent_adherence',
  );
  return { rows: Number(row?.n), distinct: Number(row?.k) };
}

const suffix = unavailable.length > 0 ? ` (not ${unavailable.join(', ')}: unavailable)` : '';

describe(`6.5 migration, the largest table split into key ranges${suffix}`, () => {
  // The ranges are read on the source and written side by side into a server: a SQLite target takes one writer at a time, so it loads on one connection, unsplit.
  for (const [i, from] of servers.length > 0 ? engines.entries() : []) {
    const to = servers[i % servers.length] as TestEngine;
    it(`migrates from ${from.engine} into ${to.engine} with adherence in two key ranges, each checkpointed: verified`, async () => {
      const source = await generatedDatabase(fresh, from, 'splitsrc', '6.5.201', { agents: 30, days: 4, seed: 5 });
      const target = await fresh(to, 'split');
      const result = await migrateLegacy(source.target, target.target, { allowMigratePerformance: true, concurrency: 2, chunkRows: 500 });
      assert.equal(result.tables.filter((t) => t.target === 'agent_adherence').length, 1, 'the ranges are summed into one table');
      const connection = await connect(target.url);
      try {
        const ranges = await rangeCheckpoints(connection);
        assert.deepEqual(ranges.map((r) => r.item), ['agent_adherence 1/2', 'agent_adherence 2/2']);
        assert.ok(ranges.every((r) => r.done && r.rows > 0), JSON.stringify(ranges));
        const written = result.tables.find((t) => t.target === 'agent_adherence')?.rowsWritten;
        assert.equal(ranges.reduce((sum, r) => sum + r.rows, 0), written);
        const keys = await adherenceKeys(connection);
        assert.equal(keys.rows, written);
        assert.equal(keys.distinct, keys.rows);
      } finally {
        await connection.close();
      }
      const verification = await verifyMigration(source.target, target.target, { allowMigratePerformance: true });
      assert.deepEqual(verification.filter((t) => !t.equal).map((t) => `${t.target}: ${t.sourceRows} vs ${t.targetRows}`), []);
    });
  }

  for (const to of servers) {
    it(`resumes a split migration into ${to.engine} killed while the ranges load: every row once, verified`, async () => {
      const source = await generatedDatabase(fresh, sqlite, 'splitkill', '6.5.201', { agents: 150, days: 30, seed: 7 });
      const target = await fresh(to, 'splitkill');
      const child = spawn(process.execPath, [WFM, 'dbu', 'migrate', '--from', source.url, '--to', target.url, '--chunk-rows', '2000', '--json'], { stdio: 'ignore' });
      const exited = once(child, 'exit');
      let killedAt: { item: string; rows: number; done: boolean }[] = [];
      const watcher = await waitForTarget(target.url, exited);
      try {
        for (let polls = 0; polls < 600 && child.exitCode === null; polls++) {
          const ranges = await rangeCheckpoints(watcher).catch(() => []);
          if (ranges.some((r) => r.rows > 0 && !r.done)) {
            child.kill('SIGKILL');
            killedAt = ranges;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await watcher.close();
      }
      await exited;
      assert.ok(killedAt.some((r) => r.rows > 0 && !r.done), `killed while a range was loading: ${JSON.stringify(killedAt)}`);
      const resumed = wfm(['dbu', 'migrate', '--from', source.url, '--to', target.url, '--resume', '--json']);
      assert.equal(resumed.status, 0, resumed.stderr);
      const connection = await connect(target.url);
      try {
        const ranges = await rangeCheckpoints(connection);
        assert.equal(ranges.length, 2);
        assert.ok(ranges.every((r) => r.done));
        const keys = await adherenceKeys(connection);
        assert.equal(keys.distinct, keys.rows, 'no adherence row twice');
        assert.equal(keys.rows, ranges.reduce((sum, r) => sum + r.rows, 0));
      } finally {
        await connection.close();
      }
      const verification = await verifyMigration(source.target, target.target, { allowMigratePerformance: true });
      assert.deepEqual(verification.filter((t) => !t.equal).map((t) => `${t.target}: ${t.sourceRows} vs ${t.targetRows}`), []);
    });
  }
});

/** A connection to the target once the migration has created it, or a failure if the migration ends first. */
async function waitForTarget(url: string, exited: Promise<unknown>): Promise<Connection> {
  let ended = false;
  void exited.then(() => (ended = true));
  for (;;) {
    try {
      return await connect(url);
    } catch (error) {
      if (ended) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
