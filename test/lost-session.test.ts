// A session the server ended, used again: each call fails with the driver's own "connection lost" error,
// and nothing it started is left to fail later unheard (an unhandled rejection ends the process with a
// stack trace instead of the message and the next command). The cut is real: the server ends the session.
import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { connect, dialectFor } from '../src/engine/dialect/index.ts';
import { testEngines, trackedDatabases } from './helpers/databases.ts';
import { cutConnections } from './helpers/faults.ts';

const servers = (await testEngines()).filter((e) => e.engine !== 'sqlite');
const fresh = trackedDatabases();

/** Rejections nobody handled while `work` ran and for a moment after it. */
async function unhandledDuring(work: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await work();
    await sleep(200);
  } finally {
    process.off('unhandledRejection', listener);
  }
  return unhandled;
}

for (const engine of servers) {
  describe(`a ${engine.engine} session the server ended`, { skip: engine.skip }, () => {
    it('fails every bulk write and query with the connection-lost error, leaving no rejection unhandled', async () => {
      const database = await fresh(engine, 'lost-session');
      const connection = await connect(database.target);
      const dialect = await dialectFor(engine.engine);
      try {
        await connection.execute('CREATE TABLE agent (id INTEGER PRIMARY KEY, name VARCHAR(20))');
        await cutConnections(database.target);
        const failures: unknown[] = [];
        const unhandled = await unhandledDuring(async () => {
          // The first call may be the one that finds the session gone; the ones after it know already.
          for (let attempt = 0; attempt < 3; attempt++) {
            await connection.query('SELECT 1 AS one').catch((error: unknown) => failures.push(error));
            await connection.bulkInsert('agent', ['id', 'name'], [[attempt, 'Ann']]).catch((error: unknown) => failures.push(error));
          }
        });
        assert.deepEqual(unhandled, [], 'no rejection left unhandled');
        assert.equal(failures.length, 6);
        for (const failure of failures) assert.ok(dialect.isConnectionLost(failure), String(failure));
      } finally {
        await connection.close().catch(() => undefined);
      }
    });
  });
}
