// The registry of dialects by engine name, and connecting from a connection string: the one module that
// knows every dialect folder, so that the neutral contract in dialect/ imports none of them.
import { ConnectionError, errorMessage, InputError, OperationError } from './errors.ts';
import { describeTarget, parseConnectionString, type ConnectionTarget, type EngineName } from './dialect/connection-string.ts';
import type { Connection, Dialect } from './dialect/types.ts';

// Each engine's driver is loaded with its dialect, at the first connection to that engine: a command that
// opens no database, or only a SQLite file, starts without the server drivers.
const loaders: Record<EngineName, () => Promise<Dialect>> = {
  sqlite: async () => (await import('./dialect/sqlite/index.ts')).sqliteDialect,
  postgres: async () => (await import('./dialect/postgres/index.ts')).postgresDialect,
  mysql: async () => (await import('./dialect/mysql/index.ts')).mysqlDialect,
  mssql: async () => (await import('./dialect/mssql/index.ts')).mssqlDialect,
  oracle: async () => (await import('./dialect/oracle/index.ts')).oracleDialect,
};

/** The dialects loaded so far: only a session of one of them can have been ended by its server. */
const loadedDialects = new Map<EngineName, Dialect>();

/**
 * The failure told as what it is when a server ended the session: an operation that can be run again, not a
 * fault of the tool. Every change is committed in steps, so what was committed stays and the rest is undone.
 */
export function asConnectionLost(error: unknown): OperationError | undefined {
  for (const dialect of loadedDialects.values()) {
    if (dialect.isConnectionLost(error)) {
      return new OperationError(`the database connection was lost (${errorMessage(error)}); what was committed is kept: run the same command again to finish (a 6.5 migration with --resume)`);
    }
  }
  return undefined;
}

export async function dialectFor(engine: EngineName): Promise<Dialect> {
  const dialect = loadedDialects.get(engine) ?? (await loaders[engine]());
  loadedDialects.set(engine, dialect);
  return dialect;
}

export async function connect(target: ConnectionTarget | string): Promise<Connection> {
  const parsed = typeof target === 'string' ? parseConnectionString(target) : target;
  const dialect = await dialectFor(parsed.engine);
  try {
    return await dialect.connect(parsed);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const message = `cannot connect to ${describeTarget(parsed)}: ${(error as Error).message}`;
    // A file that will not open is a wrong path or a wrong file; a server that will not answer is an outage.
    throw parsed.path !== undefined ? new InputError(message) : new ConnectionError(message);
  }
}

/**
 * What `work` makes of a connection the caller keeps open afterwards (a source checked for its release);
 * when `work` fails or refuses it, the connection is closed first: an open session would keep the process
 * alive after its error is printed.
 */
export async function closeOnFailure<T>(connection: Connection, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** Opens a connection for `fn` and closes it however `fn` ends. */
export async function withConnection<T>(target: ConnectionTarget | string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(target);
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}
