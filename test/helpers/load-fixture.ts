// A small schema and its rows for the load pipeline's tests: a parent table and a child table that refers
// to it, with a secondary index, in a SQLite source; the child copied as two items, one key range each.
import { DatabaseSource, type CopyItem } from '../../src/engine/copy/index.ts';
import { connect, type Connection, type ConnectionTarget } from '../../src/engine/dialect/index.ts';
import type { LoadPlan } from '../../src/engine/load/index.ts';
import type { SchemaModel } from '../../src/engine/schema/model.ts';

export const PARENT_ROWS = 50;
export const CHILD_ROWS = 4_000;

export const schema: SchemaModel = {
  tables: [
    { name: 'parent', columns: [{ name: 'id', type: { kind: 'integer' }, nullable: false }], primaryKey: ['id'], indexes: [], foreignKeys: [] },
    {
      name: 'child',
      columns: [
        { name: 'id', type: { kind: 'integer' }, nullable: false },
        { name: 'parent_id', type: { kind: 'integer' }, nullable: false },
      ],
      primaryKey: ['id'],
      indexes: [{ name: 'child_parent_ix', columns: ['parent_id'], unique: false }],
      foreignKeys: [{ name: 'child_parent_fk', columns: ['parent_id'], referencedTable: 'parent', referencedColumns: ['id'] }],
    },
  ],
};

/** A SQLite file holding the schema's rows. */
export async function writeSource(path: string): Promise<ConnectionTarget> {
  const target: ConnectionTarget = { engine: 'sqlite', path };
  const source = await connect(target);
  try {
    for (const table of schema.tables) for (const sql of source.compiler.createTable(table)) await source.execute(sql);
    await source.bulkInsert('parent', ['id'], Array.from({ length: PARENT_ROWS }, (_, i) => [i]));
    await source.bulkInsert('child', ['id', 'parent_id'], Array.from({ length: CHILD_ROWS }, (_, i) => [i, i % PARENT_ROWS]));
  } finally {
    await source.close();
  }
  return target;
}

/** The parent whole, and the child in two items: ids below half, then the rest. */
export function items(source: Connection): CopyItem[] {
  const half = (name: string, operator: '<' | '>='): CopyItem => ({
    name,
    source: { table: 'child', columns: ['id', 'parent_id'], key: ['id'], where: { sql: `id ${operator} ${source.compiler.parameter(1)}`, params: [CHILD_ROWS / 2] } },
    target: { table: 'child', columns: ['id', 'parent_id'] },
  });
  return [{ name: 'parent', source: { table: 'parent', columns: ['id'], key: ['id'] }, target: { table: 'parent', columns: ['id'] } }, half('child_low', '<'), half('child_high', '>=')];
}

/** A plan of the fixture's items from `from` into `target`, to be completed by each test. */
export async function fixturePlan(from: ConnectionTarget, to: ConnectionTarget, target: Connection, overrides: Partial<LoadPlan> = {}): Promise<LoadPlan> {
  const probe = await connect(from);
  const planned = items(probe);
  await probe.close();
  return {
    target,
    to,
    schema,
    preparation: 'create',
    items: planned,
    openSource: async () => new DatabaseSource(await connect(from)),
    job: 'load-test',
    connections: to.engine === 'sqlite' ? 1 : 2,
    chunkRows: 200,
    ...overrides,
  };
}
