// MariaDB through mysql2: one server connection per Connection, a UTC session in strict SQL mode with
// backslash escapes left on (LOAD DATA's ESCAPED BY, literal() and mysql2's client-side parameter escaping
// all rely on them), bulk writes through LOAD DATA LOCAL INFILE fed from a stream.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  createConnection,
  type Connection as ServerConnection,
  type ConnectionOptions,
  type ResultSetHeader,
  type TypeCastField,
  type TypeCastNext,
} from 'mysql2/promise';
import type { Connection as CoreConnection } from 'mysql2';
import { freeBytesAt, isLocalHost } from '../local-disk.ts';
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { InputError, OperationError } from '../../errors.ts';
import { batches } from '../batches.ts';
import { acquireNamedLock, type Mutex, namedLockHolder } from '../lock.ts';
import type { Connection, Dialect, Lock, Row, SqlValue } from '../types.ts';
import { queriedIdentity } from '../server-identity.ts';
import { mysqlAdapter } from './adapter.ts';
import { loadDataBulk } from './bulk/index.ts';
import { infileChunks, lineEncoder, loadDataStatement, socketOf } from './bulk/load-data.ts';
import { mysqlIntrospector } from './introspector.ts';
import { MYSQL_COLLATION, mysqlQueryCompiler } from './query-compiler.ts';
import { mysqlScratch } from './scratch.ts';

const SQL_MODE = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION';
const MAX_LOCK_NAME_LENGTH = 64;
const INSERT_BATCH_ROWS = 1000;
const DEFAULT_BATCH_ROWS = 10_000;
const INSERT_BATCH_BYTES = 4 * 1024 * 1024;
const BINARY_DATA_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

const quote = mysqlQueryCompiler.quoteIdentifier;

/**
 * Values as the dialect contract has them. mysql2's own text parser for DOUBLE loses the last bit of about
 * one value in 200, although the server sends the shortest exact text, so that text is parsed here; integers
 * beyond 2^53 come back as bigint rather than mysql2's strings.
 */
function neutralValue(field: TypeCastField, next: TypeCastNext): unknown {
  if (field.type === 'DOUBLE') {
    const text = field.string();
    return text === null ? null : Number(text);
  }
  if (field.type === 'LONGLONG') {
    const text = field.string();
    if (text === null) return null;
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : BigInt(text);
  }
  return next();
}

function connectionOptions(target: ConnectionTarget, database: string | undefined): ConnectionOptions {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database,
    dateStrings: true,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    multipleStatements: false,
    charset: 'utf8mb4',
    typeCast: neutralValue,
  };
}

/** The error with the password cut out, should the driver or server ever repeat it. */
function withoutPassword(error: unknown, target: ConnectionTarget): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (!target.password || !message.includes(target.password)) return error instanceof Error ? error : new Error(message);
  return new Error(message.replaceAll(target.password, '***'));
}

async function open(target: ConnectionTarget, database: string | undefined): Promise<ServerConnection> {
  let connection: ServerConnection | undefined;
  try {
    connection = await createConnection(connectionOptions(target, database));
    // A dropped connection surfaces as the next command's error; unheard, the event would end the process.
    connection.on('error', () => {});
    await connection.query("SET time_zone = '+00:00'");
    await connection.query(`SET SESSION sql_mode = '${SQL_MODE}'`);
    if (target.readOnly) await connection.query('SET SESSION TRANSACTION READ ONLY');
    return connection;
  } catch (error) {
    connection?.destroy();
    throw withoutPassword(error, target);
  }
}

function requireDatabase(target: ConnectionTarget): string {
  if (!target.database) throw new InputError(`${describeTarget(target)} names no database`);
  return target.database;
}

/** GET_LOCK names are server-wide and at most 64 characters: scoped by database, hashed when too long. */
function serverLockName(database: string, name: string): string {
  const full = `${database}/${name}`;
  if (full.length <= MAX_LOCK_NAME_LENGTH) return full;
  return `wfm/${createHash('sha256').update(full).digest('hex').slice(0, MAX_LOCK_NAME_LENGTH - 4)}`;
}

/** A GET_LOCK lock: held by the server connection, so it dies with it. */
function serverLockMutex(connection: Connection, lockName: string): Mutex {
  return {
    tryAcquire: async () => Number((await connection.query('SELECT GET_LOCK(?, 0) AS taken', [lockName]))[0]?.taken) === 1,
    release: async () => {
      await connection.query('SELECT RELEASE_LOCK(?)', [lockName]);
    },
  };
}

