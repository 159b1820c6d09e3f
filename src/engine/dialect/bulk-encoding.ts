// Rows encoded for a connection's bulk path, and rows it sent as text decoded, away from the connection:
// plain functions of plain values, so that a worker thread can run them while the main thread talks to it.
import { copyBinaryOfColumns } from './postgres/copy-binary.ts';
import { copyColumns, copyFieldReader, copyTextOfColumns } from './postgres/copy-text.ts';
import type { BulkColumn, BulkEncoding, QueryTextFormat, RowBytesListener, TextEncoding, ValueVisitor } from './types.ts';

/** Rows encoded for a bulk load. */
export interface EncodedRows {
  payload: Buffer;
  /**
   * Whether each row's bytes were shown to onRow: rows in a form the engine hands back byte for byte
   * (Connection.visitBulkRows), which a digest of them can check the loaded table against.
   */
  rowsShown: boolean;
}

/**
 * The rows held by `columns` in `encoding`, each row shown to a visitor made for it as it is written: a
 * chunk begun in COPY's binary format, whose rows' bytes go to onRow, and met with a value that has no
 * binary form is written again as text, shown to a new visitor.
 */
export function encodeBulk(encoding: BulkEncoding, columns: readonly BulkColumn[], visitor: () => ValueVisitor, onRow: RowBytesListener): EncodedRows {
  const binary = encoding.format === 'postgres-copy-binary' ? copyBinaryOfColumns(columns, encoding.columnTypes, visitor(), onRow) : undefined;
  return binary ? { payload: binary, rowsShown: true } : { payload: copyTextOfColumns(columns, visitor()), rowsShown: false };
}

const DECODERS: Record<TextEncoding, (text: Buffer, fieldTypes: readonly number[], rows: number, visitor: ValueVisitor) => BulkColumn[]> = {
  'postgres-copy-text': (text, fieldTypes, rows, visitor) => copyColumns(text, fieldTypes.map(copyFieldReader), rows, visitor),
};

/** A batch of `rows` of a query's rows sent as text (Connection.streamQueryText), column by column, each row shown to the visitor as it is read. */
export function decodeBulk(format: QueryTextFormat, text: Buffer, rows: number, visitor: ValueVisitor): BulkColumn[] {
  return DECODERS[format.encoding](text, format.fieldTypes, rows, visitor);
}
