// MariaDB's SQL: backtick identifiers, InnoDB tables in utf8mb4 with a binary NO PAD collation, timestamps
// as DATETIME holding UTC (the session time zone is UTC, so nothing converts them), the LONG text and blob
// types so no value is ever too long for its column.
import type { ColumnModel, ColumnType, ForeignKeyModel, IndexModel, TableModel } from '../../schema/model.ts';
import { columnDefinition, createIndexStatement, createTableStatement, type DdlParts, foreignKeyClause, identifierList, valuesList, limitRows } from '../shared-ddl.ts';
import type { QueryCompiler, SqlValue, UpsertAction } from '../types.ts';

/**
 * Binary, so case and accents are distinct; NO PAD, because utf8mb4_bin compares 'a' and 'a ' as equal and
 * a unique index on it refuses names that differ only in trailing spaces.
 */
export const MYSQL_COLLATION = 'utf8mb4_nopad_bin';

const TABLE_OPTIONS = `ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${MYSQL_COLLATION}`;

function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

export function mysqlColumnType(type: ColumnType): string {
  switch (type.kind) {
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INT';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'varchar':
      return `VARCHAR(${type.length})`;
    case 'char':
      return `CHAR(${type.length})`;
    case 'text':
      return 'LONGTEXT';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'DATETIME';
    case 'blob':
      return 'LONGBLOB';
  }
}

const STRING_ESCAPES: Record<string, string> = { "'": "''", '\\': '\\\\', '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z' };

/**
 * Quotes doubled and backslashes escaped (the sessions this tool opens keep backslash escapes on); control
 * characters escaped too, so a script survives editors and line-ending conversion.
 */
function stringLiteral(value: string): string {
  // eslint-disable-next-line no-control-regex -- Ctrl-Z ends a script read by the Windows mysql client
  return `'${value.replace(/['\\\0\n\r\x1a]/g, (c) => STRING_ESCAPES[c] ?? c)}'`;
}

function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
  return stringLiteral(value);
}

const parts: DdlParts = {
  quoteIdentifier,
  columnType: (c) => mysqlColumnType(c.type),
  literal: (v) => literal(v),
};

function addColumn(table: string, column: ColumnModel, fk?: ForeignKeyModel): string[] {
  // A separate ADD CONSTRAINT: MariaDB parses an inline column REFERENCES and then ignores it.
  const constraint = fk ? `, ADD ${foreignKeyClause(parts, fk, table)}` : '';
  return [`ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${columnDefinition(parts, column)}${constraint}`];
}

/** ON DUPLICATE KEY UPDATE acts on any unique key; the tables it is used on have only their primary key. */
function upsert(table: string, columns: readonly string[], key: readonly string[], rows: number, onConflict: UpsertAction): string {
  const insert = `INSERT INTO ${quoteIdentifier(table)} (${identifierList(parts, columns)}) VALUES ${valuesList(() => '?', columns.length, rows)}`;
  const others = columns.filter((c) => !key.includes(c));
  const firstKey = quoteIdentifier(key[0] ?? columns[0] ?? '');
  if (onConflict === 'ignore' || others.length === 0) return `${insert} ON DUPLICATE KEY UPDATE ${firstKey} = ${firstKey}`;
  const set = others.map((c) => {
    const q = quoteIdentifier(c);
    return onConflict === 'replace' ? `${q} = VALUES(${q})` : `${q} = COALESCE(${q}, 0) + COALESCE(VALUES(${q}), 0)`;
  });
  return `${insert} ON DUPLICATE KEY UPDATE ${set.join(', ')}`;
}

export const mysqlQueryCompiler: QueryCompiler = {
  quoteIdentifier,
  scriptStatement: (sql) => `${sql};`,
  literal,
  parameter: () => '?',
  firstRows: limitRows,
  columnType: mysqlColumnType,
  // CONCAT, not ||: that is OR unless sql_mode has PIPES_AS_CONCAT.
  concat: (expressions) => `CONCAT(${expressions.join(', ')})`,
  notWholeNumber: () => undefined,
  createTable: (table: TableModel, options) => [
    `${createTableStatement(parts, table, options?.ifNotExists ?? false)} ${TABLE_OPTIONS}`,
    ...table.indexes.map((i) => createIndexStatement(parts, table.name, i)),
  ],
  dropTable: (table) => [`DROP TABLE ${quoteIdentifier(table)}`],
  addColumn,
  dropColumn: (table, column) => [`ALTER TABLE ${quoteIdentifier(table)} DROP COLUMN ${quoteIdentifier(column)}`],
  createIndex: (table: string, index: IndexModel) => [createIndexStatement(parts, table, index)],
  dropIndex: (table, index) => [`DROP INDEX ${quoteIdentifier(index)} ON ${quoteIdentifier(table)}`],
  addPrimaryKey: (table, columns) => [`ALTER TABLE ${quoteIdentifier(table)} ADD PRIMARY KEY (${identifierList(parts, columns)})`],
  addForeignKey: (table, fk) => [`ALTER TABLE ${quoteIdentifier(table)} ADD ${foreignKeyClause(parts, fk, table)}`],
  dropForeignKey: (table, fk) => [`ALTER TABLE ${quoteIdentifier(table)} DROP FOREIGN KEY ${quoteIdentifier(fk)}`],
  // ALTER TABLE ADD FOREIGN KEY checks every row as it adds the key: there is no adding it unchecked.
  foreignKeyApart: () => undefined,
  upsert,
};
