// Writing a backup: the twin of DatabaseSink, with an archive file as the database. Each chunk and its
// item's checkpoint go in one SQLite transaction, so a backup killed at any moment resumes from its last
// chunk; finish() adds the manifest and its digest (and, given a key, the keyed seal of that digest), makes
// the file self-contained and stamps it with a CRC.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ContentHash } from '../copy/content-hash.ts';
import type { Checkpoint, ChunkSink, CopyItem, SinkIntake } from '../copy/types.ts';
import { checkpointOf, countAssignments, COUNT_COLUMNS, countsOf, startingCounts } from '../copy/stored-checkpoint.ts';
import type { SqlValue } from '../dialect/types.ts';
import { InputError, OperationError } from '../errors.ts';
import { archiveDigests } from './digest.ts';
import {
  APPLICATION_ID,
  ARCHIVE_DDL,
  canonicalJson,
  FORMAT_NAME,
  FORMAT_VERSION,
  formatProblem,
  headerRowOf,
  isFinished,
  keyColumnsOf,
  keyOf,
  parseHeader,
  readHeaderRow,
  TABLES,
  type ArchiveHeader,
  type ArchiveHeaderFields,
  type ArchiveItem,
  type HeaderRow,
  type SealRow,
} from './format.ts';
import { chunkRunner, type ChunkRunner } from './chunk-pool.ts';
import { workerThreads } from '../worker-pool.ts';
import type { HashedChunk, KeyedChunk } from './chunk-tasks.ts';
import { columnsOf, decodeKey, encodeKey } from './payload.ts';
import { sealColumns, type SealKey } from './seal.ts';
import { stampCrc } from './sqlite-file.ts';

const BUSY_TIMEOUT_MS = 10_000;
/** Large pages: chunk payloads are megabytes, read through fewer overflow pages. */
const PAGE_SIZE = 65536;
/** SQLite's limit on one value (SQLITE_MAX_LENGTH as better-sqlite3 builds it). */
const MAX_PAYLOAD_BYTES = 1_000_000_000;

/** What load() reads of a checkpoint: a type, not an interface, so that it passes as a record of columns. */
type CheckpointRow = {
  last_key: Buffer | null;
  chunks: number;
  done: number;
} & Record<(typeof COUNT_COLUMNS)[number], unknown>;

export class ArchiveSink implements ChunkSink {
  private readonly items: Map<string, ArchiveItem>;

  private constructor(
    readonly path: string,
    readonly header: ArchiveHeader,
    private readonly db: Database.Database,
    private readonly runner: ChunkRunner,
    private readonly sealKey: SealKey | undefined,
  ) {
    this.items = new Map(header.items.map((i) => [i.name, i]));
  }

  /**
   * A new archive at `path`, or the unfinished archive already there when it was started with the same
   * header fields (a backup run again resumes it); any other existing file is refused and left untouched.
   * With `resume: false`, an unfinished archive of this format is started over instead: a source that may
   * have changed since cannot be resumed into one consistent moment. With `sealKey`, finish() seals the
   * manifest digest with it.
   */
  static async create(path: string, fields: ArchiveHeaderFields, options: { resume?: boolean; sealKey?: SealKey } = {}): Promise<ArchiveSink> {
    // A header that would not read back would make the whole archive unreadable: checked before it is written.
    parseHeader(headerRowOf(newHeader(fields)));
    mkdirSync(dirname(path), { recursive: true });
    if (options.resume === false && isUnfinishedArchive(path)) removeArchive(path);
    const existed = existsSync(path) && statSync(path).size > 0;
    const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    try {
      // Read before anything is written: a file that is not ours, or is finished, stays as it was.
      existingHeader(db, path, fields);
      db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const header = db.transaction(() => existingHeader(db, path, fields) ?? initialize(db, fields)).immediate();
      // The main thread mostly waits while rows are encoded: where rows come as text, it only moves bytes.
      return new ArchiveSink(path, header, db, chunkRunner(workerThreads('waiting')), options.sealKey);
    } catch (error) {
      db.close();
      if (error instanceof InputError) throw error;
      if (existed) throw new InputError(`${path} exists and is not a backup file (${(error as Error).message}); choose another file`);
      throw new OperationError(`cannot create the backup file ${path}: ${(error as Error).message}`);
    }
  }

