export { ArchiveSink } from './archive-sink.ts';
export { ArchiveSource } from './archive-source.ts';
export { chunkRunner, type ChunkRunner } from './chunk-pool.ts';
export { archiveItemOf, FORMAT_NAME, FORMAT_VERSION, restoreItemOf, type ArchiveHeader, type ArchiveHeaderFields, type ArchiveItem } from './format.ts';
export { inspectArchive, type ArchiveInspection, type ArchiveFileState } from './inspect.ts';
export { claimedSealOfFile, isSealKeyId, type SealKey, type SealVerdict } from './seal.ts';
export { verifyArchive, type ArchiveReport, type ArchiveTableReport, type VerifyOptions } from './verify.ts';
