// The chunk tasks, run by worker threads where the machine has a core to spare, or in this thread.
import { loadBulkCodecs } from '../dialect-codecs.ts';
import { asBuffer, WorkerPool, withBuffers, workerModule, workerThreads } from '../worker-pool.ts';
import { checkedColumns, chunkForLoad, chunkFromText, encodeChunk, summarizeChunk, type ChunkSummary, type HashedChunk, type RecordedChunk, type StoredChunk, type KeyedChunk } from './chunk-tasks.ts';
import { transformBatch } from '../copy/transform-task.ts';
import type { EncodedBatch, TransformedBatch, TransformWorkers } from '../copy/types.ts';
import type { BulkEncoding, QueryTextFormat, SqlValue } from '../dialect/types.ts';

export interface ChunkRunner extends TransformWorkers {
  /** Chunks worth keeping on their way at once: enough to keep every thread busy, few enough to bound memory. */
  readonly window: number;
  summarize(chunk: StoredChunk, width: number, keyColumns: readonly number[]): Promise<ChunkSummary>;
  /** The chunk's columns, every value checked, once its rows are found to be what it records. */
  decode(chunk: RecordedChunk, width: number, keyColumns: readonly number[]): Promise<SqlValue[][]>;
  /** Encodes and hashes a chunk's columns (checked by columnsOf). */
  encode(columns: SqlValue[][]): Promise<HashedChunk>;
  /** Rows as a source's engine sent them, decoded, checked, encoded and hashed. */
  fromText(format: QueryTextFormat, text: Buffer, rows: number, width: number, keyColumns: readonly number[]): Promise<KeyedChunk>;
  /** The chunk's rows checked against what it records and encoded for a bulk load. */
  forLoad(chunk: RecordedChunk, width: number, keyColumns: readonly number[], encoding: BulkEncoding): Promise<EncodedBatch>;
  close(): Promise<void>;
}

export function chunkRunner(threads = workerThreads()): ChunkRunner {
  if (threads === 0) {
    return {
      window: 1,
      summarize: async (chunk, width, keyColumns) => summarizeChunk(chunk, width, keyColumns),
      decode: async (chunk, width, keyColumns) => checkedColumns(chunk, width, keyColumns),
      encode: async (columns) => encodeChunk(columns),
      forLoad: async (chunk, width, keyColumns, encoding) => {
        await loadBulkCodecs();
        return chunkForLoad(chunk, width, keyColumns, encoding);
      },
      fromText: async (format, text, rows, width, keyColumns) => {
        await loadBulkCodecs();
        return chunkFromText(format, text, rows, width, keyColumns);
      },
      transform: async (spec, names, columns, width, encoding) => {
        await loadBulkCodecs();
        return transformBatch(spec, names, columns, width, encoding);
      },
      close: async () => {},
    };
  }
  const pool = new WorkerPool(workerModule('./chunk-worker.ts', import.meta.url), threads);
  return {
    window: 2 * threads,
    summarize: (chunk, width, keyColumns) => pool.run<ChunkSummary>('summarizeChunk', [chunk, width, keyColumns]),
    decode: async (chunk, width, keyColumns) => withBuffers(await pool.run<SqlValue[][]>('checkedColumns', [chunk, width, keyColumns])),
    encode: async (columns) => {
      const encoded = await pool.run<HashedChunk>('encodeChunk', [columns]);
      return { ...encoded, payload: asBuffer(encoded.payload) };
    },
    forLoad: async (chunk, width, keyColumns, encoding) => {
      const batch = await pool.run<EncodedBatch>('chunkForLoad', [chunk, width, keyColumns, encoding]);
      const payload = asBuffer(batch.payload);
      return { ...batch, lastKey: batch.lastKey.map(asBuffer), payload, release: () => pool.recycle(payload) };
    },
    fromText: async (format, text, rows, width, keyColumns) => {
      const chunk = await pool.run<KeyedChunk>('chunkFromText', [format, text, rows, width, keyColumns]);
      return { ...chunk, payload: asBuffer(chunk.payload), lastKey: chunk.lastKey.map(asBuffer) };
    },
    transform: async (spec, names, columns, width, encoding) => {
      const batch = await pool.run<TransformedBatch>('transformBatch', [spec, names, columns, width, encoding]);
      const payload = asBuffer(batch.payload);
      return { ...batch, payload, release: () => pool.recycle(payload) };
    },
    close: () => pool.close(),
  };
}

/**
 * A runner started on its first task, for work that may never come (a load whose items no transform
 * maps, or whose target takes rows only as values): no thread is started for nothing.
 */
export function chunkRunnerOnDemand(threads = workerThreads()): TransformWorkers & { close(): Promise<void> } {
  let runner: ChunkRunner | undefined;
  return {
    // One batch per thread on its way beside the one being written, for each item loading: a batch of
    // source rows is held twice while it is mapped, and items load side by side.
    window: Math.max(1, threads),
    transform: (spec, names, columns, width, encoding) => (runner ??= chunkRunner(threads)).transform(spec, names, columns, width, encoding),
    close: async () => runner?.close(),
  };
}
