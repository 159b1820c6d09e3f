// Create and update in place on every engine: each release from 7.6 to 8.5.1 updated to 8.5.2 gives the
// schema that `create --version 8.5.2` gives, keeps every row, and keeps every user's access.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { connect, type Connection } from '../src/engine/dialect/index.ts';
import { LockHeldError } from '../src/engine/errors.ts';
import { diffSchemas, formatDifferences } from '../src/engine/schema/diff.ts';
import { compareAccess, effectivePrivileges } from '../src/wfm/access.ts';
import { createDatabase, detectRelease, DATABASE_LOCK, updateDatabase } from '../src/wfm/database.ts';
import { generate } from '../src/wfm/generate/index.ts';
import { RELEASE_STEPS, releaseModel } from '../src/wfm/releases/index.ts';
import { renderStep } from '../src/engine/steps/runner.ts';
import type { CurrentRelease } from '../src/wfm/releases/versions.ts';
import { databaseContent } from './helpers/content.ts';
import { testEngines, type TestDatabase } from './helpers/databases.ts';

const UPDATABLE: CurrentRelease[] = ['7.6', '8.0', '8.1', '8.5.0', '8.5.1'];
const SMALL = { agents: 30, days: 2, seed: 7 };

/** History rows differ by design (when, how long); every other table is compared row for row. */
const HISTORY = 'wm_db_version';

/** The index in step 8.0 of the statement after the one that drops `table`: a failure there comes after the drop. */
function statementAfterDrop(connection: Connection, table: string): number {
  const step = RELEASE_STEPS.find((s) => s.version === '8.0');
  assert.ok(step);
  const index = renderStep(connection, step).findIndex((s) => /DROP TABLE/i.test(s.sql) && s.sql.includes(table));
  assert.ok(index > 0, `step 8.0 drops ${table}`);
  return index + 1;
}

