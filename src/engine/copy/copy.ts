// The one mechanism that moves data: rows streamed from a source connection in key order, through a
// transform, into a sink in chunks, each chunk committed with its checkpoint. Memory holds a chunk or two,
// whatever the table's size; a killed run resumes from its checkpoints; every chunk is hashed.
import type { Connection, QueryTextFormat, Row, SqlValue, TextBatch } from '../dialect/types.ts';
import { throwIfStopRequested, whileStoppable } from '../interruption.ts';
import { type ProgressListener, RateMeter } from '../progress.ts';
import { ContentHash } from './content-hash.ts';
import { RowsDigest } from '../dialect/rows-digest.ts';
import { keyAfter } from './key-range.ts';
import type { Checkpoint, ChunkSink, CopyItem, CopyItemResult, EncodedBatch, PreparedText, RowSource, Transformed } from './types.ts';

export interface CopyOptions {
  /** Rows per chunk: the unit of a transaction, a checkpoint and a hash. */
  chunkRows?: number;
  /** Items copied at the same time, each with its own pair of connections. */
  concurrency?: number;
  onProgress?: ProgressListener;
  /** Told of each item as it is done, while the others are still copied. */
  onItemDone?: (item: CopyItem, result: CopyItemResult) => void;
}

export interface CopyEndpoints {
  openSource(): Promise<RowSource>;
  /** A sink and, where the target has more to build once an item's rows are in, what does it on the sink's connection. */
  openSink(): Promise<{ sink: ChunkSink; close(): Promise<void>; finishItem?(item: CopyItem, result: CopyItemResult): Promise<void> }>;
}

const DEFAULT_CHUNK_ROWS = 50_000;

export function sourceQuery(source: Connection, item: CopyItem, after: SqlValue[] | null): { sql: string; params: SqlValue[] } {
  const q = source.compiler;
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  if (item.source.where) {
    conditions.push(`(${item.source.where.sql})`);
    params.push(...item.source.where.params);
  }
  if (after) {
    const range = keyAfter(q, item.source.key, after, params.length + 1);
    conditions.push(`(${range.sql})`);
    params.push(...range.params);
  }
  const columns = item.source.columns.map((c) => q.quoteIdentifier(c)).join(', ');
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const order = item.source.key.map((c) => q.quoteIdentifier(c)).join(', ');
  return { sql: `SELECT ${columns} FROM ${q.quoteIdentifier(item.source.table)}${where} ORDER BY ${order}`, params };
}

/** A table of a database as a copy's source: read in key order through the dialect's streaming read. */
export class DatabaseSource implements RowSource {
  constructor(readonly connection: Connection) {}

  async count(item: CopyItem): Promise<number> {
    const q = this.connection.compiler;
    const where = item.source.where ? ` WHERE ${item.source.where.sql}` : '';
    const rows = await this.connection.query(`SELECT COUNT(*) AS n FROM ${q.quoteIdentifier(item.source.table)}${where}`, item.source.where?.params ?? []);
    return Number(rows[0]?.n ?? 0);
  }

  read(item: CopyItem, after: SqlValue[] | null, batchRows: number): AsyncIterable<Row[]> {
    const { sql, params } = sourceQuery(this.connection, item, after);
    return this.connection.streamQuery(sql, params, batchRows);
  }

