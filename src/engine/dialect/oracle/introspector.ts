// Reads the session's current schema back into the schema model from the ALL_* dictionary views, one
// query each for tables, columns, key constraint columns and index columns. Names come back in the
// model's lower case (identifiers.ts); a type comes back as the model type the compiler maps to it.
import type { ColumnModel, ColumnType, DefaultValue, ForeignKeyModel, IndexModel, SchemaModel, TableModel } from '../../schema/model.ts';
import { ENGINE_TABLES } from '../../engine-tables.ts';
import { InputError } from '../../errors.ts';
import type { Introspector, Row, SqlValue } from '../types.ts';
import { index } from '../../schema/builders.ts';
import { modelName, oracleName } from './identifiers.ts';
import { EMPTY_TEXT_LITERAL } from './values.ts';

export type QueryFunction = (sql: string, params?: readonly SqlValue[]) => Promise<Row[]>;

const OWNER = "owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')";

// Tables in the recycle bin (DROPPED = 'YES', named BIN$...) and nested or secondary tables are not the schema's.
const TABLES_SQL = `SELECT table_name FROM all_tables WHERE ${OWNER} AND dropped = 'NO' AND nested = 'NO' AND secondary = 'N' ORDER BY table_name`;
const COLUMNS_SQL =
  'SELECT table_name, column_name, data_type, data_precision, data_scale, char_length, nullable, data_default ' +
  `FROM all_tab_columns WHERE ${OWNER} ORDER BY table_name, column_id`;
// Primary and foreign keys, one row per column in key order, with the referenced column at the same position.
const CONSTRAINT_COLUMNS_SQL =
  'SELECT c.table_name, c.constraint_name, c.constraint_type, c.index_name, r.table_name AS referenced_table, cc.column_name, rc.column_name AS referenced_column ' +
  'FROM all_constraints c JOIN all_cons_columns cc ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name ' +
  'LEFT JOIN all_constraints r ON r.owner = c.r_owner AND r.constraint_name = c.r_constraint_name ' +
  'LEFT JOIN all_cons_columns rc ON rc.owner = r.owner AND rc.constraint_name = r.constraint_name AND rc.position = cc.position ' +
  `WHERE c.${OWNER} AND c.constraint_type IN ('P', 'R') AND c.validated = 'VALIDATED' ORDER BY c.table_name, c.constraint_name, cc.position`;
const INDEX_COLUMNS_SQL =
  'SELECT i.table_name, i.index_name, i.uniqueness, ic.column_name FROM all_indexes i ' +
  'JOIN all_ind_columns ic ON ic.index_owner = i.owner AND ic.index_name = i.index_name ' +
  `WHERE i.${OWNER} AND i.index_type = 'NORMAL' ORDER BY i.table_name, i.index_name, ic.column_position`;

/** The model type of a column as the dictionary describes it; undefined for a type the model has not. */
export function columnTypeOf(row: Row): ColumnType | undefined {
  const type = String(row.data_type).replace(/\(\d+\)/, '');
  const precision = row.data_precision === null ? undefined : Number(row.data_precision);
  switch (type) {
    case 'NUMBER':
      if (Number(row.data_scale ?? 0) !== 0) return undefined;
      if (precision !== undefined && precision <= 5) return { kind: 'smallint' };
      if (precision !== undefined && precision <= 10) return { kind: 'integer' };
      return { kind: 'bigint' };
    case 'BINARY_DOUBLE':
      return { kind: 'double' };
    case 'VARCHAR2':
      return { kind: 'varchar', length: Number(row.char_length) };
    case 'CHAR':
      return { kind: 'char', length: Number(row.char_length) };
    case 'CLOB':
      return { kind: 'text' };
    case 'DATE':
      return { kind: 'date' };
    case 'TIMESTAMP':
      return { kind: 'timestamp' };
    case 'BLOB':
      return { kind: 'blob' };
    default:
      return undefined;
  }
}

