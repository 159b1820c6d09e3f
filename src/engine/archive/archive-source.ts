// Reading a backup: a finished archive as a copy's source. Each archived chunk comes out as one batch, so
// a restore commits one target transaction per archived chunk and its checkpoints fall on chunk
// boundaries, where a resumed restore finds them again.
import Database from 'better-sqlite3';
import type { CopyItem, RowSource } from '../copy/types.ts';
import type { Row, SqlValue } from '../dialect/types.ts';
import { InputError } from '../errors.ts';
import {
  canonicalJson,
  describeChunk,
  formatProblem,
  isFinished,
  parseHeader,
  readHeaderRow,
  TABLES,
  type ArchiveHeader,
  type ArchiveItem,
  type HeaderRow,
  type SealRow,
} from './format.ts';
import { decodeRows, isEncoding, sha256 } from './payload.ts';
import { inspectFile } from './sqlite-file.ts';

interface ChunkRow {
  chunk_no: number;
  rows: number;
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
  ) {}

  /** Opens a finished archive read-only; the file is not changed, not even its journal mode. */
  static async open(path: string): Promise<ArchiveSource> {
    const inspection = await inspectFile(path);
    if (inspection.kind === 'missing') throw new InputError(`the backup file ${path} does not exist`);
    if (inspection.kind !== 'sqlite') throw new InputError(`${path} is not a backup file`);
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      return new ArchiveSource(path, readFinishedHeader(db, path), db);
    } catch (error) {
      db?.close();
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
    if (item.source.where) throw new Error(`${item.name}: a backup is restored item by item, without a condition on its rows`);
    const manifest = this.db.prepare(`SELECT chunks FROM ${TABLES.manifest} WHERE item = ?`).get(archived.name) as { chunks: number } | undefined;
    const chunks = manifest?.chunks ?? 0;
    const first = after === null ? 1 : this.chunkEndingWith(archived, after) + 1;
    let firstRow = this.rowsBefore(archived, first) + 1;
    for (let chunkNo = first; chunkNo <= chunks; chunkNo++) {
      const chunk = this.chunk(archived, chunkNo);
      yield rowsOf(archived, chunk, describeChunk(archived, chunkNo, firstRow, chunk.rows), this.path);
      firstRow += chunk.rows;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
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
      .prepare(`SELECT chunk_no, rows, last_key, encoding, raw_bytes, payload_sha256, payload FROM ${TABLES.chunk} WHERE item = ? AND chunk_no = ?`)
      .get(item.name, chunkNo) as ChunkRow | undefined;
    if (!row) throw new InputError(`chunk ${chunkNo} of ${item.name} is missing from the backup ${this.path}`);
    return row;
  }
}

function readFinishedHeader(db: Database.Database, path: string): ArchiveHeader {
  const problem = formatProblem(db);
  if (problem) throw new InputError(`${path} ${problem}`);
  const row = readHeaderRow(db) as HeaderRow & SealRow;
  if (!isFinished(row)) throw new InputError(`${path} is an unfinished backup: the backup that wrote it stopped before the end; run it again to complete it`);
  return parseHeader(row);
}

/** The chunk's rows as Rows, checked against its sha256 and row count however the file was verified before. */
function rowsOf(item: ArchiveItem, chunk: ChunkRow, name: string, path: string): Row[] {
  if (!Buffer.isBuffer(chunk.payload) || sha256(chunk.payload) !== chunk.payload_sha256) throw new InputError(`${name} of the backup ${path} is damaged: its payload does not match its sha256`);
  if (!isEncoding(chunk.encoding)) throw new InputError(`${name} of the backup ${path} has an unknown encoding ${String(chunk.encoding)}`);
  let values: SqlValue[][];
  try {
    values = decodeRows({ encoding: chunk.encoding, rawBytes: chunk.raw_bytes, payload: chunk.payload }, item.columns.length, chunk.rows);
  } catch (error) {
    throw new InputError(`${name} of the backup ${path} is damaged: ${(error as Error).message}`);
  }
  return values.map((row) => {
    const out: Row = {};
    for (let i = 0; i < row.length; i++) out[item.columns[i] as string] = row[i] as SqlValue;
    return out;
  });
}