function approximateBytes(value: SqlValue): number {
  if (Buffer.isBuffer(value)) return value.length * 2 + 3;
  return typeof value === 'string' ? value.length * 2 + 2 : 24;
}

class MysqlConnection implements Connection {
  readonly adapter = mysqlAdapter;
  readonly compiler = mysqlQueryCompiler;
  readonly bulk = loadDataBulk;
  readonly introspector;
  readonly description: string;
  private active = false;
  private closed = false;
  private localInfile: Promise<boolean> | undefined;

  constructor(
    readonly target: ConnectionTarget,
    private readonly server: ServerConnection,
  ) {
    this.introspector = mysqlIntrospector((sql, params) => this.query(sql, params));
    this.description = describeTarget(target);
  }

  get inTransaction(): boolean {
    return this.active;
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const [result] = await this.server.query(sql, params.length > 0 ? [...params] : undefined);
    return Array.isArray(result) ? (result as Row[]) : [];
  }

  async *streamQuery(sql: string, params: readonly SqlValue[] = [], batchRows = DEFAULT_BATCH_ROWS): AsyncIterable<Row[]> {
    // The callback connection under the promise one streams rows and pauses the socket when not read;
    // mysql2's typings declare it on pool connections only.
    const core = (this.server as unknown as { connection: CoreConnection }).connection;
    const rows = core.query({ sql, values: [...params] }).stream({ highWaterMark: batchRows });
    // A paused row stream is never told that its session ended: it is ended with the reason here.
    const lost = (error?: Error): void => void rows.destroy(error ?? new Error('Connection lost: The server closed the connection.'));
    core.once('error', lost);
    core.once('end', lost);
    try {
      yield* batches(rows as AsyncIterable<Row>, batchRows);
    } finally {
      core.off('error', lost);
      core.off('end', lost);
    }
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const [result] = await this.server.query(sql, params.length > 0 ? [...params] : undefined);
    return Array.isArray(result) ? 0 : (result as ResultSetHeader).affectedRows;
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.within('BEGIN', fn);
  }

  snapshot<T>(fn: () => Promise<T>): Promise<T> {
    return this.within('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY', fn);
  }

  private async within<T>(begin: string, fn: () => Promise<T>): Promise<T> {
    if (this.active) throw new Error('transactions do not nest');
    await this.server.query(begin);
    this.active = true;
    try {
      const result = await fn();
      await this.server.query('COMMIT');
      return result;
    } catch (error) {
      // A ROLLBACK that fails means the connection is gone, and the server rolls back on its own; the
      // original error is the one worth reporting.
      await this.server.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      this.active = false;
    }
  }

