// `wfm plan` against real databases: the path the source's release and size call for, every prerequisite
// with pass, warn or fail and what to do, a downtime estimate from a measured sample; and a clear fail line
// with exit 1 for what it cannot migrate.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connect } from '../src/engine/dialect/index.ts';
import { createDatabase } from '../src/wfm/database.ts';
import { generate } from '../src/wfm/generate/index.ts';
import type { Plan } from '../src/wfm/plan.ts';
import type { Release } from '../src/wfm/releases/versions.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';

const engines = await testEngines();
const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-plan-'));

async function database(engine: TestEngine, release: Release, generated = true): Promise<string> {
  const db = await fresh(engine, 'plan');
  const connection = await connect(db.url);
  await createDatabase(connection, release);
  if (generated) await generate(connection, release, { agents: 10, days: 2, seed: 2 });
  await connection.close();
  return db.url;
}

function plan(args: string[]): { status: number | null; plan: Plan; stderr: string } {
  const result = wfm(['plan', ...args, '--json']);
  return { status: result.status, plan: JSON.parse(result.stdout || '{}') as Plan, stderr: result.stderr };
}

const statusOf = (p: Plan, name: string): string | undefined => p.checks.find((c) => c.name === name)?.status;

for (const engine of engines) {
  describe(`wfm plan on ${engine.engine}`, { skip: engine.skip }, () => {
    it('plans a 6.5 migration into an empty database, with the scenarios reminder and a measured estimate', async () => {
      const source = await database(engine, '6.5.201');
      const target = (await fresh(engine, 'plantarget')).url;
      const result = plan(['--from', source, '--to', target]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.plan.path, 'migration');
      assert.equal(statusOf(result.plan, 'source release'), 'pass');
      assert.equal(statusOf(result.plan, 'forecast and schedule scenarios'), 'warn');
      assert.ok(['pass', 'warn'].includes(statusOf(result.plan, 'target') ?? ''), JSON.stringify(result.plan.checks));
      assert.ok(result.plan.estimate && result.plan.estimate.sampleRows > 0 && result.plan.estimate.rowsPerSecond > 0);
      assert.deepEqual(result.plan.steps.map((s) => s.name), ['check prerequisites', 'disable access', 'stop server components', 'back up', 'migrate', 'deploy', 'verify', 'enable access']);
      assert.equal(plan(['--from', source, '--to', target, '--two-step']).plan.path, 'two-step migration');
    });

    it('plans an update in place of 7.6, warning about components outside the 8.5 stream', async () => {
      const source = await database(engine, '7.6');
      const config = join(directory, `${engine.engine}-wfm.yaml`);
      writeFileSync(config, `databases:\n  wfm:\n    connection: "${source}"\napplications:\n  WFM Server:\n    type: server\n    release: 7.6\n    connections: [wfm]\n`);
      const result = plan(['--config', config, '--dap', 'wfm']);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.plan.path, 'update in place');
      assert.equal(statusOf(result.plan, 'privileges'), 'pass');
      assert.equal(statusOf(result.plan, 'component WFM Server'), 'warn');
      assert.ok(result.plan.steps.some((s) => s.name === 'update'));
    });

    it('fails, saying what to do, for a target that is not empty and a database it cannot migrate', async () => {
      const source = await database(engine, '6.5.201', false);
      const used = await database(engine, '8.5.2', false);
      const busy = plan(['--from', source, '--to', used]);
      assert.equal(busy.status, 1);
      assert.equal(statusOf(busy.plan, 'target'), 'fail');

      const newer = await database(engine, '8.5.2', false);
      const connection = await connect(newer);
      await connection.execute("INSERT INTO wm_db_version (version, applied_at) VALUES ('9.0.1', '2030-01-01 00:00:00')");
      await connection.close();
      const text = wfm(['plan', '--from', newer]);
      assert.equal(text.status, 1);
      assert.match(text.stdout, /FAIL {2}source release: .* at release 9\.0\.1, newer than this tool .*\n {8}→ use the release of this tool that knows 9\.0\.1/);
      assert.match(text.stdout, /Not ready: 1 check\(s\) failed\./);
    });
  });
}

describe('wfm plan refuses', () => {
  it('a database that is not WFM, and one it cannot reach', () => {
    const notWfm = join(directory, 'other.db');
    // An empty file is an empty SQLite database: `wfm info` only reads, and makes none.
    writeFileSync(notWfm, '');
    const empty = plan(['--from', `sqlite:${notWfm}`]);
    assert.equal(empty.status, 1);
    assert.equal(empty.plan.path, 'none');
    assert.match(empty.plan.checks[0]?.detail ?? '', /is an empty database/);
    const unreachable = wfm(['plan', '--from', 'postgres://nobody@127.0.0.1:1/wfm']);
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stdout, /FAIL {2}source release: cannot connect to postgres:\/\/nobody@127\.0\.0\.1:1\/wfm/);
  });

  it('nothing at 8.5.2: there is nothing to do', async () => {
    const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
    const current = await database(sqlite, '8.5.2', false);
    const result = plan(['--from', current]);
    assert.equal(result.status, 0);
    assert.equal(result.plan.path, 'nothing to do');
  });
});
