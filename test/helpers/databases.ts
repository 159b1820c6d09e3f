// Test databases on every engine: a fresh, uniquely named database per test, dropped afterwards.
// Server engines are skipped with a loud line when unreachable, unless WFM_TEST_REQUIRE_SERVERS=1.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { dialectFor, parseConnectionString, type ConnectionTarget, type EngineName } from '../../src/engine/dialect/index.ts';
import { describeTarget } from '../../src/engine/dialect/connection-string.ts';

export interface TestDatabase {
  url: string;
  target: ConnectionTarget;
  drop(): Promise<void>;
}

export interface TestEngine {
  engine: EngineName;
  /** A reason to skip, or undefined when the engine is available. */
  skip: string | undefined;
  newDatabase(label: string): Promise<TestDatabase>;
}

export const SERVER_URLS: Record<'postgres' | 'mysql', string> = {
  postgres: process.env.WFM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  mysql: process.env.WFM_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql',
};

/** An Oracle server to run every engine's tests against as well; none runs here, so it is only taken when given. */
const ORACLE_URL = process.env.WFM_TEST_ORACLE_URL;

let counter = 0;
const tempRoot = mkdtempSync(join(tmpdir(), 'wfm-test-'));

export function uniqueName(label: string): string {
  return `wfmt_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${process.pid}_${++counter}`;
}

export function targetUrl(target: ConnectionTarget): string {
  if (target.engine === 'sqlite') return `sqlite:${target.path}`;
  const user = target.user ? `${encodeURIComponent(target.user)}${target.password ? `:${encodeURIComponent(target.password)}` : ''}@` : '';
  // A named instance and driver settings (SQL Server's) travel in the query.
  const query = new URLSearchParams({ ...target.settings, ...(target.instance ? { instance: target.instance } : {}) }).toString();
  return `${target.engine}://${user}${target.host}${target.port ? `:${target.port}` : ''}/${target.database}${query ? `?${query}` : ''}`;
}

function sqliteEngine(): TestEngine {
  return {
    engine: 'sqlite',
    skip: undefined,
    newDatabase: async (label) => {
      const target: ConnectionTarget = { engine: 'sqlite', path: join(tempRoot, `${uniqueName(label)}.db`) };
      const dialect = await dialectFor('sqlite');
      return { url: targetUrl(target), target, drop: () => dialect.dropDatabase(target) };
    },
  };
}

/** The variable that names each server engine's test server. */
const SERVER_VARIABLES: Record<'postgres' | 'mysql' | 'mssql', string> = { postgres: 'WFM_TEST_PG_URL', mysql: 'WFM_TEST_MYSQL_URL', mssql: 'WFM_TEST_MSSQL_URL' };

async function serverEngine(engine: 'postgres' | 'mysql' | 'mssql', url: string): Promise<TestEngine> {
  const base = parseConnectionString(url);
  const dialect = await dialectFor(engine);
  let skip: string | undefined;
  try {
    const probe = await dialect.connect(base);
    await probe.close();
  } catch (error) {
    skip = `${engine} server at ${describeTarget(base)} is not reachable (${(error as Error).message})`;
    if (process.env.WFM_TEST_REQUIRE_SERVERS === '1') throw new Error(`WFM_TEST_REQUIRE_SERVERS=1 but the ${skip}`);
    console.error(`\n*** SKIPPING ${engine} tests: the ${skip}. Set ${SERVER_VARIABLES[engine]} or start the server. ***\n`);
  }
  return {
    engine,
    skip,
    newDatabase: async (label) => {
      const target: ConnectionTarget = { ...base, database: uniqueName(label) };
      await dialect.createDatabase(target);
      return { url: targetUrl(target), target, drop: () => dialect.dropDatabase(target) };
    },
  };
}

/**
 * Oracle's databases are schemas: each test gets a user of its own, created by the user the URL names (who
 * needs CREATE USER, DROP USER and GRANT ANY PRIVILEGE, as SYSTEM has), with what the tool needs to work in it.
 */
