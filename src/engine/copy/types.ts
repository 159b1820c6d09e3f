import type { BulkEncoding, QueryTextFormat, Row, SqlValue, TextBatch } from '../dialect/types.ts';

/** What a transform makes of one source row: the target row, or a rejection to report. */
export type Transformed = { row: SqlValue[] } | { rejection: unknown };

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
  /** The item's rows in key order, in batches, from the start or after the key `after`. */
  read(item: CopyItem, after: SqlValue[] | null, batchRows: number): AsyncIterable<Row[]>;
  /**
   * The same rows, each batch already encoded for a sink's bulk path, hashed and checked, off this thread:
   * where the source can, a copy without a transform takes this path and the main thread only passes bytes.
   */
  readEncoded?(item: CopyItem, after: SqlValue[] | null, encoding: BulkEncoding): AsyncIterable<EncodedBatch>;
  /**
   * The same rows as the source's engine sends them, in batches of exactly `batchRows` rows, where it
   * can (undefined otherwise): a sink that decodes them off this thread takes them as they are.
   */
  readText?(item: CopyItem, after: SqlValue[] | null, batchRows: number): Promise<{ format: QueryTextFormat; batches: AsyncIterable<TextBatch> } | undefined>;
  close(): Promise<void>;
}

/** A batch a sink has made ready to write (prepareText): the rows it holds; the rest is the sink's own. */
export interface PreparedText {
  rows: number;
}

/** A batch of rows encoded for a sink's bulk path, with what the copy needs to know of them. */
export interface EncodedBatch {
  rows: number;
  /** The key of the batch's last row. */
  lastKey: SqlValue[];
  /** ContentHash of the batch's rows. */
  contentHash: string;
  payload: Buffer;
  /** The RowsDigest of the payload's rows, where the sink's engine takes one of them once loaded (Connection.bulkRowsDigest). */
  rowsDigest?: string;
  /** Gives the payload's memory back to whoever made it, to write the next batch into: called once it is written, never read again. */
  release?(): void;
}

/** Where copied chunks go: a database, or a backup archive. */
export interface ChunkSink {
  prepare(): Promise<void>;
  load(item: CopyItem): Promise<Checkpoint | undefined>;
  /**
   * The sink hashes the rows it writes itself (beside work it does on them anyway, in another thread):
   * write() is given no chunk hash, adds the chunk's hash to `checkpoint.contentHash` before it stores
   * the checkpoint, and returns the chunk's hash. Otherwise the copy hashes every chunk.
   */
  readonly hashesRows?: boolean;
  /** Writes the rows, the rejections and the checkpoint as one unit: all or nothing. */
  write(item: CopyItem, rows: SqlValue[][], rejections: unknown[], checkpoint: Checkpoint, chunkHash?: string): Promise<string | void>;
  /** The encoding writeEncoded takes for the item's target, if the sink takes encoded batches. */
  bulkEncoding?(item: CopyItem): Promise<BulkEncoding | undefined>;
  /** Writes an encoded batch and the checkpoint as one unit, like write. */
  writeEncoded?(item: CopyItem, batch: EncodedBatch, checkpoint: Checkpoint): Promise<void>;
  /**
   * Decodes a batch of rows as the source's engine sent them and makes it ready to write, in another thread
   * where there is one: CPU work only, so the copy runs it for the next batches while one is written.
   */
  prepareText?(item: CopyItem, format: QueryTextFormat, batch: TextBatch): Promise<PreparedText>;
  /**
   * Writes a prepared batch with the checkpoint, like write, in the order the batches were read; the sink
   * sets the checkpoint's last key, adds the rows' hash to its content hash, and returns the rows' hash.
   */
  writeText?(item: CopyItem, prepared: PreparedText, checkpoint: Checkpoint): Promise<string>;
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
   * takes of the table by itself (Connection.bulkRowsDigest).
   */
  rowsDigest?: string;
  resumed: boolean;
}
