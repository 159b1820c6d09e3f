// The contract every dialect implements. Each dialect lives in engine/dialect/<engine>/ with the same
// parts: adapter (capabilities), query-compiler (quoting, type mapping, DDL), introspector (the database
// read back into a SchemaModel), driver (connections, transactions, lock, admin) and bulk/ (its bulk path,
// offered as one BulkCapability, and the codecs it registers for worker threads).
import type { ColumnModel, ColumnType, ForeignKeyModel, IndexModel, SchemaModel, TableModel } from '../schema/model.ts';
import type { ConnectionTarget, EngineName } from './connection-string.ts';
import type { RowsDigest } from './rows-digest.ts';

/**
 * Values as every dialect returns and accepts them: integers and doubles as numbers, text as strings,
 * dates as 'YYYY-MM-DD', timestamps as UTC 'YYYY-MM-DD HH:MM:SS', binary as Buffer, NULL as null.
 */
export type SqlValue = string | number | bigint | Buffer | null;
export type Row = Record<string, SqlValue>;

/**
 * Takes a query's rows value by value, as close to the bytes the server sent as the values allow: what
 * hashing a whole table reads with. Every value of a row comes between startRow and endRow, in one go.
 */
export interface ValueVisitor {
  startRow(): void;
  null(): void;
  /** A whole number given by the ASCII digits (after a '-' if negative) that String() would write for it. */
  wholeNumber(bytes: Uint8Array, start: number, end: number): void;
  /** A text value of ASCII characters only, given as its bytes. */
  asciiText(bytes: Uint8Array, start: number, end: number): void;
  value(value: SqlValue): void;
  endRow(): void;
}

/**
 * A column of rows to encode for a bulk load: its values, or, held compactly, whole numbers, or timestamps
 * as seconds since 1970-01-01 UTC that stand for their neutral texts.
 */
export type BulkColumn = readonly SqlValue[] | { kind: 'whole-numbers' | 'timestamps'; values: Float64Array };

/**
 * How rows are encoded for a table's bulk load, a plain value a worker thread can be sent: what the
 * engine's bulk folder put in it, named by `format`, the identifier its codec is registered under
 * (bulk-codecs.ts). Nothing outside that folder reads the rest.
 */
export interface BulkEncoding {
  readonly format: string;
}

/** Memory of at least `bytes` bytes for an encoder to write into, the buffer covering all of it. */
export type Allocate = (bytes: number) => Buffer;

/** Takes the bytes of one row as a bulk path writes it, in bytes[start, end). */
export type RowBytesListener = (bytes: Uint8Array, start: number, end: number) => void;

/**
 * How to read a query's rows sent as the engine's text (decodeBulk), a plain value a worker thread can
 * be sent: `encoding` names the codec registered for it (bulk-codecs.ts); the rest is the engine's own.
 */
export interface QueryTextFormat {
  readonly encoding: string;
}

/** Whole rows of a query as the engine sent them. */
export interface TextBatch {
  rows: number;
  text: Buffer;
}

export interface Adapter {
  readonly engine: EngineName;
  /** DDL statements take part in transactions, or each commits on its own. */
  readonly transactionalDdl: boolean;
  /**
   * Foreign keys can be added to a table that holds rows, validated in one pass: a bulk load goes faster
   * without them and adds them afterwards. Otherwise they are declared with the table only.
   */
  readonly addsForeignKeys: boolean;
  /**
   * A primary key can be added to a table that holds rows, built in one sort: a load into a new table goes
   * faster without it. Otherwise the engine cannot add one, or would rebuild the table around it.
   */
  readonly addsPrimaryKeys: boolean;
  /** The most parameters one statement may take, where a multi-row statement can reach the engine's limit. */
  readonly maxParameters?: number;
}

