// The swap of a load's scratch into its database, with the session cut at the one moment a client cannot
// judge: the server made the swap, but its answer never came. The load must then find its tables in and
// report done, not fail a load that took place; cut just before the swap, it must fail and leave the
// database without them. The cut is real: the server ends the session, the driver reports its own error.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { connect, dialectFor, withConnection, type Connection, type ConnectionTarget } from '../src/engine/dialect/index.ts';
import { loadThroughScratch } from '../src/engine/load/scratch-target.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { cutConnections } from './helpers/faults.ts';

const servers = (await testEngines()).filter((e) => e.engine !== 'sqlite');
const fresh = trackedDatabases();
const TABLES = ['agent', 'site'];
/** Targets whose scratch, should a test fail, would outlive their database: a MariaDB scratch is a database of its own. */
const targets: ConnectionTarget[] = [];

after(async () => {
  for (const target of targets.filter((t) => t.engine === 'mysql')) {
    const dialect = await dialectFor(target.engine);
    await dialect.dropDatabase(dialect.scratchFor(target).target);
  }
});

/** Whether a statement or transaction is the atomic step of the engine's swap. */
const isSwapStep = (engine: string, method: string, args: unknown[]): boolean =>
  engine === 'postgres' ? method === 'transaction' : method === 'execute' && String(args[0]).startsWith('RENAME TABLE');

/**
 * `connection`, whose session the server ends right after (or right before) the swap's atomic step; the
 * next use of it then fails with the driver's own error, as the lost answer would.
 */
function cutAtSwap(connection: Connection, target: ConnectionTarget, moment: 'after' | 'before'): Connection {
  return new Proxy(connection, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        if (!isSwapStep(target.engine, String(property), args)) return method.apply(object, args);
        if (moment === 'after') await method.apply(object, args);
        await cutConnections(target);
        return object.query('SELECT 1 AS alive');
      };
    },
  });
}

async function tableNames(target: ConnectionTarget): Promise<string[]> {
  return withConnection(target, (connection) => connection.introspector.tableNames());
}

/** Loads two tables into the scratch of an empty database, the session cut at the swap. */
async function loadCutAtSwap(engine: TestEngine, moment: 'after' | 'before'): Promise<{ target: ConnectionTarget; outcome: PromiseSettledResult<string> }> {
  const database = await fresh(engine, `scratch-swap-${moment}`);
  targets.push(database.target);
  const connection = await connect(database.target);
  try {
    const load = (scratch: ConnectionTarget) =>
      withConnection(scratch, async (into) => {
        for (const table of TABLES) await into.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY)`);
        await into.execute('INSERT INTO agent (id) VALUES (1), (2)');
        return 'loaded';
      });
    const loadDirectly = () => Promise.reject(new Error('the scratch was expected to be made'));
    const outcome = await Promise.allSettled([loadThroughScratch(cutAtSwap(connection, database.target, moment), TABLES, load, loadDirectly)]);
    return { target: database.target, outcome: outcome[0] };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

for (const engine of servers) {
  describe(`the scratch swap on ${engine.engine} with its session cut`, { skip: engine.skip }, () => {
    it('after the swap was made: the load is done, its tables in, no scratch left', async () => {
      const { target, outcome } = await loadCutAtSwap(engine, 'after');
      assert.equal(outcome.status, 'fulfilled', outcome.status === 'rejected' ? String(outcome.reason) : '');
      assert.deepEqual((await tableNames(target)).sort(), TABLES);
      assert.equal(await withConnection(target, (c) => c.query('SELECT COUNT(*) AS n FROM agent')).then((rows) => Number(rows[0]?.n)), 2);
      const dialect = await dialectFor(target.engine);
      assert.equal(await withConnection(target, (c) => dialect.scratchFor(target).exists(c)), false, 'the scratch is removed');
    });

    it('before the swap was made: the load fails, the database holds none of its tables', async () => {
      const { target, outcome } = await loadCutAtSwap(engine, 'before');
      assert.equal(outcome.status, 'rejected');
      assert.ok((await dialectFor(target.engine)).isConnectionLost(outcome.status === 'rejected' ? outcome.reason : undefined), 'the cut is what is reported');
      assert.deepEqual(await tableNames(target), []);
    });
  });
}
