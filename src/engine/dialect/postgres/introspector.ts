// Reads the connection's current schema back into the schema model with four catalog queries for the
// whole schema (tables, columns, key constraints, indexes), however many tables it holds.
import type pg from 'pg';
import type { ColumnModel, ColumnType, DefaultValue, ForeignKeyModel, IndexModel, SchemaModel, TableModel } from '../../schema/model.ts';
import { ENGINE_TABLES } from '../../engine-tables.ts';
import { InputError } from '../../errors.ts';
import { parseTypeName } from '../type-names.ts';
import type { Introspector } from '../types.ts';

interface ColumnRow {
  table_name: string;
  name: string;
  type: string;
  not_null: boolean;
  default_expr: string | null;
}

interface ConstraintRow {
  table_name: string;
  name: string;
  kind: 'p' | 'f';
  referenced_table: string | null;
  column_name: string;
  referenced_column: string | null;
}

interface IndexRow {
  table_name: string;
  name: string;
  is_unique: boolean;
  column_name: string;
}

// Ordinary and partitioned tables of the current schema, without the engine's own; $1 is ENGINE_TABLES.
const SCHEMA_TABLES = `schema_tables AS (
  SELECT c.oid, c.relname FROM pg_class c
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND c.relname <> ALL ($1::text[]))`;

const TABLES_SQL = `WITH ${SCHEMA_TABLES} SELECT relname AS name FROM schema_tables ORDER BY relname`;

const COLUMNS_SQL = `WITH ${SCHEMA_TABLES}
SELECT t.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_expr
FROM schema_tables t
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
ORDER BY t.relname, a.attnum`;

// Primary and foreign keys, one row per column in key order; unnest pads a primary key's missing
// confkey with NULLs. A foreign key not yet validated holds nothing of the rows: it is not one here.
const CONSTRAINTS_SQL = `WITH ${SCHEMA_TABLES}
SELECT t.relname AS table_name, k.conname AS name, k.contype AS kind, r.relname AS referenced_table,
       a.attname AS column_name, ra.attname AS referenced_column
FROM schema_tables t
JOIN pg_constraint k ON k.conrelid = t.oid AND (k.contype = 'p' OR (k.contype = 'f' AND k.convalidated))
CROSS JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(attnum, refnum, position)
JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
LEFT JOIN pg_class r ON r.oid = k.confrelid
LEFT JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = u.refnum
ORDER BY t.relname, k.conname, u.position`;

// Indexes created as indexes: those backing a primary key, unique or exclusion constraint belong to the
// constraint. Only key columns count (not INCLUDE ones); an expression shows as its text.
const INDEXES_SQL = `WITH ${SCHEMA_TABLES}
SELECT t.relname AS table_name, ic.relname AS name, i.indisunique AS is_unique,
       COALESCE(a.attname, pg_get_indexdef(i.indexrelid, u.position::int, true)) AS column_name
FROM schema_tables t
JOIN pg_index i ON i.indrelid = t.oid
JOIN pg_class ic ON ic.oid = i.indexrelid
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS u(attnum, position)
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.attnum AND u.attnum > 0
WHERE u.position <= i.indnkeyatts
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY t.relname, ic.relname, u.position`;

const NUMERIC_KINDS: ReadonlySet<ColumnType['kind']> = new Set(['smallint', 'integer', 'bigint', 'double']);

/** A timestamptz as PostgreSQL prints it in a UTC session, in the neutral form: the '+00' goes. */
export function neutralTimestamp(text: string): string {
  return text.endsWith('+00') ? text.slice(0, -3) : text;
}

/**
 * A default as pg_get_expr prints it: constants come with a cast ('P'::bpchar, '-1'::integer, which is
 * how PostgreSQL prints every negative number). Anything else is an expression, kept as its text.
 */
export function parseDefault(expression: string | null, type: ColumnType): DefaultValue | undefined {
  if (expression === null || /^NULL(::.*)?$/i.test(expression)) return undefined;
  const quoted = /^'((?:[^']|'')*)'(?:::[a-z ]+(?:\(\d+(?:,\d+)?\))?)?$/i.exec(expression);
  const text = quoted ? (quoted[1] ?? '').replaceAll("''", "'") : expression;
  const number = Number(text);
  if (NUMERIC_KINDS.has(type.kind) && text.trim() !== '' && Number.isFinite(number)) return { kind: 'number', value: number };
  return { kind: 'string', value: quoted && type.kind === 'timestamp' ? neutralTimestamp(text) : text };
}

function toColumn(row: ColumnRow): ColumnModel {
  // format_type spells out the time zone and any precision; the model has one timestamp.
  const type = parseTypeName(row.type.replace(/^timestamp(?:\(\d+\))? with(?:out)? time zone$/, 'timestamp'));
  if (!type) throw new InputError(`column ${row.table_name}.${row.name} has the type "${row.type}", which this tool does not know`);
  const column: ColumnModel = { name: row.name, type, nullable: !row.not_null };
  const fallback = parseDefault(row.default_expr, type);
  if (fallback) column.default = fallback;
  return column;
}

function emptyTable(name: string): TableModel {
  return { name, columns: [], primaryKey: [], indexes: [], foreignKeys: [] };
}

function addConstraint(table: TableModel, row: ConstraintRow): void {
  if (row.kind === 'p') {
    table.primaryKey.push(row.column_name);
    return;
  }
  let fk: ForeignKeyModel | undefined = table.foreignKeys.find((f) => f.name === row.name);
  if (!fk) {
    fk = { name: row.name, columns: [], referencedTable: row.referenced_table ?? '', referencedColumns: [] };
    table.foreignKeys.push(fk);
  }
  fk.columns.push(row.column_name);
  fk.referencedColumns.push(row.referenced_column ?? '');
}

function addIndexColumn(table: TableModel, row: IndexRow): void {
  let index: IndexModel | undefined = table.indexes.find((i) => i.name === row.name);
  if (!index) {
    index = { name: row.name, columns: [], unique: row.is_unique };
    table.indexes.push(index);
  }
  index.columns.push(row.column_name);
}

export function postgresIntrospector(client: pg.Client): Introspector {
  const select = async <T extends object>(sql: string): Promise<T[]> => (await client.query<T>(sql, [ENGINE_TABLES])).rows;

  const tableNames = async (): Promise<string[]> => (await select<{ name: string }>(TABLES_SQL)).map((r) => r.name);

  const introspect = async (only?: readonly string[]): Promise<SchemaModel> => {
    const names = (await tableNames()).filter((name) => only === undefined || only.includes(name));
    const tables = new Map(names.map((name) => [name, emptyTable(name)]));
    // Rows of a table created between the first query and the others have no entry and are skipped.
    for (const row of await select<ColumnRow>(COLUMNS_SQL)) tables.get(row.table_name)?.columns.push(toColumn(row));
    for (const row of await select<ConstraintRow>(CONSTRAINTS_SQL)) {
      const table = tables.get(row.table_name);
      if (table) addConstraint(table, row);
    }
    for (const row of await select<IndexRow>(INDEXES_SQL)) {
      const table = tables.get(row.table_name);
      if (table) addIndexColumn(table, row);
    }
    return { tables: [...tables.values()] };
  };

  return { tableNames, introspect };
}
