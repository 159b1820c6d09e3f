// Oracle through node-oracledb in thin mode (no Oracle client library): one server session per Connection,
// with a UTC time zone and fixed NLS formats, so that dates and timestamps travel as the neutral texts both
// ways; result column names come back in the model's lower case and every value through values.ts (the
// empty string's sentinel, whole numbers beyond 2^53 as bigint). Bulk writes are executeMany batches.
import { randomBytes } from 'node:crypto';
import oracledb from 'oracledb';
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { InputError, OperationError } from '../../errors.ts';
import { acquireNamedLock, namedLockHolder } from '../lock.ts';
import { queriedIdentity } from '../server-identity.ts';
import type { Connection, Dialect, Lock, Row, SqlValue } from '../types.ts';
import { oracleAdapter } from './adapter.ts';
import { executeManyBulk } from './bulk/index.ts';
import { bindBatches, columnBind, insertStatement, type ColumnInfo } from './bulk/execute-many.ts';
import { connectString } from './connect-string.ts';
import { modelName, oracleName, quoteIdentifier } from './identifiers.ts';
import { oracleIntrospector } from './introspector.ts';
import { dbmsLockMutex, lockNumber } from './lock.ts';
import { oracleQueryCompiler } from './query-compiler.ts';
import { oracleScratch } from './scratch.ts';
import { bindValue, neutralValue, wholeNumberFromText } from './values.ts';

const DEFAULT_BATCH_ROWS = 10_000;

/** The session's formats: the neutral texts of dates and timestamps, and '.' as the decimal point. */
const SESSION_SETUP = [
  "ALTER SESSION SET TIME_ZONE = '+00:00'",
  "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD'",
  "ALTER SESSION SET NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS'",
  "ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS'",
  "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'",
];

const CURRENT_SCHEMA = "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')";

const TEXT_FETCHED = new Set<unknown>([oracledb.DB_TYPE_DATE, oracledb.DB_TYPE_TIMESTAMP, oracledb.DB_TYPE_TIMESTAMP_TZ, oracledb.DB_TYPE_TIMESTAMP_LTZ, oracledb.DB_TYPE_CLOB, oracledb.DB_TYPE_NCLOB]);

/**
 * Dates, timestamps and CLOBs as text (the session's formats make dates neutral), BLOBs as Buffers, and
 * NUMBERs as their digits, so that a NUMBER(19) beyond 2^53 is not rounded on its way to a double.
 */
function fetchTypeHandler(metadata: oracledb.Metadata<unknown>): oracledb.FetchTypeResponse | undefined {
  if (metadata.dbType === oracledb.DB_TYPE_NUMBER) return { type: oracledb.STRING, converter: (value: unknown) => wholeNumberFromText(value as string | null) };
  if (TEXT_FETCHED.has(metadata.dbType)) return { type: oracledb.STRING };
  if (metadata.dbType === oracledb.DB_TYPE_BLOB) return { type: oracledb.BUFFER };
  return undefined;
}

/** Result rows as the contract has them: keys in the model's case, values neutral. */
function neutralRows(metaData: readonly { name: string }[] | undefined, rows: readonly unknown[][]): Row[] {
  const names = (metaData ?? []).map((m) => modelName(m.name));
  return rows.map((values) => {
    const row: Row = {};
    names.forEach((name, i) => {
      row[name] = neutralValue(values[i]);
    });
    return row;
  });
}

/**
 * The error of a failed connection as one line (node-oracledb adds the socket's own error on a line of its
 * own), with the password cut out, should the driver or server ever repeat it.
 */
function connectionError(error: unknown, target: ConnectionTarget): Error {
  const message = (error instanceof Error ? error.message : String(error)).trim().replace(/\s*\n\s*/g, '; ');
  return new Error(target.password ? message.replaceAll(target.password, '***') : message);
}

async function open(target: ConnectionTarget): Promise<oracledb.Connection> {
  let connection: oracledb.Connection | undefined;
  try {
    connection = await oracledb.getConnection({ user: target.user, password: target.password, connectString: connectString(target) });
    for (const sql of SESSION_SETUP) await connection.execute(sql);
    if (target.schema) await connection.execute(`ALTER SESSION SET CURRENT_SCHEMA = ${quoteIdentifier(target.schema)}`);
    // A read-only transaction lasts until the session commits, which a read-only Connection never does.
    if (target.readOnly) await connection.execute('SET TRANSACTION READ ONLY');
    return connection;
  } catch (error) {
    await connection?.close().catch(() => undefined);
    if (error instanceof InputError) throw error;
    throw connectionError(error, target);
  }
}

class OracleConnection implements Connection {
  readonly adapter = oracleAdapter;
  readonly compiler = oracleQueryCompiler;
  readonly bulk = executeManyBulk;
  readonly introspector;
  readonly description: string;
  private active = false;
  private closed = false;

