// A bulk load into new tables goes several times faster without the constraints and indexes it would
// otherwise maintain row by row (PostgreSQL COPY: 247k rows/s without foreign keys, 71k with). So a load
// drops them first and builds them afterwards, as pg_restore does: each foreign key then validates every
// row in one pass, each index is built once. A migration keeps unique indexes and primary keys: they guard
// its load. A load of rows already checked (a restore) leaves out the primary key too where the engine
// builds one afterwards in one sort (COPY into agent_adherence: 18.9 s with its key, 9.1 s + 4.6 s without).
import type { Connection } from '../dialect/types.ts';
import { foreignKeyName } from '../dialect/shared-ddl.ts';
import { OperationError } from '../errors.ts';
import type { ProgressListener } from '../progress.ts';
import { diffSchemas, formatDifferences } from '../schema/diff.ts';
import { type ForeignKeyModel, type IndexModel, type SchemaModel, type TableModel, tablesInDependencyOrder } from '../schema/model.ts';

/** The table as a load of checked rows creates it: without what completeTable and completeSchema build afterwards. */
export function tableForLoading(connection: Connection, table: TableModel): TableModel {
  const keyAfter = connection.adapter.addsPrimaryKeys;
  return {
    ...table,
    primaryKey: keyAfter ? [] : table.primaryKey,
    indexes: keyAfter ? [] : table.indexes.filter((i) => i.unique),
    foreignKeys: connection.adapter.addsForeignKeys ? [] : table.foreignKeys,
  };
}

/**
 * The table as a load into tables that already exist leaves it (prepareForLoading): its primary key and
 * unique indexes kept, since they guard a load of rows not checked yet, the rest dropped.
 */
export function keyedTableForLoading(connection: Connection, table: TableModel): TableModel {
  return { ...table, indexes: table.indexes.filter((i) => i.unique), foreignKeys: connection.adapter.addsForeignKeys ? [] : table.foreignKeys };
}

/** What a table is like while it loads: tableForLoading or keyedTableForLoading. */
export type LoadingShape = (connection: Connection, table: TableModel) => TableModel;

/**
 * Builds the primary key and indexes that `shape` left out of a table, once its rows are in: on the
 * connection that loaded it, while others load other tables.
 */
export async function completeTable(connection: Connection, table: TableModel, onProgress?: ProgressListener, shape: LoadingShape = tableForLoading): Promise<void> {
  const loaded = shape(connection, table);
  if (loaded.primaryKey.length < table.primaryKey.length) await addPrimaryKey(connection, table, onProgress);
  for (const index of table.indexes.filter((i) => !loaded.indexes.some((l) => l.name === i.name))) await createIndex(connection, table, index, onProgress);
}

/**
 * Tables completed as each one's rows are in, on the connection that loaded it: its primary key and
 * indexes, then its foreign keys where every table they refer to is already complete, so that they are
 * checked while other tables load instead of all at the end. What is left (a key to a table not complete
 * yet, or not loaded at all) completeSchema adds. `keyed` is told when a table's key and indexes are
 * built: reading the table then waits for no lock of the foreign keys' checks.
 */
export class TableCompletion {
  private readonly complete = new Set<string>();

  constructor(
    private readonly onProgress?: ProgressListener,
    private readonly shape: LoadingShape = tableForLoading,
  ) {}

  async finish(connection: Connection, table: TableModel, keyed?: () => void): Promise<void> {
    await completeTable(connection, table, this.onProgress, this.shape);
    keyed?.();
    // A key to a table not complete is left to the end: two tables that refer to each other never lock each other.
    const referencesComplete = table.foreignKeys.every((fk) => fk.referencedTable === table.name || this.complete.has(fk.referencedTable));
    if (connection.adapter.addsForeignKeys && referencesComplete) await addForeignKeys(connection, [{ table, foreignKeys: table.foreignKeys }], this.onProgress, []);
    this.complete.add(table.name);
  }
}

async function addPrimaryKey(connection: Connection, table: TableModel, onProgress: ProgressListener | undefined): Promise<void> {
  onProgress?.({ type: 'table-detail', table: table.name, text: 'primary key: building it' });
  for (const sql of connection.compiler.addPrimaryKey(table.name, table.primaryKey)) await connection.execute(sql);
}

async function createIndex(connection: Connection, table: TableModel, index: IndexModel, onProgress: ProgressListener | undefined): Promise<void> {
  onProgress?.({ type: 'table-detail', table: table.name, text: `index ${index.name}: building it` });
  for (const sql of connection.compiler.createIndex(table.name, index)) await connection.execute(sql);
}

/**
 * Drops from new, still empty tables what tableForLoading leaves out; a resumed load drops it again. Given
 * `tables`, only those are read: a table the tool does not own is never looked at.
 */
