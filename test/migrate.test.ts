// Migrating 6.5 into a new 8.5.2 database, end to end: the hand-checked fixture arrives field by field on
// every engine, every pair of engines migrates a generated database that then verifies, the source is
// never changed, a killed migration resumes to a verified result, and bad legacy rows are named.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { connect, type Connection, type Row } from '../src/engine/dialect/index.ts';
import { createDatabase, detectRelease } from '../src/wfm/database.ts';
import { migrateLegacy } from '../src/wfm/migrate.ts';
import { releaseModel } from '../src/wfm/releases/index.ts';
import type { LegacyRelease } from '../src/wfm/releases/versions.ts';
import { verifyMigration } from '../src/wfm/verify.ts';
import { wfm } from './helpers/cli.ts';
import { databaseContent } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';
import { badFixture, expectedRows, goodFixture, legacyDatabase } from './fixtures/legacy65.ts';

const all = await testEngines();
const engines = all.filter((e) => !e.skip);
const unavailable = all.filter((e) => e.skip).map((e) => e.engine);
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));

const fresh = trackedDatabases();

async function generatedLegacy(engine: TestEngine, release: LegacyRelease, size: { agents: number; days: number }): Promise<TestDatabase> {
  return generatedDatabase(fresh, engine, `src${release}`, release, { ...size, seed: 11 });
}

