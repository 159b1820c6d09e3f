// Rows that a transform maps, into a sink that takes encoded rows: read from the source in key order, and
// transformed, encoded and hashed by worker threads a few batches ahead of the one being written, so that
// this thread only reads rows and passes bytes. Rejected rows are written with their batch, as they are
// on the values path.
import type { BulkEncoding, Row, SqlValue } from '../dialect/types.ts';
import { readAhead } from './read-ahead.ts';
import type { Checkpoint, ChunkPipeline, CopyItem, EncodedBatch, PipelineChunk, RowSource, TransformSpec, TransformWorkers } from './types.ts';

export interface TransformedRoute {
  source: RowSource;
  item: CopyItem;
  spec: TransformSpec;
  workers: TransformWorkers;
  encoding: BulkEncoding;
  write(batch: EncodedBatch, checkpoint: Checkpoint): Promise<void>;
}

/** The rows as one array per column of `names`: what crosses to a worker thread more cheaply than objects. */
function columnsOf(rows: readonly Row[], names: readonly string[]): SqlValue[][] {
  return names.map((name) => rows.map((row) => row[name] ?? null));
}

export function transformedPipeline(route: TransformedRoute, after: SqlValue[] | null, batchRows: number): ChunkPipeline {
  const { source, item, spec, workers, encoding } = route;
  const names = item.source.columns;
  const width = item.target.columns.length;
  const transform = async (rows: Row[]): Promise<PipelineChunk> => {
    const last = rows[rows.length - 1] as Row;
    const lastKey = item.source.key.map((k) => last[k] ?? null);
    const { rowsRead, ...batch } = await workers.transform(spec, names, columnsOf(rows, names), width, encoding);
    const encoded: EncodedBatch = { ...batch, lastKey };
    return {
      rowsRead,
      rowsWritten: encoded.rows,
      rejected: batch.rejections.length,
      lastKey,
      contentHash: encoded.contentHash,
      ...(encoded.rowsDigest === undefined ? {} : { rowsDigest: encoded.rowsDigest }),
      write: async (checkpoint) => {
        await route.write(encoded, checkpoint);
        encoded.release?.();
      },
    };
  };
  return {
    digested: true,
    chunks: () => readAhead(source.read(item, after, batchRows), transform, workers.window),
  };
}
