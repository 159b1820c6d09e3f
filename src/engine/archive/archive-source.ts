// Reading a backup: a finished archive as a copy's source. Each archived chunk comes out as one batch, so
// a restore commits one target transaction per archived chunk and its checkpoints fall on chunk
// boundaries, where a resumed restore finds them again.
import Database from 'better-sqlite3';
import type { CopyItem, EncodedBatch, RowSource, SourceOffer } from '../copy/types.ts';
import type { BulkEncoding, Row, SqlValue } from '../dialect/types.ts';
import { InputError, OperationError } from '../errors.ts';
import {
  canonicalJson,
  describeChunk,
  formatProblem,
  isFinished,
  keyColumnsOf,
  parseHeader,
  readHeaderRow,
  TABLES,
  type ArchiveHeader,
  type ArchiveItem,
  type HeaderRow,
  type SealRow,
} from './format.ts';
import { chunkRunner, type ChunkRunner } from './chunk-pool.ts';
import type { RecordedChunk } from './chunk-tasks.ts';
import { inspectFile } from './sqlite-file.ts';

/** A chunk being decoded while the ones before it are written. */
interface ChunkAhead<T> {
  chunkNo: number;
  rows: number;
  result: Promise<T | Error>;
}

interface ChunkRow {
  chunk_no: number;
  rows: number;
  content_hash: string;
  last_key: string;
  encoding: string;
  raw_bytes: number;
  payload_sha256: string;
  payload: Buffer;
}

export class ArchiveSource implements RowSource {
  private constructor(
    readonly path: string,
    readonly header: ArchiveHeader,
    private readonly db: Database.Database,
    private readonly runner: ChunkRunner,
  ) {}

  /**
   * Opens a finished archive read-only; the file is not changed, not even its journal mode. A runner given
   * (its threads started while the caller did other work) becomes the source's, closed with it.
   */
  static async open(path: string, runner?: ChunkRunner): Promise<ArchiveSource> {
    try {
      const db = await openFinished(path);
      try {
        return new ArchiveSource(path, readFinishedHeader(db, path), db, runner ?? chunkRunner());
      } catch (error) {
        db.close();
        throw error;
      }
    } catch (error) {
      await runner?.close();
      if (error instanceof InputError) throw error;
      throw new InputError(`${path} cannot be read as a backup file: ${(error as Error).message}`);
    }
  }

  items(): ArchiveItem[] {
    return this.header.items;
  }

  async count(item: CopyItem): Promise<number> {
    const row = this.db.prepare(`SELECT rows FROM ${TABLES.manifest} WHERE item = ?`).get(this.archived(item).name) as { rows: number } | undefined;
    return row?.rows ?? 0;
  }

  /**
   * The item's rows, one batch per archived chunk (`batchRows` does not apply: the archive's chunks are
   * the unit). After a key, reading starts with the chunk after the one that ends with exactly that key.
   */
  async *read(item: CopyItem, after: SqlValue[] | null, _batchRows: number): AsyncIterable<Row[]> {
    const archived = this.archived(item);
    const decode = (chunk: ChunkRow) => this.runner.decode(recordedChunk(chunk), archived.columns.length, keyColumnsOf(archived));
    for await (const { value, rows } of this.chunks(archived, item, after, decode)) yield rowsOf(archived, value, rows);
  }

  /** The same chunks, each checked against the hash and last key it records and encoded for a bulk load, off this thread. */
  offer(item: CopyItem): SourceOffer {
    return { kind: 'encoded', read: (after, encoding) => this.readEncoded(item, after, encoding) };
  }

  private async *readEncoded(item: CopyItem, after: SqlValue[] | null, encoding: BulkEncoding): AsyncIterable<EncodedBatch> {
    const archived = this.archived(item);
    const encode = (chunk: ChunkRow) => this.runner.forLoad(recordedChunk(chunk), archived.columns.length, keyColumnsOf(archived), encoding);
    for await (const { value } of this.chunks(archived, item, after, encode)) yield value;
  }

