// SQL Server through tedious: one TDS connection per Connection, sessions with XACT_ABORT on (an error
// rolls back the whole transaction rather than leaving it half done) and dates read and written as UTC,
// bulk writes through the TDS bulk copy (bulk/), locks by sp_getapplock owned by the session (they die
// with it). A scratch's sessions run as the scratch's user, whose default schema is the scratch.
import { Connection as TediousConnection, type ConnectionConfiguration, Request } from 'tedious';
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { InputError, OperationError } from '../../errors.ts';
import { acquireNamedLock, type Mutex, namedLockHolder } from '../lock.ts';
import type { Connection, Dialect, Lock, Row, SqlValue } from '../types.ts';
import { queriedIdentity } from '../server-identity.ts';
import { mssqlAdapter } from './adapter.ts';
import { bulkCopyBulk } from './bulk/index.ts';
import { bulkColumnType, convertedRows, keyOrder, rowConverter, type ServerColumn } from './bulk/bulk-load.ts';
import { mssqlIntrospector } from './introspector.ts';
import { mssqlQueryCompiler, textLiteral } from './query-compiler.ts';
import { mssqlScratch } from './scratch.ts';
import { type ColumnDescription, neutralValue, parameterOf } from './values.ts';
import { connectionSettings } from './settings.ts';

const APPLICATION_NAME = 'wfm';
/** The database every server has, from which others are created and dropped. */
const MASTER_DATABASE = 'master';
const DEFAULT_BATCH_ROWS = 10_000;
/** sp_getapplock's resource is an NVARCHAR(255). */
const MAX_LOCK_NAME_LENGTH = 255;
/** SNAPSHOT isolation is not allowed in the database (ALLOW_SNAPSHOT_ISOLATION is OFF). */
const SNAPSHOT_NOT_ALLOWED = 3952;

const quote = mssqlQueryCompiler.quoteIdentifier;

function requireDatabase(target: ConnectionTarget): string {
  if (!target.database) throw new InputError(`${describeTarget(target)} names no SQL Server database`);
  return target.database;
}

/** The error as it may be shown: whatever tedious or the server put in the message, the password is cut out. */
function withoutPassword(error: unknown, password: string | undefined): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (!password || !message.includes(password)) return error instanceof Error ? error : new Error(message);
  return new Error(message.replaceAll(password, '***'));
}

function configuration(target: ConnectionTarget, database: string): ConnectionConfiguration {
  const settings = connectionSettings(target);
  return {
    server: target.host ?? 'localhost',
    authentication: { type: 'default', options: { userName: target.user, password: target.password } },
    options: {
      database,
      // A named instance is found through the SQL Server Browser, which gives its port; a port given with
      // it is the instance's own, and wins.
      ...(target.instance && target.port === undefined ? { instanceName: target.instance } : { port: target.port }),
      encrypt: settings.encrypt,
      trustServerCertificate: settings.trustServerCertificate,
      appName: APPLICATION_NAME,
      useUTC: true,
      requestTimeout: 0,
      rowCollectionOnRequestCompletion: false,
    },
  };
}

function openServer(target: ConnectionTarget, database: string): Promise<TediousConnection> {
  return new Promise((resolve, reject) => {
    const server = new TediousConnection(configuration(target, database));
    // A session that ends while idle emits 'error', which unheard would end the process; the next request
    // on it fails with the reason instead.
    server.on('error', () => {});
    server.connect((error) => (error ? reject(withoutPassword(error, target.password)) : resolve(server)));
  });
}

interface Described {
  name: string;
  metadata: ColumnDescription;
}

