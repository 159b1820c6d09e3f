// A worker thread of the archive's pool: it runs the chunk tasks it is sent. A Buffer crosses between
// threads as a plain Uint8Array; it is made a Buffer again before any task sees it.
import type { SqlValue } from '../dialect/types.ts';
import { asBuffer, serveTasks } from '../worker-pool.ts';
import { decodeChunk, encodeChunk, summarizeChunk, type StoredChunk } from './chunk-tasks.ts';

await serveTasks({
  summarizeChunk: (chunk: StoredChunk, width: number, keyColumns: number[]) => summarizeChunk({ ...chunk, payload: asBuffer(chunk.payload) }, width, keyColumns),
  decodeChunk: (chunk: StoredChunk, width: number) => decodeChunk({ ...chunk, payload: asBuffer(chunk.payload) }, width),
  encodeChunk: (columns: SqlValue[][]) => {
    for (const column of columns) for (let i = 0; i < column.length; i++) column[i] = asBuffer(column[i] as SqlValue);
    return encodeChunk(columns);
  },
});
