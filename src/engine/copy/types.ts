import type { BulkEncoding, QueryTextFormat, Row, SqlValue, TextBatch } from '../dialect/types.ts';

/** What a transform makes of one source row: the target row, or a rejection to report. */
export type Transformed = { row: SqlValue[] } | { rejection: unknown };

/**
 * A row transform as a worker thread can be sent it: the URL of an ES module, the name of the factory it
 * exports, and the plain data (structured-cloneable) the factory makes the transform of. The factory must
 * give the very transform the item's `transform` is, so that both ways of moving rows write the same rows.
 */
export interface TransformSpec {
  module: string;
  name: string;
  context: unknown;
}

/**
 * A batch of source rows transformed and encoded off this thread: how many were read, the rows written
 * (encoded for the sink's bulk path, with their hash and digest), and the rows rejected.
 */
export interface TransformedBatch extends Omit<EncodedBatch, 'lastKey' | 'rejections'> {
  rowsRead: number;
  rejections: unknown[];
}

/** Threads that transform, encode and hash a batch of source rows (the same threads that decode and encode a restore's chunks). */
export interface TransformWorkers {
  /** Batches worth keeping on their way at once: enough to keep every thread busy, few enough to bound memory. */
  readonly window: number;
  /** The rows, given as columns in the order of `names`, through the spec's transform into `width` columns, encoded in `encoding`. */
  transform(spec: TransformSpec, names: readonly string[], columns: SqlValue[][], width: number, encoding: BulkEncoding): Promise<TransformedBatch>;
}

export interface CopyItem {
  /** Unique within a job: names the checkpoint and the progress line. */
  name: string;
  source: {
    table: string;
    columns: string[];
    /** The source's key, in the order rows are read and checkpointed. */
    key: string[];
    /** A condition on the source rows, with its parameters numbered from 1. */
    where?: { sql: string; params: SqlValue[] };
  };
  target: { table: string; columns: string[] };
  /** The default takes the source columns as they are. */
  transform?: (row: Row) => Transformed;
  /** The same transform as worker threads load it: where the sink takes encoded rows, the rows are transformed there. */
  transformSpec?: TransformSpec;
  /** Items whose target tables must be complete before this one starts (foreign keys). */
  dependsOn?: string[];
}

export interface Checkpoint {
  /** The key of the last source row committed, or null before the first chunk. */
  lastKey: SqlValue[] | null;
  rowsRead: number;
  rowsWritten: number;
  rowsRejected: number;
  chunks: number;
  /** ContentHash of every row written so far. */
  contentHash: string;
  done: boolean;
}

/** Where copied rows come from: a database, or a backup archive. */
export interface RowSource {
  /** How many rows the item has, for progress and ETA. */
  count(item: CopyItem): Promise<number>;
  /** The item's rows in key order, in batches, from the start or after the key `after`: what every source gives. */
  read(item: CopyItem, after: SqlValue[] | null, batchRows: number): AsyncIterable<Row[]>;
  /** The form, beyond values, in which this source can hand over the item's rows itself: what the copy negotiates with. */
  offer(item: CopyItem): SourceOffer;
  close(): Promise<void>;
}

/** A query's rows as the source's engine sends them: the format to decode them by, and the batches. */
export interface EngineText {
  format: QueryTextFormat;
  batches: AsyncIterable<TextBatch>;
}

/**
 * What a source offers beyond its rows as values: nothing more; its rows encoded for a sink's bulk
 * encoding, hashed and checked, off this thread (a backup, whose chunks are encoded and hashed already);
 * or its rows as its engine sends them, in batches of exactly `batchRows` rows, undefined where the
 * engine cannot send this read so.
 */
export type SourceOffer =
  | { kind: 'values' }
  | { kind: 'encoded'; read(after: SqlValue[] | null, encoding: BulkEncoding): AsyncIterable<EncodedBatch> }
  | { kind: 'engine-text'; read(after: SqlValue[] | null, batchRows: number): Promise<EngineText | undefined> };

/** A batch of rows encoded for a sink's bulk path, with what the copy needs to know of them. */
export interface EncodedBatch {
  rows: number;
  /** The key of the batch's last row. */
  lastKey: SqlValue[];
  /** ContentHash of the batch's rows. */
  contentHash: string;
  payload: Buffer;
  /** The RowsDigest of the payload's rows, where the sink's engine takes one of them once loaded (EncodedBulk.rowsDigest). */
  rowsDigest?: string;
  /** Gives the payload's memory back to whoever made it, to write the next batch into: called once it is written, never read again. */
  release?(): void;
  /** The source rows a transform rejected in this batch: written with it, in the same unit. */
  rejections?: unknown[];
}

/**
 * Rows a sink has made ready to write (hashed, and encoded where its work runs): how many, their content
 * hash, and how they are written with a checkpoint as one unit, all or nothing.
 */
export interface PreparedChunk {
  rows: number;
  contentHash: string;
  write(checkpoint: Checkpoint): Promise<void>;
}

/** How a sink takes an item's rows, asked once per item: as values always, and in the forms it can take beside. */
export interface SinkIntake {
  /** Rows as values, with the rows rejected among them (written in the same unit). */
  values(rows: SqlValue[][], rejections: unknown[]): Promise<PreparedChunk>;
  /** Where the sink's bulk path takes rows encoded elsewhere: the encoding it takes, and how such a batch is written with its checkpoint. */
  encoded: { encoding(): Promise<BulkEncoding>; write(batch: EncodedBatch, checkpoint: Checkpoint): Promise<void> } | undefined;
  /** Where the sink decodes rows as a source's engine sent them, off this thread: a batch made ready to write, with its last row's key. */
  engineText: ((format: QueryTextFormat, batch: TextBatch) => Promise<PreparedChunk & { lastKey: SqlValue[] }>) | undefined;
}

/** Where copied chunks go: a database, or a backup archive. */
export interface ChunkSink {
  prepare(): Promise<void>;
  load(item: CopyItem): Promise<Checkpoint | undefined>;
  intake(item: CopyItem): Promise<SinkIntake>;
  /** Stores the checkpoint that says every row of the item is in. */
  complete(item: CopyItem, checkpoint: Checkpoint): Promise<void>;
}

export interface CopyItemResult {
  name: string;
  sourceTable: string;
  targetTable: string;
  rowsRead: number;
  rowsWritten: number;
  rowsRejected: number;
  seconds: number;
  contentHash: string;
  /**
   * The RowsDigest of every row written in this run, where each went in a form whose digest the target
   * takes of the table by itself (EncodedBulk.rowsDigest).
   */
  rowsDigest?: string;
  resumed: boolean;
}

/**
 * One way of moving an item's rows, negotiated once per item (negotiate.ts): its chunks from the item's
 * checkpoint on, each read, made ready where its work runs, and written with its checkpoint.
 */
export interface ChunkPipeline {
  /** Whether each chunk brings the digest the target takes of its rows by itself. */
  readonly digested: boolean;
  chunks(): AsyncIterable<PipelineChunk>;
}

/** A chunk of a pipeline, ready to write: what it counts, its hash and last key, and its write. */
export interface PipelineChunk {
  rowsRead: number;
  rowsWritten: number;
  rejected: number;
  /** The source key of the last row read into it. */
  lastKey: SqlValue[];
  contentHash: string;
  /** The RowsDigest of its rows, where the pipeline is digested. */
  rowsDigest?: string;
  /** Writes it with the checkpoint, which already counts it, as one unit. */
  write(checkpoint: Checkpoint): Promise<void>;
}
