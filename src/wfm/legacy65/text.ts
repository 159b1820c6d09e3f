// Text no target can store as it is, found from the bytes the source holds: a NUL character (PostgreSQL
// refuses it in text) and, in a SQLite source, bytes that are not UTF-8. A driver reads such bytes as
// replacement characters, so the rows are found by the database from the bytes themselves, and only
// those that may hold either reach JavaScript, which judges the bytes.
import { isUtf8 } from 'node:buffer';
import type { Connection, Row, SqlValue } from '../../engine/dialect/types.ts';
import { type Finding, findingOf } from './findings.ts';
import { requireSourceKey } from './legacy-tables.ts';
import { type ColumnRule, keyText, TEXT_REQUIREMENT } from './rules.ts';
import type { Rejection } from './types.ts';

/** Any character outside U+0001..U+007F, as SQLite's GLOB reads the text: every byte that is not ASCII is one. */
const NOT_ASCII_GLOB = '*[^\u0001-\u007f]*';

interface CandidateQuery {
  sql: string;
  params: SqlValue[];
}

/** A SQLite condition true where the text may hold a NUL or bytes that are not UTF-8 (GLOB stops at a NUL). */
function sqliteMayBeUnstorable(column: string): string {
  return `instr(CAST(${column} AS BLOB), X'00') > 0 OR ${column} GLOB ?`;
}

/**
 * Per engine, the rows whose text in the column may hold a NUL or bytes that are not UTF-8, with those
 * bytes; undefined where the engine stores neither (PostgreSQL refuses a NUL and checks the encoding).
 */
function candidateQuery(connection: Connection, columnRule: ColumnRule): CandidateQuery | undefined {
  const q = connection.compiler;
  const column = `t.${q.quoteIdentifier(columnRule.column)}`;
  const key = requireSourceKey(columnRule.table).map((c) => `t.${q.quoteIdentifier(c)}`);
  const from = `FROM ${q.quoteIdentifier(columnRule.table)} t`;
  switch (connection.adapter.engine) {
    case 'sqlite':
      return { sql: `SELECT ${key.join(', ')}, CAST(${column} AS BLOB) AS ${q.quoteIdentifier(columnRule.column)} ${from} WHERE ${sqliteMayBeUnstorable(column)}`, params: [NOT_ASCII_GLOB] };
    case 'mysql':
      return { sql: `SELECT ${key.join(', ')}, ${column} ${from} WHERE LOCATE(CHAR(0), ${column}) > 0`, params: [] };
    // A binary collation, in which NUL is a character like any other: other collations ignore it in CHARINDEX.
    case 'mssql':
      return { sql: `SELECT ${key.join(', ')}, ${column} ${from} WHERE CHARINDEX(NCHAR(0), ${column} COLLATE Latin1_General_100_BIN2) > 0`, params: [] };
    case 'postgres':
      return undefined;
  }
}

/**
 * How many values of a table's text columns hold bytes that are not UTF-8, which a connection reads as
 * replacement characters, as it would real ones. Only SQLite keeps such bytes: the server engines check
 * the encoding of what they are given.
 */
export async function valuesNotUtf8(connection: Connection, table: string, columns: readonly string[]): Promise<number> {
  if (connection.adapter.engine !== 'sqlite' || columns.length === 0) return 0;
  const q = connection.compiler;
  const quoted = columns.map((c) => q.quoteIdentifier(c));
  // One pass over the table: its large ones are read once more, not once more per text column.
  const sql = `SELECT ${quoted.map((c, i) => `CAST(${c} AS BLOB) AS ${q.quoteIdentifier(`v${i}`)}`).join(', ')} FROM ${q.quoteIdentifier(table)} WHERE ${quoted.map((c) => `(${sqliteMayBeUnstorable(c)})`).join(' OR ')}`;
  let count = 0;
  for await (const batch of connection.streamQuery(sql, quoted.map(() => NOT_ASCII_GLOB))) {
    for (const row of batch) for (const value of Object.values(row)) if (Buffer.isBuffer(value) && !isUtf8(value)) count++;
  }
  return count;
}

/** The rejection of a row whose text is `bytes`, or undefined where every target stores it as it is. */
export function unstorableTextRejection(columnRule: ColumnRule, row: Row, bytes: Buffer): Rejection | undefined {
  const utf8 = isUtf8(bytes);
  if (utf8 && !bytes.includes(0)) return undefined;
  return {
    table: columnRule.table,
    key: keyText(requireSourceKey(columnRule.table), row),
    column: columnRule.column,
    // Bytes that are not UTF-8 are shown as they are; text with a NUL is escaped, so that it can be printed.
    value: utf8 ? JSON.stringify(bytes.toString('utf8')) : `0x${bytes.toString('hex')}`,
    reason: utf8 ? `${TEXT_REQUIREMENT}; it holds a NUL character` : `${TEXT_REQUIREMENT}; these bytes are not UTF-8`,
  };
}

function bytesOf(value: SqlValue): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : undefined;
}

/** The rows of a text rule's column whose text no target stores as it is. */
export async function unstorableText(connection: Connection, columnRule: ColumnRule): Promise<Finding[]> {
  const query = candidateQuery(connection, columnRule);
  if (query === undefined) return [];
  const findings: Finding[] = [];
  // Streamed: where most names are not ASCII, most rows of a large table are candidates.
  for await (const batch of connection.streamQuery(query.sql, query.params)) {
    for (const row of batch) {
      const bytes = bytesOf(row[columnRule.column] ?? null);
      const rejection = bytes === undefined ? undefined : unstorableTextRejection(columnRule, row, bytes);
      if (rejection !== undefined) findings.push(findingOf(rejection, row));
    }
  }
  return findings;
}

/** How the context files an unstorable text: by table, column and legacy key. */
export function unstorableTextKey(table: string, column: string, key: string): string {
  return `${table}.${column} ${key}`;
}
