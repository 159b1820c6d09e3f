// Where a backup lives: a local file (one archive, written beside its name and renamed once sealed), or an
// object in S3-compatible storage (a segmented archive streamed into one multipart upload, which becomes
// the object only once complete, with at most two segments on local disk). The Backup-Restore Utility
// writes and reads both the same way through these two interfaces.
import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveSink, ArchiveSource, readSegmentIndex, SegmentedArchiveSink, SegmentedArchiveSource, verifyArchive, verifySegmentedArchive } from '../engine/archive/index.ts';
import type { ArchiveHeaderFields, ArchiveReport, ChunkRunner, RangedObject, SealKey, SegmentIndex, VerifyOptions } from '../engine/archive/index.ts';
import type { ChunkSink, RowSource } from '../engine/copy/index.ts';
import { InputError } from '../engine/errors.ts';
import { stopRequested, throwIfStopRequested, whileStoppable } from '../engine/interruption.ts';
export { configureObjectStorage, type ObjectStorageSettings } from '../engine/object-storage/s3.ts';
import { isS3Url, ObjectUpload, openObject, parseS3Url, requireNoObject, type S3Location } from '../engine/object-storage/s3.ts';

/** The size a segment of a backup in object storage is finished at and uploaded. */
export const SEGMENT_BYTES = 64 * 1024 * 1024;

/** How a backup in object storage is cut: segments on local disk, parts of the upload. */
export interface ObjectStorageOptions {
  segmentBytes?: number;
  partBytes?: number;
}

export interface BackupWriter {
  readonly sink: ChunkSink;
  /** Seals the backup and puts it under its name; returns its size in bytes. */
  seal(): Promise<number>;
  /** Gives up the backup: nothing is left under its name (an unfinished local file is kept to resume when `keep`). */
  abandon(keep: boolean): Promise<void>;
}

export interface BackupReader {
  /** The backup checked whole, as `bru verify` does. */
  verify(options?: VerifyOptions): Promise<ArchiveReport>;
  /** A source of its rows; a runner given becomes the source's. */
  openSource(runner?: ChunkRunner): Promise<RowSource>;
  close(): Promise<void>;
}

/**
 * The name a local backup is written under, beside its own, until it is sealed: a backup interrupted at
 * any moment leaves nothing under the name a restore would read.
 */
function partialBackupFile(file: string): string {
  return `${file}.partial`;
}

/** Refuses a name that already holds something: a backup never replaces a file or an object. */
export async function requireNewBackup(file: string): Promise<void> {
  if (isS3Url(file)) return requireNoObject(parseS3Url(file));
  if (statSync(file, { throwIfNoEntry: false })?.size) throw new InputError(`${file} exists; choose another file to write a new backup`);
}

export async function openBackupWriter(file: string, fields: ArchiveHeaderFields, options: { resume: boolean; objectStorage?: ObjectStorageOptions; sealKey?: SealKey }): Promise<BackupWriter> {
  if (isS3Url(file)) return objectWriter(parseS3Url(file), fields, options.objectStorage ?? {}, options.sealKey);
  if (options.objectStorage) throw new InputError(`segments and parts are for a backup in object storage (s3://bucket/key), not for ${file}`);
  const sink = await ArchiveSink.create(partialBackupFile(file), fields, { resume: options.resume, sealKey: options.sealKey });
  return {
    sink,
    seal: async () => {
      await sink.finish();
      renameSync(partialBackupFile(file), file);
      return statSync(file).size;
    },
    abandon: (keep) => (keep ? sink.close() : sink.discard()),
  };
}

/**
 * A backup streamed into one multipart upload. A stop asked for while it is sealed aborts it too, and one
 * that ends the process at once says what it leaves: parts that are not an object, until removed.
 */
async function objectWriter(location: S3Location, fields: ArchiveHeaderFields, options: ObjectStorageOptions, sealKey: SealKey | undefined): Promise<BackupWriter> {
  const upload = await ObjectUpload.start(location, options.partBytes);
  const directory = scratchDirectory('backup');
  let sink: SegmentedArchiveSink;
  try {
    sink = await SegmentedArchiveSink.create(fields, { directory, segmentBytes: options.segmentBytes ?? SEGMENT_BYTES, stream: upload, sealKey });
  } catch (error) {
    await upload.abort();
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const leftAtOnce = (): void => {
    process.stderr.write(`wfm: the upload of ${location.url} was ended before it was complete: no object is under that key; its parts are left in the bucket until a lifecycle rule for incomplete multipart uploads removes them\n`);
  };
  return {
    sink,
    seal: () =>
      whileStoppable(
        async () => {
          await sink.finish();
          throwIfStopRequested(() => `stopped before ${location.url} was completed`);
          await upload.complete();
          rmSync(directory, { recursive: true, force: true });
          return sink.bytes;
        },
        { endedAtOnce: leftAtOnce },
      ),
    abandon: async () => {
      await sink.discard();
      const left = await upload.abort();
      rmSync(directory, { recursive: true, force: true });
      if (left) process.stderr.write(`wfm: ${left}\n`);
      else if (stopRequested()) process.stderr.write(`wfm: the upload of ${location.url} was aborted: nothing is under that key\n`);
    },
  };
}

export async function openBackupReader(file: string): Promise<BackupReader> {
  if (!isS3Url(file)) {
    return {
      verify: (options) => verifyArchive(file, options),
      openSource: (runner) => ArchiveSource.open(file, runner),
      close: async () => {},
    };
  }
  return objectReader(await openObject(parseS3Url(file)));
}

function objectReader(object: RangedObject): BackupReader {
  const directory = scratchDirectory('restore');
  let index: Promise<SegmentIndex> | undefined;
  return {
    verify: (options) => verifySegmentedArchive(object, directory, options),
    openSource: async (runner) => {
      try {
        return SegmentedArchiveSource.open(object, await (index ??= readSegmentIndex(object)), directory, runner);
      } catch (error) {
        await runner?.close();
        throw error;
      }
    },
    close: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** A directory of its own under the system's temporary directory, for the segments on their way. */
function scratchDirectory(purpose: string): string {
  return mkdtempSync(join(tmpdir(), `wfm-s3-${purpose}-`));
}
