// Compares an expected schema (a model, or another database's introspection) with an actual one.
// Foreign keys are compared by what they link, not by name: SQLite does not keep constraint names.
import { type ColumnModel, type DefaultValue, type ForeignKeyModel, type SchemaModel, type TableModel, typeToString } from './model.ts';

export interface SchemaDifference {
  table: string;
  /** A column, index or foreign key within the table, when the difference is about one. */
  object?: string;
  expected: string;
  actual: string;
}

export function diffSchemas(expected: SchemaModel, actual: SchemaModel): SchemaDifference[] {
  const differences: SchemaDifference[] = [];
  const actualByName = new Map(actual.tables.map((t) => [t.name, t]));
  const expectedNames = new Set(expected.tables.map((t) => t.name));
  for (const table of expected.tables) {
    const other = actualByName.get(table.name);
    if (!other) differences.push({ table: table.name, expected: 'table exists', actual: 'missing' });
    else differences.push(...diffTables(table, other));
  }
  for (const table of actual.tables) {
    if (!expectedNames.has(table.name)) differences.push({ table: table.name, expected: 'no such table', actual: 'table exists' });
  }
  return differences;
}

function diffTables(expected: TableModel, actual: TableModel): SchemaDifference[] {
  const differences: SchemaDifference[] = [];
  const add = (object: string | undefined, expectedText: string, actualText: string): void => {
    if (expectedText !== actualText) differences.push({ table: expected.name, object, expected: expectedText, actual: actualText });
  };
  const actualColumns = new Map(actual.columns.map((c) => [c.name, c]));
  for (const column of expected.columns) {
    const other = actualColumns.get(column.name);
    add(`column ${column.name}`, describeColumn(column), other ? describeColumn(other) : 'missing');
  }
  for (const column of actual.columns) {
    if (!expected.columns.some((c) => c.name === column.name)) add(`column ${column.name}`, 'missing', describeColumn(column));
  }
  add('column order', expected.columns.map((c) => c.name).join(', '), actual.columns.map((c) => c.name).join(', '));
  add('primary key', expected.primaryKey.join(', '), actual.primaryKey.join(', '));
  const indexText = (t: TableModel): string[] => t.indexes.map((i) => `${i.name}: ${i.unique ? 'unique ' : ''}(${i.columns.join(', ')})`).sort();
  add('indexes', indexText(expected).join('; '), indexText(actual).join('; '));
  const fkText = (t: TableModel): string[] => t.foreignKeys.map(describeForeignKey).sort();
  add('foreign keys', fkText(expected).join('; '), fkText(actual).join('; '));
  return differences;
}

export function describeColumn(column: ColumnModel): string {
  return `${typeToString(column.type)}${column.nullable ? '' : ' not null'}${column.default ? ` default ${describeDefault(column.default)}` : ''}`;
}

function describeDefault(value: DefaultValue): string {
  return value.kind === 'number' ? String(value.value) : `'${value.value}'`;
}

function describeForeignKey(fk: ForeignKeyModel): string {
  return `(${fk.columns.join(', ')}) -> ${fk.referencedTable} (${fk.referencedColumns.join(', ')})`;
}

export function formatDifferences(differences: readonly SchemaDifference[]): string {
  return differences
    .map((d) => `${d.table}${d.object ? ` ${d.object}` : ''}: expected ${d.expected}, found ${d.actual}`)
    .join('\n');
}
