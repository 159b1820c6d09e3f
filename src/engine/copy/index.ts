export { ContentHash } from './content-hash.ts';
export { copyItem, copyItems, DatabaseSource, sourceQuery, type CopyEndpoints, type CopyOptions } from './copy.ts';
export { DatabaseSink } from './database-sink.ts';
export { keyAfter } from './key-range.ts';
export type {
  Checkpoint,
  ChunkSink,
  CopyItem,
  CopyItemResult,
  EncodedBatch,
  PreparedChunk,
  RowSource,
  SinkIntake,
  SourceOffer,
  Transformed,
  TransformedBatch,
  TransformSpec,
  TransformWorkers,
} from './types.ts';
export { tableContentHash } from './table-hash.ts';
export { hashOnlySink } from './hash-sink.ts';