/** Runs a request whose rows are handed to `onRow` as they come; resolves with the rows it changed. */
function run(server: TediousConnection, sql: string, params: readonly SqlValue[], onRow?: (row: Row) => void, onRequest?: (request: Request) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = new Request(sql, (error, rowCount) => (error ? reject(error) : resolve(rowCount ?? 0)));
    params.forEach((value, i) => {
      const parameter = parameterOf(value);
      request.addParameter(`p${i + 1}`, parameter.type, parameter.value);
    });
    let columns: Described[] = [];
    request.on('columnMetadata', (metadata) => {
      const list = Array.isArray(metadata) ? metadata : Object.values(metadata);
      columns = list.map((m) => ({ name: m.colName, metadata: m }));
    });
    if (onRow) {
      request.on('row', (values: Array<{ value: unknown }>) => {
        const row: Row = {};
        // Defined, not assigned, so that a column named __proto__ is a column and not the row's prototype.
        columns.forEach((column, i) => Object.defineProperty(row, column.name, { value: neutralValue(values[i]?.value, column.metadata), enumerable: true, writable: true, configurable: true }));
        onRow(row);
      });
    }
    onRequest?.(request);
    // Parameters go through sp_executesql; a statement without them is sent as a batch of its own.
    if (params.length > 0) server.execSql(request);
    else server.execSqlBatch(request);
  });
}

/** One lock resource per name in a database (app locks are the database's own); a long name is cut. */
function lockResource(name: string): string {
  return `wfm/${name}`.slice(0, MAX_LOCK_NAME_LENGTH);
}

class MssqlConnection implements Connection {
  readonly adapter = mssqlAdapter;
  readonly compiler = mssqlQueryCompiler;
  readonly bulk = bulkCopyBulk;
  readonly introspector;
  readonly description: string;
  private active = false;
  private closed = false;

  constructor(
    readonly target: ConnectionTarget,
    private readonly server: TediousConnection,
  ) {
    this.introspector = mssqlIntrospector((sql, params) => this.query(sql, params));
    this.description = describeTarget(target);
  }

  get inTransaction(): boolean {
    return this.active;
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const rows: Row[] = [];
    await run(this.server, sql, params, (row) => rows.push(row));
    return rows;
  }

