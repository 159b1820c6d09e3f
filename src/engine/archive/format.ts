// The archive's layout inside its SQLite file, and its header: what a backup holds besides the rows, in a
// form standard SQLite tools can read. Every value read back from a file is checked before it is trusted,
// because the file may have been damaged or written by someone else.
import type Database from 'better-sqlite3';
import type { CopyItem } from '../copy/types.ts';
import type { EngineName } from '../dialect/connection-string.ts';
import { findTable, type SchemaModel } from '../schema/model.ts';
import { describeValue, isIdentifier, validateSchemaModel } from '../schema/validate.ts';

export const FORMAT_NAME = 'chunked-table-archive';
export const FORMAT_VERSION = 1;
/** In the SQLite header (offset 68), so that `file` and other tools can tell the file type. */
export const APPLICATION_ID = 0x43544131;

export const TABLES = {
  header: 'archive_header',
  chunk: 'archive_chunk',
  manifest: 'archive_manifest',
  checkpoint: 'archive_checkpoint',
  rejection: 'archive_rejection',
} as const;

// The payload is the last column of a chunk so that reading a chunk's other columns never reads its
// overflow pages.
export const ARCHIVE_DDL: readonly string[] = [
  `CREATE TABLE ${TABLES.header} (
    format TEXT NOT NULL, format_version INTEGER NOT NULL, release TEXT NOT NULL, engine TEXT NOT NULL,
    tool_version TEXT NOT NULL, created_at TEXT NOT NULL, schema_json TEXT NOT NULL, items_json TEXT NOT NULL,
    finished_at TEXT, header_sha256 TEXT, manifest_sha256 TEXT, chunks_sha256 TEXT, digest TEXT,
    seal_key_id TEXT, seal_hmac TEXT)`,
  `CREATE TABLE ${TABLES.chunk} (
    item TEXT NOT NULL, chunk_no INTEGER NOT NULL, rows INTEGER NOT NULL, content_hash TEXT NOT NULL,
    last_key TEXT NOT NULL, encoding TEXT NOT NULL, raw_bytes INTEGER NOT NULL, payload_sha256 TEXT NOT NULL,
    payload BLOB NOT NULL, PRIMARY KEY (item, chunk_no))`,
  `CREATE TABLE ${TABLES.manifest} (
    item TEXT PRIMARY KEY, table_name TEXT NOT NULL, rows INTEGER NOT NULL, chunks INTEGER NOT NULL, content_hash TEXT NOT NULL)`,
  `CREATE TABLE ${TABLES.checkpoint} (
    item TEXT PRIMARY KEY, last_key BLOB, rows_read INTEGER NOT NULL, rows_written INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL, chunks INTEGER NOT NULL, content_hash TEXT NOT NULL, done INTEGER NOT NULL, updated_at TEXT NOT NULL)`,
  `CREATE TABLE ${TABLES.rejection} (item TEXT NOT NULL, seq INTEGER NOT NULL, detail TEXT NOT NULL, PRIMARY KEY (item, seq))`,
];

/** One archived item: the rows of `table`, each in `columns` order, chunked in the order of `key`. */
export interface ArchiveItem {
  name: string;
  table: string;
  columns: string[];
  key: string[];
}

/** What the caller says about a backup; the engine treats release, engine and tool version as opaque. */
export interface ArchiveHeaderFields {
  release: string;
  engine: string;
  toolVersion: string;
  schema: SchemaModel;
  items: ArchiveItem[];
}

export interface ArchiveHeader extends ArchiveHeaderFields {
  format: string;
  formatVersion: number;
  createdAt: string;
}

/** The header row as stored: the text the digest covers, before any of it is parsed. */
export interface HeaderRow {
  format: unknown;
  format_version: unknown;
  release: unknown;
  engine: unknown;
  tool_version: unknown;
  created_at: unknown;
  schema_json: unknown;
  items_json: unknown;
}

