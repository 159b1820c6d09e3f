// The declarative schema model: what a database should contain, independent of any engine.
// Dialects render it to DDL and introspect databases back into it, so two databases (or a model and a
// database) can be compared with `diffSchemas`.

export type ColumnType =
  | { kind: 'smallint' }
  | { kind: 'integer' }
  | { kind: 'bigint' }
  | { kind: 'double' }
  | { kind: 'varchar'; length: number }
  | { kind: 'char'; length: number }
  | { kind: 'text' }
  | { kind: 'date' }
  | { kind: 'timestamp' }
  | { kind: 'blob' };

export type DefaultValue = { kind: 'number'; value: number } | { kind: 'string'; value: string };

export interface ColumnModel {
  name: string;
  type: ColumnType;
  nullable: boolean;
  default?: DefaultValue;
}

export interface IndexModel {
  name: string;
  columns: string[];
  unique: boolean;
}

export interface ForeignKeyModel {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
}

export interface TableModel {
  name: string;
  columns: ColumnModel[];
  primaryKey: string[];
  indexes: IndexModel[];
  foreignKeys: ForeignKeyModel[];
}

export interface SchemaModel {
  tables: TableModel[];
}

export function typeToString(type: ColumnType): string {
  return 'length' in type ? `${type.kind}(${type.length})` : type.kind;
}

export function findTable(schema: SchemaModel, name: string): TableModel | undefined {
  return schema.tables.find((t) => t.name === name);
}

export function requireTable(schema: SchemaModel, name: string): TableModel {
  const table = findTable(schema, name);
  if (!table) throw new Error(`table ${name} is not in the schema`);
  return table;
}

/** Tables in an order where every table comes after the tables its foreign keys reference. */
export function tablesInDependencyOrder(schema: SchemaModel): TableModel[] {
  const byName = new Map(schema.tables.map((t) => [t.name, t]));
  const ordered: TableModel[] = [];
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (table: TableModel): void => {
    if (done.has(table.name)) return;
    if (visiting.has(table.name)) throw new Error(`foreign keys form a cycle through table ${table.name}`);
    visiting.add(table.name);
    for (const fk of table.foreignKeys) {
      const target = byName.get(fk.referencedTable);
      if (target && target !== table) visit(target);
    }
    visiting.delete(table.name);
    done.add(table.name);
    ordered.push(table);
  };
  for (const table of [...schema.tables].sort((a, b) => a.name.localeCompare(b.name))) visit(table);
  return ordered;
}