for (const engine of await testEngines()) {
  describe(`create and update on ${engine.engine}`, { skip: engine.skip }, () => {
    const databases: TestDatabase[] = [];
    const connections: Connection[] = [];
    const open = async (label: string): Promise<Connection> => {
      const database = await engine.newDatabase(label);
      databases.push(database);
      const connection = await connect(database.url);
      connections.push(connection);
      return connection;
    };
    after(async () => {
      for (const c of connections) await c.close();
      for (const d of databases) await d.drop();
    });

    let reference: Awaited<ReturnType<Connection['introspector']['introspect']>>;

    it('creates 8.5.2 exactly as the release model describes it', async () => {
      const connection = await open('create852');
      await createDatabase(connection, '8.5.2');
      reference = await connection.introspector.introspect();
      assert.equal(formatDifferences(diffSchemas(releaseModel('8.5.2'), reference)), '');
      assert.deepEqual(await detectRelease(connection), { kind: 'current', release: '8.5.2' });
    });

    for (const release of UPDATABLE) {
      it(`updates ${release} with data to 8.5.2: same schema as create, every row and every user's access kept`, async () => {
        const connection = await open(`upd${release}`);
        await createDatabase(connection, release);
        assert.equal(formatDifferences(diffSchemas(releaseModel(release), await connection.introspector.introspect())), '');
        await generate(connection, release, SMALL);
        const before = await databaseContent(connection);
        const accessBefore = await effectivePrivileges(connection, release);
        const beforeSchema = await connection.introspector.introspect();
        const result = await updateDatabase(connection, '8.5.2');
        assert.ok(result.steps.length > 0);

        assert.equal(formatDifferences(diffSchemas(reference, await connection.introspector.introspect())), '');
        const columnsBefore = (table: string) => beforeSchema.tables.find((t) => t.name === table)?.columns.map((c) => c.name);
        const afterContent = await databaseContent(connection, columnsBefore);
        for (const [table, content] of before) {
          if (table === HISTORY || !afterContent.has(table)) continue;
          const changedByUpdate = table === 'role_privilege';
          if (!changedByUpdate) assert.deepEqual(afterContent.get(table), content, `table ${table} changed`);
        }
        assert.ok((before.get('agent_adherence')?.rows ?? 0) > 0, 'the generator wrote adherence rows');
        const accessAfter = await effectivePrivileges(connection, '8.5.2');
        assert.ok(accessBefore.size > 3);
        assert.deepEqual(compareAccess(accessBefore, accessAfter, release, '8.5.2'), []);

        const settled = await databaseContent(connection);
        const again = await updateDatabase(connection, '8.5.2');
        assert.equal(again.steps.length, 0);
        assert.deepEqual(await databaseContent(connection), settled, 'a second update changed something');
      });
    }

    it('refuses a second update while one holds the lock, naming the holder, then runs when it is free', async () => {
      const connection = await open('lock');
      await createDatabase(connection, '7.6');
      const holder = await connect((databases.at(-1) as TestDatabase).url);
      connections.push(holder);
      const lock = await holder.acquireLock(DATABASE_LOCK, 'the other update (test)');
      await assert.rejects(updateDatabase(connection, '8.5.2'), (error: unknown) => error instanceof LockHeldError && /the other update \(test\)/.test(error.message));
      assert.deepEqual(await detectRelease(connection), { kind: 'current', release: '7.6' });
      setTimeout(() => void lock.release(), 300);
      const result = await updateDatabase(connection, '8.5.2', { lockWaitMs: 20_000 });
      assert.equal(result.steps.length, 5);
    });

    it('runs two updates at once without harm: one does the work, the other finds nothing to do', async () => {
      const first = await open('twice');
      await createDatabase(first, '7.6');
      await generate(first, '7.6', SMALL);
      const second = await connect((databases.at(-1) as TestDatabase).url);
      connections.push(second);
      const results = await Promise.all([updateDatabase(first, '8.5.2', { lockWaitMs: 60_000 }), updateDatabase(second, '8.5.2', { lockWaitMs: 60_000 })]);
      assert.deepEqual(results.map((r) => r.steps.length).sort(), [0, 5]);
      const versions = await first.query(`SELECT version FROM ${first.compiler.quoteIdentifier(HISTORY)} ORDER BY version`);
      assert.deepEqual(versions.map((r) => r.version), ['7.6', '8.0', '8.1', '8.5.0', '8.5.1', '8.5.2']);
    });

    for (const [where, failAt] of [
      ['halfway', (): number => 6],
      ['right after the 7.6 privileges are dropped', (connection: Connection): number => statementAfterDrop(connection, 'user_privilege')],
    ] as const) {
      it(`leaves a step that fails ${where} ${engine.engine === 'mysql' ? 'resumable to completion' : 'undone: the database stays at the previous release'}`, async () => {
        const connection = await open('fail');
        await createDatabase(connection, '7.6');
        await generate(connection, '7.6', SMALL);
        const content = await databaseContent(connection);
        const access = await effectivePrivileges(connection, '7.6');
        const index = failAt(connection);
        const failing = {
          beforeStatement: (step: { version: string }, at: number) => {
            if (step.version === '8.0' && at === index) throw new Error('injected failure in step 8.0');
          },
        };
        await assert.rejects(updateDatabase(connection, '8.5.2', { progress: failing }), /injected failure/);
        assert.deepEqual(await detectRelease(connection), { kind: 'current', release: '7.6' });
        if (connection.adapter.transactionalDdl) {
          assert.equal(formatDifferences(diffSchemas(releaseModel('7.6'), await connection.introspector.introspect())), '');
          assert.deepEqual(await databaseContent(connection), content);
        }
        await updateDatabase(connection, '8.5.2');
        assert.equal(formatDifferences(diffSchemas(reference, await connection.introspector.introspect())), '');
        assert.deepEqual(compareAccess(access, await effectivePrivileges(connection, '8.5.2'), '7.6', '8.5.2'), []);
      });
    }
  });
}