  /** Rows as they come, the request paused while a full batch waits to be taken. */
  async *streamQuery(sql: string, params: readonly SqlValue[] = [], batchRows = DEFAULT_BATCH_ROWS): AsyncIterable<Row[]> {
    let batch: Row[] = [];
    const ready: Row[][] = [];
    let request: Request | undefined;
    let wake: (() => void) | undefined;
    let done = false;
    let failure: unknown;
    const finished = run(this.server, sql, params, (row) => {
      batch.push(row);
      if (batch.length < batchRows) return;
      ready.push(batch);
      batch = [];
      request?.pause();
      wake?.();
    }, (r) => (request = r)).then(
      () => {
        done = true;
        wake?.();
      },
      (error: unknown) => {
        failure = error;
        done = true;
        wake?.();
      },
    );
    try {
      while (!done || ready.length > 0) {
        const next = ready.shift();
        if (next) {
          request?.resume();
          yield next;
          continue;
        }
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      if (failure) throw failure;
      if (batch.length > 0) yield batch;
    } finally {
      // Left before its end, the request is cancelled, so that the connection can be used or closed.
      if (!done) {
        this.server.cancel();
        request?.resume();
        await finished;
      }
    }
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    this.refuseWriteWhenReadOnly();
    return run(this.server, sql, params);
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.within('READ COMMITTED', fn);
  }

  async snapshot<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.within('SNAPSHOT', fn);
    } catch (error) {
      if ((error as { number?: unknown }).number !== SNAPSHOT_NOT_ALLOWED) throw error;
      throw new OperationError(
        `${this.description} does not allow snapshot reads, which a consistent backup of a database in use needs; ` +
          `run ALTER DATABASE ${quote(requireDatabase(this.target))} SET ALLOW_SNAPSHOT_ISOLATION ON`,
      );
    }
  }

  private async within<T>(isolation: 'READ COMMITTED' | 'SNAPSHOT', fn: () => Promise<T>): Promise<T> {
    if (this.active) throw new Error('transactions do not nest');
    await run(this.server, `SET TRANSACTION ISOLATION LEVEL ${isolation}; BEGIN TRANSACTION`, []);
    this.active = true;
    try {
      const result = await fn();
      await run(this.server, 'COMMIT TRANSACTION', []);
      return result;
    } catch (error) {
      // With XACT_ABORT on, the server may have rolled back already; a ROLLBACK that finds nothing or a
      // connection gone is not the error worth reporting.
      await run(this.server, 'IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION', []).catch(() => undefined);
      throw error;
    } finally {
      this.active = false;
      if (isolation !== 'READ COMMITTED') await run(this.server, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED', []).catch(() => undefined);
    }
  }

  private refuseWriteWhenReadOnly(): void {
    // SQL Server has no read-only session: a connection opened to read refuses writes itself.
    if (this.target.readOnly) throw new OperationError(`${this.description} was opened to read only; nothing is written to it`);
  }

  async bulkInsert(table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number> {
    this.refuseWriteWhenReadOnly();
    // One transaction of its own unless the caller has one, so that a load that fails part-way leaves
    // nothing behind.
    const write = (): Promise<number> => this.bulkLoad(table, columns, rows);
    return this.active ? write() : this.transaction(write);
  }

  private async serverColumns(table: string, columns: readonly string[]): Promise<{ columns: ServerColumn[]; key: string[] }> {
    const described = await this.query(
      'SELECT c.name AS name, TYPE_NAME(c.system_type_id) AS type, c.max_length AS max_length, c.precision AS precision, c.scale AS scale, ' +
        'c.is_nullable AS nullable FROM sys.columns c WHERE c.object_id = OBJECT_ID(@p1)',
      [quote(table)],
    );
    const byName = new Map(
      described.map((r) => [
        String(r.name),
        { name: String(r.name), type: String(r.type), maxLength: Number(r.max_length), precision: Number(r.precision), scale: Number(r.scale), nullable: Number(r.nullable) === 1 },
      ]),
    );
    const chosen = columns.map((name) => {
      const column = byName.get(name);
      if (!column) throw new OperationError(`${table} has no column ${name} to load`);
      return column;
    });
    const key = await this.query(
      'SELECT c.name AS name FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id ' +
        'JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id ' +
        'WHERE i.object_id = OBJECT_ID(@p1) AND i.type = 1 AND ic.key_ordinal > 0 ORDER BY ic.key_ordinal',
      [quote(table)],
    );
    return { columns: chosen, key: key.map((r) => String(r.name)) };
  }

  private async bulkLoad(table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number> {
    const described = await this.serverColumns(table, columns);
    const counter = { rows: 0 };
    const written = await new Promise<number>((resolve, reject) => {
      const bulk = this.server.newBulkLoad(
        quote(table),
        { keepNulls: true, lockTable: true, checkConstraints: true, order: keyOrder(table, described.key, described.columns) },
        (error, rowCount) => (error ? reject(error) : resolve(rowCount ?? 0)),
      );
      for (const column of described.columns) {
        const { type, options } = bulkColumnType(table, column);
        bulk.addColumn(column.name, type, options);
      }
      this.server.execBulkLoad(bulk, convertedRows(rows, rowConverter(table, described.columns), counter));
    });
    if (written !== counter.rows) throw new OperationError(`loading ${table}: the server stored ${written} of ${counter.rows} rows`);
    return written;
  }

  /** An application lock owned by the session: the server frees it when the session ends. */
  private appLockMutex(name: string): Mutex {
    const resource = lockResource(name);
    return {
      tryAcquire: async () => {
        const [row] = await this.query(
          "DECLARE @result INT; EXEC @result = sp_getapplock @Resource = @p1, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0; SELECT @result AS result",
          [resource],
        );
        return Number(row?.result) >= 0;
      },
      release: async () => {
        await run(this.server, "EXEC sp_releaseapplock @Resource = @p1, @LockOwner = 'Session'", [resource]);
      },
    };
  }

  async acquireLock(name: string, holder: string, waitMs = 0): Promise<Lock> {
    return acquireNamedLock(this, name, holder, waitMs, this.appLockMutex(name));
  }

  async lockHolder(name: string): Promise<string | undefined> {
    return namedLockHolder(this, name, this.appLockMutex(name));
  }

  async sizeBytes(): Promise<number> {
    // size counts 8 KiB pages.
    const rows = await this.query('SELECT SUM(CAST(size AS BIGINT)) * 8192 AS size FROM sys.database_files');
    return Number(rows[0]?.size ?? 0);
  }

  async canCreateTables(): Promise<boolean> {
    const rows = await this.query(
      "SELECT CASE WHEN HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'CREATE TABLE') = 1 AND HAS_PERMS_BY_NAME(SCHEMA_NAME(), 'SCHEMA', 'ALTER') = 1 THEN 1 ELSE 0 END AS ok",
    );
    return Number(rows[0]?.ok) === 1;
  }

  async freeBytes(): Promise<number | undefined> {
    // The server reports its volumes itself, wherever it runs; that needs VIEW SERVER STATE.
    try {
      const rows = await this.query(
        'SELECT MIN(v.available_bytes) AS free FROM sys.database_files f CROSS APPLY sys.dm_os_volume_stats(DB_ID(), f.file_id) v',
      );
      return rows[0]?.free === null || rows[0]?.free === undefined ? undefined : Number(rows[0].free);
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.server.closed) return;
    await new Promise<void>((resolve) => {
      this.server.once('end', () => resolve());
      this.server.close();
    });
  }
}

async function open(target: ConnectionTarget): Promise<MssqlConnection> {
  const server = await openServer(target, requireDatabase(target));
  try {
    await run(server, 'SET XACT_ABORT ON', []);
    // A batch of its own: an EXECUTE AS inside sp_executesql would end with it.
    if (target.schema) await run(server, `EXECUTE AS USER = ${textLiteral(target.schema)}`, []);
  } catch (error) {
    server.close();
    throw withoutPassword(error, target.password);
  }
  return new MssqlConnection(target, server);
}

/** Runs one batch on a connection to master, for what cannot run inside the database. */
async function onMaster(target: ConnectionTarget, sql: string, params: readonly SqlValue[]): Promise<Row[]> {
  const server = await openServer(target, MASTER_DATABASE);
  try {
    const rows: Row[] = [];
    await run(server, sql, params, (row) => rows.push(row));
    return rows;
  } finally {
    server.close();
  }
}

const LOST_CODES = new Set(['ESOCKET', 'ECLOSE', 'ECONNRESET', 'EPIPE', 'ETIMEOUT']);

function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && LOST_CODES.has(code)) || /Connection lost|connection was closed|Final state/i.test(error.message);
}