async function oracleEngine(url: string): Promise<TestEngine> {
  const base = parseConnectionString(url);
  const dialect = await dialectFor('oracle');
  const probe = await dialect.connect(base).catch((error: unknown) => {
    throw new Error(`WFM_TEST_ORACLE_URL is set but the Oracle server at ${describeTarget(base)} is not reachable (${(error as Error).message})`);
  });
  await probe.close();
  const asAdmin = async (statements: readonly string[]): Promise<void> => {
    const admin = await dialect.connect(base);
    try {
      for (const sql of statements) await admin.execute(sql);
    } finally {
      await admin.close();
    }
  };
  return {
    engine: 'oracle',
    skip: undefined,
    newDatabase: async (label) => {
      const user = uniqueName(label).toUpperCase();
      const password = `W${randomBytes(14).toString('hex')}`;
      await asAdmin([
        `CREATE USER "${user}" IDENTIFIED BY "${password}" QUOTA UNLIMITED ON USERS`,
        `GRANT CREATE SESSION, CREATE TABLE TO "${user}"`,
        `GRANT EXECUTE ON SYS.DBMS_LOCK TO "${user}"`,
      ]);
      const target: ConnectionTarget = { ...base, user, password };
      return { url: targetUrl(target), target, drop: () => asAdmin([`DROP USER "${user}" CASCADE`]) };
    },
  };
}

/** Oracle joins the engines only when a server is given; the line says how to give one. */
function oracleEngines(): Promise<TestEngine>[] {
  if (ORACLE_URL) return [oracleEngine(ORACLE_URL)];
  console.error('\n*** Oracle was NOT run live: set WFM_TEST_ORACLE_URL=oracle://system:<password>@host:1521/<service> to run every suite against it. ***\n');
  return [];
}

let cached: Promise<TestEngine[]> | undefined;

/** WFM_TEST_ENGINES=sqlite,postgres limits a local run to some engines; CI (WFM_TEST_REQUIRE_SERVERS=1) runs all. */
function selected(engine: EngineName): boolean {
  const list = process.env.WFM_TEST_ENGINES;
  if (!list) return true;
  if (process.env.WFM_TEST_REQUIRE_SERVERS === '1') throw new Error('WFM_TEST_ENGINES cannot be combined with WFM_TEST_REQUIRE_SERVERS=1');
  return list.split(',').includes(engine);
}

function excluded(engine: EngineName): TestEngine {
  const skip = `${engine} is not in WFM_TEST_ENGINES=${process.env.WFM_TEST_ENGINES}`;
  console.error(`\n*** SKIPPING ${engine} tests: ${skip} ***\n`);
  return { engine, skip, newDatabase: () => Promise.reject(new Error(skip)) };
}

/**
 * SQL Server runs live only against a server given by WFM_TEST_MSSQL_URL (its test databases are created
 * and dropped there); without one it is not among the engines at all, and says so.
 */
function mssqlEngines(): Array<Promise<TestEngine> | TestEngine> {
  const url = process.env[SERVER_VARIABLES.mssql];
  if (!url) {
    console.error(`\n*** SQL Server was NOT run live: no server is given. Set ${SERVER_VARIABLES.mssql}=mssql://user:password@host:1433/master to run every engine test against one. ***\n`);
    return [];
  }
  return [selected('mssql') ? serverEngine('mssql', url) : excluded('mssql')];
}

export function testEngines(): Promise<TestEngine[]> {
  cached ??= Promise.all([
    selected('sqlite') ? sqliteEngine() : excluded('sqlite'),
    selected('postgres') ? serverEngine('postgres', SERVER_URLS.postgres) : excluded('postgres'),
    selected('mysql') ? serverEngine('mysql', SERVER_URLS.mysql) : excluded('mysql'),
    ...mssqlEngines(),
    ...(selected('oracle') ? oracleEngines() : []),
  ]);
  return cached;
}

/** A new, uniquely named database on an engine, dropped when the test file ends. */
export type FreshDatabase = (engine: TestEngine, label: string) => Promise<TestDatabase>;

/** New databases for a test file, all dropped when its tests end. */
export function trackedDatabases(): FreshDatabase {
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const database of databases) await database.drop();
  });
  return async (engine, label) => {
    const database = await engine.newDatabase(label);
    databases.push(database);
    return database;
  };
}
