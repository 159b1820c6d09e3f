// PostgreSQL's bulk path as the one capability the copy negotiates with: COPY in its binary format where
// every column's type has one (COPY text otherwise), rows encoded in worker threads by the codecs
// registered in codecs.ts, a query's rows read as COPY text, and the server's own digest of a table's rows.
import { Readable } from 'node:stream';
import { RowsDigest } from '../../rows-digest.ts';
import type { EncodedBulk, Row, SqlValue, TextBatch, ValueVisitor } from '../../types.ts';
import { postgresQueryCompiler } from '../query-compiler.ts';
import { COPY_BINARY, COPY_TEXT, type CopyEncoding, type CopyTextFormat } from './codecs.ts';
import { binaryColumnTypes, isCopyBinary } from './copy-binary.ts';
import { copyFieldReader, visitCopyLines } from './copy-text.ts';

/** What the bulk path needs of its connection's session. */
export interface CopySession {
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** The type (pg_type's oid) of each of the query's columns, in its order. */
  columnTypes(sql: string): Promise<number[]>;
  /** The query's rows as COPY text, in whole lines (each piece without its last newline). */
  copyOut(sql: string): AsyncIterable<Buffer>;
  /** COPY FROM STDIN of `data` into the columns, with the options given (" (FORMAT binary)"); returns the rows written. */
  copyIn(table: string, columns: readonly string[], data: Readable, options: string): Promise<number>;
}

export function copyBulk(session: CopySession): EncodedBulk {
  let rowHashing: Promise<boolean> | undefined;
  /** Whether the server hashes a row (hash_record_extended, PostgreSQL 14 on), asked once. */
  const hashesRows = (): Promise<boolean> =>
    (rowHashing ??= session.query("SELECT (to_regprocedure('hash_record_extended(record, bigint)') IS NOT NULL)::int AS hashes").then((rows) => Number(rows[0]?.hashes) === 1));
  return {
    kind: 'encoded',
    encoding: async (table, columns) => copyEncoding(session, table, columns, hashesRows),
    insertEncoded: (table, columns, payload) => session.copyIn(table, columns, Readable.from([payload]), isCopyBinary(payload) ? ' (FORMAT binary)' : ''),
    rowsDigest: async (table, columns) => ((await hashesRows()) ? serverDigest(session, table, columns) : undefined),
    queryText: async (sql, batchRows) => {
      const format: CopyTextFormat = { encoding: COPY_TEXT, fieldTypes: await session.columnTypes(sql) };
      return { format, batches: rowBatches(session.copyOut(sql), batchRows) };
    },
    visitQuery: async (sql: string, visitor: ValueVisitor) => {
      const fields = (await session.columnTypes(sql)).map(copyFieldReader);
      let rows = 0;
      for await (const lines of session.copyOut(sql)) rows += visitCopyLines(lines, fields, visitor);
      return rows;
    },
  };
}

/** COPY's binary format where every column's type has one here, its text otherwise. */
async function copyEncoding(session: CopySession, table: string, columns: readonly string[], hashesRows: () => Promise<boolean>): Promise<CopyEncoding> {
  const rows = await session.query(
    'SELECT a.attname AS name, t.typname AS type FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped',
    [postgresQueryCompiler.quoteIdentifier(table)],
  );
  const typeOf = new Map(rows.map((row) => [String(row.name), String(row.type)]));
  const columnTypes = binaryColumnTypes(columns.map((column) => typeOf.get(column)));
  return columnTypes ? { format: COPY_BINARY, columnTypes, hashesRows: await hashesRows() } : { format: COPY_TEXT };
}

/** The server's count and sum of its hash of each row of the columns (record-hash.ts takes the same of rows sent). */
async function serverDigest(session: CopySession, table: string, columns: readonly string[]): Promise<RowsDigest> {
  const q = postgresQueryCompiler;
  const row = `ROW(${columns.map((c) => q.quoteIdentifier(c)).join(', ')})`;
  const [result] = await session.query(`SELECT count(*)::text || ':' || COALESCE(sum(hash_record_extended(${row}, 0)), 0)::text AS digest FROM ${q.quoteIdentifier(table)}`);
  return RowsDigest.parse(String(result?.digest));
}

/**
 * Whole lines of COPY data (each piece without its last newline) regrouped into batches of exactly
 * `batchRows` rows, the last one holding what is left.
 */
async function* rowBatches(pieces: AsyncIterable<Buffer>, batchRows: number): AsyncGenerator<TextBatch> {
  let parts: Buffer[] = [];
  let rows = 0;
  const batch = (): TextBatch => {
    const text = Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [NEWLINE, part])));
    const done = { rows, text };
    parts = [];
    rows = 0;
    return done;
  };
  for await (const piece of pieces) {
    // A newline in a piece always has a line after it: a piece ends with a line, without its newline.
    for (let start = 0; ; ) {
      const { at, found } = nthNewline(piece, start, batchRows - rows);
      if (at >= 0) {
        parts.push(piece.subarray(start, at));
        rows = batchRows;
        yield batch();
        start = at + 1;
        continue;
      }
      // Fewer newlines than asked: the lines they end, and the last one, which has none.
      parts.push(piece.subarray(start));
      rows += found + 1;
      if (rows === batchRows) yield batch();
      break;
    }
  }
  if (rows > 0) yield batch();
}

const NEWLINE = Buffer.from('\n');

/** The offset of the n-th newline from `start`, or -1 with the number of newlines found where there are fewer. */
function nthNewline(piece: Buffer, start: number, n: number): { at: number; found: number } {
  let at = start - 1;
  for (let found = 0; found < n; found++) {
    at = piece.indexOf(10, at + 1);
    if (at < 0) return { at, found };
  }
  return { at, found: n };
}

