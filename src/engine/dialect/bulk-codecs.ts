// Rows encoded for a connection's bulk path, and a query's rows sent as the engine's text decoded, away
// from the connection: plain functions of plain values, so that a worker thread can run them while the
// main thread talks to the database. Each engine's bulk folder registers its codecs here under the
// identifier its encodings carry; a worker thread loads them all (loadBulkCodecs in ../dialects.ts).
import type { RowsDigest } from './rows-digest.ts';
import type { Allocate, BulkColumn, BulkEncoding, QueryTextFormat, ValueVisitor } from './types.ts';

/** Rows encoded for a bulk load. */
export interface EncodedRows {
  payload: Buffer;
  /** The digest the engine takes of these rows once loaded (EncodedBulk.rowsDigest), where it takes one of rows in this form. */
  rowsDigest?: RowsDigest;
}

/**
 * Writes the rows held by `columns` in an encoding, each row shown to a visitor made for it as it is
 * written; a chunk begun in one form and written again in another is shown to a new visitor.
 */
export type BulkEncoder = (encoding: BulkEncoding, columns: readonly BulkColumn[], visitor: () => ValueVisitor, allocate?: Allocate) => EncodedRows;

/** Reads a batch of `rows` of a query's rows sent as text, column by column, each row shown to the visitor as it is read. */
export type TextDecoder = (format: QueryTextFormat, text: Buffer, rows: number, visitor: ValueVisitor) => BulkColumn[];

const encoders = new Map<string, BulkEncoder>();
const decoders = new Map<string, TextDecoder>();

/** Registers how rows are written in the encodings whose format is `format`. */
export function registerBulkEncoder(format: string, encode: BulkEncoder): void {
  encoders.set(format, encode);
}

/** Registers how a query's rows sent in the text format `encoding` are read. */
export function registerTextDecoder(encoding: string, decode: TextDecoder): void {
  decoders.set(encoding, decode);
}

export function encodeBulk(encoding: BulkEncoding, columns: readonly BulkColumn[], visitor: () => ValueVisitor, allocate?: Allocate): EncodedRows {
  const encode = encoders.get(encoding.format);
  if (!encode) throw new Error(`no bulk codec is registered for the encoding ${encoding.format}`);
  return encode(encoding, columns, visitor, allocate);
}

export function decodeBulk(format: QueryTextFormat, text: Buffer, rows: number, visitor: ValueVisitor): BulkColumn[] {
  const decode = decoders.get(format.encoding);
  if (!decode) throw new Error(`no bulk codec is registered for the text format ${format.encoding}`);
  return decode(format, text, rows, visitor);
}
