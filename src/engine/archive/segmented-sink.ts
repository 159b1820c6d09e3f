// Writing a backup as a stream of segments (segments.ts): chunks go into a local segment file until it
// holds `segmentBytes`, then the next chunks go into a new one while the full one is finished, handed to
// the stream and removed. The writer waits for a segment's bytes to be taken before it finishes the next,
// so at most two segments are on disk at once, each at most `segmentBytes` plus the chunks on their way.
import { createHash } from 'node:crypto';
import { createReadStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ContentHash } from '../copy/content-hash.ts';
import type { Checkpoint, ChunkSink, CopyItem, PreparedChunk, SinkIntake } from '../copy/types.ts';
import { OperationError } from '../errors.ts';
import { ArchiveSink } from './archive-sink.ts';
import { restoreItemOf, type ArchiveHeader, type ArchiveHeaderFields } from './format.ts';
import { sealColumns, type SealKey } from './seal.ts';
import { emptyTotals, indexBytes, indexDigest, SEGMENTS_FORMAT, SEGMENTS_FORMAT_VERSION, totalsOf, type SegmentEntry, type SegmentItem } from './segments.ts';

/** Where the segments go, in order: a multipart upload, or anything else that takes a stream of bytes. */
export interface SegmentStream {
  /** Appends the finished segment file's bytes; the file is removed once this resolves. */
  appendFile(path: string): Promise<void>;
  /** Appends the index and footer, the stream's last bytes. */
  appendBytes(bytes: Buffer): Promise<void>;
}

/** What a segment holds of an item so far: the checkpoint its own archive records. */
interface SegmentProgress {
  rows: number;
  chunks: number;
  hash: ContentHash;
  lastKey: Checkpoint['lastKey'];
}

/** One segment file being written: its archive, the items started in it, and the chunks prepared but not yet written to it. */
class OpenSegment {
  readonly progress = new Map<string, SegmentProgress>();
  private readonly intakes = new Map<string, SinkIntake>();
  outstanding = 0;
  full = false;
  finishing = false;

  constructor(
    readonly path: string,
    readonly sink: ArchiveSink,
  ) {}

  async intake(item: CopyItem): Promise<SinkIntake> {
    const known = this.intakes.get(item.name);
    if (known) return known;
    await this.sink.load(item);
    const intake = await this.sink.intake(item);
    this.intakes.set(item.name, intake);
    this.progress.set(item.name, { rows: 0, chunks: 0, hash: new ContentHash(), lastKey: null });
    return intake;
  }

  /** Writes a chunk this segment prepared with the checkpoint of the item's chunks in this segment. */
  async write(item: CopyItem, prepared: PreparedChunk, checkpoint: Checkpoint): Promise<void> {
    const progress = this.progress.get(item.name) as SegmentProgress;
    progress.rows += prepared.rows;
    progress.chunks++;
    progress.hash.merge(ContentHash.parse(prepared.contentHash));
    progress.lastKey = checkpoint.lastKey;
    await prepared.write(segmentCheckpoint(progress, false));
  }

  /** Every item of the header completed in this segment's archive (with no chunk where it has none here), and the archive sealed. */
  async finish(header: ArchiveHeader): Promise<SegmentItem[]> {
    for (const archived of header.items) {
      const item = restoreItemOf(archived);
      if (!this.progress.has(item.name)) await this.intake(item);
      await this.sink.complete(item, segmentCheckpoint(this.progress.get(item.name) as SegmentProgress, true));
    }
    await this.sink.finish();
    return [...this.progress.entries()].filter(([, p]) => p.chunks > 0).map(([name, p]) => ({ name, chunks: p.chunks, rows: p.rows, contentHash: p.hash.toString() }));
  }

  /** The segment's size so far, as its archive's pages count it. */
  bytes(): number {
    return this.sink.bytes();
  }
}

function segmentCheckpoint(progress: SegmentProgress, done: boolean): Checkpoint {
  const { rows, chunks, hash, lastKey } = progress;
  return { lastKey, rowsRead: rows, rowsWritten: rows, rowsRejected: 0, chunks, contentHash: hash.toString(), done };
}

export interface SegmentedSinkOptions {
  /** The local directory the segment files are written in, one or two at a time. */
  directory: string;
  /** The size a segment file is finished at. */
  segmentBytes: number;
  stream: SegmentStream;
  /** The key the whole backup is sealed with, over its index; unsealed without. */
  sealKey?: SealKey;
}

export class SegmentedArchiveSink implements ChunkSink {
  private readonly entries: SegmentEntry[] = [];
  private readonly itemTotals = new Map<string, ContentHash>();
  private segment: OpenSegment;
  /** The segments full but with chunks still to write, before they are finished. */
  private readonly filling = new Set<OpenSegment>();
  /** The last segment's bytes on their way into the stream. */
  private streamed: Promise<void> = Promise.resolve();
  /** Set while a new segment is being opened: chunks wait for it rather than open one each. */
  private opening: Promise<void> | undefined;
  private written = 0;

  private constructor(
    readonly header: ArchiveHeader,
    private readonly fields: ArchiveHeaderFields,
    private readonly options: SegmentedSinkOptions,
    first: OpenSegment,
  ) {
    this.segment = first;
  }

