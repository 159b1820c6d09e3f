// Rows as the source's engine sends them (a database that sends a query's rows as text), decoded,
// hashed and made ready by the sink off this thread, a few batches ahead of the one being written.
import type { QueryTextFormat, SqlValue, TextBatch } from '../dialect/types.ts';
import { readAhead } from './read-ahead.ts';
import type { ChunkPipeline, EngineText, PreparedChunk } from './types.ts';

/** Batches prepared ahead of the one being written: enough for two worker threads, few enough to bound memory. */
const PREPARED_AHEAD = 3;

export function engineTextPipeline(text: EngineText, prepare: (format: QueryTextFormat, batch: TextBatch) => Promise<PreparedChunk & { lastKey: SqlValue[] }>): ChunkPipeline {
  return {
    digested: false,
    chunks: async function* () {
      for await (const prepared of readAhead(text.batches, (batch) => prepare(text.format, batch), PREPARED_AHEAD)) {
        yield { rowsRead: prepared.rows, rowsWritten: prepared.rows, rejected: 0, lastKey: prepared.lastKey, contentHash: prepared.contentHash, write: (checkpoint) => prepared.write(checkpoint) };
      }
    },
  };
}
