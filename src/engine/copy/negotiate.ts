// The one choice a copy makes per item: how its rows move, from what the source offers and what the sink
// takes. Rows go as they are only where nothing transforms them: encoded by the source for the sink's
// bulk path where both can, as the source engine's text where the sink decodes it, as values otherwise.
import type { SqlValue } from '../dialect/types.ts';
import { encodedPipeline } from './encoded-pipeline.ts';
import { engineTextPipeline } from './engine-text-pipeline.ts';
import type { ChunkPipeline, ChunkSink, CopyItem, RowSource } from './types.ts';
import { valuesPipeline } from './values-pipeline.ts';

export async function negotiatePipeline(source: RowSource, sink: ChunkSink, item: CopyItem, after: SqlValue[] | null, batchRows: number): Promise<ChunkPipeline> {
  const intake = await sink.intake(item);
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
