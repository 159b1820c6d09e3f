// What a versioned step is made of. Structural operations change the schema model as well as the
// database, so a release's model is the previous model with its steps applied; data operations are SQL
// rendered per dialect; checks stop a step before it changes anything a check would have refused.
import type { QueryCompiler, Row } from '../dialect/types.ts';
import { type ColumnModel, type ForeignKeyModel, type IndexModel, requireTable, type SchemaModel, type TableModel } from '../schema/model.ts';

export type Operation =
  | { kind: 'createTable'; table: TableModel }
  | { kind: 'dropTable'; table: string }
  | { kind: 'addColumn'; table: string; column: ColumnModel; foreignKey?: ForeignKeyModel }
  | { kind: 'dropColumn'; table: string; column: string }
  | { kind: 'createIndex'; table: string; index: IndexModel }
  | { kind: 'dropIndex'; table: string; index: string }
  | { kind: 'sql'; description: string; statements: (compiler: QueryCompiler) => string[] }
  | { kind: 'check'; description: string; query: (compiler: QueryCompiler) => string; problem: (row: Row) => string };

export interface Step {
  version: string;
  description: string;
  operations: Operation[];
}

/**
 * One statement of an operation, with the test that tells whether its effect is already in the database:
 * how a step resumes on an engine whose DDL cannot be rolled back.
 */
export interface Statement {
  sql: string;
  alreadyApplied?: (schema: SchemaModel) => boolean;
  /** The table a structural statement changes: the only one read to tell whether it is already applied. */
  table?: string;
  /** A check: the statement is a query whose rows are problems. */
  problem?: (row: Row) => string;
  description?: string;
}

const hasTable = (name: string) => (schema: SchemaModel) => schema.tables.some((t) => t.name === name);
const hasColumn = (table: string, column: string) => (schema: SchemaModel) =>
  schema.tables.some((t) => t.name === table && t.columns.some((c) => c.name === column));
const hasIndex = (table: string, index: string) => (schema: SchemaModel) =>
  schema.tables.some((t) => t.name === table && t.indexes.some((i) => i.name === index));
const not = (test: (schema: SchemaModel) => boolean) => (schema: SchemaModel) => !test(schema);

export function renderOperation(compiler: QueryCompiler, operation: Operation): Statement[] {
  switch (operation.kind) {
    case 'createTable': {
      const [create = '', ...indexes] = compiler.createTable(operation.table);
      return [
        { sql: create, table: operation.table.name, alreadyApplied: hasTable(operation.table.name) },
        ...indexes.map((sql, i) => ({ sql, table: operation.table.name, alreadyApplied: hasIndex(operation.table.name, operation.table.indexes[i]?.name ?? '') })),
      ];
    }
    case 'dropTable':
      return compiler.dropTable(operation.table).map((sql) => ({ sql, table: operation.table, alreadyApplied: not(hasTable(operation.table)) }));
    case 'addColumn':
      return compiler
        .addColumn(operation.table, operation.column, operation.foreignKey)
        .map((sql) => ({ sql, table: operation.table, alreadyApplied: hasColumn(operation.table, operation.column.name) }));
    case 'dropColumn':
      return compiler.dropColumn(operation.table, operation.column).map((sql) => ({ sql, table: operation.table, alreadyApplied: not(hasColumn(operation.table, operation.column)) }));
    case 'createIndex':
      return compiler.createIndex(operation.table, operation.index).map((sql) => ({ sql, table: operation.table, alreadyApplied: hasIndex(operation.table, operation.index.name) }));
    case 'dropIndex':
      return compiler.dropIndex(operation.table, operation.index).map((sql) => ({ sql, table: operation.table, alreadyApplied: not(hasIndex(operation.table, operation.index)) }));
    case 'sql':
      return operation.statements(compiler).map((sql) => ({ sql, description: operation.description }));
    case 'check':
      return [{ sql: operation.query(compiler), problem: operation.problem, description: operation.description }];
  }
}

/** The schema model after an operation; data operations and checks leave it as it is. */
export function applyToModel(schema: SchemaModel, operation: Operation): void {
  switch (operation.kind) {
    case 'createTable':
      if (schema.tables.some((t) => t.name === operation.table.name)) throw new Error(`table ${operation.table.name} already exists in the model`);
      schema.tables.push(structuredClone(operation.table));
      return;
    case 'dropTable':
      requireTable(schema, operation.table);
      schema.tables = schema.tables.filter((t) => t.name !== operation.table);
      return;
    case 'addColumn': {
      const table = requireTable(schema, operation.table);
      table.columns.push(structuredClone(operation.column));
      if (operation.foreignKey) table.foreignKeys.push(structuredClone(operation.foreignKey));
      return;
    }
    case 'dropColumn': {
      const table = requireTable(schema, operation.table);
      table.columns = table.columns.filter((c) => c.name !== operation.column);
      return;
    }
    case 'createIndex':
      requireTable(schema, operation.table).indexes.push(structuredClone(operation.index));
      return;
    case 'dropIndex': {
      const table = requireTable(schema, operation.table);
      table.indexes = table.indexes.filter((i) => i.name !== operation.index);
      return;
    }
    case 'sql':
    case 'check':
      return;
  }
}

export function modelAfter(steps: readonly Step[], initial: SchemaModel = { tables: [] }): SchemaModel {
  const schema = structuredClone(initial);
  for (const step of steps) for (const operation of step.operations) applyToModel(schema, operation);
  return schema;
}
