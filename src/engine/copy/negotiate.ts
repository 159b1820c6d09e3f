// The one choice a copy makes per item: how its rows move, from what the source offers and what the sink
// takes. Rows a transform maps go through it in worker threads, encoded there, where the sink takes encoded
// rows and the transform can be sent to them. Rows go as they are only where nothing transforms them:
// encoded by the source for the sink's bulk path where both can, as the source engine's text where the
// sink decodes it. As values otherwise, through the transform in this thread.
import type { SqlValue } from '../dialect/types.ts';
import { encodedPipeline } from './encoded-pipeline.ts';
import { engineTextPipeline } from './engine-text-pipeline.ts';
import { transformedPipeline } from './transformed-pipeline.ts';
import type { ChunkPipeline, ChunkSink, CopyItem, RowSource, TransformWorkers } from './types.ts';
import { valuesPipeline } from './values-pipeline.ts';

export async function negotiatePipeline(
  source: RowSource,
  sink: ChunkSink,
  item: CopyItem,
  after: SqlValue[] | null,
  batchRows: number,
  workers: TransformWorkers | undefined,
): Promise<ChunkPipeline> {
  const intake = await sink.intake(item);
  if (item.transformSpec && workers && intake.encoded) {
    const route = { source, item, spec: item.transformSpec, workers, encoding: await intake.encoded.encoding(), write: intake.encoded.write };
    return transformedPipeline(route, after, batchRows);
  }
  const offer = source.offer(item);
  if (!item.transform && offer.kind === 'encoded' && intake.encoded) {
    return encodedPipeline(offer.read, await intake.encoded.encoding(), intake.encoded.write, after);
  }
  if (!item.transform && offer.kind === 'engine-text' && intake.engineText) {
    const text = await offer.read(after, batchRows);
    if (text) return engineTextPipeline(text, intake.engineText);
  }
  return valuesPipeline(source, intake, item, after, batchRows);
}