function byKey(table: string): (a: Row, b: Row) => number {
  const key = releaseModel('8.5.2').tables.find((t) => t.name === table)?.primaryKey ?? [];
  return (a, b) => {
    for (const column of key) {
      const x = a[column] ?? '';
      const y = b[column] ?? '';
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  };
}

const suffix = unavailable.length > 0 ? ` (not ${unavailable.join(', ')}: unavailable)` : '';

describe(`6.5 migration${suffix}`, () => {
  for (const release of ['6.5.104', '6.5.201'] as const) {
    for (const to of engines) {
      it(`migrates the hand-checked ${release} fixture into ${to.engine}, field by field`, async () => {
        const source = await legacyDatabase(release, goodFixture());
        const sourcePath = source.target.path as string;
        await source.close();
        const target = await fresh(to, 'fixture');
        await migrateLegacy({ engine: 'sqlite', path: sourcePath }, target.target, { allowMigratePerformance: true });
        const connection = await connect(target.url);
        try {
          for (const [table, rows] of Object.entries(expectedRows(release))) {
            const columns = Object.keys(rows[0] ?? {});
            if (columns.length === 0) continue;
            const q = connection.compiler;
            const actual = await connection.query(`SELECT ${columns.map((c) => q.quoteIdentifier(c)).join(', ')} FROM ${q.quoteIdentifier(table)}`);
            assert.deepEqual([...actual].sort(byKey(table)), [...rows].sort(byKey(table)), `table ${table}`);
          }
        } finally {
          await connection.close();
        }
      });
    }
  }

  for (const [i, from] of engines.entries()) {
    for (const [j, to] of engines.entries()) {
      const release: LegacyRelease = (i + j) % 2 === 0 ? '6.5.201' : '6.5.104';
      it(`migrates a generated ${release} database from ${from.engine} to ${to.engine}: verified, source unchanged`, async () => {
        const source = await generatedLegacy(from, release, { agents: 25, days: 3 });
        const reader = await connect(source.url);
        const before = await databaseContent(reader);
        const target = await fresh(to, 'pair');
        const result = await migrateLegacy(source.target, target.target, { allowMigratePerformance: true });
        assert.ok(result.tables.every((t) => t.verified), 'every table holds what was written to it');
        assert.ok(result.tables.find((t) => t.target === 'agent_adherence')?.rowsWritten ?? 0 > 0);
        const verification = await verifyMigration(source.target, target.target, { allowMigratePerformance: true });
        assert.deepEqual(verification.filter((t) => !t.equal).map((t) => t.target), []);
        assert.equal(verification.length, 31);
        assert.deepEqual(await databaseContent(reader), before, 'the source changed');
        await reader.close();
      });
    }
  }

  it('leaves the performance data for step two when AllowMigratePerformance is 0', async () => {
    const source = await generatedLegacy(sqlite, '6.5.201', { agents: 10, days: 2 });
    const target = await fresh(sqlite, 'stepone');
    const result = await migrateLegacy(source.target, target.target, { allowMigratePerformance: false });
    assert.deepEqual(result.tables.filter((t) => ['activity_performance', 'agent_adherence'].includes(t.target)), []);
    const connection = await connect(target.url);
    assert.equal(Number((await connection.query('SELECT COUNT(*) AS n FROM activity_performance'))[0]?.n), 0);
    assert.ok(Number((await connection.query('SELECT COUNT(*) AS n FROM agent'))[0]?.n) > 0);
    await connection.close();
    const verification = await verifyMigration(source.target, target.target, { allowMigratePerformance: false });
    assert.ok(verification.every((t) => t.equal));
  });

  it('refuses a target that is not empty, and a source that is not 6.5', async () => {
    const source = await generatedLegacy(sqlite, '6.5.201', { agents: 5, days: 1 });
    const busy = await fresh(sqlite, 'busy');
    const connection = await connect(busy.url);
    await createDatabase(connection, '8.5.2');
    await connection.close();
    const refused = wfm(['dbu', 'migrate', '--from', source.url, '--to', busy.url]);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /must be absent or empty/);
    const notLegacy = wfm(['dbu', 'migrate', '--from', busy.url, '--to', (await fresh(sqlite, 'unused')).url]);
    assert.equal(notLegacy.status, 2);
    assert.match(notLegacy.stderr, /reads a 6\.5\.104 or 6\.5\.201 database/);
  });

  for (const [trial, to] of [sqlite, sqlite, sqlite, ...engines.filter((e) => e.engine !== 'sqlite')].entries()) {
    it(`resumes a migration into ${to.engine} killed at a random moment (trial ${trial + 1}): no duplicate, verified`, async () => {
      const source = await generatedLegacy(sqlite, '6.5.201', { agents: 150, days: 30 });
      const target = await fresh(to, 'killed');
      const child = spawn(process.execPath, [WFM, 'dbu', 'migrate', '--from', source.url, '--to', target.url, '--chunk-rows', '2000', '--json'], { stdio: 'ignore' });
      const exited = once(child, 'exit');
      // A spread of moments: while validating, creating the tables, copying small tables, the big ones.
      const delay = [900, 1500, 2100, 1300, 1800][trial % 5] as number;
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, delay))]);
      child.kill('SIGKILL');
      await exited;
      const resumed = wfm(['dbu', 'migrate', '--from', source.url, '--to', target.url, '--resume', '--json']);
      assert.equal(resumed.status, 0, resumed.stderr);
      const summary = JSON.parse(resumed.stdout) as { tables: { target: string; verified: boolean }[] };
      assert.ok(summary.tables.every((t) => t.verified));
      const verification = await verifyMigration(source.target, target.target, { allowMigratePerformance: true });
      assert.deepEqual(verification.filter((t) => !t.equal).map((t) => `${t.target}: ${t.sourceRows} vs ${t.targetRows}`), []);
      const connection: Connection = await connect(target.url);
      assert.deepEqual(await detectRelease(connection), { kind: 'current', release: '8.5.2' });
      await connection.close();
    });
  }

  for (const release of ['6.5.104', '6.5.201'] as const) {
    it(`names every bad ${release} row and writes nothing; with --reject-file migrates the rest`, async () => {
      const bad = await legacyDatabase(release, badFixture(release), { danglingReferences: true });
      const sourceUrl = `sqlite:${bad.target.path}`;
      await bad.close();
      const target = await fresh(sqlite, 'badrows');
      const stopped = wfm(['dbu', 'migrate', '--from', sourceUrl, '--to', target.url]);
      assert.equal(stopped.status, 1, stopped.stderr);
      for (const pattern of [/interval_no = 96/, /perf_date = 20230230/, /activity_type = Z/, /activity_id=99/, /nothing was written/]) assert.match(stopped.stderr, pattern);
      if (release === '6.5.104') assert.match(stopped.stderr, /rights = YN\?Y/);
      const empty = await connect(target.url);
      assert.deepEqual(await detectRelease(empty), { kind: 'empty' });
      await empty.close();

      const rejectFile = `${target.target.path}.rejected.jsonl`;
      const migrated = wfm(['dbu', 'migrate', '--from', sourceUrl, '--to', target.url, '--reject-file', rejectFile, '--json']);
      assert.equal(migrated.status, 0, migrated.stderr);
      const rejected = readFileSync(rejectFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { table: string; column: string; value: string });
      assert.ok(rejected.some((r) => r.table === 'performance_data' && r.column === 'interval_no' && r.value === '96'));
      assert.ok(rejected.some((r) => r.table === 'activity' && r.column === 'activity_type' && r.value === 'Z'));
      assert.equal(JSON.parse(migrated.stdout).rejected, rejected.length);
      const verification = await verifyMigration({ engine: 'sqlite', path: bad.target.path as string }, target.target, { allowMigratePerformance: true });
      assert.deepEqual(verification.filter((t) => !t.equal).map((t) => t.target), [], 'everything not rejected arrived');
      assert.equal(verification.reduce((sum, t) => sum + t.rejected, 0), rejected.length);
    });
  }
});
