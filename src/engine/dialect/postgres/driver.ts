// PostgreSQL through pg: one Client per connection, in a UTC session with its own type parsers so values
// come back in the neutral form, bulk writes through COPY FROM STDIN in text or binary format, locks as
// session-level advisory locks (they die with the connection).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { from as copyFrom, to as copyTo, type CopyToStreamQuery } from 'pg-copy-streams';
import { freeBytesAt, isLocalHost } from '../local-disk.ts';
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { InputError } from '../../errors.ts';
import { acquireNamedLock, type Mutex, namedLockHolder } from '../lock.ts';
import type { Connection, Dialect, EncodedBulk, Lock, Row, SqlValue } from '../types.ts';
import { queriedIdentity } from '../server-identity.ts';
import { postgresAdapter } from './adapter.ts';
import { copyBulk } from './bulk/index.ts';
import { copyFieldReader, copyValue, CopyTextWriter } from './bulk/copy-text.ts';
import { postgresIntrospector } from './introspector.ts';
import { postgresQueryCompiler } from './query-compiler.ts';
import { postgresScratch } from './scratch.ts';

const APPLICATION_NAME = 'wfm';
/** The database every server has, from which others are created and dropped. */
const MAINTENANCE_DATABASE = 'postgres';
/** SQLSTATEs of a database created by another session at the same moment. */
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';
/** COPY data is sent in pieces of about this many bytes: few writes, bounded memory. */
const COPY_PIECE_BYTES = 64 * 1024;
const DEFAULT_BATCH_ROWS = 10_000;
/** Pieces of COPY data read ahead of the rows being parsed: the socket is paused beyond them. */
const COPY_PIECES_AHEAD = 8;

/** Per client, not pg.types.setTypeParser: that would change every other pg user in the process. */
const neutralTypes: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => ((format ?? 'text') === 'text' ? copyFieldReader(oid).parse : pg.types.getTypeParser(oid, format)),
};

// extra_float_digits = 3 makes float8 text exact on every server version (shortest-exact from 12 on,
// 17 digits before), whatever the server's own setting. A fixed script of this file, the only string of
// several statements the driver sends.
const SESSION_SETUP = "SET TIME ZONE 'UTC'; SET extra_float_digits = 3";

function databaseName(target: ConnectionTarget): string {
  if (!target.database) throw new InputError(`${describeTarget(target)} names no PostgreSQL database`);
  return target.database;
}

function quoteIdentifier(name: string): string {
  return postgresQueryCompiler.quoteIdentifier(name);
}

/** The error as it may be shown: whatever pg put in the message, the password is cut out. */
function withoutPassword(error: unknown, password: string | undefined): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(password ? message.replaceAll(password, '***') : message);
}

async function openClient(target: ConnectionTarget, database: string): Promise<pg.Client> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    database,
    user: target.user,
    password: target.password,
    application_name: APPLICATION_NAME,
    types: neutralTypes,
  });
  // A client whose server goes away while idle emits 'error', which unheard would end the process; the
  // next query on it fails with the reason instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw withoutPassword(error, target.password);
  }
  try {
    await client.query(SESSION_SETUP);
    if (target.readOnly) await client.query('SET default_transaction_read_only = on');
    if (target.schema) await client.query("SELECT set_config('search_path', $1, false)", [quoteIdentifier(target.schema)]);
  } catch (error) {
    await client.end();
    throw withoutPassword(error, target.password);
  }
  return client;
}