export interface SealRow {
  finished_at: unknown;
  header_sha256: unknown;
  manifest_sha256: unknown;
  chunks_sha256: unknown;
  digest: unknown;
  /** The keyed seal (seal.ts); absent from files written before seals existed. */
  seal_key_id?: unknown;
  seal_hmac?: unknown;
}

/** JSON with object keys sorted and bigints as their decimal text: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/**
 * The archive item of a copy whose transform keeps the source columns as they are: the key is named in
 * target columns, by position.
 */
export function archiveItemOf(item: CopyItem): ArchiveItem {
  const key = item.source.key.map((k) => item.target.columns[item.source.columns.indexOf(k)]);
  const missing = item.source.key.filter((_, i) => key[i] === undefined);
  if (missing.length > 0) throw new Error(`the key column(s) ${missing.join(', ')} of ${item.name} are not among the columns it copies`);
  return { name: item.name, table: item.target.table, columns: [...item.target.columns], key: key as string[] };
}

/** The copy item that restores an archived item into a table of the same name and columns. */
export function restoreItemOf(archived: ArchiveItem): CopyItem {
  return {
    name: archived.name,
    source: { table: archived.name, columns: [...archived.columns], key: [...archived.key] },
    target: { table: archived.table, columns: [...archived.columns] },
  };
}

export function headerRowOf(header: ArchiveHeader): HeaderRow {
  return {
    format: header.format,
    format_version: header.formatVersion,
    release: header.release,
    engine: header.engine,
    tool_version: header.toolVersion,
    created_at: header.createdAt,
    schema_json: JSON.stringify(header.schema),
    items_json: JSON.stringify(header.items),
  };
}

export function readHeaderRow(db: Database.Database): (HeaderRow & SealRow) | undefined {
  const rows = db.prepare(`SELECT * FROM ${TABLES.header} LIMIT 2`).all() as (HeaderRow & SealRow)[];
  if (rows.length > 1) throw new Error('the header has more than one row');
  return rows[0];
}

function hasArchiveTables(db: Database.Database): boolean {
  const names = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
  return Object.values(TABLES).every((t) => names.has(t));
}

/** Why a database is not an archive this code reads, said of the file; undefined when it is one. */
export function formatProblem(db: Database.Database): string | undefined {
  const row = hasArchiveTables(db) ? readHeaderRow(db) : undefined;
  if (!row || row.format !== FORMAT_NAME) return 'is a SQLite database but not a backup written by this tool';
  const version = row.format_version;
  if (typeof version === 'number' && version > FORMAT_VERSION) return `was written by a newer version (format ${version}); this version reads format ${FORMAT_VERSION}`;
  if (version !== FORMAT_VERSION) return `is a backup of format ${String(version)}, which this version does not read`;
  return undefined;
}

export function isFinished(seal: SealRow): boolean {
  return seal.finished_at !== null && seal.digest !== null;
}

/** The engines a backup is taken from: the header names one of them, nothing else. */
const ENGINES: readonly EngineName[] = ['sqlite', 'postgres', 'mysql', 'mssql', 'oracle'];

/** A release or tool version: a few dotted words, which a message can show as they are. */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** When the backup was started, as toISOString writes it. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * The header as the caller gave it, parsed and checked; throws naming what is wrong with it. Its schema
 * and items become DDL and queries of a restore: every name in them must be an identifier, every type a
 * known one, and every item must copy columns of a table of the schema.
 */
