// Rows as values: read from the source in key order, through the item's transform in this thread, and
// handed to the sink, which hashes them (and encodes them, where its work runs) before they are written.
import type { Row, SqlValue } from '../dialect/types.ts';
import type { ChunkPipeline, CopyItem, PipelineChunk, RowSource, SinkIntake, Transformed } from './types.ts';

function identity(item: CopyItem): (row: Row) => Transformed {
  const columns = item.source.columns;
  return (row) => ({ row: columns.map((c) => row[c] ?? null) });
}

export function valuesPipeline(source: RowSource, intake: SinkIntake, item: CopyItem, after: SqlValue[] | null, batchRows: number): ChunkPipeline {
  const transform = item.transform ?? identity(item);
  return {
    digested: false,
    chunks: async function* () {
      for await (const rows of source.read(item, after, batchRows)) yield await valuesChunk(intake, item, rows, transform);
    },
  };
}

async function valuesChunk(intake: SinkIntake, item: CopyItem, rows: Row[], transform: (row: Row) => Transformed): Promise<PipelineChunk> {
  const written: SqlValue[][] = [];
  const rejections: unknown[] = [];
  for (const row of rows) {
    const result = transform(row);
    if ('row' in result) written.push(result.row);
    else rejections.push(result.rejection);
  }
  const last = rows[rows.length - 1] as Row;
  const prepared = await intake.values(written, rejections);
  return {
    rowsRead: rows.length,
    rowsWritten: written.length,
    rejected: rejections.length,
    lastKey: item.source.key.map((k) => last[k] ?? null),
    contentHash: prepared.contentHash,
    write: (checkpoint) => prepared.write(checkpoint),
  };
}