  constructor(
    readonly target: ConnectionTarget,
    private readonly server: oracledb.Connection,
  ) {
    this.introspector = oracleIntrospector((sql, params) => this.query(sql, params));
    this.description = describeTarget(target);
  }

  get inTransaction(): boolean {
    return this.active;
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const result = await this.server.execute<unknown[]>(sql, params.map(bindValue), {
      outFormat: oracledb.OUT_FORMAT_ARRAY,
      fetchTypeHandler,
      autoCommit: this.autoCommit(),
    });
    return neutralRows(result.metaData, result.rows ?? []);
  }

  async *streamQuery(sql: string, params: readonly SqlValue[] = [], batchRows = DEFAULT_BATCH_ROWS): AsyncIterable<Row[]> {
    const result = await this.server.execute<unknown[]>(sql, params.map(bindValue), {
      outFormat: oracledb.OUT_FORMAT_ARRAY,
      fetchTypeHandler,
      resultSet: true,
      fetchArraySize: Math.min(batchRows, 1000),
    });
    const rows = result.resultSet as oracledb.ResultSet<unknown[]>;
    try {
      for (;;) {
        const batch = await rows.getRows(batchRows);
        if (batch.length === 0) return;
        yield neutralRows(result.metaData, batch);
      }
    } finally {
      await rows.close();
    }
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    if (this.target.readOnly) throw new OperationError(`${this.description} is open for reading only`);
    const result = await this.server.execute(sql, params.map(bindValue), { autoCommit: this.autoCommit() });
    return result.rowsAffected ?? 0;
  }

  /** Outside a transaction every statement commits by itself, as on the other engines. */
  private autoCommit(): boolean {
    return !this.active && !this.target.readOnly;
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.within(undefined, fn);
  }

  snapshot<T>(fn: () => Promise<T>): Promise<T> {
    return this.within('SET TRANSACTION READ ONLY', fn);
  }

  private async within<T>(begin: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.active) throw new Error('transactions do not nest');
    // A read-only session is in a read-only transaction already; a snapshot starts a new one.
    if (this.target.readOnly) await this.server.commit();
    if (begin) await this.server.execute(begin);
    this.active = true;
    try {
      const result = await fn();
      await this.server.commit();
      return result;
    } catch (error) {
      // A rollback that fails means the session is gone, and the server rolls back on its own.
      await this.server.rollback().catch(() => {});
      throw error;
    } finally {
      this.active = false;
      if (this.target.readOnly) await this.server.execute('SET TRANSACTION READ ONLY').catch(() => {});
    }
  }

  async bulkInsert(table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number> {
    // One transaction of its own unless the caller has one, so that a load that fails part-way leaves nothing.
    const write = async (): Promise<number> => {
      const binds = (await this.columnInfo(table, columns)).map(columnBind);
      const sql = insertStatement(table, columns);
      let written = 0;
      for await (const batch of bindBatches(table, binds, rows)) {
        const result = await this.server.executeMany(sql, batch, { bindDefs: binds.map((b) => b.definition), autoCommit: false });
        written += result.rowsAffected ?? 0;
      }
      return written;
    };
    return this.active ? write() : this.transaction(write);
  }

  private async columnInfo(table: string, columns: readonly string[]): Promise<ColumnInfo[]> {
    const rows = await this.query(
      `SELECT column_name, data_type, data_precision, char_length FROM all_tab_columns WHERE owner = ${CURRENT_SCHEMA} AND table_name = :1`,
      [oracleName(table)],
    );
    const byName = new Map(rows.map((r) => [String(r.column_name), r]));
    return columns.map((column) => {
      const row = byName.get(oracleName(column));
      if (!row) throw new OperationError(`table ${table} has no column ${column}`);
      return { name: column, dataType: String(row.data_type), precision: row.data_precision === null ? null : Number(row.data_precision), charLength: Number(row.char_length) };
    });
  }

  private async lockCall(block: string, id: number): Promise<number> {
    try {
      const result = await this.server.execute<{ result: number }>(block, { result: { dir: oracledb.BIND_OUT, type: oracledb.NUMBER }, id });
      return Number(result.outBinds?.result);
    } catch (error) {
      // PLS-00201: the user may not execute DBMS_LOCK.
      if (error instanceof Error && /PLS-00201/.test(error.message)) {
        throw new OperationError(`${this.description} cannot take its lock: the user needs EXECUTE on SYS.DBMS_LOCK (GRANT EXECUTE ON SYS.DBMS_LOCK TO <user>)`);
      }
      throw error;
    }
  }

  private async mutex(name: string): Promise<ReturnType<typeof dbmsLockMutex>> {
    const [row] = await this.query(`SELECT ${CURRENT_SCHEMA} AS schema_name FROM DUAL`);
    return dbmsLockMutex((block, id) => this.lockCall(block, id), lockNumber(String(row?.schema_name), name));
  }

  async acquireLock(name: string, holder: string, waitMs = 0): Promise<Lock> {
    return acquireNamedLock(this, name, holder, waitMs, await this.mutex(name));
  }

  async lockHolder(name: string): Promise<string | undefined> {
    return namedLockHolder(this, name, await this.mutex(name));
  }

  async sizeBytes(): Promise<number> {
    // USER_SEGMENTS holds the user's own schema; another schema's segments are in DBA_SEGMENTS, which needs
    // SELECT_CATALOG_ROLE or a DBA.
    const rows = this.target.schema
      ? await this.query(`SELECT NVL(SUM(bytes), 0) AS total FROM dba_segments WHERE owner = ${CURRENT_SCHEMA}`)
      : await this.query('SELECT NVL(SUM(bytes), 0) AS total FROM user_segments');
    return Number(rows[0]?.total ?? 0);
  }

  async canCreateTables(): Promise<boolean> {
    const privilege = this.target.schema ? 'CREATE ANY TABLE' : 'CREATE TABLE';
    const rows = await this.query('SELECT COUNT(*) AS n FROM session_privs WHERE privilege IN (:1, :2)', [privilege, 'CREATE ANY TABLE']);
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /** The server's data files are never this process's to see: thin mode talks to a server over the network. */
  async freeBytes(): Promise<number | undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.server.close();
  }
}

