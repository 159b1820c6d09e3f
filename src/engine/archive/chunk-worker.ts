// A worker thread of the archive's pool: it runs the chunk tasks it is sent. A Buffer crosses between
// threads as a plain Uint8Array; it is made a Buffer again before any task sees it.
import type { SqlValue } from '../dialect/types.ts';
import { serveTasks } from '../worker-pool.ts';
import { decodeChunk, encodeChunk, summarizeChunk, type StoredChunk } from './chunk-tasks.ts';

function asBuffer<T>(value: T): T | Buffer {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

await serveTasks({
  summarizeChunk: (chunk: StoredChunk, width: number, keyColumns: number[]) => summarizeChunk({ ...chunk, payload: asBuffer(chunk.payload) }, width, keyColumns),
  decodeChunk: (chunk: StoredChunk, width: number) => decodeChunk({ ...chunk, payload: asBuffer(chunk.payload) }, width),
  encodeChunk: (columns: SqlValue[][]) => {
    for (const column of columns) for (let i = 0; i < column.length; i++) column[i] = asBuffer(column[i] as SqlValue);
    return encodeChunk(columns);
  },
});
