// The scratch of a load into an empty SQL Server database: a schema of that database, owned by a user
// without login of the same name whose default schema it is. The load's sessions impersonate that user
// (EXECUTE AS USER, see driver.ts), so the tables they create and name unqualified are the scratch's.
// SQL Server's DDL is transactional, so moving every table into the database's own schema (ALTER SCHEMA
// ... TRANSFER) and dropping the scratch is one commit: a look at the database finds all of it or none.
import { OperationError } from '../../errors.ts';
import type { ConnectionTarget } from '../connection-string.ts';
import type { Connection, ScratchTarget } from '../types.ts';
import { mssqlQueryCompiler } from './query-compiler.ts';

/** One per database: the database lock lets one load at a time into it. Schema and user share the name. */
export const SCRATCH_SCHEMA = 'wfm_restoring';

const quote = (name: string): string => mssqlQueryCompiler.quoteIdentifier(name);

/** The schema the connection's tables are in: where the scratch's tables go. */
async function defaultSchema(on: Connection): Promise<string> {
  const [row] = await on.query('SELECT SCHEMA_NAME() AS name');
  if (typeof row?.name !== 'string') throw new OperationError(`${on.description} has no default schema to restore into`);
  return row.name;
}

/** Drops the scratch's foreign keys, then its tables, then the schema and its user. */
async function removeScratch(on: Connection): Promise<void> {
  const scratch = quote(SCRATCH_SCHEMA);
  const keys = await on.query(
    'SELECT OBJECT_NAME(fk.parent_object_id) AS table_name, fk.name AS name FROM sys.foreign_keys fk WHERE fk.schema_id = SCHEMA_ID(@p1)',
    [SCRATCH_SCHEMA],
  );
  for (const key of keys) await on.execute(`ALTER TABLE ${scratch}.${quote(String(key.table_name))} DROP CONSTRAINT ${quote(String(key.name))}`);
  const tables = await on.query('SELECT t.name AS name FROM sys.tables t WHERE t.schema_id = SCHEMA_ID(@p1)', [SCRATCH_SCHEMA]);
  for (const table of tables) await on.execute(`DROP TABLE ${scratch}.${quote(String(table.name))}`);
  await on.execute(`DROP SCHEMA IF EXISTS ${scratch}`);
  await on.execute(`DROP USER IF EXISTS ${scratch}`);
}

export function mssqlScratch(target: ConnectionTarget): ScratchTarget {
  const scratch = quote(SCRATCH_SCHEMA);
  return {
    target: { ...target, schema: SCRATCH_SCHEMA },
    description: `the schema ${SCRATCH_SCHEMA} of ${target.database ?? ''}`,
    exists: async (on) => (await on.query('SELECT 1 AS found FROM sys.schemas WHERE name = @p1', [SCRATCH_SCHEMA])).length > 0,
    create: async (on) => {
      // A user left by a create interrupted before its schema was made would refuse the new one.
      await on.execute(`DROP USER IF EXISTS ${scratch}`);
      await on.execute(`CREATE USER ${scratch} WITHOUT LOGIN WITH DEFAULT_SCHEMA = ${scratch}`);
      // CREATE SCHEMA must be the only statement of its batch: each execute is one.
      await on.execute(`CREATE SCHEMA ${scratch} AUTHORIZATION ${scratch}`);
      await on.execute(`GRANT CREATE TABLE TO ${scratch}`);
    },
    remove: removeScratch,
    swapIn: async (on, tables) => {
      const into = quote(await defaultSchema(on));
      // Keys, indexes and foreign keys move with their tables; the tables take the new schema's owner.
      await on.transaction(async () => {
        for (const table of tables) await on.execute(`ALTER SCHEMA ${into} TRANSFER ${scratch}.${quote(table)}`);
        await removeScratch(on);
      });
    },
  };
}
