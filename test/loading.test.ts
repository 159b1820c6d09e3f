// A bulk load's schema completed afterwards: foreign keys added back check every row, on several
// connections side by side where the engine checks them apart from adding them, and one left unchecked by
// an interrupted run is neither taken for a checked one nor left behind. Completed table by table as each
// is loaded, a table's foreign keys come with it once the tables they refer to are complete.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { connect, type Connection } from '../src/engine/dialect/index.ts';
import { completeSchema, TableCompletion, tableForLoading } from '../src/engine/load/loading.ts';
import type { SchemaModel, TableModel } from '../src/engine/schema/model.ts';
import { testEngines, type TestDatabase } from './helpers/databases.ts';

const parent: TableModel = {
  name: 'parent',
  columns: [{ name: 'id', type: { kind: 'integer' }, nullable: false }],
  primaryKey: ['id'],
  indexes: [],
  foreignKeys: [],
};

const child = (name: string): TableModel => ({
  name,
  columns: [
    { name: 'id', type: { kind: 'integer' }, nullable: false },
    { name: 'parent_id', type: { kind: 'integer' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [{ name: `${name}_parent`, columns: ['parent_id'], unique: false }],
  foreignKeys: [{ name: `${name}_parent_fk`, columns: ['parent_id'], referencedTable: 'parent', referencedColumns: ['id'] }],
});

const schema: SchemaModel = { tables: [parent, child('first_child'), child('second_child'), child('third_child')] };

const engines = (await testEngines()).filter((e) => !e.skip && e.engine !== 'sqlite');
const skipped = (await testEngines()).filter((e) => e.skip).map((e) => e.engine);

/** A new database with the schema as a bulk load creates it, holding rows that all refer to a parent unless `orphan` is set. */
async function loaded(connection: Connection, orphan: boolean): Promise<void> {
  for (const table of schema.tables) for (const sql of connection.compiler.createTable(tableForLoading(connection, table))) await connection.execute(sql);
  await connection.bulkInsert('parent', ['id'], Array.from({ length: 50 }, (_, i) => [i]));
  for (const table of schema.tables.slice(1)) {
    await connection.bulkInsert(table.name, ['id', 'parent_id'], Array.from({ length: 500 }, (_, i) => [i, i % 7 === 0 ? null : i % 50]));
  }
  if (orphan) await connection.bulkInsert('third_child', ['id', 'parent_id'], [[1_000, 99]]);
}

async function foreignKeysOf(connection: Connection): Promise<string[]> {
  return (await connection.introspector.introspect()).tables.flatMap((t) => t.foreignKeys.map((fk) => fk.name)).sort();
}

async function primaryKeyOf(connection: Connection, table: string): Promise<string[]> {
  return (await connection.introspector.introspect()).tables.find((t) => t.name === table)?.primaryKey ?? [];
}

describe(`completing a loaded schema${skipped.length > 0 ? ` (not ${skipped.join(', ')}: unavailable)` : ''}`, () => {
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const database of databases) await database.drop();
  });

  for (const engine of engines) {
    it(`${engine.engine}: adds every foreign key back, checked, on two connections side by side`, async () => {
      const database = await engine.newDatabase('complete');
      databases.push(database);
      const [first, second] = [await connect(database.url), await connect(database.url)];
      try {
        await loaded(first, false);
        await completeSchema(first, schema, undefined, [second]);
        assert.deepEqual(await foreignKeysOf(first), ['first_child_parent_fk', 'second_child_parent_fk', 'third_child_parent_fk']);
      } finally {
        await first.close();
        await second.close();
      }
    });

    it(`${engine.engine}: completes each table as it is loaded, its foreign keys once the table they refer to is complete`, async () => {
      const database = await engine.newDatabase('as_loaded');
      databases.push(database);
      const [first, second] = [await connect(database.url), await connect(database.url)];
      try {
        await loaded(first, false);
        const events: string[] = [];
        const completion = new TableCompletion((event) => event.type === 'table-detail' && events.push(event.text.split(':')[0] as string));
        const [parentTable, firstChild, secondChild, thirdChild] = schema.tables as [TableModel, TableModel, TableModel, TableModel];
        // Completed before its parent: its key is left for the end.
        await completion.finish(first, firstChild);
        assert.deepEqual(await foreignKeysOf(first), []);
        assert.deepEqual(await primaryKeyOf(first, 'first_child'), ['id']);
        await completion.finish(second, parentTable);
        await Promise.all([completion.finish(first, secondChild, () => events.push('second_child keyed')), completion.finish(second, thirdChild)]);
        assert.deepEqual(await foreignKeysOf(first), ['second_child_parent_fk', 'third_child_parent_fk']);
        // The table is handed on once its key and indexes are built, before its foreign keys are checked.
        const ofSecondChild = events.filter((e) => e.includes('second_child'));
        assert.deepEqual(ofSecondChild.slice(-3), ['index second_child_parent', 'second_child keyed', 'foreign key second_child_parent_fk']);
        await completeSchema(first, schema, undefined, [second]);
        assert.deepEqual(await foreignKeysOf(first), ['first_child_parent_fk', 'second_child_parent_fk', 'third_child_parent_fk']);
      } finally {
        await first.close();
        await second.close();
      }
    });

    it(`${engine.engine}: a table completed as it is loaded refuses a row that refers to no parent`, async () => {
      const database = await engine.newDatabase('as_loaded_orphan');
      databases.push(database);
      const connection = await connect(database.url);
      try {
        await loaded(connection, true);
        const completion = new TableCompletion();
        await completion.finish(connection, schema.tables[0] as TableModel);
        await assert.rejects(completion.finish(connection, schema.tables[3] as TableModel), /third_child|foreign key|parent/i);
        assert.deepEqual(await foreignKeysOf(connection), []);
      } finally {
        await connection.close();
      }
    });

    it(`${engine.engine}: refuses a row that refers to no parent, on whichever connection checks it`, async () => {
      const database = await engine.newDatabase('orphan');
      databases.push(database);
      const [first, second] = [await connect(database.url), await connect(database.url)];
      try {
        await loaded(first, true);
        await assert.rejects(completeSchema(first, schema, undefined, [second]), /third_child|foreign key|parent/i);
        assert.ok(!(await foreignKeysOf(first)).includes('third_child_parent_fk'), 'the key that does not hold is not reported as present');
        await first.execute('DELETE FROM third_child WHERE id = 1000');
        // A second run replaces what the first left unchecked.
        await completeSchema(first, schema, undefined, [second]);
        assert.deepEqual(await foreignKeysOf(first), ['first_child_parent_fk', 'second_child_parent_fk', 'third_child_parent_fk']);
      } finally {
        await first.close();
        await second.close();
      }
    });
  }
});