export interface QueryCompiler {
  quoteIdentifier(name: string): string;
  /** A literal for a reviewable script; parameters are used everywhere else. */
  literal(value: SqlValue): string;
  /** The placeholder for the n-th parameter (1-based). */
  parameter(n: number): string;
  /**
   * A statement as a script run with the engine's own tool writes it, its terminator included: `;` at its
   * end, and where that tool runs a script in batches, the line that ends a batch after it.
   */
  scriptStatement(sql: string): string;
  columnType(type: ColumnType): string;
  /**
   * The first `rows` rows of a SELECT (after `offset` rows, if given), in its ORDER BY's order: each engine
   * writes the limit in its own syntax (LIMIT, or the standard OFFSET ... FETCH).
   */
  firstRows(select: string, rows: number, offset?: number): string;
  /** String concatenation of SQL expressions (numbers are converted to text). */
  concat(expressions: readonly string[]): string;
  /**
   * A condition true where an integer column holds something that is not a whole number, or undefined
   * where the engine's column type cannot hold anything else.
   */
  notWholeNumber(expression: string): string | undefined;
  createTable(table: TableModel, options?: { ifNotExists?: boolean }): string[];
  dropTable(table: string): string[];
  /** Adds a column; a foreign key on that one column is added with it (the only way some engines can). */
  addColumn(table: string, column: ColumnModel, foreignKey?: ForeignKeyModel): string[];
  dropColumn(table: string, column: string): string[];
  createIndex(table: string, index: IndexModel): string[];
  dropIndex(table: string, index: string): string[];
  /** Only where the adapter says `addsPrimaryKeys`. */
  addPrimaryKey(table: string, columns: readonly string[]): string[];
  /** Only where the adapter says `addsForeignKeys`. */
  addForeignKey(table: string, foreignKey: ForeignKeyModel): string[];
  dropForeignKey(table: string, foreignKey: string): string[];
  /**
   * The foreign key added in two steps where the engine checks its rows apart from adding it: `add` adds it
   * unchecked, in a moment, and `validate` checks every row, taking locks that let other tables' checks run
   * at the same time. Undefined where the engine checks the rows only as it adds the key (addForeignKey).
   */
  foreignKeyApart(table: string, foreignKey: ForeignKeyModel): { add: string[]; validate: string[] } | undefined;
  /**
   * INSERT of `rows` rows of `columns` (as parameters) where a row whose `key` exists already is left
   * alone ('ignore'), takes the new values ('replace'), or adds the new values to its own ('add', NULL
   * counting as 0).
   */
  upsert(table: string, columns: readonly string[], key: readonly string[], rows: number, onConflict: UpsertAction): string;
}

export type UpsertAction = 'ignore' | 'replace' | 'add';

export interface Introspector {
  tableNames(): Promise<string[]>;
  /** The schema of every table, or of only the named ones (a table of another application may use types this tool does not know). */
  introspect(only?: readonly string[]): Promise<SchemaModel>;
}

export interface Lock {
  release(): Promise<void>;
}