export async function prepareForLoading(connection: Connection, tables?: readonly string[]): Promise<void> {
  for (const table of (await connection.introspector.introspect(tables)).tables) {
    if (connection.adapter.addsForeignKeys) {
      for (const fk of table.foreignKeys) for (const sql of connection.compiler.dropForeignKey(table.name, fk.name)) await connection.execute(sql);
    }
    for (const index of table.indexes.filter((i) => !i.unique)) for (const sql of connection.compiler.dropIndex(table.name, index.name)) await connection.execute(sql);
  }
}

/** Creates the tables of `schema` as a load of checked rows wants them (tableForLoading), referenced tables first. */
export async function createTablesForLoading(connection: Connection, schema: SchemaModel): Promise<void> {
  for (const table of tablesInDependencyOrder(schema)) {
    for (const sql of connection.compiler.createTable(tableForLoading(connection, table))) await connection.execute(sql);
  }
}

/** Drops the named tables, those that refer to others first; no other table is read. */
export async function dropTables(connection: Connection, tables: readonly string[]): Promise<void> {
  await prepareForLoading(connection, tables);
  const schema = await connection.introspector.introspect(tables);
  for (const table of tablesInDependencyOrder(schema).reverse()) for (const sql of connection.compiler.dropTable(table.name)) await connection.execute(sql);
}

/** Drops the foreign keys of tables about to take many rows, where the engine can add them back. */
export async function dropForeignKeysOf(connection: Connection, tables: readonly string[]): Promise<void> {
  if (!connection.adapter.addsForeignKeys) return;
  for (const table of (await connection.introspector.introspect(tables)).tables) {
    for (const fk of table.foreignKeys) for (const sql of connection.compiler.dropForeignKey(table.name, fk.name)) await connection.execute(sql);
  }
}

/** Builds the model's keys, indexes and foreign keys the database lacks, then checks that the database is the model. */
export async function completeSchema(connection: Connection, model: SchemaModel, onProgress?: ProgressListener, alongside: readonly Connection[] = []): Promise<void> {
  // Only the model's tables are read and compared: a table the tool does not own beside them is left alone.
  const modelTables = model.tables.map((t) => t.name);
  const actual = await connection.introspector.introspect(modelTables);
  const keyless = new Set(actual.tables.filter((t) => t.primaryKey.length === 0).map((t) => t.name));
  const indexes = new Set(actual.tables.flatMap((t) => t.indexes.map((i) => `${t.name}.${i.name}`)));
  const foreignKeys = new Set(actual.tables.flatMap((t) => t.foreignKeys.map((fk) => foreignKeyName(t.name, fk))));
  for (const table of model.tables) {
    if (table.primaryKey.length > 0 && keyless.has(table.name) && connection.adapter.addsPrimaryKeys) await addPrimaryKey(connection, table, onProgress);
    for (const index of table.indexes.filter((i) => !indexes.has(`${table.name}.${i.name}`))) await createIndex(connection, table, index, onProgress);
  }
  if (connection.adapter.addsForeignKeys) {
    const missing = model.tables
      .map((table) => ({ table, foreignKeys: table.foreignKeys.filter((f) => !foreignKeys.has(foreignKeyName(table.name, f))) }))
      .filter((t) => t.foreignKeys.length > 0);
    await addForeignKeys(connection, missing, onProgress, alongside);
  }
  const differences = diffSchemas(model, await connection.introspector.introspect(modelTables));
  if (differences.length > 0) throw new OperationError(`${connection.description} does not have the expected schema:\n${formatDifferences(differences)}`);
}

/**
 * Adds the foreign keys, each checking every row of its table. Where the engine checks them apart, all are
 * added unchecked first and the tables are then checked side by side, one per connection at a time
 * (`connection` and those `alongside`); otherwise each is added, checked, one after the other.
 */
async function addForeignKeys(connection: Connection, missing: { table: TableModel; foreignKeys: ForeignKeyModel[] }[], onProgress: ProgressListener | undefined, alongside: readonly Connection[]): Promise<void> {
  const { addForeignKey, foreignKeyApart } = connection.compiler;
  const apart = missing.every(({ table, foreignKeys }) => foreignKeys.every((fk) => foreignKeyApart(table.name, fk) !== undefined));
  if (apart) for (const { table, foreignKeys } of missing) for (const fk of foreignKeys) for (const sql of foreignKeyApart(table.name, fk)?.add ?? []) await connection.execute(sql);
  const checking = (table: string, fk: ForeignKeyModel): string[] => (apart ? (foreignKeyApart(table, fk)?.validate ?? []) : addForeignKey(table, fk));
  const queue = [...missing];
  const check = async (checker: Connection): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      for (const fk of next.foreignKeys) {
        onProgress?.({ type: 'table-detail', table: next.table.name, text: `foreign key ${foreignKeyName(next.table.name, fk)}: checking every row` });
        for (const sql of checking(next.table.name, fk)) await checker.execute(sql);
      }
    }
  };
  // Every connection is done with before this returns, whatever one of them met.
  const checked = await Promise.allSettled((apart ? [connection, ...alongside] : [connection]).map(check));
  const failed = checked.find((c) => c.status === 'rejected');
  if (failed) throw failed.reason;
}
