// The scratch of a load into an empty MariaDB database: a database of its own beside it, named after it.
// One RENAME TABLE of every table is atomic in MariaDB, so a look at the database finds all of them or
// none; the scratch, then empty of them, is dropped.
import { createHash } from 'node:crypto';
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { InputError } from '../../errors.ts';
import type { Connection, ScratchTarget } from '../types.ts';
import { MYSQL_COLLATION, mysqlQueryCompiler } from './query-compiler.ts';

const SUFFIX = '__wfm_restoring';
const MAX_DATABASE_NAME_LENGTH = 64;
const HASH_LENGTH = 8;

const quote = (name: string): string => mysqlQueryCompiler.quoteIdentifier(name);

/**
 * `<database>__wfm_restoring`; a name too long for that keeps the database name's start and a hash of the
 * whole, so that two databases never share a scratch.
 */
export function scratchDatabaseName(database: string): string {
  const name = `${database}${SUFFIX}`;
  if (name.length <= MAX_DATABASE_NAME_LENGTH) return name;
  const hash = createHash('sha256').update(database).digest('hex').slice(0, HASH_LENGTH);
  return `${database.slice(0, MAX_DATABASE_NAME_LENGTH - SUFFIX.length - HASH_LENGTH - 1)}_${hash}${SUFFIX}`;
}

function databaseOf(target: ConnectionTarget): string {
  if (!target.database) throw new InputError(`${describeTarget(target)} names no database`);
  return target.database;
}

export function mysqlScratch(target: ConnectionTarget): ScratchTarget {
  const database = databaseOf(target);
  const name = scratchDatabaseName(database);
  const remove = async (on: Connection): Promise<void> => {
    await on.execute(`DROP DATABASE IF EXISTS ${quote(name)}`);
  };
  return {
    target: { ...target, database: name },
    description: `the database ${name}`,
    exists: async (on) => (await on.query('SELECT 1 AS found FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name])).length > 0,
    create: async (on) => {
      await on.execute(`CREATE DATABASE ${quote(name)} CHARACTER SET utf8mb4 COLLATE ${MYSQL_COLLATION}`);
    },
    remove,
    swapIn: async (on, tables) => {
      await on.execute(`RENAME TABLE ${tables.map((table) => `${quote(name)}.${quote(table)} TO ${quote(database)}.${quote(table)}`).join(', ')}`);
      await remove(on);
    },
  };
}