export interface Connection {
  readonly target: ConnectionTarget;
  readonly adapter: Adapter;
  readonly compiler: QueryCompiler;
  readonly introspector: Introspector;
  /** The target as it may be shown: no password. */
  readonly description: string;
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /**
   * Streams a query's rows in batches, holding no more than one batch in memory; the connection is busy
   * until the iteration ends. This is the bulk read of every copy.
   */
  streamQuery(sql: string, params?: readonly SqlValue[], batchRows?: number): AsyncIterable<Row[]>;
  /** Runs a statement and returns the number of rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs fn in one transaction on this connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs fn in a read-only transaction that sees the database as it was at one moment, whatever other
   * sessions write meanwhile: what a backup of a database in use reads from.
   */
  snapshot<T>(fn: () => Promise<T>): Promise<T>;
  readonly inTransaction: boolean;
  /**
   * Writes rows through the engine's bulk path (bulk/). Rows are arrays in the order of `columns`.
   * Returns the number of rows written.
   */
  bulkInsert(table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number>;
  /** What the engine's bulk path can do beyond writing rows given as values: one capability, of one kind. */
  readonly bulk: BulkCapability;
  /**
   * Takes the named lock for as long as this connection lives (or until released). If another session
   * holds it, waits up to waitMs and then throws LockHeldError naming the holder.
   */
  acquireLock(name: string, holder: string, waitMs?: number): Promise<Lock>;
  /**
   * Who holds the named lock, found without taking it or writing to the database: undefined when it is
   * free or this connection holds it.
   */
  lockHolder(name: string): Promise<string | undefined>;
  /** Bytes the database occupies, as the engine counts them. */
  sizeBytes(): Promise<number>;
  /** Whether this session's user may create tables in the database. */
  canCreateTables(): Promise<boolean>;
  /**
   * Free bytes where the database keeps its files, where this process can see them (a database file, a
   * server on this machine); undefined elsewhere.
   */
  freeBytes(): Promise<number | undefined>;
  close(): Promise<void>;
}

/**
 * A bulk path that takes rows only as values (bulkInsert): prepared statements in large transactions,
 * LOAD DATA of text the connection writes as it sends it.
 */
export interface ValuesBulk {
  readonly kind: 'values';
}

/**
 * A bulk path that moves rows as bytes both ways, each way worked away from the connection (in a worker
 * thread): rows encoded by encodeBulk in the table's encoding are sent as they are, a query's rows come
 * as the engine's text for decodeBulk, and the engine takes a digest of a table's rows by itself.
 */
export interface EncodedBulk {
  readonly kind: 'encoded';
  /** The encoding the bulk path takes for the table's columns; encodeBulk writes it without a connection. */
  encoding(table: string, columns: readonly string[]): Promise<BulkEncoding>;
  /** Writes rows encoded by encodeBulk in the table's encoding; returns the number of rows written. */
  insertEncoded(table: string, columns: readonly string[], payload: Buffer): Promise<number>;
  /**
   * The digest the engine takes by itself of the table's columns, equal to the one encodeBulk gives
   * (EncodedRows.rowsDigest) of the same rows in the table's encoding; undefined where this server takes
   * none (a release without the hash function).
   */
  rowsDigest(table: string, columns: readonly string[]): Promise<RowsDigest | undefined>;
  /** A query's rows as the engine sends them, in batches of exactly `batchRows` rows (the last may hold fewer), for decodeBulk. */
  queryText(sql: string, batchRows: number): Promise<{ format: QueryTextFormat; batches: AsyncIterable<TextBatch> }>;
  /**
   * Hands each value of each of a query's rows to the visitor, in the query's order, straight from the
   * engine's text; returns the number of rows. The read of a table's content hash.
   */
  visitQuery(sql: string, visitor: ValueVisitor): Promise<number>;
}

export type BulkCapability = ValuesBulk | EncodedBulk;

/**
 * Where a load into an empty database goes first, beside it and named after it, so that no look at the
 * database ever finds it half loaded: swapped in whole once every table is complete. Every method runs on
 * `on`, a connection to the database itself (the one that holds its lock); none to the scratch is open.
 */
export interface ScratchTarget {
  /** What connections that load into the scratch are opened with. */
  readonly target: ConnectionTarget;
  /** The scratch as messages name it. */
  readonly description: string;
  /** Whether a scratch is there: one that an interrupted load left. */
  exists(on: Connection): Promise<boolean>;
  /** Makes it, empty. */
  create(on: Connection): Promise<void>;
  /** Removes it with all it holds, if it is there. */
  remove(on: Connection): Promise<void>;
  /** Moves the named tables into the database in one atomic step, then removes the scratch. */
  swapIn(on: Connection, tables: readonly string[]): Promise<void>;
}

export interface Dialect {
  readonly adapter: Adapter;
  readonly compiler: QueryCompiler;
  connect(target: ConnectionTarget): Promise<Connection>;
  /** Creates the database named by the target if it does not exist; true when it did not. */
  createDatabase(target: ConnectionTarget): Promise<boolean>;
  /** Drops the database named by the target if it exists. */
  dropDatabase(target: ConnectionTarget): Promise<void>;
  /**
   * Who the database named by the target is, whatever the spelling of its path or host (two spellings of
   * one database give one identity); undefined when it cannot be reached or named.
   */
  databaseIdentity(target: ConnectionTarget): Promise<string | undefined>;
  /** The scratch a load into the database named by the target goes through. */
  scratchFor(target: ConnectionTarget): ScratchTarget;
  /** Whether an error of this driver means the server ended the session (killed, restarted, network gone). */
  isConnectionLost(error: unknown): boolean;
}
