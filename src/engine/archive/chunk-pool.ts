// The chunk tasks, run by worker threads where the machine has a core to spare, or in this thread.
import { WorkerPool, workerThreads } from '../worker-pool.ts';
import { encodeChunk, summarizeChunk, type ChunkSummary, type StoredChunk } from './chunk-tasks.ts';
import type { EncodedChunk } from './payload.ts';
import type { SqlValue } from '../dialect/types.ts';

export interface ChunkRunner {
  /** Chunks worth keeping on their way at once: enough to keep every thread busy, few enough to bound memory. */
  readonly window: number;
  summarize(chunk: StoredChunk, width: number, keyColumns: readonly number[]): Promise<ChunkSummary>;
  /** Encodes a chunk's columns (checked by columnsOf). */
  encode(columns: SqlValue[][]): Promise<EncodedChunk>;
  close(): Promise<void>;
}

export function chunkRunner(threads = workerThreads()): ChunkRunner {
  if (threads === 0) {
    return {
      window: 1,
      summarize: async (chunk, width, keyColumns) => summarizeChunk(chunk, width, keyColumns),
      encode: async (columns) => encodeChunk(columns),
      close: async () => {},
    };
  }
  const pool = new WorkerPool(new URL('./chunk-worker.ts', import.meta.url), threads);
  return {
    window: 2 * threads,
    summarize: (chunk, width, keyColumns) => pool.run<ChunkSummary>('summarizeChunk', [chunk, width, keyColumns]),
    encode: async (columns) => {
      const encoded = await pool.run<EncodedChunk>('encodeChunk', [columns]);
      // A Buffer crosses a thread as a plain Uint8Array.
      return { ...encoded, payload: Buffer.from(encoded.payload.buffer, encoded.payload.byteOffset, encoded.payload.byteLength) };
    },
    close: () => pool.close(),
  };
}