  /** Only a whole item read from its start: a query with parameters is not sent as text. */
  async readText(item: CopyItem, after: SqlValue[] | null, batchRows: number): Promise<{ format: QueryTextFormat; batches: AsyncIterable<TextBatch> } | undefined> {
    const { sql, params } = sourceQuery(this.connection, item, after);
    if (params.length > 0 || !this.connection.streamQueryText) return undefined;
    return this.connection.streamQueryText(sql, batchRows);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function identity(item: CopyItem): (row: Row) => Transformed {
  const columns = item.source.columns;
  return (row) => ({ row: columns.map((c) => row[c] ?? null) });
}

/**
 * Copies one item from its checkpoint on; returns what it did. A stop asked for (a signal) ends it after
 * the chunk being written is committed with its checkpoint, with an InterruptedError.
 */
export function copyItem(source: RowSource, sink: ChunkSink, item: CopyItem, options: CopyOptions = {}): Promise<CopyItemResult> {
  return whileStoppable(() => copyItemFromCheckpoint(source, sink, item, options));
}

async function copyItemFromCheckpoint(source: RowSource, sink: ChunkSink, item: CopyItem, options: CopyOptions): Promise<CopyItemResult> {
  throwIfStopRequested(() => `stopped before ${item.name}; every chunk copied is committed with its checkpoint`);
  const started = performance.now();
  const saved = await sink.load(item);
  // Kept while every chunk written in this run brings one: a table loaded whole in this run can be checked by it.
  let digest: RowsDigest | undefined;
  const checkpoint: Checkpoint = saved ?? { lastKey: null, rowsRead: 0, rowsWritten: 0, rowsRejected: 0, chunks: 0, contentHash: new ContentHash().toString(), done: false };
  const result = (): CopyItemResult => ({
    name: item.name,
    sourceTable: item.source.table,
    targetTable: item.target.table,
    rowsRead: checkpoint.rowsRead,
    rowsWritten: checkpoint.rowsWritten,
    rowsRejected: checkpoint.rowsRejected,
    seconds: (performance.now() - started) / 1000,
    contentHash: checkpoint.contentHash,
    ...(digest ? { rowsDigest: digest.toString() } : {}),
    resumed: saved !== undefined,
  });
  if (checkpoint.done) return result();

  const meter = new RateMeter(item.name, await source.count(item), checkpoint.rowsRead);
  const transform = item.transform ?? identity(item);
  const total = ContentHash.parse(checkpoint.contentHash);
  // Once a chunk and its checkpoint are committed, the copy may stop there: --resume goes on from it.
  const progress = (): void => {
    options.onProgress?.(meter.event(checkpoint.rowsRead));
    throwIfStopRequested(() => `${item.name} stopped after ${checkpoint.rowsRead.toLocaleString('en-US')} rows; every chunk copied is committed with its checkpoint`);
  };
  const batchRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const encoded = await encodedPath(source, sink, item);
  const text = encoded ? undefined : await textPath(source, sink, item, checkpoint.lastKey, batchRows);
  if (encoded) {
    digest = checkpoint.rowsWritten === 0 ? new RowsDigest() : undefined;
    await pump(
      encoded.read(checkpoint.lastKey),
      async (batch) => {
        await writeEncodedChunk(encoded.write, batch, checkpoint, total);
        digest = batch.rowsDigest ? digest?.plus(RowsDigest.parse(batch.rowsDigest)) : undefined;
      },
      progress,
    );
  } else if (text) {
    await pump(text.batches, (batch) => writeTextChunk(() => text.write(batch, checkpoint), item, batch.rows, checkpoint, total), progress);
  } else {
    const rows = source.read(item, checkpoint.lastKey, batchRows);
    await pump(rows, (batch) => writeChunk(sink, item, batch, transform, checkpoint, total), progress);
  }
  checkpoint.done = true;
  await sink.write(item, [], [], checkpoint, sink.hashesRows ? undefined : new ContentHash().toString());
  options.onProgress?.(meter.done(checkpoint.rowsRead));
  return result();
}

/** Writes each batch while the next one is fetched: the source and the sink work at once. */
async function pump<T>(batches: AsyncIterable<T>, write: (batch: T) => Promise<void>, written: () => void): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (let batch = await next; !batch.done; batch = await next) {
      next = iterator.next();
      await write(batch.value);
      written();
    }
  } finally {
    // However the copy ends, the source's read is finished so that its connection can be used or closed.
    await next.catch(() => undefined);
    await iterator.return?.();
  }
}

interface EncodedPath {
  read(after: SqlValue[] | null): AsyncIterable<EncodedBatch>;
  write(batch: EncodedBatch, checkpoint: Checkpoint): Promise<void>;
}