export function parseHeader(row: HeaderRow): ArchiveHeader {
  const text = (name: keyof HeaderRow, pattern?: RegExp): string => {
    const value = row[name];
    if (typeof value !== 'string') throw new Error(`the header's ${name} is not text`);
    if (pattern && !pattern.test(value)) throw new Error(`the header's ${name} ${describeValue(value)} is not of the form a backup writes`);
    return value;
  };
  const formatVersion = row.format_version;
  if (typeof formatVersion !== 'number' || !Number.isSafeInteger(formatVersion)) throw new Error("the header's format version is not a whole number");
  const engine = text('engine');
  if (!(ENGINES as readonly string[]).includes(engine)) throw new Error(`the header's engine ${describeValue(engine)} is not one of ${ENGINES.join(', ')}`);
  const schema = parseSchema(text('schema_json'));
  return {
    format: text('format'),
    formatVersion,
    release: text('release', VERSION),
    engine,
    toolVersion: text('tool_version', VERSION),
    createdAt: text('created_at', TIMESTAMP),
    schema,
    items: parseItems(text('items_json'), schema),
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`the header's ${what} is not valid JSON (${(error as Error).message})`);
  }
}

function parseSchema(text: string): SchemaModel {
  const schema = parseJson(text, 'schema');
  try {
    return validateSchemaModel(schema);
  } catch (error) {
    throw new Error(`the header's schema is not valid: ${(error as Error).message}`);
  }
}

function parseItems(text: string, schema: SchemaModel): ArchiveItem[] {
  const items = parseJson(text, 'list of items');
  if (!Array.isArray(items)) throw new Error("the header's list of items is not a list");
  items.forEach((item, i) => requireArchiveItem(item, i, schema));
  const names = new Set(items.map((i: ArchiveItem) => i.name));
  if (names.size !== items.length) throw new Error("the header's list of items names an item twice");
  return items as ArchiveItem[];
}

/** An item named by an identifier that copies distinct columns of a table of the schema, with its key among them. */
function requireArchiveItem(value: unknown, position: number, schema: SchemaModel): asserts value is ArchiveItem {
  const problem = (what: string): Error => new Error(`the header's item ${position + 1} ${what}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw problem('is not an object');
  const item = value as Record<string, unknown>;
  const extra = Object.keys(item).filter((key) => !['name', 'table', 'columns', 'key'].includes(key));
  if (extra.length > 0) throw problem(`has ${extra.map(describeValue).join(', ')}, which an item does not`);
  if (!isIdentifier(item.name)) throw problem(`is named ${describeValue(item.name)}, not an identifier`);
  const table = isIdentifier(item.table) ? findTable(schema, item.table) : undefined;
  if (!table) throw problem(`(${item.name}) copies table ${describeValue(item.table)}, which the header's schema does not have`);
  const columns = namesOf(item.columns, table.columns.map((c) => c.name));
  if (!columns || columns.length === 0) throw problem(`(${item.name}) lists columns ${describeValue(item.columns)}, not distinct columns of table ${table.name}`);
  const key = namesOf(item.key, columns);
  if (!key || key.length === 0) throw problem(`(${item.name}) has the key ${describeValue(item.key)}, not distinct columns among its own`);
}

/** The list as names, when it is a list of distinct names each among `allowed`. */
function namesOf(value: unknown, allowed: readonly string[]): string[] | undefined {
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'string' && allowed.includes(n))) return undefined;
  return new Set(value).size === value.length ? (value as string[]) : undefined;
}

/** Where the archived item's key columns are among its columns. */
export function keyColumnsOf(item: ArchiveItem): number[] {
  return item.key.map((k) => item.columns.indexOf(k));
}

/** The archived item's key values of a row given in its columns' order. */
export function keyOf<T>(item: ArchiveItem, row: readonly T[]): T[] {
  return keyColumnsOf(item).map((j) => row[j] as T);
}

/** How a chunk is named in a message: its place in its table, with the rows it holds. */
export function describeChunk(item: { name: string; table: string }, chunkNo: number, firstRow: number, rows: number): string {
  const owner = item.name === item.table ? `table ${item.table}` : `item ${item.name} (table ${item.table})`;
  const range = rows > 0 ? ` (rows ${firstRow}..${firstRow + rows - 1})` : '';
  return `chunk ${chunkNo} of ${owner}${range}`;
}