async function withMaintenanceClient<T>(target: ConnectionTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await openClient(target, MAINTENANCE_DATABASE);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A statement sent through the extended protocol, which takes one statement only: a string of several,
 * wherever it was built, is refused by the server instead of run. pg sends a query without parameters
 * through the simple protocol, which runs every statement of the string; its types leave out the option
 * that says otherwise.
 */
function oneStatement(text: string, values: readonly SqlValue[] = [], types?: pg.CustomTypesConfig): pg.QueryConfig {
  return { text, values: values as SqlValue[], types, queryMode: 'extended' } as pg.QueryConfig;
}

/**
 * CREATE DATABASE of a name another session is creating at the same moment: duplicate_database, or the
 * unique violation on pg_database's name index when both passed the catalog check together.
 */
function isDuplicateDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === DUPLICATE_DATABASE || code === UNIQUE_VIOLATION;
}

/** A stable signed 64-bit advisory lock key: the same lock name in two databases is two locks. */
function advisoryKey(database: string, name: string): string {
  return createHash('sha256').update(`${database}\0${name}`).digest().readBigInt64BE(0).toString();
}

/** Rows as COPY text in pieces of about COPY_PIECE_BYTES, made only as fast as the server takes them. */
async function* copyPieces(rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): AsyncGenerator<Buffer> {
  // Room past the mark, so that the row that crosses it seldom makes the buffer grow.
  const room = COPY_PIECE_BYTES + COPY_PIECE_BYTES / 4;
  let writer = new CopyTextWriter(room);
  for await (const row of rows) {
    writer.row(row);
    if (writer.length >= COPY_PIECE_BYTES) {
      yield writer.result();
      writer = new CopyTextWriter(room);
    }
  }
  if (writer.length > 0) yield writer.result();
}

interface CopyColumn {
  name: string;
  /** The type's OID. */
  type: number;
}

type CopyRowsParser = (text: string, out: Row[]) => void;

/**
 * The function that adds the Rows of whole lines of COPY data to `out`. Made once per query: it walks
 * the text field by field instead of splitting it into lines and fields (a third of the time), and makes
 * each row as one object literal of the query's columns, so that every row shares one shape.
 */
function copyRowsParser(columns: readonly CopyColumn[]): CopyRowsParser {
  // A computed key, so that a column named __proto__ is a column and not the row's prototype.
  const key = (name: string): string => (name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name));
  const last = columns.length - 1;
  const fields = columns
    .map((_, i) =>
      i < last
        ? `tab = text.indexOf('\\t', at); if (tab < 0 || tab > end) throw shortRow(); const f${i} = text.slice(at, tab); at = tab + 1;`
        : `tab = text.indexOf('\\t', at); if (tab >= 0 && tab < end) throw longRow(); const f${i} = text.slice(at, end);`,
    )
    .join('\n');
  const properties = columns.map((column, i) => `${key(column.name)}: value(f${i}, parsers[${i}])`).join(', ');
  const body = `return function parse(text, out) {
    const length = text.length;
    let at = 0;
    let tab;
    for (;;) {
      let end = text.indexOf('\\n', at);
      if (end < 0) end = length;
      ${fields}
      out.push({ ${properties} });
      if (end === length) return;
      at = end + 1;
    }
  };`;
  const wrongRow = (what: string) => () => new Error(`COPY sent a row of ${what} than the ${columns.length} columns of the query`);
  const make = new Function('parsers', 'value', 'shortRow', 'longRow', body) as (...args: unknown[]) => CopyRowsParser;
  return make(
    columns.map((c) => copyFieldReader(c.type).parse),
    copyValue,
    wrongRow('fewer fields'),
    wrongRow('more fields'),
  );
}

/** COPY data as whole lines: the data comes in pieces that may end inside a line, even inside a character. */
class CopyLines {
  private rest: Buffer = Buffer.alloc(0);

  /** The whole lines the data completes, without their last newline; undefined when it completes none. */
  push(data: Buffer): Buffer | undefined {
    const end = data.lastIndexOf(10);
    if (end < 0) {
      this.rest = Buffer.concat([this.rest, data]);
      return undefined;
    }
    const complete = this.rest.length > 0 ? Buffer.concat([this.rest, data.subarray(0, end)]) : data.subarray(0, end);
    this.rest = Buffer.from(data.subarray(end + 1));
    return complete;
  }