/** Batches encoded by the source for the sink's bulk path, where both can and rows go over as they are. */
async function encodedPath(source: RowSource, sink: ChunkSink, item: CopyItem): Promise<EncodedPath | undefined> {
  if (item.transform || !source.readEncoded || !sink.writeEncoded) return undefined;
  const encoding = await sink.bulkEncoding?.(item);
  if (!encoding) return undefined;
  const readEncoded = source.readEncoded.bind(source);
  const writeEncoded = sink.writeEncoded.bind(sink);
  return { read: (after) => readEncoded(item, after, encoding), write: (batch, checkpoint) => writeEncoded(item, batch, checkpoint) };
}

/** A chunk whose every row read is written: no transform, nothing rejected. */
function countWholeChunk(checkpoint: Checkpoint, rows: number): void {
  checkpoint.rowsRead += rows;
  checkpoint.rowsWritten += rows;
  checkpoint.chunks++;
}

async function writeEncodedChunk(write: EncodedPath['write'], batch: EncodedBatch, checkpoint: Checkpoint, total: ContentHash): Promise<void> {
  checkpoint.lastKey = batch.lastKey;
  countWholeChunk(checkpoint, batch.rows);
  total.merge(ContentHash.parse(batch.contentHash));
  checkpoint.contentHash = total.toString();
  await write(batch, checkpoint);
  batch.release?.();
}

interface TextPath {
  batches: AsyncIterable<PreparedText>;
  write(prepared: PreparedText, checkpoint: Checkpoint): Promise<string>;
}

/** Batches prepared ahead of the one being written: enough for two worker threads, few enough to bound memory. */
const PREPARED_AHEAD = 3;

/** Rows as the source's engine sends them, to a sink that decodes them itself, where both can. */
async function textPath(source: RowSource, sink: ChunkSink, item: CopyItem, after: SqlValue[] | null, batchRows: number): Promise<TextPath | undefined> {
  if (item.transform || !sink.prepareText || !sink.writeText) return undefined;
  const prepareText = sink.prepareText.bind(sink);
  const writeText = sink.writeText.bind(sink);
  const text = await source.readText?.(item, after, batchRows);
  if (!text) return undefined;
  return { batches: ahead(text.batches, (batch) => prepareText(item, text.format, batch), PREPARED_AHEAD), write: (prepared, checkpoint) => writeText(item, prepared, checkpoint) };
}

/**
 * The results of `work` on each item, in order, with up to `window` of them under way at once and the
 * next items read while the caller takes one. However the caller stops, the source is closed.
 */
async function* ahead<T, R>(items: AsyncIterable<T>, work: (item: T) => Promise<R>, window: number): AsyncGenerator<R> {
  const iterator = items[Symbol.asyncIterator]();
  const started: Promise<R>[] = [];
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  let reading: Promise<void> | undefined;
  const fill = async (): Promise<void> => {
    while (!exhausted && started.length < window) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
      } else {
        const result = work(next.value);
        // A failure while it waits its turn is thrown when its turn comes, not taken for one nobody handles.
        result.catch(() => undefined);
        started.push(result);
      }
    }
  };
  const readMore = (): Promise<void> =>
    (reading ??= fill()
      .catch((error: unknown) => {
        failure = { error };
        exhausted = true;
      })
      .finally(() => (reading = undefined)));
  try {
    for (;;) {
      const reads = readMore();
      if (started.length === 0) {
        await reads;
        if (started.length > 0) continue;
        if (failure) throw failure.error;
        return;
      }
      yield await (started.shift() as Promise<R>);
    }
  } finally {
    await reading;
    if (!exhausted) await iterator.return?.();
  }
}

/** A batch the sink decodes: it sets the last key and the content hash, which are checked against the copy's own total. */
async function writeTextChunk(write: () => Promise<string>, item: CopyItem, rows: number, checkpoint: Checkpoint, total: ContentHash): Promise<void> {
  countWholeChunk(checkpoint, rows);
  checkpoint.contentHash = total.toString();
  total.merge(ContentHash.parse(await write()));
  if (checkpoint.contentHash !== total.toString()) throw new Error(`the sink of ${item.name} stored the content hash ${checkpoint.contentHash}, not ${total.toString()}`);
}