  /** The item's chunks in order, the next ones on their way (in worker threads where there are any) while this one is written. */
  private async *chunks<T>(archived: ArchiveItem, item: CopyItem, after: SqlValue[] | null, task: (chunk: ChunkRow) => Promise<T>): AsyncIterable<{ value: T; rows: number }> {
    if (item.source.where) throw new Error(`${item.name}: a backup is restored item by item, without a condition on its rows`);
    const manifest = this.db.prepare(`SELECT chunks FROM ${TABLES.manifest} WHERE item = ?`).get(archived.name) as { chunks: number } | undefined;
    const chunks = manifest?.chunks ?? 0;
    let next = after === null ? 1 : this.chunkEndingWith(archived, after) + 1;
    let firstRow = this.rowsBefore(archived, next) + 1;
    const ahead: ChunkAhead<T>[] = [];
    const readAhead = (): void => {
      for (; ahead.length < this.runner.window && next <= chunks; next++) ahead.push(this.ahead(archived, next, task));
    };
    readAhead();
    for (let chunk = ahead.shift(); chunk; chunk = ahead.shift()) {
      const value = await chunk.result;
      readAhead();
      const name = describeChunk(archived, chunk.chunkNo, firstRow, chunk.rows);
      // A failed check, as `bru verify` would report it: the file is damaged, not the command mistaken.
      if (value instanceof Error) throw new OperationError(`the backup ${this.path} is damaged: ${name}: ${value.message}`);
      yield { value, rows: chunk.rows };
      firstRow += chunk.rows;
    }
  }

  private ahead<T>(item: ArchiveItem, chunkNo: number, task: (chunk: ChunkRow) => Promise<T>): ChunkAhead<T> {
    const chunk = this.chunk(item, chunkNo);
    const result = task(chunk).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    return { chunkNo, rows: chunk.rows, result };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
    await this.runner.close();
  }

  private archived(item: CopyItem): ArchiveItem {
    const archived = this.header.items.find((i) => i.name === item.source.table);
    if (!archived) throw new InputError(`the backup ${this.path} holds no item ${item.source.table}; it holds ${this.header.items.map((i) => i.name).join(', ')}`);
    return archived;
  }

  /** Keys are compared as canonical JSON, never by ordering: the engines' collations differ. */
  private chunkEndingWith(item: ArchiveItem, key: SqlValue[]): number {
    const text = canonicalJson(key);
    const row = this.db.prepare(`SELECT chunk_no FROM ${TABLES.chunk} WHERE item = ? AND last_key = ?`).get(item.name, text) as { chunk_no: number } | undefined;
    if (!row) throw new InputError(`no chunk of ${item.name} in the backup ${this.path} ends with the key ${text}: the restore's checkpoint does not belong to this backup`);
    return row.chunk_no;
  }

  private rowsBefore(item: ArchiveItem, chunkNo: number): number {
    const row = this.db.prepare(`SELECT COALESCE(SUM(rows), 0) AS n FROM ${TABLES.chunk} WHERE item = ? AND chunk_no < ?`).get(item.name, chunkNo) as { n: number };
    return row.n;
  }

  private chunk(item: ArchiveItem, chunkNo: number): ChunkRow {
    const row = this.db
      .prepare(`SELECT chunk_no, rows, content_hash, last_key, encoding, raw_bytes, payload_sha256, payload FROM ${TABLES.chunk} WHERE item = ? AND chunk_no = ?`)
      .get(item.name, chunkNo) as ChunkRow | undefined;
    if (!row) throw new InputError(`chunk ${chunkNo} of ${item.name} is missing from the backup ${this.path}`);
    return row;
  }
}

async function openFinished(path: string): Promise<Database.Database> {
  const inspection = await inspectFile(path);
  if (inspection.kind === 'missing') throw new InputError(`the backup file ${path} does not exist`);
  if (inspection.kind !== 'sqlite') throw new InputError(`${path} is not a backup file`);
  return new Database(path, { readonly: true, fileMustExist: true });
}

function readFinishedHeader(db: Database.Database, path: string): ArchiveHeader {
  const problem = formatProblem(db);
  if (problem) throw new InputError(`${path} ${problem}`);
  const row = readHeaderRow(db) as HeaderRow & SealRow;
  if (!isFinished(row)) throw new InputError(`${path} is an unfinished backup: the backup that wrote it stopped before the end; run it again to complete it`);
  return parseHeader(row);
}

function recordedChunk(chunk: ChunkRow): RecordedChunk {
  const { encoding, rows, raw_bytes: rawBytes, payload_sha256: payloadSha256, payload, content_hash: contentHash, last_key: lastKey } = chunk;
  return { encoding, rows, rawBytes, payloadSha256, payload, contentHash, lastKey };
}

/** The decoded columns of a chunk as Rows keyed by the item's columns. */
function rowsOf(item: ArchiveItem, columns: SqlValue[][], rows: number): Row[] {
  const names = item.columns;
  const out = new Array<Row>(rows);
  for (let i = 0; i < rows; i++) {
    const row: Row = {};
    for (let j = 0; j < names.length; j++) row[names[j] as string] = (columns[j] as SqlValue[])[i] as SqlValue;
    out[i] = row;
  }
  return out;
}
