export { ArchiveSink } from './archive-sink.ts';
export { ArchiveSource } from './archive-source.ts';
export { chunkRunner, type ChunkRunner } from './chunk-pool.ts';
export { archiveItemOf, FORMAT_NAME, FORMAT_VERSION, restoreItemOf, type ArchiveHeader, type ArchiveHeaderFields, type ArchiveItem } from './format.ts';
export { verifyArchive, type ArchiveReport, type ArchiveTableReport, type VerifyOptions } from './verify.ts';
export { SegmentedArchiveSink, type SegmentStream } from './segmented-sink.ts';
export { readSegmentIndex, SegmentedArchiveSource, verifySegmentedArchive, type RangedObject } from './segmented-source.ts';
export type { SegmentIndex } from './segments.ts';