/** A default as DATA_DEFAULT keeps it: the expression's text as written, with what followed it (spaces, a newline). */
export function parseDefault(text: SqlValue): DefaultValue | undefined {
  if (text === null) return undefined;
  const expression = String(text).trim();
  if (expression === '' || expression.toUpperCase() === 'NULL') return undefined;
  if (expression === EMPTY_TEXT_LITERAL) return { kind: 'string', value: '' };
  const quoted = /^'(.*)'$/s.exec(expression);
  if (quoted) return { kind: 'string', value: (quoted[1] ?? '').replaceAll("''", "'") };
  const value = Number(expression);
  return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'string', value: expression };
}

function groupBy(rows: readonly Row[], key: (row: Row) => string): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

const tableOf = (row: Row): string => modelName(String(row.table_name));

function toColumn(table: string, row: Row): ColumnModel {
  const type = columnTypeOf(row);
  const name = modelName(String(row.column_name));
  if (!type) throw new InputError(`column ${table}.${name} has the Oracle type ${String(row.data_type)}, which this tool does not know`);
  const column: ColumnModel = { name, type, nullable: row.nullable === 'Y' };
  const fallback = parseDefault(row.data_default ?? null);
  if (fallback) column.default = fallback;
  return column;
}

function toForeignKeys(rows: readonly Row[]): ForeignKeyModel[] {
  return [...groupBy(rows, (r) => String(r.constraint_name)).entries()].map(([name, columns]) => ({
    name: modelName(name),
    columns: columns.map((c) => modelName(String(c.column_name))),
    referencedTable: modelName(String(columns[0]?.referenced_table ?? '')),
    referencedColumns: columns.map((c) => modelName(String(c.referenced_column))),
  }));
}

/**
 * The model's name of an index: a name longer than Oracle allows was shortened (identifiers.ts), and is
 * recognized as the shortened form of the name the schema builders give an index of these columns.
 */
function indexModel(table: string, stored: string, unique: boolean, columns: string[]): IndexModel {
  const conventional = index(table, columns, unique);
  return { ...conventional, name: oracleName(conventional.name) === stored ? conventional.name : modelName(stored) };
}

function toIndexes(table: string, rows: readonly Row[], primaryKeyIndex: string | undefined): IndexModel[] {
  return [...groupBy(rows, (r) => String(r.index_name)).entries()]
    .filter(([name]) => name !== primaryKeyIndex)
    .map(([name, columns]) => indexModel(table, name, columns[0]?.uniqueness === 'UNIQUE', columns.map((c) => modelName(String(c.column_name)))));
}

function toTable(name: string, columns: readonly Row[], constraints: readonly Row[], indexColumns: readonly Row[]): TableModel {
  const primary = constraints.filter((c) => c.constraint_type === 'P');
  return {
    name,
    columns: columns.map((c) => toColumn(name, c)),
    primaryKey: primary.map((c) => modelName(String(c.column_name))),
    indexes: toIndexes(name, indexColumns, primary[0]?.index_name === undefined ? undefined : String(primary[0].index_name)),
    foreignKeys: toForeignKeys(constraints.filter((c) => c.constraint_type === 'R')),
  };
}

export function oracleIntrospector(query: QueryFunction): Introspector {
  const tableNames = async (): Promise<string[]> => (await query(TABLES_SQL)).map(tableOf).filter((n) => !ENGINE_TABLES.includes(n));

  const introspect = async (only?: readonly string[]): Promise<SchemaModel> => {
    const names = (await tableNames()).filter((name) => only === undefined || only.includes(name));
    const columns = groupBy(await query(COLUMNS_SQL), tableOf);
    const constraints = groupBy(await query(CONSTRAINT_COLUMNS_SQL), tableOf);
    const indexColumns = groupBy(await query(INDEX_COLUMNS_SQL), tableOf);
    return { tables: names.map((name) => toTable(name, columns.get(name) ?? [], constraints.get(name) ?? [], indexColumns.get(name) ?? [])) };
  };

  return { tableNames, introspect };
}
