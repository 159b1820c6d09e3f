// SQL Server's SQL: [bracketed] identifiers, @p1.. parameters, N'...' text literals, text as NVARCHAR in a
// binary collation (so case and accents are distinct, as on the other engines), timestamps as DATETIME2(0)
// holding UTC to the second, binary as VARBINARY(MAX). A script statement ends with ';' and a GO line, so
// that sqlcmd and Management Studio run each one as a batch of its own.
import type { ColumnModel, ColumnType, ForeignKeyModel, IndexModel, TableModel } from '../../schema/model.ts';
import { InputError } from '../../errors.ts';
import { columnDefinition, createIndexStatement, createTableStatement, type DdlParts, foreignKeyClause, foreignKeyName, identifierList, valuesList } from '../shared-ddl.ts';
import type { QueryCompiler, SqlValue, UpsertAction } from '../types.ts';

/** sysname is NVARCHAR(128): no identifier may be longer. */
export const MAX_IDENTIFIER_LENGTH = 128;
/** The longest NVARCHAR(n) and NCHAR(n); a longer text column is NVARCHAR(MAX). */
export const MAX_NVARCHAR_LENGTH = 4000;
/** Binary, code-point order: case- and accent-sensitive, as text compares on PostgreSQL. */
export const MSSQL_COLLATION = 'Latin1_General_100_BIN2';

export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.length > MAX_IDENTIFIER_LENGTH) {
    throw new InputError(`"${name.slice(0, 40)}" cannot be a SQL Server identifier: it must have 1 to ${MAX_IDENTIFIER_LENGTH} characters`);
  }
  return `[${name.replaceAll(']', ']]')}]`;
}

function textType(type: 'NVARCHAR' | 'NCHAR', length: number): string {
  return `${type}(${length > MAX_NVARCHAR_LENGTH ? 'MAX' : length}) COLLATE ${MSSQL_COLLATION}`;
}

export function mssqlColumnType(type: ColumnType): string {
  switch (type.kind) {
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INT';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'FLOAT';
    case 'varchar':
      return textType('NVARCHAR', type.length);
    // NCHAR is at most 4000 characters: a longer fixed-length column is kept in an NVARCHAR(MAX).
    case 'char':
      return type.length > MAX_NVARCHAR_LENGTH ? textType('NVARCHAR', type.length) : textType('NCHAR', type.length);
    case 'text':
      return textType('NVARCHAR', Infinity);
    case 'date':
      return 'DATE';
    // Whole seconds, as the neutral timestamp text has them: nothing is rounded on the way in or out.
    case 'timestamp':
      return 'DATETIME2(0)';
    case 'blob':
      return 'VARBINARY(MAX)';
  }
}

/** SQL Server's FLOAT holds no NaN or infinity: such a value is refused rather than changed. */
export function requireFiniteNumber(value: number): number {
  if (!Number.isFinite(value)) throw new InputError(`SQL Server cannot store the number ${value}: its FLOAT holds no NaN or infinity`);
  return value;
}

/** N'...': a Unicode literal (without the N it would be read in the database's code page), quotes doubled. */
export function textLiteral(value: string): string {
  return `N'${value.replaceAll("'", "''")}'`;
}

function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(requireFiniteNumber(value));
  if (typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  return textLiteral(value);
}

const parameter = (n: number): string => `@p${n}`;

const parts: DdlParts = {
  quoteIdentifier,
  columnType: (c) => mssqlColumnType(c.type),
  literal: (v) => literal(v),
};

/** IF NOT EXISTS for a table: SQL Server's CREATE TABLE has no such clause, OBJECT_ID finds the table. */
function createTable(table: TableModel, options?: { ifNotExists?: boolean }): string[] {
  const create = createTableStatement(parts, table, false);
  const guarded = options?.ifNotExists ? `IF OBJECT_ID(${textLiteral(quoteIdentifier(table.name))}, N'U') IS NULL ${create}` : create;
  return [guarded, ...table.indexes.map((i) => createIndexStatement(parts, table.name, i))];
}

/** The foreign key as the column's own constraint: one ADD of one column definition, as sqlcmd and every parser read it. */
function addColumn(table: string, column: ColumnModel, fk?: ForeignKeyModel): string[] {
  const constraint = fk
    ? ` CONSTRAINT ${quoteIdentifier(foreignKeyName(table, fk))} REFERENCES ${quoteIdentifier(fk.referencedTable)} (${identifierList(parts, fk.referencedColumns)})`
    : '';
  return [`ALTER TABLE ${quoteIdentifier(table)} ADD ${columnDefinition(parts, column)}${constraint}`];
}

