// The load pipeline on every engine: a table filled by two items is completed once, after its last; a
// table found not to hold what was loaded stops the load and leaves the target as the pipeline found it;
// a load killed mid-way and resumed from its checkpoints has every row once.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect, dialectFor, withConnection, type Connection, type ConnectionTarget } from '../src/engine/dialect/index.ts';
import { intoLoadTarget, loadItems, VerificationError } from '../src/engine/load/index.ts';
import type { ProgressEvent } from '../src/engine/progress.ts';
import { CHILD_ROWS, fixturePlan, PARENT_ROWS, schema, writeSource } from './helpers/load-fixture.ts';
import { testEngines, type TestDatabase } from './helpers/databases.ts';

const engines = (await testEngines()).filter((e) => !e.skip);
const skipped = (await testEngines()).filter((e) => e.skip).map((e) => e.engine);
const directory = mkdtempSync(join(tmpdir(), 'wfm-load-'));
const from = await writeSource(join(directory, 'source.db'));

async function childIds(connection: Connection): Promise<{ rows: number; distinct: number }> {
  const [row] = await connection.query('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM child');
  return { rows: Number(row?.n), distinct: Number(row?.d) };
}

/** The tables of the database, as the server lists them. */
function tablesOf(to: ConnectionTarget): Promise<string[]> {
  return withConnection(to, (connection) => connection.introspector.tableNames());
}

describe(`the load pipeline${skipped.length > 0 ? ` (not ${skipped.join(', ')}: unavailable)` : ''}`, () => {
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const database of databases) await database.drop();
  });

  for (const engine of engines) {
    it(`completes a table filled by two items once, after its last, on ${engine.engine}`, async () => {
      const database = await engine.newDatabase('load-two');
      databases.push(database);
      const events: ProgressEvent[] = [];
      const result = await withConnection(database.target, async (target) =>
        loadItems(await fixturePlan(from, database.target, target, { onProgress: (event) => events.push(event) })),
      );
      const texts = events.map((e) => (e.type === 'table-detail' ? `${e.table}, ${e.text}` : e.type === 'table-done' ? `done ${e.table}` : ''));
      const building = texts.map((t, i) => [t, i] as const).filter(([t]) => /^child, (index \w+|primary key): building it$/.test(t));
      const lastHalf = Math.max(texts.indexOf('done child_low'), texts.indexOf('done child_high'));
      assert.ok(texts.includes('done child_low') && texts.includes('done child_high'));
      assert.equal(building.filter(([t]) => t.includes('child_parent_ix')).length, 1, `the index is built once: ${texts.join(' | ')}`);
      assert.ok(building.length > 0 && building.every(([, i]) => i > lastHalf), `built after both halves: ${texts.join(' | ')}`);
      const keyAfter = await withConnection(database.target, async (target) => target.adapter.addsPrimaryKeys);
      assert.equal(building.filter(([t]) => t === 'child, primary key: building it').length, keyAfter ? 1 : 0, 'the primary key, where the load leaves it out, is built once');
      assert.deepEqual([...result.tables.keys()].sort(), ['child', 'parent']);
      assert.equal(result.tables.get('child')?.rows, CHILD_ROWS);
      await withConnection(database.target, async (target) => {
        assert.deepEqual(await childIds(target), { rows: CHILD_ROWS, distinct: CHILD_ROWS });
        const child = (await target.introspector.introspect(['child'])).tables[0];
        assert.deepEqual(child?.primaryKey, ['id']);
        assert.deepEqual(child?.indexes.map((i) => i.name), ['child_parent_ix']);
        assert.equal(child?.foreignKeys.length, 1);
      });
    });

    it(`stops at a table that does not hold what was expected and leaves an empty ${engine.engine} database empty`, async () => {
      const database = await engine.newDatabase('load-wrong');
      databases.push(database);
      await (await dialectFor(engine.engine)).createDatabase(database.target);
      const before = await tablesOf(database.target);
      const events: ProgressEvent[] = [];
      const failed = withConnection(database.target, async (target) =>
        loadItems(
          await fixturePlan(from, database.target, target, {
            expectedHash: (table) => (table === 'parent' ? 'not the hash of its rows' : undefined),
            connections: 1,
            chunkRows: 100,
            onProgress: (event) => events.push(event),
          }),
        ),
      );
      await assert.rejects(failed, (error: unknown) => error instanceof VerificationError && /^parent does not hold what was loaded/.test(error.message));
      const childRows = events.filter((e) => e.type === 'table-progress' && e.table.startsWith('child')).length;
      assert.ok(childRows < CHILD_ROWS / 100, `the child's load stopped before its end (${childRows} chunks)`);
      assert.deepEqual(await tablesOf(database.target), before);
    });

    it(`drops the ${engine.engine} database it created for a load found wrong`, async () => {
      const database = await engine.newDatabase('load-created');
      databases.push(database);
      const dialect = await dialectFor(engine.engine);
      await dialect.dropDatabase(database.target);
      const failed = intoLoadTarget(database.target, { lock: async () => ({ release: async () => {} }) }, async (target, created) => {
        assert.ok(created);
        return loadItems(await fixturePlan(from, database.target, target, { expectedHash: () => 'not the hash of its rows' }));
      });
      await assert.rejects(failed, VerificationError);
      if (engine.engine === 'sqlite') assert.equal(existsSync(database.target.path as string), false);
      else assert.equal(await dialect.createDatabase(database.target), true, 'the database was dropped, so it is created anew');
    });

    it(`resumes a load into ${engine.engine} killed mid-way: every row once`, async () => {
      const database = await engine.newDatabase('load-killed');
      databases.push(database);
      await (await dialectFor(engine.engine)).createDatabase(database.target);
      await withConnection(database.target, async (target) => {
        for (const table of schema.tables) for (const sql of target.compiler.createTable(table)) await target.execute(sql);
      });
      const killed = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/load-killed.ts', from.path as string, database.url, '12'], { encoding: 'utf8' });
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);
      const partial = await withConnection(database.target, childIds);
      assert.ok(partial.rows > 0 && partial.rows < CHILD_ROWS, `killed mid-way: ${partial.rows} child rows`);
      const target = await connect(database.target);
      try {
        const result = await loadItems(await fixturePlan(from, database.target, target, { preparation: 'keyed', resume: true }));
        assert.ok(result.items.some((item) => item.resumed));
        assert.deepEqual(await childIds(target), { rows: CHILD_ROWS, distinct: CHILD_ROWS });
        assert.equal(Number((await target.query('SELECT COUNT(*) AS n FROM parent'))[0]?.n), PARENT_ROWS);
        assert.equal(result.tables.get('child')?.rows, CHILD_ROWS);
      } finally {
        await target.close();
      }
    });
  }
});