export const mssqlDialect: Dialect = {
  adapter: mssqlAdapter,
  compiler: mssqlQueryCompiler,
  isConnectionLost,
  connect: open,
  // The server's name and its service's start are one server however its host is spelled.
  databaseIdentity: (target) =>
    queriedIdentity(target, mssqlDialect.connect, "SELECT CONCAT(CAST(SERVERPROPERTY('ServerName') AS NVARCHAR(256)), ':', @@SERVICENAME) AS server, DB_NAME() AS name"),
  // SNAPSHOT isolation is allowed from the start: a backup of the database in use reads through it.
  createDatabase: async (target) => {
    const name = quote(requireDatabase(target));
    const rows = await onMaster(
      target,
      `IF DB_ID(@p1) IS NULL BEGIN CREATE DATABASE ${name}; ALTER DATABASE ${name} SET ALLOW_SNAPSHOT_ISOLATION ON; SELECT 1 AS created END ELSE SELECT 0 AS created`,
      [requireDatabase(target)],
    );
    return Number(rows[0]?.created) === 1;
  },
  scratchFor: mssqlScratch,
  // Other sessions are ended first, as PostgreSQL's DROP DATABASE WITH (FORCE) does.
  dropDatabase: async (target) => {
    const name = quote(requireDatabase(target));
    await onMaster(target, `IF DB_ID(@p1) IS NOT NULL BEGIN ALTER DATABASE ${name} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ${name} END`, [
      requireDatabase(target),
    ]);
  },
};

