// Rows encoded for a connection's bulk path away from the connection: plain functions of plain values, so
// that a worker thread can run them while the main thread sends what it made before.
import { copyTextOfColumns } from './postgres/copy-text.ts';
import type { BulkEncoding, SqlValue } from './types.ts';

const ENCODERS: Record<BulkEncoding, (columns: readonly (readonly SqlValue[])[]) => Buffer> = {
  'postgres-copy-text': copyTextOfColumns,
};

/** The rows held by `columns` (one array per column) in `encoding`. */
export function encodeBulk(encoding: BulkEncoding, columns: readonly (readonly SqlValue[])[]): Buffer {
  return ENCODERS[encoding](columns);
}
