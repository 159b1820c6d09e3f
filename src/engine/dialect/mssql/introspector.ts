// Reads the session's default schema (SCHEMA_NAME(): dbo, or the scratch's under its user) back into the
// schema model from the sys catalog views: one query each for tables, columns, key and index columns, and
// foreign key columns, whatever the size of the schema.
import type { ColumnModel, ColumnType, DefaultValue, ForeignKeyModel, IndexModel, SchemaModel, TableModel } from '../../schema/model.ts';
import { ENGINE_TABLES } from '../../engine-tables.ts';
import { InputError } from '../../errors.ts';
import type { Introspector, Row, SqlValue } from '../types.ts';
import { textLiteral } from './query-compiler.ts';

export type QueryFunction = (sql: string, params?: readonly SqlValue[]) => Promise<Row[]>;

const NOT_ENGINE_TABLE = `t.name NOT IN (${ENGINE_TABLES.map(textLiteral).join(', ')})`;
const SCHEMA_TABLES = `FROM sys.tables t WHERE t.schema_id = SCHEMA_ID() AND t.is_ms_shipped = 0 AND ${NOT_ENGINE_TABLE}`;

const TABLES_SQL = `SELECT t.name AS name ${SCHEMA_TABLES} ORDER BY t.name`;

export const COLUMNS_SQL =
  'SELECT t.name AS table_name, c.name AS name, TYPE_NAME(c.system_type_id) AS type, c.max_length AS max_length, ' +
  'c.precision AS precision, c.scale AS scale, c.is_nullable AS nullable, OBJECT_DEFINITION(c.default_object_id) AS default_expr ' +
  `FROM sys.columns c JOIN sys.tables t ON t.object_id = c.object_id WHERE t.schema_id = SCHEMA_ID() AND ${NOT_ENGINE_TABLE} ` +
  'ORDER BY t.name, c.column_id';

// Primary keys and indexes created as indexes (a UNIQUE constraint's belongs to the constraint), key
// columns only (not INCLUDE ones), in key order.
const INDEX_COLUMNS_SQL =
  'SELECT t.name AS table_name, i.name AS name, i.is_primary_key AS is_primary, i.is_unique AS is_unique, c.name AS column_name ' +
  'FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id ' +
  'JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal > 0 ' +
  'JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id ' +
  `WHERE t.schema_id = SCHEMA_ID() AND ${NOT_ENGINE_TABLE} AND i.type > 0 AND i.is_unique_constraint = 0 AND i.is_hypothetical = 0 ` +
  'ORDER BY t.name, i.name, ic.key_ordinal';

// A foreign key added WITH NOCHECK and not checked since holds nothing of the rows: it is not one here.
const FOREIGN_KEY_COLUMNS_SQL =
  'SELECT t.name AS table_name, fk.name AS name, c.name AS column_name, rt.name AS referenced_table, rc.name AS referenced_column ' +
  'FROM sys.foreign_keys fk JOIN sys.tables t ON t.object_id = fk.parent_object_id ' +
  'JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id ' +
  'JOIN sys.columns c ON c.object_id = fkc.parent_object_id AND c.column_id = fkc.parent_column_id ' +
  'JOIN sys.tables rt ON rt.object_id = fkc.referenced_object_id ' +
  'JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id ' +
  `WHERE t.schema_id = SCHEMA_ID() AND ${NOT_ENGINE_TABLE} AND fk.is_not_trusted = 0 ` +
  'ORDER BY t.name, fk.name, fkc.constraint_column_id';

/** A column as sys.columns describes it. */
export interface ColumnInfo {
  type: string;
  /** Bytes; -1 for (MAX). */
  max_length: number;
  scale: number;
}

/** Whole numbers of these types; BIT is a flag, which the model keeps as a SMALLINT 0 or 1. */
const FIXED_TYPES: Readonly<Record<string, ColumnType>> = {
  bit: { kind: 'smallint' },
  tinyint: { kind: 'smallint' },
  smallint: { kind: 'smallint' },
  int: { kind: 'integer' },
  bigint: { kind: 'bigint' },
  float: { kind: 'double' },
  real: { kind: 'double' },
  date: { kind: 'date' },
  datetime2: { kind: 'timestamp' },
  datetime: { kind: 'timestamp' },
  smalldatetime: { kind: 'timestamp' },
  ntext: { kind: 'text' },
  text: { kind: 'text' },
  varbinary: { kind: 'blob' },
  binary: { kind: 'blob' },
  image: { kind: 'blob' },
};

