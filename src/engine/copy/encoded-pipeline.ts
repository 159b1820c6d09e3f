// Rows encoded by the source for the sink's bulk encoding (a backup restored into a database that takes
// encoded rows): decoded, checked, hashed and encoded off this thread, so that this thread only passes bytes.
import type { BulkEncoding, SqlValue } from '../dialect/types.ts';
import type { Checkpoint, ChunkPipeline, EncodedBatch } from './types.ts';

export function encodedPipeline(
  read: (after: SqlValue[] | null, encoding: BulkEncoding) => AsyncIterable<EncodedBatch>,
  encoding: BulkEncoding,
  write: (batch: EncodedBatch, checkpoint: Checkpoint) => Promise<void>,
  after: SqlValue[] | null,
): ChunkPipeline {
  return {
    digested: true,
    chunks: async function* () {
      for await (const batch of read(after, encoding)) {
        yield {
          rowsRead: batch.rows,
          rowsWritten: batch.rows,
          rejected: 0,
          lastKey: batch.lastKey,
          contentHash: batch.contentHash,
          ...(batch.rowsDigest === undefined ? {} : { rowsDigest: batch.rowsDigest }),
          write: async (checkpoint) => {
            await write(batch, checkpoint);
            batch.release?.();
          },
        };
      }
    },
  };
}
