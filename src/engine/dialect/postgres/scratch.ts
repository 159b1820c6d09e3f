// The scratch of a load into an empty PostgreSQL database: a schema of that database, the search_path of
// the load's sessions. PostgreSQL's DDL is transactional, so moving every table into the database's own
// schema and dropping the scratch is one commit: a look at the database finds all of it or none.
import { OperationError } from '../../errors.ts';
import type { ConnectionTarget } from '../connection-string.ts';
import type { Connection, ScratchTarget } from '../types.ts';
import { postgresQueryCompiler } from './query-compiler.ts';

/** One per database: the database lock lets one load at a time into it. */
const SCRATCH_SCHEMA = 'wfm_restoring';

const quote = (name: string): string => postgresQueryCompiler.quoteIdentifier(name);

/** The schema the connection's tables are in: where the scratch's tables go. */
async function currentSchema(on: Connection): Promise<string> {
  const [row] = await on.query('SELECT current_schema() AS name');
  if (typeof row?.name !== 'string') throw new OperationError(`${on.description} has no schema on its search_path to restore into`);
  return row.name;
}

export function postgresScratch(target: ConnectionTarget): ScratchTarget {
  const scratch = quote(SCRATCH_SCHEMA);
  return {
    target: { ...target, schema: SCRATCH_SCHEMA },
    description: `the schema ${SCRATCH_SCHEMA} of ${target.database ?? ''}`,
    exists: async (on) => (await on.query('SELECT 1 AS found FROM pg_namespace WHERE nspname = $1', [SCRATCH_SCHEMA])).length > 0,
    create: async (on) => {
      await on.execute(`CREATE SCHEMA ${scratch}`);
    },
    remove: async (on) => {
      await on.execute(`DROP SCHEMA IF EXISTS ${scratch} CASCADE`);
    },
    swapIn: async (on, tables) => {
      const into = quote(await currentSchema(on));
      // Keys, indexes, foreign keys and owned sequences move with their tables.
      await on.transaction(async () => {
        for (const table of tables) await on.execute(`ALTER TABLE ${scratch}.${quote(table)} SET SCHEMA ${into}`);
        await on.execute(`DROP SCHEMA ${scratch} CASCADE`);
      });
    },
  };
}
