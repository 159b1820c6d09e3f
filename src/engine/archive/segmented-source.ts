// Reading a segmented backup (segments.ts) from a store that serves byte ranges: the index from the end,
// then one segment at a time, copied into a local file, checked against the index's SHA-256 and read as
// the archive file it is. Verification checks every segment as a local file is checked, and that the
// segments together hold exactly what the index records.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CopyItem, EncodedBatch, RowSource, SourceOffer } from '../copy/types.ts';
import type { BulkEncoding, Row, SqlValue } from '../dialect/types.ts';
import { errorMessage, InputError, OperationError } from '../errors.ts';
import { ArchiveSource } from './archive-source.ts';
import type { ChunkRunner } from './chunk-pool.ts';
import { canonicalJson, type ArchiveHeader } from './format.ts';
import { SQLITE_MAGIC } from './sqlite-file.ts';
import { emptyTotals, FOOTER_BYTES, indexDigest, indexLocation, parseIndex, totalsOf, type SegmentEntry, type SegmentIndex, type SegmentItem } from './segments.ts';
import { checkSeal, verifyArchive, type ArchiveReport, type VerifyOptions } from './verify.ts';

/** An object read by byte ranges: its size, and a range read into memory or into a local file. */
export interface RangedObject {
  /** How the object is named in messages. */
  readonly name: string;
  readonly size: number;
  read(offset: number, bytes: number): Promise<Buffer>;
  /** Writes the range into the file at `path` and returns its SHA-256 in hex. */
  download(offset: number, bytes: number, path: string): Promise<string>;
}

/** The object's index, checked; InputError when the object is not a segmented backup at all. */
export async function readSegmentIndex(object: RangedObject): Promise<SegmentIndex> {
  try {
    if (object.size < FOOTER_BYTES) throw new Error(`it holds ${object.size} bytes, fewer than a backup's footer`);
    const location = indexLocation(await object.read(object.size - FOOTER_BYTES, FOOTER_BYTES), object.size);
    return parseIndex(await object.read(location.offset, location.bytes), location);
  } catch (error) {
    if (object.size >= SQLITE_MAGIC.length && (await object.read(0, SQLITE_MAGIC.length)).equals(SQLITE_MAGIC)) {
      throw new InputError(`${object.name} is a backup file copied into object storage, not one written there by wfm bru backup: download it and restore the local file`);
    }
    throw new InputError(`${object.name} is not a backup written by this tool, or is damaged: ${errorMessage(error)}`);
  }
}

/** Every segment checked as a local archive is (rows too unless `rows` is false), and against the index. */
export async function verifySegmentedArchive(object: RangedObject, directory: string, options: VerifyOptions = {}): Promise<ArchiveReport> {
  const report: ArchiveReport = { ok: false, problems: [], tables: [], rowsChecked: options.rows ?? true };
  let index: SegmentIndex;
  try {
    index = await readSegmentIndex(object);
  } catch (error) {
    report.problems.push(errorMessage(error));
    return report;
  }
  report.header = index.header;
  checkSeal(index.seal ?? {}, indexDigest(index), options.sealKey, report);
  const found: SegmentItem[] = [];
  for (const [i, entry] of index.segments.entries()) {
    const path = join(directory, `verify-segment-${i + 1}.db`);
    try {
      found.push(...(await checkSegment(object, index, entry, path, options, (problem) => report.problems.push(`segment ${i + 1} of ${index.segments.length}: ${problem}`))));
    } catch (error) {
      report.problems.push(`segment ${i + 1} of ${index.segments.length} cannot be read: ${errorMessage(error)}`);
    } finally {
      rmSync(path, { force: true });
    }
  }
  const totals = totalsOf(found);
  report.tables = index.header.items.map((item) => ({ ...(totals.get(item.name) ?? emptyTotals(item.name)), table: item.table }));
  report.ok = report.problems.length === 0;
  return report;
}