  /** The archive's tables are made by create(), which has to read them to decide whether it may resume. */
  async prepare(): Promise<void> {}

  /** The item's checkpoint, or undefined when it starts now; a starting item gets its checkpoint row here. */
  async load(item: CopyItem): Promise<Checkpoint | undefined> {
    this.archived(item);
    const row = this.db.prepare(`SELECT last_key, ${COUNT_COLUMNS.join(', ')} FROM ${TABLES.checkpoint} WHERE item = ?`).get(item.name) as CheckpointRow | undefined;
    if (!row) {
      this.db
        .prepare(`INSERT INTO ${TABLES.checkpoint} (item, last_key, ${COUNT_COLUMNS.join(', ')}, updated_at) VALUES (?, NULL, ${COUNT_COLUMNS.map(() => '?').join(', ')}, ?)`)
        .run(item.name, ...startingCounts(), new Date().toISOString());
      return undefined;
    }
    if (row.chunks === 0 && row.done === 0) return undefined;
    return checkpointOf(row, row.last_key === null ? null : decodeKey(row.last_key));
  }

  /**
   * Rows as values, or as the source's engine sent them (decoded and checked first): encoded and hashed in
   * a worker thread where there is one, before the transaction, so that the CPU work holds neither the
   * write lock nor the thread that reads the next rows.
   */
  async intake(item: CopyItem): Promise<SinkIntake> {
    const archived = this.archived(item);
    const width = archived.columns.length;
    return {
      values: async (rows, rejections) => {
        const encoded = rows.length > 0 ? await this.checkedChunk(archived, () => this.runner.encode(columnsOf(rows, width))) : undefined;
        const chunk = encoded && { ...encoded, rows: rows.length, lastKey: keyOf(archived, rows[rows.length - 1] as SqlValue[]) };
        return { rows: rows.length, contentHash: chunk?.contentHash ?? new ContentHash().toString(), write: async (checkpoint) => this.commit(item, archived, chunk, rejections, checkpoint) };
      },
      encoded: undefined,
      engineText: async (format, batch) => {
        const chunk = await this.checkedChunk(archived, () => this.runner.fromText(format, batch.text, batch.rows, width, keyColumnsOf(archived)));
        return { rows: chunk.rows, contentHash: chunk.contentHash, lastKey: chunk.lastKey, write: async (checkpoint) => this.commit(item, archived, chunk, [], checkpoint) };
      },
    };
  }

  async complete(item: CopyItem, checkpoint: Checkpoint): Promise<void> {
    this.commit(item, this.archived(item), undefined, [], checkpoint);
  }

  /** The chunk (none for an item's last checkpoint), its rejections and its checkpoint in one transaction. */
  private commit(item: CopyItem, archived: ArchiveItem, chunk: KeyedChunk | undefined, rejections: unknown[], checkpoint: Checkpoint): void {
    this.db
      .transaction(() => {
        if (chunk) this.insertChunk(archived, chunk);
        this.insertRejections(item, rejections, checkpoint);
        this.updateCheckpoint(item, checkpoint);
      })
      .immediate();
  }

  /**
   * Writes the manifest and its digest and marks the archive finished, leaves it as one self-contained
   * file (no -wal or -shm beside it), closes it and stamps the whole-file CRC-32 into its header.
   */
  async finish(): Promise<void> {
    this.requireOpen();
    // Leaving WAL needs every other connection closed: checked before anything is marked finished.
    const mode = this.db.pragma('journal_mode = DELETE', { simple: true });
    if (mode !== 'delete') throw new OperationError(`the backup file ${this.path} is still open elsewhere; close every other writer before finishing it`);
    this.db.transaction(() => this.seal()).immediate();
    this.db.close();
    await this.runner.close();
    await stampCrc(this.path);
  }

