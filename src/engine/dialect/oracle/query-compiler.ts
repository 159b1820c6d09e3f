// Oracle's SQL: quoted upper-case identifiers of at most 30 bytes (identifiers.ts), :n parameters, NUMBER(p)
// integers, BINARY_DOUBLE doubles (IEEE 754, so every double comes back bit for bit), VARCHAR2(n CHAR) and
// CHAR(n CHAR) text (lengths in characters, whatever the database character set), CLOB, BLOB, DATE and
// TIMESTAMP holding UTC. Column definitions put DEFAULT before NOT NULL, the only order Oracle parses;
// primary keys are named `<table>_PK` so that no name is left to the server.
import type { ColumnModel, ColumnType, ForeignKeyModel, IndexModel, TableModel } from '../../schema/model.ts';
import { foreignKeyName, standardStringLiteral } from '../shared-ddl.ts';
import type { QueryCompiler, SqlValue, UpsertAction } from '../types.ts';
import { quoteIdentifier } from './identifiers.ts';
import { EMPTY_TEXT_LITERAL } from './values.ts';

/** The longest VARCHAR2 with MAX_STRING_SIZE = STANDARD (the default), in bytes; a longer text is a CLOB. */
const MAX_VARCHAR2_BYTES = 4000;
/** The longest CHAR, in bytes. */
const MAX_CHAR_BYTES = 2000;
/** A string literal may hold at most 4000 bytes: longer text is written as CLOB pieces of this many characters. */
const LITERAL_PIECE_CHARS = 1000;
/** ORA-00955: name is already used by an existing object. */
const NAME_IN_USE = -955;

export function oracleColumnType(type: ColumnType): string {
  switch (type.kind) {
    case 'smallint':
      return 'NUMBER(5)';
    case 'integer':
      return 'NUMBER(10)';
    case 'bigint':
      return 'NUMBER(19)';
    case 'double':
      return 'BINARY_DOUBLE';
    case 'varchar':
      return type.length <= MAX_VARCHAR2_BYTES ? `VARCHAR2(${type.length} CHAR)` : 'CLOB';
    case 'char':
      return type.length <= MAX_CHAR_BYTES ? `CHAR(${type.length} CHAR)` : 'CLOB';
    case 'text':
      return 'CLOB';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'blob':
      return 'BLOB';
  }
}

function numberLiteral(value: number): string {
  if (Number.isNaN(value)) return 'BINARY_DOUBLE_NAN';
  if (!Number.isFinite(value)) return value > 0 ? 'BINARY_DOUBLE_INFINITY' : '-BINARY_DOUBLE_INFINITY';
  return String(value);
}

function textLiteral(value: string): string {
  if (value === '') return EMPTY_TEXT_LITERAL;
  if (value.length <= LITERAL_PIECE_CHARS) return standardStringLiteral(value);
  const pieces: string[] = [];
  for (let start = 0; start < value.length; start += LITERAL_PIECE_CHARS) pieces.push(standardStringLiteral(value.slice(start, start + LITERAL_PIECE_CHARS)));
  return `(TO_CLOB(${pieces[0]}) || ${pieces.slice(1).join(' || ')})`;
}

/** Oracle reads a zero-length RAW as NULL as well: the empty binary value is EMPTY_BLOB(). */
function binaryLiteral(value: Buffer): string {
  return value.length === 0 ? 'EMPTY_BLOB()' : `TO_BLOB(HEXTORAW('${value.toString('hex').toUpperCase()}'))`;
}

function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return numberLiteral(value);
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return binaryLiteral(value);
  return textLiteral(value);
}

function columnDefinition(column: ColumnModel): string {
  const pieces = [quoteIdentifier(column.name), oracleColumnType(column.type)];
  if (column.default) pieces.push(`DEFAULT ${literal(column.default.value)}`);
  if (!column.nullable) pieces.push('NOT NULL');
  return pieces.join(' ');
}

const columnList = (names: readonly string[]): string => names.map(quoteIdentifier).join(', ');

function primaryKeyName(table: string): string {
  return `${table}_pk`;
}

function foreignKeyClause(table: string, fk: ForeignKeyModel): string {
  return (
    `CONSTRAINT ${quoteIdentifier(foreignKeyName(table, fk))} FOREIGN KEY (${columnList(fk.columns)}) ` +
    `REFERENCES ${quoteIdentifier(fk.referencedTable)} (${columnList(fk.referencedColumns)})`
  );
}

function createTableStatement(table: TableModel): string {
  const lines = table.columns.map((c) => `  ${columnDefinition(c)}`);
  if (table.primaryKey.length > 0) lines.push(`  CONSTRAINT ${quoteIdentifier(primaryKeyName(table.name))} PRIMARY KEY (${columnList(table.primaryKey)})`);
  for (const fk of table.foreignKeys) lines.push(`  ${foreignKeyClause(table.name, fk)}`);
  return `CREATE TABLE ${quoteIdentifier(table.name)} (\n${lines.join(',\n')}\n)`;
}

