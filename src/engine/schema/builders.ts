// Short constructors for schema models, so that a release reads like a table list.
import type { ColumnModel, ColumnType, ForeignKeyModel, IndexModel, TableModel } from './model.ts';

export interface ColumnOptions {
  nullable?: boolean;
  default?: number | string;
}

function column(name: string, type: ColumnType, options: ColumnOptions = {}): ColumnModel {
  const model: ColumnModel = { name, type, nullable: options.nullable ?? false };
  if (options.default !== undefined) {
    model.default = typeof options.default === 'number' ? { kind: 'number', value: options.default } : { kind: 'string', value: options.default };
  }
  return model;
}

export const smallint = (name: string, options?: ColumnOptions): ColumnModel => column(name, { kind: 'smallint' }, options);
export const integer = (name: string, options?: ColumnOptions): ColumnModel => column(name, { kind: 'integer' }, options);
export const bigint = (name: string, options?: ColumnOptions): ColumnModel => column(name, { kind: 'bigint' }, options);
export const double = (name: string, options?: ColumnOptions): ColumnModel => column(name, { kind: 'double' }, options);
export const varchar = (name: string, length: number, options?: ColumnOptions): ColumnModel => column(name, { kind: 'varchar', length }, options);
export const char = (name: string, length: number, options?: ColumnOptions): ColumnModel => column(name, { kind: 'char', length }, options);
export const text = (name: string, options?: ColumnOptions): ColumnModel => column(name, { kind: 'text' }, options);
export const date = (name: string, options?: ColumnOptions): ColumnModel => column(name, { kind: 'date' }, options);
export const timestamp = (name: string, options?: ColumnOptions): ColumnModel => column(name, { kind: 'timestamp' }, options);
export const blob = (name: string, options?: ColumnOptions): ColumnModel => column(name, { kind: 'blob' }, options);

export const NULLABLE: ColumnOptions = { nullable: true };

/** A foreign key named after its table and columns, referencing the target's `id` unless told. */
export function references(table: string, columns: string | string[], referencedTable: string, referencedColumns: string | string[] = 'id'): ForeignKeyModel {
  const cols = Array.isArray(columns) ? columns : [columns];
  return {
    name: `${table}_${cols.join('_')}_fk`,
    columns: cols,
    referencedTable,
    referencedColumns: Array.isArray(referencedColumns) ? referencedColumns : [referencedColumns],
  };
}

export function index(table: string, columns: string[], unique = false): IndexModel {
  return { name: `${table}_${columns.join('_')}_${unique ? 'uq' : 'ix'}`, columns, unique };
}

export interface TableOptions {
  primaryKey: string[];
  /** Column name to referenced table (its `id`), for the common single-column case. */
  references?: Record<string, string>;
  indexes?: string[][];
  uniques?: string[][];
}

export function table(name: string, columns: ColumnModel[], options: TableOptions): TableModel {
  return {
    name,
    columns,
    primaryKey: options.primaryKey,
    indexes: [...(options.indexes ?? []).map((c) => index(name, c)), ...(options.uniques ?? []).map((c) => index(name, c, true))],
    foreignKeys: Object.entries(options.references ?? {}).map(([col, target]) => references(name, col, target)),
  };
}
