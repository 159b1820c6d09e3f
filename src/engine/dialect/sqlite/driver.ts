// SQLite through better-sqlite3: one synchronous handle per connection, WAL so readers are not blocked
// by a writer, bulk writes as one prepared statement inside large transactions.
import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { InputError } from '../../errors.ts';
import { batches } from '../batches.ts';
import { freeBytesAt } from '../local-disk.ts';
import { acquireNamedLock, type Mutex, namedLockHolder } from '../lock.ts';
import type { Connection, Dialect, Lock, Row, SqlValue } from '../types.ts';
import { sqliteAdapter } from './adapter.ts';
import { preparedStatementsBulk } from './bulk/index.ts';
import { insertPrepared } from './bulk/prepared-inserts.ts';
import { sqliteIntrospector } from './introspector.ts';
import { sqliteQueryCompiler } from './query-compiler.ts';
import { sqliteScratch } from './scratch.ts';

const DEFAULT_BATCH_ROWS = 10_000;

function databasePath(target: ConnectionTarget): string {
  if (!target.path) throw new InputError(`${describeTarget(target)} names no SQLite file`);
  return target.path;
}

/** The file format's read and write versions (bytes 18 and 19 of the header) are 2 in WAL mode. */
function isWalFile(path: string): boolean {
  const header = Buffer.alloc(20);
  const descriptor = openSync(path, 'r');
  try {
    return readSync(descriptor, header, 0, header.length, 0) === header.length && header[18] === 2 && header[19] === 2;
  } finally {
    closeSync(descriptor);
  }
}

/**
 * A source is opened without creating it, setting its journal mode or writing anything, so that it stays
 * byte for byte as it was. In WAL mode a reader needs the -wal and -shm files: a read-only handle would
 * leave them behind, so where they are absent the handle may write but is held to queries (query_only),
 * and SQLite removes them as its last connection closes.
 */