function createIndexStatement(table: string, index: IndexModel): string {
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.name)} ON ${quoteIdentifier(table)} (${columnList(index.columns)})`;
}

/**
 * A statement run only where its object is not there yet: Oracle before 23ai has no IF NOT EXISTS, so a
 * PL/SQL block runs it and lets ORA-00955 (the name is in use) pass.
 */
function unlessNameInUse(sql: string): string {
  return `BEGIN EXECUTE IMMEDIATE ${standardStringLiteral(sql)}; EXCEPTION WHEN OTHERS THEN IF SQLCODE <> ${NAME_IN_USE} THEN RAISE; END IF; END;`;
}

function createTable(table: TableModel, options?: { ifNotExists?: boolean }): string[] {
  const statements = [createTableStatement(table), ...table.indexes.map((i) => createIndexStatement(table.name, i))];
  return options?.ifNotExists ? statements.map(unlessNameInUse) : statements;
}

/** A PL/SQL block, which SQL*Plus and SQLcl end with a line holding only '/', not with ';'. */
export function isPlsqlBlock(sql: string): boolean {
  return /^\s*(BEGIN|DECLARE)\b/i.test(sql);
}

function scriptStatement(sql: string): string {
  return isPlsqlBlock(sql) ? `${sql}\n/` : `${sql};`;
}

/** The rows to merge, one SELECT ... FROM DUAL per row, as the USING source of a MERGE. */
function mergeSource(columns: readonly string[], rows: number): string {
  const selects: string[] = [];
  for (let r = 0; r < rows; r++) {
    selects.push(`SELECT ${columns.map((c, i) => `:${r * columns.length + i + 1} AS ${quoteIdentifier(c)}`).join(', ')} FROM DUAL`);
  }
  return selects.join(' UNION ALL ');
}

/** MERGE, Oracle's upsert: a row whose key matches is left alone, replaced, or added to (NULL counting as 0). */
function upsert(table: string, columns: readonly string[], key: readonly string[], rows: number, onConflict: UpsertAction): string {
  const target = quoteIdentifier(table);
  const on = key.map((k) => `t.${quoteIdentifier(k)} = s.${quoteIdentifier(k)}`).join(' AND ');
  const others = columns.filter((c) => !key.includes(c));
  const insert = `WHEN NOT MATCHED THEN INSERT (${columnList(columns)}) VALUES (${columns.map((c) => `s.${quoteIdentifier(c)}`).join(', ')})`;
  const head = `MERGE INTO ${target} t USING (${mergeSource(columns, rows)}) s ON (${on})`;
  if (onConflict === 'ignore' || others.length === 0) return `${head} ${insert}`;
  const set = others.map((c) => {
    const q = quoteIdentifier(c);
    return onConflict === 'replace' ? `t.${q} = s.${q}` : `t.${q} = COALESCE(t.${q}, 0) + COALESCE(s.${q}, 0)`;
  });
  return `${head} WHEN MATCHED THEN UPDATE SET ${set.join(', ')} ${insert}`;
}

export const oracleQueryCompiler: QueryCompiler = {
  quoteIdentifier,
  scriptStatement,
  literal,
  parameter: (n) => `:${n}`,
  // The row limiting clause of 12c; Oracle has no LIMIT.
  firstRows: (select, rows, offset = 0) => `${select} OFFSET ${Math.trunc(offset)} ROWS FETCH NEXT ${Math.trunc(rows)} ROWS ONLY`,
  columnType: oracleColumnType,
  // || converts numbers to text by itself.
  concat: (expressions) => `(${expressions.join(' || ')})`,
  // NUMBER(p) rounds a fraction away as it stores it: an integer column holds whole numbers only.
  notWholeNumber: () => undefined,
  createTable,
  // PURGE: a dropped table is not kept in the recycle bin, where the lock table, dropped by every last
  // holder, would pile up under BIN$ names.
  dropTable: (table) => [`DROP TABLE ${quoteIdentifier(table)} PURGE`],
  addColumn: (table, column, fk) => {
    const reference = fk ? ` CONSTRAINT ${quoteIdentifier(fk.name)} REFERENCES ${quoteIdentifier(fk.referencedTable)} (${columnList(fk.referencedColumns)})` : '';
    return [`ALTER TABLE ${quoteIdentifier(table)} ADD (${columnDefinition(column)}${reference})`];
  },
  dropColumn: (table, column) => [`ALTER TABLE ${quoteIdentifier(table)} DROP COLUMN ${quoteIdentifier(column)}`],
  createIndex: (table, index) => [createIndexStatement(table, index)],
  dropIndex: (_table, index) => [`DROP INDEX ${quoteIdentifier(index)}`],
  addPrimaryKey: (table, columns) => [`ALTER TABLE ${quoteIdentifier(table)} ADD CONSTRAINT ${quoteIdentifier(primaryKeyName(table))} PRIMARY KEY (${columnList(columns)})`],
  addForeignKey: (table, fk) => [`ALTER TABLE ${quoteIdentifier(table)} ADD ${foreignKeyClause(table, fk)}`],
  dropForeignKey: (table, fk) => [`ALTER TABLE ${quoteIdentifier(table)} DROP CONSTRAINT ${quoteIdentifier(fk)}`],
  // ADD CONSTRAINT checks every row as it adds the key; ENABLE NOVALIDATE then VALIDATE would need the
  // constraint dropped first where an interrupted run left it, which no statement does conditionally.
  foreignKeyApart: () => undefined,
  upsert,
};
