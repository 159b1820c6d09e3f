// Reads the current MariaDB database back into the schema model from information_schema: one query each for
// tables, columns, index columns and foreign key columns, whatever the size of the schema.
import type { ColumnModel, DefaultValue, ForeignKeyModel, IndexModel, SchemaModel, TableModel } from '../../schema/model.ts';
import { ENGINE_TABLES } from '../../engine-tables.ts';
import { InputError } from '../../errors.ts';
import { parseTypeName } from '../type-names.ts';
import type { Introspector, Row, SqlValue } from '../types.ts';

export type QueryFunction = (sql: string, params?: readonly SqlValue[]) => Promise<Row[]>;

interface ColumnInfo {
  TABLE_NAME: string;
  COLUMN_NAME: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  COLUMN_DEFAULT: string | null;
}

interface IndexColumnInfo {
  TABLE_NAME: string;
  INDEX_NAME: string;
  NON_UNIQUE: number;
  COLUMN_NAME: string;
}

interface ForeignKeyColumnInfo {
  TABLE_NAME: string;
  CONSTRAINT_NAME: string;
  COLUMN_NAME: string;
  REFERENCED_TABLE_NAME: string;
  REFERENCED_COLUMN_NAME: string;
}

const TABLES_SQL =
  "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME";
const COLUMNS_SQL =
  'SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT FROM information_schema.COLUMNS ' +
  'WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION';
const INDEX_COLUMNS_SQL =
  'SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS ' +
  'WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX';
const FOREIGN_KEY_COLUMNS_SQL =
  'SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE ' +
  'WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION';

const DEFAULT_ESCAPES: Record<string, string> = { '0': '\0', n: '\n', r: '\r', t: '\t', Z: '\x1a', b: '\b' };

/**
 * A default as MariaDB 10.2+ reports it: string literals quoted and escaped ('' and backslashes), numbers
 * bare, and the text NULL for "no default" (SQL NULL when a NOT NULL column has none).
 */
export function parseDefault(text: string | null): DefaultValue | undefined {
  if (text === null || text === 'NULL') return undefined;
  const quoted = /^'(.*)'$/s.exec(text);
  if (quoted) {
    const value = (quoted[1] ?? '').replace(/''|\\(.)/gs, (match, escaped?: string) => (escaped === undefined ? "'" : (DEFAULT_ESCAPES[escaped] ?? escaped)));
    return { kind: 'string', value };
  }
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? { kind: 'number', value } : { kind: 'string', value: text };
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

function toColumn(info: ColumnInfo): ColumnModel {
  const type = parseTypeName(info.COLUMN_TYPE);
  if (!type) throw new InputError(`column ${info.TABLE_NAME}.${info.COLUMN_NAME} has the type "${info.COLUMN_TYPE}", which this tool does not know`);
  const column: ColumnModel = { name: info.COLUMN_NAME, type, nullable: info.IS_NULLABLE === 'YES' };
  const fallback = parseDefault(info.COLUMN_DEFAULT);
  if (fallback) column.default = fallback;
  return column;
}

function toForeignKeys(rows: readonly ForeignKeyColumnInfo[]): ForeignKeyModel[] {
  return [...groupBy(rows, (r) => r.CONSTRAINT_NAME).entries()].map(([name, columns]) => ({
    name,
    columns: columns.map((c) => c.COLUMN_NAME),
    referencedTable: columns[0]?.REFERENCED_TABLE_NAME ?? '',
    referencedColumns: columns.map((c) => c.REFERENCED_COLUMN_NAME),
  }));
}

/** MariaDB creates an index for a foreign key that has none, named after the constraint: not a model index. */
function isForeignKeyIndex(index: IndexModel, foreignKeys: readonly ForeignKeyModel[]): boolean {
  return foreignKeys.some((fk) => fk.name === index.name && fk.columns.join('\0') === index.columns.join('\0'));
}

function toIndexes(rows: readonly IndexColumnInfo[]): IndexModel[] {
  return [...groupBy(rows, (r) => r.INDEX_NAME).entries()].map(([name, columns]) => ({
    name,
    unique: Number(columns[0]?.NON_UNIQUE) === 0,
    columns: columns.map((c) => c.COLUMN_NAME),
  }));
}

function toTable(name: string, columns: readonly ColumnInfo[], indexColumns: readonly IndexColumnInfo[], foreignKeyColumns: readonly ForeignKeyColumnInfo[]): TableModel {
  const foreignKeys = toForeignKeys(foreignKeyColumns);
  const indexes = toIndexes(indexColumns);
  return {
    name,
    columns: columns.map(toColumn),
    primaryKey: indexes.find((i) => i.name === 'PRIMARY')?.columns ?? [],
    indexes: indexes.filter((i) => i.name !== 'PRIMARY' && !isForeignKeyIndex(i, foreignKeys)),
    foreignKeys,
  };
}

export function mysqlIntrospector(query: QueryFunction): Introspector {
  const tableNames = async (): Promise<string[]> =>
    (await query(TABLES_SQL)).map((r) => String(r.TABLE_NAME)).filter((n) => !ENGINE_TABLES.includes(n));

  const introspect = async (only?: readonly string[]): Promise<SchemaModel> => {
    const names = (await tableNames()).filter((name) => only === undefined || only.includes(name));
    const columns = groupBy((await query(COLUMNS_SQL)) as unknown as ColumnInfo[], (r) => r.TABLE_NAME);
    const indexColumns = groupBy((await query(INDEX_COLUMNS_SQL)) as unknown as IndexColumnInfo[], (r) => r.TABLE_NAME);
    const foreignKeyColumns = groupBy((await query(FOREIGN_KEY_COLUMNS_SQL)) as unknown as ForeignKeyColumnInfo[], (r) => r.TABLE_NAME);
    return {
      tables: names.map((name) => toTable(name, columns.get(name) ?? [], indexColumns.get(name) ?? [], foreignKeyColumns.get(name) ?? [])),
    };
  };

  return { tableNames, introspect };
}