/**
 * MERGE with HOLDLOCK, so that two sessions inserting one key at once do not both find it missing. A MERGE
 * must end with ';', so it carries its own.
 */
function upsert(table: string, columns: readonly string[], key: readonly string[], rows: number, onConflict: UpsertAction): string {
  const q = quoteIdentifier;
  const on = key.map((c) => `t.${q(c)} = s.${q(c)}`).join(' AND ');
  const others = columns.filter((c) => !key.includes(c));
  const head =
    `MERGE INTO ${q(table)} WITH (HOLDLOCK) AS t USING (VALUES ${valuesList(parameter, columns.length, rows)}) ` +
    `AS s (${identifierList(parts, columns)}) ON ${on}`;
  const insert = `WHEN NOT MATCHED THEN INSERT (${identifierList(parts, columns)}) VALUES (${columns.map((c) => `s.${q(c)}`).join(', ')});`;
  if (onConflict === 'ignore' || others.length === 0) return `${head} ${insert}`;
  const set = others.map((c) =>
    onConflict === 'replace' ? `t.${q(c)} = s.${q(c)}` : `t.${q(c)} = COALESCE(t.${q(c)}, 0) + COALESCE(s.${q(c)}, 0)`,
  );
  return `${head} WHEN MATCHED THEN UPDATE SET ${set.join(', ')} ${insert}`;
}

/**
 * T-SQL's OFFSET ... FETCH (SQL Server 2012 on), which needs an ORDER BY: a SELECT without one at its end is
 * given ORDER BY (SELECT NULL), any rows being as good as any other there.
 */
function firstRows(select: string, rows: number, offset = 0): string {
  const ordered = /\border\s+by\b[^)]*$/i.test(select);
  return `${select}${ordered ? '' : ' ORDER BY (SELECT NULL)'} OFFSET ${Math.trunc(offset)} ROWS FETCH NEXT ${Math.trunc(rows)} ROWS ONLY`;
}

export const mssqlQueryCompiler: QueryCompiler = {
  quoteIdentifier,
  // GO is a client command, not SQL: on a line of its own it ends the batch sqlcmd sends.
  scriptStatement: (sql) => `${sql};\nGO`,
  literal,
  parameter,
  columnType: mssqlColumnType,
  firstRows,
  // CONCAT converts numbers to text and reads NULL as ''; the expressions it is given are never NULL.
  concat: (expressions) => `CONCAT(${expressions.join(', ')})`,
  notWholeNumber: () => undefined,
  createTable,
  dropTable: (table) => [`DROP TABLE ${quoteIdentifier(table)}`],
  addColumn,
  dropColumn: (table, column) => [`ALTER TABLE ${quoteIdentifier(table)} DROP COLUMN ${quoteIdentifier(column)}`],
  createIndex: (table: string, index: IndexModel) => [createIndexStatement(parts, table, index)],
  dropIndex: (table, index) => [`DROP INDEX ${quoteIdentifier(index)} ON ${quoteIdentifier(table)}`],
  addPrimaryKey: (table, columns) => [`ALTER TABLE ${quoteIdentifier(table)} ADD PRIMARY KEY (${identifierList(parts, columns)})`],
  addForeignKey: (table, fk) => [`ALTER TABLE ${quoteIdentifier(table)} ADD ${foreignKeyClause(parts, fk, table)}`],
  dropForeignKey: (table, fk) => [`ALTER TABLE ${quoteIdentifier(table)} DROP CONSTRAINT ${quoteIdentifier(fk)}`],
  // WITH NOCHECK adds the key at once without reading the rows; CHECK CONSTRAINT with WITH CHECK reads them
  // and marks the key trusted. One left untrusted by an interrupted run is replaced.
  foreignKeyApart: (table, fk) => {
    const t = quoteIdentifier(table);
    const name = quoteIdentifier(foreignKeyName(table, fk));
    return {
      add: [
        `IF OBJECT_ID(${textLiteral(name)}, N'F') IS NOT NULL ALTER TABLE ${t} DROP CONSTRAINT ${name}`,
        `ALTER TABLE ${t} WITH NOCHECK ADD ${foreignKeyClause(parts, fk, table)}`,
      ],
      validate: [`ALTER TABLE ${t} WITH CHECK CHECK CONSTRAINT ${name}`],
    };
  },
  upsert,
};