  /** The archive's size as its pages count it, whether they are in the file yet or still in its write-ahead log. */
  bytes(): number {
    this.requireOpen();
    return Number(this.db.pragma('page_count', { simple: true })) * PAGE_SIZE;
  }

  /** Closes the archive without finishing it: run the backup again to resume it. */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
    await this.runner.close();
  }

  /** Closes the archive and removes it with its -wal and -shm: a backup that failed or was interrupted leaves nothing. */
  async discard(): Promise<void> {
    await this.close();
    removeArchive(this.path);
  }

  /** The chunk `encode` makes, once it fits in one archive value; what goes wrong names the item. */
  private async checkedChunk<T extends HashedChunk>(item: ArchiveItem, encode: () => Promise<T>): Promise<T> {
    let chunk: T;
    try {
      chunk = await encode();
    } catch (error) {
      throw new OperationError(`the rows of ${item.name} cannot be backed up: ${(error as Error).message}`);
    }
    if (chunk.payload.length > MAX_PAYLOAD_BYTES) {
      throw new OperationError(`a chunk of ${item.name} takes ${chunk.payload.length} bytes, more than one archive value holds; back it up in chunks of fewer rows`);
    }
    return chunk;
  }

  private requireOpen(): void {
    if (!this.db.open) throw new Error(`the backup file ${this.path} is closed`);
  }

  private archived(item: CopyItem): ArchiveItem {
    this.requireOpen();
    const archived = this.items.get(item.name);
    if (!archived) throw new Error(`${item.name} is not among the items in the header of ${this.path}`);
    if (archived.table !== item.target.table || canonicalJson(archived.columns) !== canonicalJson(item.target.columns)) {
      throw new Error(`${item.name} writes ${item.target.table}(${item.target.columns.join(', ')}), but the header of ${this.path} has ${archived.table}(${archived.columns.join(', ')})`);
    }
    return archived;
  }

  private insertChunk(item: ArchiveItem, chunk: KeyedChunk): void {
    const next = this.db.prepare(`SELECT COALESCE(MAX(chunk_no), 0) + 1 AS n FROM ${TABLES.chunk} WHERE item = ?`).get(item.name) as { n: number };
    const lastKey = canonicalJson(chunk.lastKey);
    this.db
      .prepare(
        `INSERT INTO ${TABLES.chunk} (item, chunk_no, rows, content_hash, last_key, encoding, raw_bytes, payload_sha256, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(item.name, next.n, chunk.rows, chunk.contentHash, lastKey, chunk.encoding, chunk.rawBytes, chunk.sha256, chunk.payload);
  }

  private insertRejections(item: CopyItem, rejections: unknown[], checkpoint: Checkpoint): void {
    const insert = this.db.prepare(`INSERT INTO ${TABLES.rejection} (item, seq, detail) VALUES (?, ?, ?)`);
    const first = checkpoint.rowsRejected - rejections.length;
    rejections.forEach((r, i) => insert.run(item.name, first + i, canonicalJson(r)));
  }

  private updateCheckpoint(item: CopyItem, checkpoint: Checkpoint): void {
    const updated = this.db
      .prepare(`UPDATE ${TABLES.checkpoint} SET last_key = ?, ${countAssignments(() => '?', 0)}, updated_at = ? WHERE item = ?`)
      .run(checkpoint.lastKey === null ? null : encodeKey(checkpoint.lastKey), ...countsOf(checkpoint), new Date().toISOString(), item.name);
    if (updated.changes !== 1) throw new Error(`the checkpoint of ${item.name} in ${this.path} is missing: load() registers it before the first chunk`);
  }

  private seal(): void {
    const unfinished = this.header.items.filter((i) => !this.isDone(i.name)).map((i) => i.name);
    if (unfinished.length > 0) throw new OperationError(`the backup ${this.path} cannot be finished: ${unfinished.join(', ')} not completely copied`);
    for (const item of this.header.items) this.insertManifest(item);
    const digests = archiveDigests(this.db);
    this.db
      .prepare(`UPDATE ${TABLES.header} SET finished_at = ?, header_sha256 = ?, manifest_sha256 = ?, chunks_sha256 = ?, digest = ?`)
      .run(new Date().toISOString(), digests.header, digests.manifest, digests.chunks, digests.digest);
    if (this.sealKey) {
      const seal = sealColumns(this.sealKey, digests.digest);
      this.db.prepare(`UPDATE ${TABLES.header} SET seal_key_id = ?, seal_hmac = ?`).run(seal.seal_key_id, seal.seal_hmac);
    }
  }

  private isDone(item: string): boolean {
    const row = this.db.prepare(`SELECT done FROM ${TABLES.checkpoint} WHERE item = ?`).get(item) as { done: number } | undefined;
    return row?.done === 1;
  }

  /** The item's totals from its chunks, which must agree with what its checkpoint counted. */
  private insertManifest(item: ArchiveItem): void {
    const total = new ContentHash();
    let chunks = 0;
    for (const chunk of this.db.prepare(`SELECT content_hash FROM ${TABLES.chunk} WHERE item = ? ORDER BY chunk_no`).iterate(item.name) as Iterable<{ content_hash: string }>) {
      total.merge(ContentHash.parse(chunk.content_hash));
      chunks++;
    }
    const checkpoint = this.db.prepare(`SELECT content_hash FROM ${TABLES.checkpoint} WHERE item = ?`).get(item.name) as { content_hash: string };
    if (total.toString() !== checkpoint.content_hash) {
      throw new OperationError(`the chunks of ${item.name} in ${this.path} hash to ${total.toString()}, but its copy counted ${checkpoint.content_hash}`);
    }
    this.db
      .prepare(`INSERT INTO ${TABLES.manifest} (item, table_name, rows, chunks, content_hash) VALUES (?, ?, ?, ?, ?)`)
      .run(item.name, item.table, total.rows, chunks, total.toString());
  }
}

/**
 * The header of the unfinished archive in `db` when it was started with the same fields, or undefined when
 * the database is empty; throws InputError for anything else.
 */
function existingHeader(db: Database.Database, path: string, fields: ArchiveHeaderFields): ArchiveHeader | undefined {
  const tables = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
  if (tables.n === 0) return undefined;
  const problem = formatProblem(db);
  if (problem) throw new InputError(`${path} exists and ${problem}; choose another file`);
  const row = readHeaderRow(db) as HeaderRow & SealRow;
  if (isFinished(row)) throw new InputError(`${path} is a finished backup; choose another file to write a new one`);
  const header = parseHeader(row);
  if (canonicalJson(fieldsOf(header)) !== canonicalJson(fieldsOf(fields))) {
    throw new InputError(`${path} is an unfinished backup of something else (release ${header.release}, ${header.engine}); choose another file or delete it`);
  }
  return header;
}

/** Whether `path` holds an archive of this format that its writer left before the end. */
function isUnfinishedArchive(path: string): boolean {
  if (!existsSync(path) || statSync(path).size === 0) return false;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    if (formatProblem(db)) return false;
    const row = readHeaderRow(db);
    return row !== undefined && !isFinished(row);
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

function removeArchive(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
}

function fieldsOf(header: ArchiveHeaderFields): ArchiveHeaderFields {
  return { release: header.release, engine: header.engine, toolVersion: header.toolVersion, schema: header.schema, items: header.items };
}

function newHeader(fields: ArchiveHeaderFields): ArchiveHeader {
  return { format: FORMAT_NAME, formatVersion: FORMAT_VERSION, createdAt: new Date().toISOString(), ...fieldsOf(fields) };
}

function initialize(db: Database.Database, fields: ArchiveHeaderFields): ArchiveHeader {
  const header = newHeader(fields);
  for (const sql of ARCHIVE_DDL) db.exec(sql);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  const row = headerRowOf(header);
  db.prepare(
    `INSERT INTO ${TABLES.header} (format, format_version, release, engine, tool_version, created_at, schema_json, items_json) ` +
      'VALUES (@format, @format_version, @release, @engine, @tool_version, @created_at, @schema_json, @items_json)',
  ).run(row);
  return header;
}
