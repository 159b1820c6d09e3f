// The one mechanism that moves data: rows streamed from a source in key order, through a transform, into a
// sink in chunks, each chunk committed with its checkpoint. How the rows move is negotiated once per item
// (negotiate.ts); whichever way, memory holds a chunk or a few, whatever the table's size; a killed run
// resumes from its checkpoints; every chunk is hashed.
import type { Connection, Row, SqlValue } from '../dialect/types.ts';
import { throwIfStopRequested, whileStoppable } from '../interruption.ts';
import { type ProgressListener, RateMeter } from '../progress.ts';
import { ContentHash } from './content-hash.ts';
import { RowsDigest } from '../dialect/rows-digest.ts';
import { keyAfter } from './key-range.ts';
import { negotiatePipeline } from './negotiate.ts';
import type { Checkpoint, ChunkSink, CopyItem, CopyItemResult, PipelineChunk, RowSource, SourceOffer, TransformWorkers } from './types.ts';

export interface CopyOptions {
  /** Rows per chunk: the unit of a transaction, a checkpoint and a hash. */
  chunkRows?: number;
  /** Items copied at the same time, each with its own pair of connections. */
  concurrency?: number;
  onProgress?: ProgressListener;
  /** Told of each item as it is done, while the others are still copied. */
  onItemDone?: (item: CopyItem, result: CopyItemResult) => void;
  /** Where items whose transform can be sent (CopyItem.transformSpec) are transformed, when the sink takes encoded rows. */
  workers?: TransformWorkers;
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

  /** Where the engine sends rows as text: only a whole item read from its start (a query with parameters is not sent so). */
  offer(item: CopyItem): SourceOffer {
    const { bulk } = this.connection;
    if (bulk.kind !== 'encoded') return { kind: 'values' };
    return {
      kind: 'engine-text',
      read: async (after, batchRows) => {
        const { sql, params } = sourceQuery(this.connection, item, after);
        return params.length > 0 ? undefined : bulk.queryText(sql, batchRows);
      },
    };
  }

  close(): Promise<void> {
    return this.connection.close();
  }
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
  const total = ContentHash.parse(checkpoint.contentHash);
  const pipeline = await negotiatePipeline(source, sink, item, checkpoint.lastKey, options.chunkRows ?? DEFAULT_CHUNK_ROWS, options.workers);
  digest = pipeline.digested && checkpoint.rowsWritten === 0 ? new RowsDigest() : undefined;
  for await (const chunk of writtenWhileNextIsRead(pipeline.chunks(), (chunk) => writeChunk(chunk, checkpoint, total))) {
    digest = chunk.rowsDigest === undefined ? undefined : digest?.plus(RowsDigest.parse(chunk.rowsDigest));
    // Once a chunk and its checkpoint are committed, the copy may stop there: --resume goes on from it.
    options.onProgress?.(meter.event(checkpoint.rowsRead));
    throwIfStopRequested(() => `${item.name} stopped after ${checkpoint.rowsRead.toLocaleString('en-US')} rows; every chunk copied is committed with its checkpoint`);
  }
  checkpoint.done = true;
  await sink.complete(item, checkpoint);
  options.onProgress?.(meter.done(checkpoint.rowsRead));
  return result();
}

/** Counts the chunk into the checkpoint and writes it with it. */
async function writeChunk(chunk: PipelineChunk, checkpoint: Checkpoint, total: ContentHash): Promise<void> {
  checkpoint.lastKey = chunk.lastKey;
  checkpoint.rowsRead += chunk.rowsRead;
  checkpoint.rowsWritten += chunk.rowsWritten;
  checkpoint.rowsRejected += chunk.rejected;
  checkpoint.chunks++;
  total.merge(ContentHash.parse(chunk.contentHash));
  checkpoint.contentHash = total.toString();
  await chunk.write(checkpoint);
}

/**
 * Each chunk once written, the next one read (and made ready) while it is: the source and the sink work
 * at once. However the caller stops, the source's read is finished so that its connection can be used or closed.
 */
async function* writtenWhileNextIsRead<T>(chunks: AsyncIterable<T>, write: (chunk: T) => Promise<void>): AsyncGenerator<T> {
  const iterator = chunks[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (let chunk = await next; !chunk.done; chunk = await next) {
      next = iterator.next();
      await write(chunk.value);
      yield chunk.value;
    }
  } finally {
    await next.catch(() => undefined);
    await iterator.return?.();
  }
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