function openToRead(path: string): Database.Database {
  if (!existsSync(path)) throw new InputError(`the SQLite file ${path} does not exist; name an existing database (a command that only reads creates nothing)`);
  const removesItsWal = isWalFile(path) && !existsSync(`${path}-wal`);
  const db = new Database(path, { readonly: !removesItsWal, fileMustExist: true, timeout: 10_000 });
  try {
    if (removesItsWal) db.pragma('query_only = ON');
    // The header is read now, so that a file that is no database is refused as the connection opens.
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function open(path: string, readOnly = false): Database.Database {
  if (readOnly) return openToRead(path);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * A write transaction on a side file: held while this process lives, released by the OS when it dies. The
 * holder removes the file as it lets go, so a database keeps nothing of a run beside it.
 */
function sideFileMutex(path: string): Mutex {
  const file = `${path}.wfmlock`;
  let handle: Database.Database | undefined;
  return {
    tryAcquire: async () => {
      for (;;) {
        const db = takeSideFile(file);
        if (!db) return false;
        if (holdsFileAtPath(file)) {
          handle = db;
          return true;
        }
        // A holder that has just let go removed the file this session opened: its lock guards nothing,
        // and the file now at the path (or a new one) is taken instead.
        db.exec('ROLLBACK');
        db.close();
      }
    },
    release: async () => {
      if (!handle) return;
      // Removed while still held: a session waiting on this file finds it gone and takes a new one.
      rmSync(file, { force: true });
      handle.exec('ROLLBACK');
      handle.close();
      handle = undefined;
    },
  };
}

/** The side file with its write transaction begun, or undefined when another session holds it. */
function takeSideFile(file: string): Database.Database | undefined {
  const db = new Database(file, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
    return db;
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw error;
  }
}

/**
 * Whether the file now at `file` is the one this process holds: another handle on it is refused only if
 * so. A file found missing is not created again by this check.
 */
function holdsFileAtPath(file: string): boolean {
  let probe: Database.Database;
  try {
    probe = new Database(file, { timeout: 0, fileMustExist: true });
  } catch {
    // Removed since it was opened.
    return false;
  }
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    probe.close();
  }
}

/**
 * better-sqlite3 answers synchronously, so a long read would never let the event loop run: between batches
 * it gets a turn, and a server in the same process (the console following a run) keeps answering.
 */
async function* givingTurns(source: AsyncIterable<Row[]>): AsyncIterable<Row[]> {
  for await (const batch of source) {
    yield batch;
    await nextTurn();
  }
}

/** A file by its device and inode: two paths, a symbolic link or a hard link to one file are one database. */
function fileIdentity(path: string): string {
  try {
    const stat = statSync(path);
    return `sqlite:${stat.dev}:${stat.ino}`;
  } catch {
    // A file that does not exist yet is only ever the same as another spelling of its path.
    return `sqlite:${resolve(path)}`;
  }
}

class SqliteConnection implements Connection {
  readonly adapter = sqliteAdapter;
  readonly compiler = sqliteQueryCompiler;
  readonly bulk = preparedStatementsBulk;
  readonly introspector;
  readonly description: string;
  private depth = 0;

  constructor(
    readonly target: ConnectionTarget,
    private readonly db: Database.Database,
  ) {
    this.introspector = sqliteIntrospector(db);
    this.description = describeTarget(target);
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const statement = this.db.prepare(sql);
    if (!statement.reader) {
      statement.run(...params);
      return [];
    }
    return statement.all(...params) as Row[];
  }

  streamQuery(sql: string, params: readonly SqlValue[] = [], batchRows = DEFAULT_BATCH_ROWS): AsyncIterable<Row[]> {
    return givingTurns(batches(this.db.prepare(sql).iterate(...params) as Iterable<Row>, batchRows));
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.db.prepare(sql).run(...params).changes;
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.within('BEGIN IMMEDIATE', fn);
  }

  /** A read transaction in WAL mode, its snapshot fixed by a first read at once, refusing writes. */
  async snapshot<T>(fn: () => Promise<T>): Promise<T> {
    this.db.pragma('query_only = ON');
    try {
      return await this.within('BEGIN DEFERRED', () => {
        this.db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
        return fn();
      });
    } finally {
      // A source opened to be read stays held to queries after its snapshot.
      if (!this.target.readOnly) this.db.pragma('query_only = OFF');
    }
  }

  private async within<T>(begin: string, fn: () => Promise<T>): Promise<T> {
    if (this.depth > 0) throw new Error('transactions do not nest');
    this.db.exec(begin);
    this.depth++;
    try {
      const result = await fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.depth--;
    }
  }

  bulkInsert(table: string, columns: readonly string[], rows: AsyncIterable<SqlValue[]> | Iterable<SqlValue[]>): Promise<number> {
    return insertPrepared(this.db, table, columns, rows);
  }

  async acquireLock(name: string, holder: string, waitMs = 0): Promise<Lock> {
    return acquireNamedLock(this, name, holder, waitMs, this.mutex());
  }

  async lockHolder(name: string): Promise<string | undefined> {
    return namedLockHolder(this, name, this.mutex());
  }

  /** An in-memory database has no other session to exclude. */
  private mutex(): Mutex {
    const path = databasePath(this.target);
    return path === ':memory:' ? { tryAcquire: async () => true, release: async () => {} } : sideFileMutex(path);
  }

  async sizeBytes(): Promise<number> {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    return pages * pageSize;
  }

  async canCreateTables(): Promise<boolean> {
    const path = databasePath(this.target);
    if (path === ':memory:') return true;
    try {
      accessSync(path, constants.W_OK);
      accessSync(dirname(path), constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  async freeBytes(): Promise<number | undefined> {
    const path = databasePath(this.target);
    return path === ':memory:' ? undefined : freeBytesAt(dirname(path));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

export const sqliteDialect: Dialect = {
  adapter: sqliteAdapter,
  compiler: sqliteQueryCompiler,
  // An embedded database has no session a server could end.
  isConnectionLost: () => false,
  connect: async (target) => new SqliteConnection(target, open(databasePath(target), target.readOnly)),
  databaseIdentity: async (target) => (target.path === ':memory:' || !target.path ? undefined : fileIdentity(target.path)),
  createDatabase: async (target) => {
    const path = databasePath(target);
    // An existing file is left as it is, not even its journal mode set.
    if (path !== ':memory:' && existsSync(path)) return false;
    open(path).close();
    return true;
  },
  scratchFor: sqliteScratch,
  dropDatabase: async (target) => {
    const path = databasePath(target);
    if (path === ':memory:') return;
    for (const suffix of ['', '-wal', '-shm', '-journal', '.wfmlock']) {
      if (existsSync(path + suffix)) rmSync(path + suffix);
    }
  },
};