  static async create(fields: ArchiveHeaderFields, options: SegmentedSinkOptions): Promise<SegmentedArchiveSink> {
    const first = await openSegment(options.directory, 1, fields);
    return new SegmentedArchiveSink(first.sink.header, fields, options, first);
  }

  async prepare(): Promise<void> {}

  /** A segmented backup is written in one go: every item starts at its first row. */
  async load(item: CopyItem): Promise<Checkpoint | undefined> {
    this.itemTotals.set(item.name, new ContentHash());
    return undefined;
  }

  async intake(item: CopyItem): Promise<SinkIntake> {
    return {
      values: async (rows, rejections) => this.prepared(item, async (intake) => intake.values(rows, rejections)),
      encoded: undefined,
      engineText: async (format, batch) => this.prepared(item, async (intake) => (intake.engineText as NonNullable<SinkIntake['engineText']>)(format, batch)),
    };
  }

  /** The item's copy counted what its chunks in every segment hold, or the backup stops here. */
  async complete(item: CopyItem, checkpoint: Checkpoint): Promise<void> {
    const total = (this.itemTotals.get(item.name) ?? new ContentHash()).toString();
    if (total !== checkpoint.contentHash) throw new OperationError(`the chunks of ${item.name} hash to ${total}, but its copy counted ${checkpoint.contentHash}`);
  }

  /** Finishes the last segment and streams the index after every segment. */
  async finish(): Promise<void> {
    this.segment.full = true;
    await this.finishIfWritten(this.segment);
    await this.streamed;
    const totals = totalsOf(this.entries.flatMap((e) => e.items));
    const index = {
      format: SEGMENTS_FORMAT,
      formatVersion: SEGMENTS_FORMAT_VERSION,
      header: this.header,
      segments: this.entries,
      totals: this.header.items.map((i) => totals.get(i.name) ?? emptyTotals(i.name)),
    };
    const sealKey = this.options.sealKey;
    const trailer = indexBytes(sealKey ? { ...index, seal: sealColumns(sealKey, indexDigest(index)) } : index);
    await this.options.stream.appendBytes(trailer);
    this.written += trailer.length;
  }

  /** Bytes streamed so far: the whole backup once finished. */
  get bytes(): number {
    return this.written;
  }

  /** Closes and removes every segment file still on disk: the stream is abandoned by its owner. */
  async discard(): Promise<void> {
    await this.streamed.catch(() => undefined);
    for (const segment of [...this.filling, this.segment]) await segment.sink.discard();
  }

  /** A chunk prepared by the segment it will be written to, counted there until it is written. */
  private async prepared<T extends PreparedChunk>(item: CopyItem, prepare: (intake: SinkIntake) => Promise<T>): Promise<T> {
    const segment = await this.segmentForNextChunk();
    let chunk: T;
    try {
      chunk = await prepare(await segment.intake(item));
    } catch (error) {
      segment.outstanding--;
      throw error;
    }
    return {
      ...chunk,
      write: async (checkpoint) => {
        await segment.write(item, chunk, checkpoint);
        (this.itemTotals.get(item.name) as ContentHash).merge(ContentHash.parse(chunk.contentHash));
        segment.outstanding--;
        await this.finishIfWritten(segment);
      },
    };
  }

  /**
   * The segment the next chunk goes into, a new one once the current one is full, with the chunk counted
   * there at once. Two tables are read at a time: a segment must not be finished while a chunk bound for it
   * is still being prepared, and two chunks must not each open a new segment, leaving one never finished.
   */
  private async segmentForNextChunk(): Promise<OpenSegment> {
    while (this.opening) await this.opening;
    if (this.segment.bytes() < this.options.segmentBytes) return this.counted(this.segment);
    const full = this.segment;
    full.full = true;
    this.filling.add(full);
    const opening = openSegment(this.options.directory, this.entries.length + this.filling.size + 1, this.fields);
    this.opening = opening.then(() => undefined, () => undefined);
    try {
      this.segment = await opening;
    } finally {
      this.opening = undefined;
    }
    const segment = this.counted(this.segment);
    await this.finishIfWritten(full);
    return segment;
  }

  private counted(segment: OpenSegment): OpenSegment {
    segment.outstanding++;
    return segment;
  }

  /** A full segment whose chunks are all written is finished and handed to the stream once the one before is taken. */
  private async finishIfWritten(segment: OpenSegment): Promise<void> {
    if (!segment.full || segment.outstanding > 0 || segment.finishing) return;
    segment.finishing = true;
    this.filling.delete(segment);
    const items = await segment.finish(this.header);
    const bytes = statSync(segment.path).size;
    this.entries.push({ offset: this.written, bytes, sha256: await fileSha256(segment.path), items });
    this.written += bytes;
    await this.streamed;
    const { stream } = this.options;
    this.streamed = stream.appendFile(segment.path).then(() => rmSync(segment.path, { force: true }));
    // Its failure is met where the next segment or the index waits for it.
    this.streamed.catch(() => undefined);
  }
}

async function openSegment(directory: string, number: number, fields: ArchiveHeaderFields): Promise<OpenSegment> {
  const path = join(directory, `segment-${String(number).padStart(6, '0')}.db`);
  return new OpenSegment(path, await ArchiveSink.create(path, fields, { resume: false }));
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}
