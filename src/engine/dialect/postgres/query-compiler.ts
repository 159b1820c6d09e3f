// PostgreSQL's SQL: double-quoted identifiers, $n parameters, timestamps as TIMESTAMPTZ (the sessions run
// in UTC, so the stored instant and the neutral UTC text agree), binary as BYTEA.
import type { ColumnModel, ColumnType, ForeignKeyModel, IndexModel, TableModel } from '../../schema/model.ts';
import { columnDefinition, createIndexStatement, createTableStatement, type DdlParts, doubleQuotedIdentifier, foreignKeyClause, foreignKeyName, identifierList, standardStringLiteral, onConflictUpsert, limitRows } from '../shared-ddl.ts';
import type { QueryCompiler, SqlValue } from '../types.ts';

const quoteIdentifier = doubleQuotedIdentifier;

export function postgresColumnType(type: ColumnType): string {
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
      return 'TIMESTAMPTZ';
    case 'blob':
      return 'BYTEA';
  }
}

function numberLiteral(value: number): string {
  // NaN and ±Infinity have no numeric literal; PostgreSQL reads them from their text form.
  return Number.isFinite(value) ? String(value) : `'${value}'::double precision`;
}

// Scripts assume standard_conforming_strings (the default since 9.1): a backslash in '...' is just a
// backslash, so only quotes need doubling and '\x..' is bytea's hex input form.
function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return numberLiteral(value);
  if (typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`;
  return standardStringLiteral(value);
}

const parts: DdlParts = {
  quoteIdentifier,
  columnType: (c) => postgresColumnType(c.type),
  literal: (v) => literal(v),
};

export const postgresQueryCompiler: QueryCompiler = {
  quoteIdentifier,
  scriptStatement: (sql) => `${sql};`,
  literal,
  parameter: (n) => `$${n}`,
  firstRows: limitRows,
  columnType: postgresColumnType,
  // || has no integer || integer form, and an untyped parameter on both sides is ambiguous: text it is.
  concat: (expressions) => `(${expressions.map((e) => `CAST(${e} AS TEXT)`).join(' || ')})`,
  notWholeNumber: () => undefined,
  createTable: (table: TableModel, options) => [
    createTableStatement(parts, table, options?.ifNotExists ?? false),
    ...table.indexes.map((i) => createIndexStatement(parts, table.name, i)),
  ],
  dropTable: (table) => [`DROP TABLE ${quoteIdentifier(table)}`],
  addColumn: (table: string, column: ColumnModel, fk?: ForeignKeyModel) => {
    const reference = fk
      ? ` CONSTRAINT ${quoteIdentifier(fk.name)} REFERENCES ${quoteIdentifier(fk.referencedTable)} (${identifierList(parts, fk.referencedColumns)})`
      : '';
    return [`ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${columnDefinition(parts, column)}${reference}`];
  },
  dropColumn: (table, column) => [`ALTER TABLE ${quoteIdentifier(table)} DROP COLUMN ${quoteIdentifier(column)}`],
  createIndex: (table: string, index: IndexModel) => [createIndexStatement(parts, table, index)],
  dropIndex: (_table, index) => [`DROP INDEX ${quoteIdentifier(index)}`],
  addPrimaryKey: (table, columns) => [`ALTER TABLE ${quoteIdentifier(table)} ADD PRIMARY KEY (${identifierList(parts, columns)})`],
  addForeignKey: (table, fk) => [`ALTER TABLE ${quoteIdentifier(table)} ADD ${foreignKeyClause(parts, fk, table)}`],
  dropForeignKey: (table, fk) => [`ALTER TABLE ${quoteIdentifier(table)} DROP CONSTRAINT ${quoteIdentifier(fk)}`],
  // One left unvalidated by an interrupted run is not in the model the introspector reads: it is replaced.
  foreignKeyApart: (table, fk) => ({
    add: [
      `ALTER TABLE ${quoteIdentifier(table)} DROP CONSTRAINT IF EXISTS ${quoteIdentifier(foreignKeyName(table, fk))}`,
      `ALTER TABLE ${quoteIdentifier(table)} ADD ${foreignKeyClause(parts, fk, table)} NOT VALID`,
    ],
    validate: [`ALTER TABLE ${quoteIdentifier(table)} VALIDATE CONSTRAINT ${quoteIdentifier(foreignKeyName(table, fk))}`],
  }),
  upsert: (table, columns, key, rows, onConflict) => onConflictUpsert(quoteIdentifier, (n) => `$${n}`, table, columns, key, rows, onConflict),
};