/** One segment checked: its bytes against the index, its archive whole, and what it holds against what the index says it holds. */
async function checkSegment(object: RangedObject, index: SegmentIndex, entry: SegmentEntry, path: string, options: VerifyOptions, problem: (text: string) => void): Promise<SegmentItem[]> {
  const sha256 = await object.download(entry.offset, entry.bytes, path);
  if (sha256 !== entry.sha256) problem(`its bytes were changed or damaged after it was written (SHA-256 ${sha256}, the index records ${entry.sha256})`);
  const segment = await verifyArchive(path, options);
  for (const text of segment.problems) problem(text);
  if (segment.header && headerFields(segment.header) !== headerFields(index.header)) problem('its header is not the backup header the index records');
  const held = segment.tables.filter((t) => t.chunks > 0).map(({ name, chunks, rows, contentHash }) => ({ name, chunks, rows, contentHash }));
  if (canonicalJson(held) !== canonicalJson(entry.items)) problem(`it holds ${describeItems(held)}, the index records ${describeItems(entry.items)}`);
  return held;
}

function describeItems(items: readonly SegmentItem[]): string {
  return items.length === 0 ? 'no chunk' : items.map((i) => `${i.name}: ${i.chunks} chunks, ${i.rows} rows`).join('; ');
}

/** The header as the segments share it: all but when each was started. */
function headerFields(header: ArchiveHeader): string {
  return canonicalJson({ ...header, createdAt: undefined });
}

let sourcesOpened = 0;

/**
 * A segmented backup as a copy's source: each item's rows from the segments that hold its chunks, in
 * order, each segment fetched into `directory` when it is first needed and kept until another is: one
 * segment on disk per source.
 */
export class SegmentedArchiveSource implements RowSource {
  private fetched: { number: number; path: string } | undefined;
  private readonly prefix: string;

  private constructor(
    private readonly object: RangedObject,
    readonly index: SegmentIndex,
    private readonly directory: string,
    private readonly runner: ChunkRunner | undefined,
  ) {
    this.prefix = `source-${process.pid}-${++sourcesOpened}`;
  }

  /** A source of the object whose index was read; a runner given is shared by its segments and closed with the source. */
  static open(object: RangedObject, index: SegmentIndex, directory: string, runner?: ChunkRunner): SegmentedArchiveSource {
    return new SegmentedArchiveSource(object, index, directory, runner);
  }

  get header(): ArchiveHeader {
    return this.index.header;
  }

  async count(item: CopyItem): Promise<number> {
    return this.index.totals.find((t) => t.name === item.source.table)?.rows ?? 0;
  }

  async *read(item: CopyItem, after: SqlValue[] | null, batchRows: number): AsyncIterable<Row[]> {
    for await (const segment of this.segmentsOf(item, after)) yield* segment.read(item, null, batchRows);
  }

  offer(item: CopyItem): SourceOffer {
    return { kind: 'encoded', read: (after, encoding) => this.readEncoded(item, after, encoding) };
  }

  private async *readEncoded(item: CopyItem, after: SqlValue[] | null, encoding: BulkEncoding): AsyncIterable<EncodedBatch> {
    for await (const segment of this.segmentsOf(item, after)) {
      const offer = segment.offer(item);
      if (offer.kind === 'encoded') yield* offer.read(null, encoding);
    }
  }

  /** The segments holding the item's chunks, each open as an archive while its rows are read. */
  private async *segmentsOf(item: CopyItem, after: SqlValue[] | null): AsyncIterable<ArchiveSource> {
    if (after !== null) throw new Error(`${item.name}: a segmented backup is read from each item's first row`);
    for (const [i, entry] of this.index.segments.entries()) {
      if (!entry.items.some((held) => held.name === item.source.table)) continue;
      const source = await ArchiveSource.open(await this.fetch(i, entry), this.runner && { ...this.runner, close: async () => {} });
      try {
        yield source;
      } finally {
        await source.close();
      }
    }
  }

  /** The segment's local copy, fetched unless it is the one already here, and checked against the index. */
  private async fetch(number: number, entry: SegmentEntry): Promise<string> {
    if (this.fetched?.number === number) return this.fetched.path;
    this.removeFetched();
    const path = join(this.directory, `${this.prefix}-segment-${number + 1}.db`);
    const sha256 = await this.object.download(entry.offset, entry.bytes, path);
    if (sha256 !== entry.sha256) {
      rmSync(path, { force: true });
      throw new OperationError(`the backup ${this.object.name} is damaged: segment ${number + 1} changed after it was checked (SHA-256 ${sha256}, the index records ${entry.sha256})`);
    }
    this.fetched = { number, path };
    return path;
  }

  private removeFetched(): void {
    if (this.fetched) rmSync(this.fetched.path, { force: true });
    this.fetched = undefined;
  }

  async close(): Promise<void> {
    this.removeFetched();
    await this.runner?.close();
  }
}