async function writeChunk(sink: ChunkSink, item: CopyItem, rows: Row[], transform: (row: Row) => Transformed, checkpoint: Checkpoint, total: ContentHash): Promise<void> {
  const hashed = sink.hashesRows === true;
  const chunk = transformChunk(rows, transform, !hashed);
  const last = rows[rows.length - 1] as Row;
  checkpoint.lastKey = item.source.key.map((k) => last[k] ?? null);
  checkpoint.rowsRead += rows.length;
  checkpoint.rowsWritten += chunk.rows.length;
  checkpoint.rowsRejected += chunk.rejections.length;
  checkpoint.chunks++;
  if (!hashed) {
    total.merge(chunk.hash);
    checkpoint.contentHash = total.toString();
    await sink.write(item, chunk.rows, chunk.rejections, checkpoint, chunk.hash.toString());
    return;
  }
  checkpoint.contentHash = total.toString();
  const chunkHash = await sink.write(item, chunk.rows, chunk.rejections, checkpoint);
  if (typeof chunkHash !== 'string') throw new Error(`the sink of ${item.name} hashes its rows but returned no hash`);
  total.merge(ContentHash.parse(chunkHash));
  if (checkpoint.contentHash !== total.toString()) throw new Error(`the sink of ${item.name} stored the content hash ${checkpoint.contentHash}, not ${total.toString()}`);
}

function transformChunk(rows: Row[], transform: (row: Row) => Transformed, hashing: boolean): { rows: SqlValue[][]; rejections: unknown[]; hash: ContentHash } {
  const out: SqlValue[][] = [];
  const rejections: unknown[] = [];
  const hash = new ContentHash();
  for (const row of rows) {
    const result = transform(row);
    if ('row' in result) {
      out.push(result.row);
      if (hashing) hash.add(result.row);
    } else {
      rejections.push(result.rejection);
    }
  }
  return { rows: out, rejections, hash };
}

/**
 * Copies every item, `concurrency` at a time, each on its own connections; an item starts once the
 * items it depends on are done. Results come back in the order of `items`.
 */
export function copyItems(endpoints: CopyEndpoints, items: readonly CopyItem[], options: CopyOptions = {}): Promise<CopyItemResult[]> {
  // Registered for its whole length: between items, a signal still waits for the copy to stop in order.
  return whileStoppable(() => copyEveryItem(endpoints, items, options));
}

async function copyEveryItem(endpoints: CopyEndpoints, items: readonly CopyItem[], options: CopyOptions): Promise<CopyItemResult[]> {
  const results = new Map<string, CopyItemResult>();
  const pending = [...items];
  const running = new Set<string>();
  let failure: unknown;
  const ready = (): CopyItem | undefined => {
    const index = pending.findIndex((item) => (item.dependsOn ?? []).every((d) => results.has(d) || !items.some((i) => i.name === d)));
    return index < 0 ? undefined : pending.splice(index, 1)[0];
  };
  const worker = async (): Promise<void> => {
    const source = await endpoints.openSource();
    const target = await endpoints.openSink();
    try {
      await target.sink.prepare();
      while (failure === undefined && pending.length > 0) {
        const item = ready();
        if (!item) {
          if (running.size === 0) throw new Error(`the copy items ${pending.map((p) => p.name).join(', ')} depend on each other in a cycle`);
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        running.add(item.name);
        try {
          const result = await copyItem(source, target.sink, item, options);
          await target.finishItem?.(item, result);
          results.set(item.name, result);
          options.onItemDone?.(item, result);
        } finally {
          running.delete(item.name);
        }
      }
    } catch (error) {
      failure ??= error;
    } finally {
      await source.close();
      await target.close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, items.length)) }, worker));
  if (failure !== undefined) throw failure;
  return items.map((item) => results.get(item.name) as CopyItemResult);
}
