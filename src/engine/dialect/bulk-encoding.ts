// Rows encoded for a connection's bulk path, and rows it sent as text decoded, away from the connection:
// plain functions of plain values, so that a worker thread can run them while the main thread talks to it.
import { copyBinaryOfColumns } from './postgres/copy-binary.ts';
import { copyColumns, copyFieldReader, copyTextOfColumns } from './postgres/copy-text.ts';
import { RecordHashSum } from './postgres/record-hash.ts';
import type { RowsDigest } from './rows-digest.ts';
import type { Allocate, BulkColumn, BulkEncoding, QueryTextFormat, TextEncoding, ValueVisitor } from './types.ts';

/** Rows encoded for a bulk load. */
export interface EncodedRows {
  payload: Buffer;
  /** The digest the engine takes of these rows once loaded (Connection.bulkRowsDigest), where it takes one of rows in this form. */
  rowsDigest?: RowsDigest;
}

/**
 * The rows held by `columns` in `encoding`, each row shown to a visitor made for it as it is written: a
 * chunk begun in COPY's binary format, and met with a value that has no binary form, is written again as
 * text, shown to a new visitor.
 */
export function encodeBulk(encoding: BulkEncoding, columns: readonly BulkColumn[], visitor: () => ValueVisitor, allocate?: Allocate): EncodedRows {
  if (encoding.format === 'postgres-copy-binary') {
    const hashes = encoding.hashesRows ? new RecordHashSum(encoding.columnTypes) : undefined;
    const binary = copyBinaryOfColumns(columns, encoding.columnTypes, visitor(), hashes && ((bytes, start) => hashes.addRow(bytes, start)), allocate);
    if (binary) return { payload: binary, ...(hashes ? { rowsDigest: hashes.digest() } : {}) };
  }
  return { payload: copyTextOfColumns(columns, visitor()) };
}

const DECODERS: Record<TextEncoding, (text: Buffer, fieldTypes: readonly number[], rows: number, visitor: ValueVisitor) => BulkColumn[]> = {
  'postgres-copy-text': (text, fieldTypes, rows, visitor) => copyColumns(text, fieldTypes.map(copyFieldReader), rows, visitor),
};

/** A batch of `rows` of a query's rows sent as text (Connection.streamQueryText), column by column, each row shown to the visitor as it is read. */
export function decodeBulk(format: QueryTextFormat, text: Buffer, rows: number, visitor: ValueVisitor): BulkColumn[] {
  return DECODERS[format.encoding](text, format.fieldTypes, rows, visitor);
}