/** The schema a target's tables are in: the one it names, or its user's own. */
export function schemaOf(target: ConnectionTarget): string {
  const schema = target.schema ?? target.user;
  if (!schema) throw new InputError(`${describeTarget(target)} names neither a user nor a schema`);
  return oracleName(schema);
}

async function schemaExists(server: oracledb.Connection, schema: string): Promise<boolean> {
  const result = await server.execute<unknown[]>('SELECT 1 FROM all_users WHERE username = :1', [schema], { outFormat: oracledb.OUT_FORMAT_ARRAY });
  return (result.rows ?? []).length > 0;
}

/**
 * A schema of its own for a target that names one: a user that cannot log in (its password is random and
 * never kept, the account locked), with room in the default tablespace. A target without a schema is its
 * user's own schema, which exists with the user.
 */
async function createSchema(target: ConnectionTarget): Promise<boolean> {
  if (!target.schema) return false;
  const schema = schemaOf(target);
  const server = await open({ ...target, schema: undefined });
  try {
    if (await schemaExists(server, schema)) return false;
    // At most 30 characters, the limit before 12.2.
    const password = `W${randomBytes(14).toString('hex')}`;
    const tablespace = await server.execute<unknown[]>("SELECT property_value FROM database_properties WHERE property_name = 'DEFAULT_PERMANENT_TABLESPACE'", [], { outFormat: oracledb.OUT_FORMAT_ARRAY });
    const name = String(tablespace.rows?.[0]?.[0] ?? 'USERS');
    await server.execute(`CREATE USER "${schema}" IDENTIFIED BY "${password}" ACCOUNT LOCK QUOTA UNLIMITED ON ${quoteIdentifier(name)}`);
    return true;
  } finally {
    await server.close();
  }
}

async function dropSchema(target: ConnectionTarget): Promise<void> {
  if (!target.schema) {
    throw new OperationError(`${describeTarget(target)} is the user's own schema, which only a DBA drops (DROP USER ... CASCADE)`);
  }
  const schema = schemaOf(target);
  const server = await open({ ...target, schema: undefined });
  try {
    if (await schemaExists(server, schema)) await server.execute(`DROP USER "${schema}" CASCADE`);
  } finally {
    await server.close();
  }
}

/** ORA- and NJS- codes of a session the server or the network ended. */
const LOST = /\b(ORA-00028|ORA-01012|ORA-03113|ORA-03114|ORA-03135|ORA-02396|NJS-003|NJS-500|NJS-501|NJS-521|DPI-1080)\b/;

function isConnectionLost(error: unknown): boolean {
  return error instanceof Error && LOST.test(error.message);
}

export const oracleDialect: Dialect = {
  adapter: oracleAdapter,
  compiler: oracleQueryCompiler,
  isConnectionLost,
  connect: async (target) => new OracleConnection(target, await open(target)),
  // The database (a PDB, or the instance before 12c's containers) and the schema name one database, whatever
  // alias or descriptor reached it.
  databaseIdentity: (target) =>
    queriedIdentity(
      target,
      oracleDialect.connect,
      `SELECT SYS_CONTEXT('USERENV', 'DB_UNIQUE_NAME') || '/' || SYS_CONTEXT('USERENV', 'CON_NAME') AS server, ${CURRENT_SCHEMA} AS name FROM DUAL`,
    ),
  createDatabase: createSchema,
  dropDatabase: dropSchema,
  scratchFor: oracleScratch,
};
