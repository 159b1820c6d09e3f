// PostgreSQL's bulk codecs, registered under the formats their encodings carry: COPY text and binary
// written, with the server's row hash taken of binary rows as they are written, and COPY text read.
import { registerBulkEncoder, registerTextDecoder } from '../../bulk-codecs.ts';
import type { BulkEncoding, QueryTextFormat } from '../../types.ts';
import { copyBinaryOfColumns, type BinaryColumnType } from './copy-binary.ts';
import { copyColumns, copyFieldReader, copyTextOfColumns } from './copy-text.ts';
import { RecordHashSum } from './record-hash.ts';

export const COPY_TEXT = 'postgres-copy-text';
export const COPY_BINARY = 'postgres-copy-binary';

/**
 * COPY text, or COPY's binary format for the target columns' types (pg_type's names), in which a chunk
 * whose every value has a binary form is written (any other goes as text).
 */
export type CopyEncoding =
  | { format: typeof COPY_TEXT }
  | {
      format: typeof COPY_BINARY;
      columnTypes: readonly BinaryColumnType[];
      /** Whether the server hashes a row as record-hash.ts does (hash_record_extended, PostgreSQL 14 on). */
      hashesRows: boolean;
    };

/** COPY text as a query's rows are read in: the type (pg_type's oid) of each column, in the query's order. */
export interface CopyTextFormat {
  encoding: typeof COPY_TEXT;
  fieldTypes: number[];
}

function binaryEncoding(encoding: BulkEncoding): Extract<CopyEncoding, { format: typeof COPY_BINARY }> {
  const { columnTypes, hashesRows } = encoding as Partial<Extract<CopyEncoding, { format: typeof COPY_BINARY }>>;
  if (!Array.isArray(columnTypes) || typeof hashesRows !== 'boolean') throw new Error(`a ${COPY_BINARY} encoding needs its column types and whether the server hashes rows`);
  return { format: COPY_BINARY, columnTypes, hashesRows };
}

function fieldTypesOf(format: QueryTextFormat): number[] {
  const { fieldTypes } = format as Partial<CopyTextFormat>;
  if (!Array.isArray(fieldTypes)) throw new Error(`a ${COPY_TEXT} format needs the type of each column`);
  return fieldTypes;
}

registerBulkEncoder(COPY_TEXT, (_encoding, columns, visitor) => ({ payload: copyTextOfColumns(columns, visitor()) }));

registerBulkEncoder(COPY_BINARY, (encoding, columns, visitor, allocate) => {
  const { columnTypes, hashesRows } = binaryEncoding(encoding);
  const hashes = hashesRows ? new RecordHashSum(columnTypes) : undefined;
  const binary = copyBinaryOfColumns(columns, columnTypes, visitor(), hashes && ((bytes, start) => hashes.addRow(bytes, start)), allocate);
  if (binary) return { payload: binary, ...(hashes ? { rowsDigest: hashes.digest() } : {}) };
  return { payload: copyTextOfColumns(columns, visitor()) };
});

registerTextDecoder(COPY_TEXT, (format, text, rows, visitor) => copyColumns(text, fieldTypesOf(format).map(copyFieldReader), rows, visitor));