/** The text types: N types count two bytes a character in max_length. */
const TEXT_TYPES: Readonly<Record<string, { unicode: boolean; fixed: boolean }>> = {
  nvarchar: { unicode: true, fixed: false },
  nchar: { unicode: true, fixed: true },
  varchar: { unicode: false, fixed: false },
  char: { unicode: false, fixed: true },
};

/** A column's type in the model; a text type's (MAX), max_length -1, is text. */
export function columnTypeOf(info: ColumnInfo): ColumnType | undefined {
  const fixed = FIXED_TYPES[info.type];
  if (fixed) return fixed;
  // NUMERIC(p, 0) holds whole numbers, as an IDENTITY key of another tool often is.
  if ((info.type === 'decimal' || info.type === 'numeric') && info.scale === 0) return { kind: 'bigint' };
  const text = TEXT_TYPES[info.type];
  if (!text) return undefined;
  if (info.max_length < 0) return { kind: 'text' };
  const length = text.unicode ? info.max_length / 2 : info.max_length;
  return text.fixed ? { kind: 'char', length } : { kind: 'varchar', length };
}

/**
 * A default as OBJECT_DEFINITION gives it: in parentheses, doubled around numbers ('((0))'), text as
 * N'...' or '...' with quotes doubled. Anything else is an expression, kept as its text.
 */
export function parseDefault(expression: string | null): DefaultValue | undefined {
  if (expression === null) return undefined;
  let text = expression.trim();
  while (/^\(.*\)$/s.test(text)) text = text.slice(1, -1).trim();
  if (/^NULL$/i.test(text)) return undefined;
  const quoted = /^N?'((?:[^']|'')*)'$/s.exec(text);
  if (quoted) return { kind: 'string', value: (quoted[1] ?? '').replaceAll("''", "'") };
  const number = Number(text);
  return text !== '' && Number.isFinite(number) ? { kind: 'number', value: number } : { kind: 'string', value: text };
}

function toColumn(row: Row): ColumnModel {
  const info: ColumnInfo = { type: String(row.type), max_length: Number(row.max_length), scale: Number(row.scale) };
  const type = columnTypeOf(info);
  if (!type) throw new InputError(`column ${String(row.table_name)}.${String(row.name)} has the type "${info.type}", which this tool does not know`);
  const column: ColumnModel = { name: String(row.name), type, nullable: Number(row.nullable) === 1 };
  const fallback = parseDefault(row.default_expr === null ? null : String(row.default_expr));
  if (fallback) column.default = fallback;
  return column;
}

function emptyTable(name: string): TableModel {
  return { name, columns: [], primaryKey: [], indexes: [], foreignKeys: [] };
}

function addIndexColumn(table: TableModel, row: Row): void {
  const column = String(row.column_name);
  if (Number(row.is_primary) === 1) {
    table.primaryKey.push(column);
    return;
  }
  let index: IndexModel | undefined = table.indexes.find((i) => i.name === row.name);
  if (!index) {
    index = { name: String(row.name), columns: [], unique: Number(row.is_unique) === 1 };
    table.indexes.push(index);
  }
  index.columns.push(column);
}

function addForeignKeyColumn(table: TableModel, row: Row): void {
  let fk: ForeignKeyModel | undefined = table.foreignKeys.find((f) => f.name === row.name);
  if (!fk) {
    fk = { name: String(row.name), columns: [], referencedTable: String(row.referenced_table), referencedColumns: [] };
    table.foreignKeys.push(fk);
  }
  fk.columns.push(String(row.column_name));
  fk.referencedColumns.push(String(row.referenced_column));
}

export function mssqlIntrospector(query: QueryFunction): Introspector {
  const tableNames = async (): Promise<string[]> => (await query(TABLES_SQL)).map((r) => String(r.name));

  const introspect = async (only?: readonly string[]): Promise<SchemaModel> => {
    const names = (await tableNames()).filter((name) => only === undefined || only.includes(name));
    const tables = new Map(names.map((name) => [name, emptyTable(name)]));
    // Rows of a table created between the first query and the others have no entry and are skipped.
    for (const row of await query(COLUMNS_SQL)) tables.get(String(row.table_name))?.columns.push(toColumn(row));
    for (const row of await query(INDEX_COLUMNS_SQL)) {
      const table = tables.get(String(row.table_name));
      if (table) addIndexColumn(table, row);
    }
    for (const row of await query(FOREIGN_KEY_COLUMNS_SQL)) {
      const table = tables.get(String(row.table_name));
      if (table) addForeignKeyColumn(table, row);
    }
    return { tables: [...tables.values()] };
  };

  return { tableNames, introspect };
}