  end(): void {
    if (this.rest.length > 0) throw new Error('COPY ended inside a row');
  }
}

/** Pulls the pieces of a COPY TO stream one at a time, holding a few at most. */
class CopyOutReader {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private discarding = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: CopyToStreamQuery) {
    stream.on('data', (data: Buffer) => {
      if (this.discarding) return;
      this.queue.push(data);
      if (this.queue.length >= COPY_PIECES_AHEAD) stream.pause();
      this.wake?.();
    });
    stream.on('end', () => this.finish());
    stream.on('error', (error: Error) => this.finish(error));
  }

  /** Whether the COPY is still sending. */
  get running(): boolean {
    return !this.ended;
  }

  /** The next piece, or undefined at the end; throws what ended the COPY otherwise. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const data = this.queue.shift();
      if (data) {
        if (this.queue.length < COPY_PIECES_AHEAD) this.stream.resume();
        return data;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** Drops what is still coming, until the COPY ends or fails. */
  async discard(): Promise<void> {
    this.discarding = true;
    this.queue.length = 0;
    this.stream.resume();
    while (!this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  private finish(error?: Error): void {
    this.ended = true;
    this.failure ??= error;
    this.wake?.();
  }
}

class PostgresConnection implements Connection {
  readonly adapter = postgresAdapter;
  readonly compiler = postgresQueryCompiler;
  readonly introspector;
  readonly description: string;
  readonly bulk: EncodedBulk;
  private depth = 0;
  private closed = false;
  /** Why the session ended under us, once it has: a cursor waiting for rows is never told (node-postgres #2468). */
  private lost: Error | undefined;
  /** Rejecters of the reads and writes waiting now, told when the session ends. */
  private readonly waiting = new Set<(error: Error) => void>();

  constructor(
    readonly target: ConnectionTarget,
    private readonly client: pg.Client,
  ) {
    this.introspector = postgresIntrospector(client);
    this.description = describeTarget(target);
    this.bulk = copyBulk({
      query: (sql, params) => this.query(sql, params),
      columnTypes: async (sql) => (await this.describe(sql)).map((column) => column.type),
      copyOut: (sql) => this.copyOut(sql),
      copyIn: (table, columns, data, options) => this.copyIn(table, columns, data, options),
    });
    const end = (error?: Error): void => {
      this.lost ??= error ?? new Error('Connection terminated unexpectedly');
      if (!this.closed) for (const reject of this.waiting) reject(this.lost);
    };
    client.on('error', end);
    client.on('end', () => end());
  }

  /**
   * `work`, or the reason the session ended while it waited. Each wait listens only while it lasts: a
   * race against one promise that lives as long as the session would keep every result alive with it.
   */
  private untilSessionEnds<T>(work: Promise<T>): Promise<T> {
    if (this.lost && !this.closed) {
      // The work was started all the same (a COPY on a dead session fails on the next tick): its failure is this one.
      work.catch(() => undefined);
      return Promise.reject(this.lost);
    }
    let stop: (error: Error) => void = () => undefined;
    const ended = new Promise<never>((_, reject) => {
      stop = reject;
    });
    this.waiting.add(stop);
    return Promise.race([work, ended]).finally(() => this.waiting.delete(stop));
  }

  get inTransaction(): boolean {
    const status = this.client.getTransactionStatus();
    return status === 'T' || status === 'E';
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return (await this.client.query<Row>(oneStatement(sql, params))).rows;
  }

  /**
   * A query without parameters is read through COPY TO STDOUT, three times as fast as a cursor; one with
   * parameters (COPY takes none) through a cursor.
   */
  streamQuery(sql: string, params: readonly SqlValue[] = [], batchRows = DEFAULT_BATCH_ROWS): AsyncIterable<Row[]> {
    return params.length === 0 ? this.streamCopy(sql, batchRows) : this.streamCursor(sql, params, batchRows);
  }

  private async *streamCursor(sql: string, params: readonly SqlValue[], batchRows: number): AsyncIterable<Row[]> {
    const cursor = this.client.query(new Cursor<Row>(sql, params as SqlValue[], { types: neutralTypes }));
    let failed = false;
    const read = (): Promise<Row[]> =>
      this.untilSessionEnds(cursor.read(batchRows)).catch((error: unknown) => {
        failed = true;
        throw error;
      });
    try {
      for (let rows = await read(); rows.length > 0; rows = await read()) yield rows;
      // A cursor can answer "no more rows" as its session dies (node-postgres #3768): that is not the end.
      if (this.lost) throw this.lost;
    } finally {
      // Closing a cursor after a failed read, or whose session is gone, never resolves (node-postgres #2588, #2642).
      if (!failed && !this.lost) await cursor.close();
    }
  }

  private async *streamCopy(sql: string, batchRows: number): AsyncIterable<Row[]> {
    const parse = copyRowsParser(await this.describe(sql));
    let batch: Row[] = [];
    for await (const lines of this.copyOut(sql)) {
      parse(lines.toString('utf8'), batch);
      while (batch.length >= batchRows) {
        const rest = batch.splice(batchRows);
        yield batch;
        batch = rest;
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** The query's rows as COPY text, in whole lines. */
  private async *copyOut(sql: string): AsyncIterable<Buffer> {
    const lines = new CopyLines();
    for await (const data of this.copyOutPieces(sql)) {
      const complete = lines.push(data);
      if (complete !== undefined) yield complete;
    }
    lines.end();
  }

  /** The query's rows as COPY data in the pieces the server sends; a COPY left before its end is cancelled. */
  private async *copyOutPieces(sql: string): AsyncIterable<Buffer> {
    const stream = this.client.query(copyTo(`COPY (${sql}) TO STDOUT`));
    const reader = new CopyOutReader(stream);
    try {
      for (let data = await this.untilSessionEnds(reader.next()); data; data = await this.untilSessionEnds(reader.next())) yield data;
      // As a cursor can, a COPY may end as its session dies: that is not the end of the rows.
      if (this.lost) throw this.lost;
    } finally {
      if (reader.running && !this.lost) await this.cancelCopy(reader);
    }
  }

  /**
   * The query's columns, with their types: copyFieldReader tells how each one's text is read. COPY TO
   * goes through the simple protocol, so every query it reads is first described here as one statement.
   */
  private async describe(sql: string): Promise<CopyColumn[]> {
    const result = await this.untilSessionEnds(this.client.query(oneStatement(`SELECT * FROM (${sql}) AS described LIMIT 0`, [], neutralTypes)));
    return result.fields.map((field) => ({ name: field.name, type: field.dataTypeID }));
  }

  /** Stops a COPY the reader has left before its end, so that the connection can be used or closed. */
  private async cancelCopy(reader: CopyOutReader): Promise<void> {
    // The server's own pg_cancel_backend, from a session of its own: pg's Client.cancel reads a getter pg
    // has deprecated, whose warning would reach the user. The process id is pg's, left out of its types.
    const backend = (this.client as unknown as { processID: number }).processID;
    const canceller = new pg.Client({ host: this.target.host, port: this.target.port, user: this.target.user, password: this.target.password, database: databaseName(this.target) });
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [backend]);
    } catch {
      // Not cancelled, the COPY is read to its end below instead: slower, never wrong.
    } finally {
      await canceller.end().catch(() => undefined);
    }
    await this.untilSessionEnds(reader.discard()).catch(() => undefined);
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.client.query(oneStatement(sql, params))).rowCount ?? 0;
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.within('BEGIN', fn);
  }

  snapshot<T>(fn: () => Promise<T>): Promise<T> {
    return this.within('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  private async within<T>(begin: string, fn: () => Promise<T>): Promise<T> {
    if (this.depth > 0) throw new Error('transactions do not nest');
    this.depth++;
    try {
      await this.client.query(begin);
      const result = await fn();
      await this.client.query('COMMIT');
      return result;
    } catch (error) {
      await this.rollback();
      throw error;
    } finally {
      this.depth--;
    }
  }

  private async rollback(): Promise<void> {
    if (!this.inTransaction) return;
    // A connection too broken to roll back has taken its transaction with it; the caller needs the error
    // that started this, not the rollback's.
    await this.client.query('ROLLBACK').catch(() => undefined);
  }

  async bulkInsert(table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number> {
    return this.copyIn(table, columns, Readable.from(copyPieces(rows)));
  }

  private async copyIn(table: string, columns: readonly string[], data: Readable, options = ''): Promise<number> {
    const q = this.compiler;
    const copy = this.client.query(copyFrom(`COPY ${q.quoteIdentifier(table)} (${columns.map((c) => q.quoteIdentifier(c)).join(', ')}) FROM STDIN${options}`));
    await this.untilSessionEnds(pipeline(data, copy));
    return copy.rowCount;
  }

  async acquireLock(name: string, holder: string, waitMs = 0): Promise<Lock> {
    return acquireNamedLock(this, name, holder, waitMs, this.advisoryMutex(advisoryKey(databaseName(this.target), name)));
  }

  async lockHolder(name: string): Promise<string | undefined> {
    return namedLockHolder(this, name, this.advisoryMutex(advisoryKey(databaseName(this.target), name)));
  }

  private advisoryMutex(key: string): Mutex {
    return {
      tryAcquire: async () => (await this.client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS taken', [key])).rows[0]?.taken === true,
      release: async () => {
        await this.client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      },
    };
  }

  async sizeBytes(): Promise<number> {
    const rows = await this.query('SELECT pg_database_size(current_database()) AS size');
    return Number(rows[0]?.size);
  }

  async canCreateTables(): Promise<boolean> {
    const rows = await this.query("SELECT CASE WHEN has_schema_privilege(current_schema(), 'CREATE') THEN 1 ELSE 0 END AS ok");
    return Number(rows[0]?.ok) === 1;
  }

  async freeBytes(): Promise<number | undefined> {
    if (!isLocalHost(this.target.host)) return undefined;
    const rows = await this.query("SELECT setting FROM pg_settings WHERE name = 'data_directory'");
    return rows[0]?.setting ? freeBytesAt(String(rows[0].setting)) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end();
  }
}

/** Admin shutdown, crash shutdown, cannot connect now, connection failure, connection does not exist. */
const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08006', '08003']);
const LOST_MESSAGES = /Connection terminated|not queryable|ECONNRESET|EPIPE/;

function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && (LOST_SQLSTATES.has(code) || code === 'ECONNRESET' || code === 'EPIPE')) || LOST_MESSAGES.test(error.message);
}

export const postgresDialect: Dialect = {
  adapter: postgresAdapter,
  compiler: postgresQueryCompiler,
  isConnectionLost,
  connect: async (target) => new PostgresConnection(target, await openClient(target, databaseName(target))),
  // The system identifier is drawn when the server's cluster is created.
  databaseIdentity: (target) => queriedIdentity(target, postgresDialect.connect, 'SELECT system_identifier::text AS server, current_database() AS name FROM pg_control_system()'),
  createDatabase: async (target) => {
    const name = databaseName(target);
    return withMaintenanceClient(target, async (client) => {
      const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (existing.rowCount !== 0) return false;
      try {
        await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      } catch (error) {
        // Another session created it since the look above: it exists, and this session did not create it.
        if (isDuplicateDatabase(error)) return false;
        throw error;
      }
      return true;
    });
  },
  scratchFor: postgresScratch,
  dropDatabase: async (target) => {
    const name = databaseName(target);
    await withMaintenanceClient(target, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`));
  },
};
