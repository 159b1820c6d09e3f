// COPY's text format, written without a connection: the driver streams it to the server, and a worker
// thread can make it from a chunk's columns while the main thread talks to the database.
import type { SqlValue } from '../types.ts';

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const SPECIAL = /[\\\t\n\r]/g;

/** A value in COPY's text format, where backslash, tab, newline and carriage return are special. */
export function copyField(value: SqlValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'string') return value.replace(SPECIAL, (c) => COPY_ESCAPES[c] ?? c);
  // bytea's hex form '\x..', its backslash doubled for COPY.
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  // String(-0) is '0': a double's sign would be lost.
  return Object.is(value, -0) ? '-0' : String(value);
}

/** A row as one line of COPY text. */
export function copyLine(row: readonly SqlValue[]): string {
  return `${row.map(copyField).join('\t')}\n`;
}

/** The rows held by `columns` (one array per column, all of one length) as COPY text. */
export function copyTextOfColumns(columns: readonly (readonly SqlValue[])[]): Buffer {
  const rows = columns[0]?.length ?? 0;
  const last = columns.length - 1;
  let text = '';
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < last; j++) text += `${copyField((columns[j] as SqlValue[])[i] as SqlValue)}\t`;
    text += `${copyField((columns[last] as SqlValue[])[i] as SqlValue)}\n`;
  }
  return Buffer.from(text);
}
