// A worker thread of the archive's pool: it runs the chunk tasks it is sent. A Buffer crosses between
// threads as a plain Uint8Array; it is made a Buffer again before any task sees it.
import type { BulkEncoding, QueryTextFormat, SqlValue } from '../dialect/types.ts';
import { asBuffer, recycledOrNew, serveTasks, withBuffers } from '../worker-pool.ts';
import { loadBulkCodecs } from '../dialect-codecs.ts';
import { checkedColumns, chunkForLoad, chunkFromText, encodeChunk, summarizeChunk, type RecordedChunk, type StoredChunk } from './chunk-tasks.ts';
import { transformBatch } from '../copy/transform-task.ts';
import type { TransformSpec } from '../copy/types.ts';


// Encodings and text formats name the codec that reads them: every dialect's codecs are registered first.
await loadBulkCodecs();
await serveTasks({
  summarizeChunk: (chunk: StoredChunk, width: number, keyColumns: number[]) => summarizeChunk({ ...chunk, payload: asBuffer(chunk.payload) }, width, keyColumns),
  checkedColumns: (chunk: RecordedChunk, width: number, keyColumns: number[]) => checkedColumns({ ...chunk, payload: asBuffer(chunk.payload) }, width, keyColumns),
  chunkForLoad: (chunk: RecordedChunk, width: number, keyColumns: number[], encoding: BulkEncoding) =>
    chunkForLoad({ ...chunk, payload: asBuffer(chunk.payload) }, width, keyColumns, encoding, recycledOrNew),
  chunkFromText: (format: QueryTextFormat, text: Buffer, rows: number, width: number, keyColumns: number[]) =>
    chunkFromText(format, asBuffer(text), rows, width, keyColumns),
  encodeChunk: (columns: SqlValue[][]) => encodeChunk(withBuffers(columns)),
  transformBatch: (spec: TransformSpec, names: string[], columns: SqlValue[][], width: number, encoding: BulkEncoding) =>
    transformBatch(spec, names, withBuffers(columns), width, encoding, recycledOrNew),
});