  async bulkInsert(table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number> {
    // One transaction of its own unless the caller has one, so that a load that fails part-way, or one the
    // server changed a value in, leaves nothing behind.
    const write = async (): Promise<number> =>
      (await this.localInfileAvailable()) ? this.loadData(table, columns, rows) : this.insertBatches(table, columns, rows);
    return this.active ? write() : this.transaction(write);
  }

  /** LOAD DATA LOCAL needs local_infile on the server; it is switched on when this user may. */
  private localInfileAvailable(): Promise<boolean> {
    this.localInfile ??= (async () => {
      if (Number((await this.query('SELECT @@local_infile AS enabled'))[0]?.enabled) === 1) return true;
      try {
        await this.server.query('SET GLOBAL local_infile = 1');
        return true;
      } catch {
        // Not allowed to (no SUPER or SYSTEM_VARIABLES_ADMIN): multi-row INSERTs are slower but correct.
        return false;
      }
    })();
    return this.localInfile;
  }

  private async binaryColumns(table: string, columns: readonly string[]): Promise<boolean[]> {
    const rows = await this.query(
      'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [table],
    );
    const binary = new Set(rows.filter((r) => BINARY_DATA_TYPES.has(String(r.type).toLowerCase())).map((r) => String(r.name)));
    return columns.map((c) => binary.has(c));
  }

  private async loadData(table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number> {
    const binary = await this.binaryColumns(table, columns);
    const counter = { rows: 0 };
    const file = Readable.from(infileChunks(rows, lineEncoder(table, columns, binary), socketOf(this.server), counter));
    try {
      const [result] = await this.server.query<ResultSetHeader>({ sql: loadDataStatement(table, columns, binary), infileStreamFactory: () => file });
      await this.refuseChangedRows(table, result, counter.rows);
      return result.affectedRows;
    } finally {
      file.destroy();
    }
  }

  /** LOAD DATA LOCAL turns bad values and duplicate keys into warnings and carries on; here they are errors. */
  private async refuseChangedRows(table: string, result: ResultSetHeader, sent: number): Promise<void> {
    if (result.warningStatus === 0 && result.affectedRows === sent) return;
    const warnings = await this.query('SHOW WARNINGS LIMIT 5');
    const details = warnings.map((w) => String(w.Message)).join('; ');
    throw new OperationError(
      `loading ${table}: the server stored ${result.affectedRows} of ${sent} rows with ${result.warningStatus} warnings` +
        `${details ? ` (${details})` : ''}; nothing was written`,
    );
  }

  private async insertBatches(table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number> {
    const head = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES `;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    let batch: SqlValue[][] = [];
    let bytes = 0;
    let written = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      written += await this.execute(head + batch.map(() => tuple).join(', '), batch.flat());
      batch = [];
      bytes = 0;
    };
    for await (const row of rows) {
      if (row.length !== columns.length) throw new OperationError(`a row for ${table} has ${row.length} values for ${columns.length} columns`);
      batch.push(row);
      bytes += row.reduce<number>((sum, value) => sum + approximateBytes(value), 0);
      if (batch.length >= INSERT_BATCH_ROWS || bytes >= INSERT_BATCH_BYTES) await flush();
    }
    await flush();
    return written;
  }

  async acquireLock(name: string, holder: string, waitMs = 0): Promise<Lock> {
    return acquireNamedLock(this, name, holder, waitMs, serverLockMutex(this, serverLockName(requireDatabase(this.target), name)));
  }

  async lockHolder(name: string): Promise<string | undefined> {
    return namedLockHolder(this, name, serverLockMutex(this, serverLockName(requireDatabase(this.target), name)));
  }

  async sizeBytes(): Promise<number> {
    const rows = await this.query(
      'SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS size FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
    );
    return Number(rows[0]?.size ?? 0);
  }

  async canCreateTables(): Promise<boolean> {
    // The user's CREATE privilege, global or on this database, as information_schema names the grantee.
    const grantee = "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
    const rows = await this.query(
      `SELECT (SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'CREATE' AND GRANTEE = ${grantee}) + ` +
        `(SELECT COUNT(*) FROM information_schema.SCHEMA_PRIVILEGES WHERE PRIVILEGE_TYPE = 'CREATE' AND TABLE_SCHEMA = DATABASE() AND GRANTEE = ${grantee}) AS n`,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async freeBytes(): Promise<number | undefined> {
    if (!isLocalHost(this.target.host)) return undefined;
    const rows = await this.query('SELECT @@datadir AS dir');
    return rows[0]?.dir ? freeBytesAt(String(rows[0].dir)) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.server.end();
  }
}

/** Runs one statement on a connection to the server itself, for what cannot run inside the database. */
async function onServer(target: ConnectionTarget, sql: string): Promise<number> {
  const server = await open(target, undefined);
  try {
    const [result] = await server.query(sql);
    return (result as { affectedRows?: number }).affectedRows ?? 0;
  } finally {
    await server.end();
  }
}

const LOST_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ER_CONNECTION_KILLED', 'ER_QUERY_INTERRUPTED', 'ECONNRESET', 'EPIPE']);

function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && LOST_CODES.has(code)) || /connection is in closed state|Connection lost/.test(error.message);
}

export const mysqlDialect: Dialect = {
  adapter: mysqlAdapter,
  compiler: mysqlQueryCompiler,
  isConnectionLost,
  connect: async (target) => new MysqlConnection(target, await open(target, requireDatabase(target))),
  // MariaDB has no server id, but its host name, port and data directory name one server on a network.
  databaseIdentity: (target) => queriedIdentity(target, mysqlDialect.connect, "SELECT CONCAT(@@hostname, ':', @@port, ':', @@datadir) AS server, DATABASE() AS name"),
  // CREATE DATABASE counts one row when it creates the database, none when IF NOT EXISTS finds it.
  createDatabase: async (target) =>
    (await onServer(target, `CREATE DATABASE IF NOT EXISTS ${quote(requireDatabase(target))} CHARACTER SET utf8mb4 COLLATE ${MYSQL_COLLATION}`)) > 0,
  scratchFor: mysqlScratch,
  dropDatabase: async (target) => {
    await onServer(target, `DROP DATABASE IF EXISTS ${quote(requireDatabase(target))}`);
  },
};
