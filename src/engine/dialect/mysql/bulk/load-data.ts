// LOAD DATA LOCAL INFILE as MariaDB's bulk write: rows written as the tab-separated text the statement
// reads (binary columns as hex, decoded by UNHEX on the server) and sent as the server takes them.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Connection as ServerConnection } from 'mysql2/promise';
import { OperationError } from '../../../errors.ts';
import type { SqlValue } from '../../types.ts';
import { mysqlQueryCompiler } from '../query-compiler.ts';

/** Rows are gathered into chunks of about this many characters before they are sent. */
const INFILE_CHUNK_CHARS = 256 * 1024;
/** No single packet of the file may come near max_allowed_packet (16 MiB by default). */
const INFILE_PACKET_BYTES = 1024 * 1024;
const TEXT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };
const NULL_FIELD = '\\N';

const quote = mysqlQueryCompiler.quoteIdentifier;

function escapeText(value: string): string {
  return value.replace(/[\\\t\n\r\0]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

function textField(value: SqlValue, table: string, column: string): string {
  if (value === null) return NULL_FIELD;
  if (typeof value === 'string') return escapeText(value);
  if (Buffer.isBuffer(value)) throw new OperationError(`column ${column} of ${table} holds text, but was given binary data`);
  return String(value);
}

function hexField(value: SqlValue): string {
  if (value === null) return NULL_FIELD;
  return (Buffer.isBuffer(value) ? value : Buffer.from(String(value))).toString('hex');
}

/** One line of the tab-separated file LOAD DATA reads; binary columns as hex, decoded by UNHEX on the server. */
export function lineEncoder(table: string, columns: readonly string[], binary: readonly boolean[]): (row: SqlValue[]) => string {
  return (row) => {
    if (row.length !== columns.length) throw new OperationError(`a row for ${table} has ${row.length} values for ${columns.length} columns`);
    let line = '';
    for (let i = 0; i < row.length; i++) {
      const value = row[i] ?? null;
      if (i > 0) line += '\t';
      line += binary[i] ? hexField(value) : textField(value, table, columns[i] ?? '');
    }
    return `${line}\n`;
  };
}

export function loadDataStatement(table: string, columns: readonly string[], binary: readonly boolean[]): string {
  const variable = (i: number): string => `@wfm_hex_${i}`;
  const targets = columns.map((c, i) => (binary[i] ? variable(i) : quote(c)));
  const decodes = columns.flatMap((c, i) => (binary[i] ? [`${quote(c)} = UNHEX(${variable(i)})`] : []));
  return (
    `LOAD DATA LOCAL INFILE 'wfm-bulk' INTO TABLE ${quote(table)} CHARACTER SET utf8mb4 ` +
    "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' " +
    `(${targets.join(', ')})${decodes.length > 0 ? ` SET ${decodes.join(', ')}` : ''}`
  );
}

/**
 * mysql2 writes every chunk of the file to the socket as soon as it is read and never pauses the source, so
 * the source waits here until the socket has drained: memory stays bounded by one chunk and the socket buffer.
 */
export async function* infileChunks(
  rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>,
  encode: (row: SqlValue[]) => string,
  socket: Writable | undefined,
  counter: { rows: number },
): AsyncGenerator<Buffer> {
  let lines: string[] = [];
  let chars = 0;
  const flush = async function* (): AsyncGenerator<Buffer> {
    const bytes = Buffer.from(lines.join(''), 'utf8');
    lines = [];
    chars = 0;
    for (let offset = 0; offset < bytes.length; offset += INFILE_PACKET_BYTES) {
      if (socket?.writableNeedDrain) await once(socket, 'drain');
      yield bytes.subarray(offset, offset + INFILE_PACKET_BYTES);
    }
  };
  for await (const row of rows) {
    const line = encode(row);
    lines.push(line);
    chars += line.length;
    counter.rows++;
    if (chars >= INFILE_CHUNK_CHARS) yield* flush();
  }
  if (lines.length > 0) yield* flush();
}

/** mysql2 keeps its socket internal; it is needed to hold the file back until the server keeps up. */
export function socketOf(connection: ServerConnection): Writable | undefined {
  return (connection as unknown as { connection?: { stream?: Writable } }).connection?.stream;
}
