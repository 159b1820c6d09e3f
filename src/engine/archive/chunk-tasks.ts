// The CPU work on one chunk, as functions of plain values: run in the calling thread or, through
// chunk-worker.ts, in a worker thread while the calling thread reads the file or talks to a database.
import { ContentHash } from '../copy/content-hash.ts';
import { decodeBulk, encodeBulk } from '../dialect/bulk-codecs.ts';
import type { EncodedBatch } from '../copy/types.ts';
import { lengthOf, valueAt } from '../dialect/bulk-column.ts';
import type { Allocate, BulkColumn, BulkEncoding, QueryTextFormat, SqlValue } from '../dialect/types.ts';
import { canonicalJson } from './format.ts';
import { checkColumns, decodeBulkColumns, decodeColumns, encodeColumns, isEncoding, sha256, type EncodedChunk, type StoredPayload } from './payload.ts';

/** A chunk as stored, with what it claims; every field is checked before it is trusted. */
export interface StoredChunk {
  encoding: unknown;
  rows: unknown;
  rawBytes: unknown;
  payloadSha256: unknown;
  payload: unknown;
}

/** What a chunk's rows were found to hold. */
export interface ChunkSummary {
  rows: number;
  contentHash: string;
  /** The canonical JSON of the last row's key; undefined for a chunk without rows. */
  lastKey: string | undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The chunk's payload and row count once the payload matches its sha256 (nothing unverified is inflated or decoded). */
function verifiedPayload(chunk: StoredChunk): StoredPayload & { rows: number } {
  if (!Buffer.isBuffer(chunk.payload) || sha256(chunk.payload) !== chunk.payloadSha256) throw new Error('its payload does not match its sha256');
  if (!isEncoding(chunk.encoding)) throw new Error(`its encoding ${String(chunk.encoding)} is unknown`);
  if (!isCount(chunk.rows) || !isCount(chunk.rawBytes)) throw new Error('its row count or size is malformed');
  return { encoding: chunk.encoding, rawBytes: chunk.rawBytes, payload: chunk.payload, rows: chunk.rows };
}

/** The chunk's columns once its payload matches its sha256. */
export function decodeChunk(chunk: StoredChunk, width: number): SqlValue[][] {
  const stored = verifiedPayload(chunk);
  return decodeColumns(stored, width, stored.rows);
}

/** Decodes the chunk and sums it up; throws saying what is wrong with it. */
export function summarizeChunk(chunk: StoredChunk, width: number, keyColumns: readonly number[]): ChunkSummary {
  return summarize(decodeChunk(chunk, width), keyColumns);
}

function summarize(columns: SqlValue[][], keyColumns: readonly number[]): ChunkSummary {
  return summaryOf(lengthOf(columns[0]), ContentHash.ofColumns(columns), lastKeyOf(columns, keyColumns));
}

function summaryOf(rows: number, hash: ContentHash, lastKey: readonly SqlValue[]): ChunkSummary {
  return { rows, contentHash: hash.toString(), lastKey: rows > 0 ? canonicalJson(lastKey) : undefined };
}

/** The key values of the last row held by `columns`. */
function lastKeyOf(columns: readonly BulkColumn[], keyColumns: readonly number[]): SqlValue[] {
  const last = lengthOf(columns[0]) - 1;
  return keyColumns.map((j) => valueAt(columns[j] as BulkColumn, last) ?? null);
}

/** What a chunk records of its rows beside its payload, with no type trusted. */
export interface ChunkRecord {
  contentHash: unknown;
  lastKey: unknown;
}

/** How the rows found differ from what the chunk records, or undefined where they do not. */
export function summaryProblem(recorded: ChunkRecord, summary: ChunkSummary): string | undefined {
  if (summary.contentHash !== recorded.contentHash) return `its rows hash to ${summary.contentHash}, not the ${String(recorded.contentHash)} recorded`;
  if (summary.lastKey !== recorded.lastKey) return `its last row's key is ${String(summary.lastKey)}, not the ${String(recorded.lastKey)} recorded`;
  return undefined;
}

/** A stored chunk with what it records of its rows, which they must match before they are used. */
export type RecordedChunk = StoredChunk & ChunkRecord;

/** The chunk's columns once its rows are found to be what it records: a row leaves only a chunk that checks out whole. */
export function checkedColumns(chunk: RecordedChunk, width: number, keyColumns: readonly number[]): SqlValue[][] {
  const columns = decodeChunk(chunk, width);
  const problem = summaryProblem(chunk, summarize(columns, keyColumns));
  if (problem) throw new Error(problem);
  return columns;
}

/** A chunk encoded for the archive, with the content hash of its rows. */
export interface HashedChunk extends EncodedChunk {
  contentHash: string;
}

/** The columns of a chunk to be written, encoded for the archive and hashed. */
export function encodeChunk(columns: SqlValue[][]): HashedChunk {
  return { ...encodeColumns(columns), contentHash: ContentHash.ofColumns(columns).toString() };
}

/**
 * The chunk's rows encoded for a bulk load, once what is encoded is found to be what the chunk records:
 * the rows are hashed from the very values written, as they are written.
 */
export function chunkForLoad(chunk: RecordedChunk, width: number, keyColumns: readonly number[], encoding: BulkEncoding, allocate?: Allocate): EncodedBatch {
  const stored = verifiedPayload(chunk);
  const columns = decodeBulkColumns(stored, width, stored.rows);
  let hash = new ContentHash();
  const { payload, rowsDigest } = encodeBulk(encoding, columns, () => (hash = new ContentHash()).visitor(), allocate);
  const lastKey = lastKeyOf(columns, keyColumns);
  const problem = summaryProblem(chunk, summaryOf(stored.rows, hash, lastKey));
  if (problem) throw new Error(problem);
  return { rows: stored.rows, lastKey, contentHash: String(chunk.contentHash), payload, ...(rowsDigest ? { rowsDigest: rowsDigest.toString() } : {}) };
}

/** A chunk encoded for the archive, with its row count and its last row's key. */
export interface KeyedChunk extends HashedChunk {
  rows: number;
  lastKey: SqlValue[];
}

/** Rows as a source's engine sent them, decoded, checked, hashed from the text as it is read, and encoded for the archive. */
export function chunkFromText(format: QueryTextFormat, text: Buffer, rows: number, width: number, keyColumns: readonly number[]): KeyedChunk {
  const hash = new ContentHash();
  const columns = decodeBulk(format, text, rows, hash.visitor());
  checkColumns(columns, width, rows);
  return { ...encodeColumns(columns), contentHash: hash.toString(), rows, lastKey: lastKeyOf(columns, keyColumns) };
}
