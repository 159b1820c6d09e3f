// SQLite's SQL: double-quoted identifiers, the declared type names the legacy DDL uses (SQLite keeps
// them, so introspection reads back exactly what was declared), dates and timestamps stored as text.
import type { ColumnModel, ColumnType, ForeignKeyModel, IndexModel, TableModel } from '../../schema/model.ts';
import { columnDefinition, createIndexStatement, createTableStatement, type DdlParts, doubleQuotedIdentifier, standardStringLiteral, onConflictUpsert, limitRows } from '../shared-ddl.ts';
import type { QueryCompiler, SqlValue } from '../types.ts';

const quoteIdentifier = doubleQuotedIdentifier;

export function sqliteColumnType(type: ColumnType): string {
  switch (type.kind) {
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'varchar':
      return `VARCHAR(${type.length})`;
    case 'char':
      return `CHAR(${type.length})`;
    case 'text':
      return 'TEXT';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'blob':
      return 'BLOB';
  }
}

function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
  return standardStringLiteral(value);
}

const parts: DdlParts = {
  quoteIdentifier,
  columnType: (c) => sqliteColumnType(c.type),
  literal: (v) => literal(v),
};

export const sqliteQueryCompiler: QueryCompiler = {
  quoteIdentifier,
  scriptStatement: (sql) => `${sql};`,
  literal,
  parameter: () => '?',
  firstRows: limitRows,
  columnType: sqliteColumnType,
  concat: (expressions) => `(${expressions.join(' || ')})`,
  // SQLite keeps 5.5 or 'abc' in an INTEGER column as it was given: only the value's own type tells.
  notWholeNumber: (expression) => `typeof(${expression}) NOT IN ('integer', 'null')`,
  createTable: (table: TableModel, options) => [
    createTableStatement(parts, table, options?.ifNotExists ?? false),
    ...table.indexes.map((i) => createIndexStatement(parts, table.name, i)),
  ],
  dropTable: (table) => [`DROP TABLE ${quoteIdentifier(table)}`],
  addColumn: (table: string, column: ColumnModel, fk?: ForeignKeyModel) => {
    const reference = fk ? ` REFERENCES ${quoteIdentifier(fk.referencedTable)} (${fk.referencedColumns.map(quoteIdentifier).join(', ')})` : '';
    return [`ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${columnDefinition(parts, column)}${reference}`];
  },
  dropColumn: (table, column) => [`ALTER TABLE ${quoteIdentifier(table)} DROP COLUMN ${quoteIdentifier(column)}`],
  createIndex: (table: string, index: IndexModel) => [createIndexStatement(parts, table, index)],
  dropIndex: (_table, index) => [`DROP INDEX ${quoteIdentifier(index)}`],
  addPrimaryKey: (table) => {
    throw new Error(`SQLite cannot add a primary key to the existing table ${table}`);
  },
  addForeignKey: (table) => {
    throw new Error(`SQLite cannot add a foreign key to the existing table ${table}`);
  },
  dropForeignKey: (table) => {
    throw new Error(`SQLite cannot drop a foreign key of the existing table ${table}`);
  },
  // A foreign key is declared with its table only: it is never added, checked or not.
  foreignKeyApart: () => undefined,
  upsert: (table, columns, key, rows, onConflict) => onConflictUpsert(quoteIdentifier, () => '?', table, columns, key, rows, onConflict),
};
