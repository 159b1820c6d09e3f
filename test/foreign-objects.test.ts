// Tables the tool does not own, in a database it works on: never touched, never read for their types, and
// never the cause of an internal error; and the lock leaves nothing behind in a database it did not create.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withConnection, type Connection } from '../src/engine/dialect/index.ts';
import { LOCK_TABLE_NAME } from '../src/engine/engine-tables.ts';
import { restoreDatabase } from '../src/wfm/backup.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = await testEngines();
const fresh = trackedDatabases();
const backups = mkdtempSync(join(tmpdir(), 'wfm-foreign-'));

const PAYROLL_ROWS = [
  [1, '1250.50'],
  [2, '980.25'],
];

/** A site's own table, of a type this tool does not know: `numeric` with no precision. */
async function addPayroll(database: TestDatabase): Promise<void> {
  await withConnection(database.url, async (connection) => {
    await connection.execute('CREATE TABLE payroll (id integer PRIMARY KEY, amount numeric)');
    for (const [id, amount] of PAYROLL_ROWS) await connection.execute(`INSERT INTO payroll (id, amount) VALUES (${id}, ${amount})`);
  });
}

async function payrollRows(database: TestDatabase): Promise<string[]> {
  return withConnection(database.url, async (connection) =>
    (await connection.query('SELECT id, amount FROM payroll ORDER BY id')).map((row) => `${String(row.id)}:${String(row.amount)}`),
  );
}

async function hasLockTable(connection: Connection): Promise<boolean> {
  try {
    await connection.query(`SELECT COUNT(*) AS n FROM ${connection.compiler.quoteIdentifier(LOCK_TABLE_NAME)}`);
    return true;
  } catch {
    return false;
  }
}

/** Nothing of a run left in the database or beside it: no wm_lock table, no SQLite side file. */
async function assertNoLockLeft(database: TestDatabase): Promise<void> {
  assert.equal(await withConnection(database.url, hasLockTable), false, `${LOCK_TABLE_NAME} left in ${database.url}`);
  if (database.target.engine === 'sqlite') assert.equal(existsSync(`${String(database.target.path)}.wfmlock`), false, '.wfmlock left beside the database');
}

async function backupOf(engine: TestEngine, label: string): Promise<string> {
  const source = await generatedDatabase(fresh, engine, label, '8.5.2', { agents: 3, days: 1, seed: 5 });
  const file = join(backups, `${label}-${engine.engine}.backup.db`);
  const backup = wfm(['bru', 'backup', '--db', source.url, '--file', file]);
  assert.equal(backup.status, 0, backup.stderr);
  return file;
}

for (const engine of engines) {
  describe(`foreign tables on ${engine.engine}`, { skip: engine.skip }, () => {
    it('a restore with --replace replaces the release tables and leaves a numeric payroll table as it was', async () => {
      const file = await backupOf(engine, 'foreignsrc');
      const target = await fresh(engine, 'foreigntarget');
      assert.equal(wfm(['bru', 'restore', '--db', target.url, '--file', file]).status, 0);
      await addPayroll(target);
      const before = await payrollRows(target);

      const replaced = wfm(['bru', 'restore', '--db', target.url, '--file', file, '--replace', '--yes']);
      assert.doesNotMatch(replaced.stderr, /internal error/);
      assert.equal(replaced.status, 0, replaced.stderr);
      assert.deepEqual(await payrollRows(target), before);
      assert.match(replaced.stdout, /left as they were, not WFM tables: payroll\n/);
      assert.match(wfm(['info', '--db', target.url]).stdout, /release +a WFM 8\.5\.2 database/);
      await assertNoLockLeft(target);
    });

    it('a restore with --replace into a database holding only a site table names that table as left alone', async () => {
      const file = await backupOf(engine, 'foreignonly');
      const target = await fresh(engine, 'foreignonlytarget');
      await addPayroll(target);
      const before = await payrollRows(target);

      const result = await restoreDatabase(file, target.target, { replace: true });
      assert.deepEqual(result.leftAlone, ['payroll']);
      assert.deepEqual(await payrollRows(target), before);
      await assertNoLockLeft(target);
    });

    it('an update in place from 7.6 goes through a database holding a numeric payroll table and leaves it as it was', async () => {
      const database = await generatedDatabase(fresh, engine, 'foreignupdate', '7.6', { agents: 2, days: 1, seed: 7 });
      await addPayroll(database);
      const before = await payrollRows(database);
      const update = wfm(['dbu', 'update', '--db', database.url]);
      assert.doesNotMatch(update.stderr, /payroll/);
      assert.equal(update.status, 0, update.stderr);
      assert.match(wfm(['info', '--db', database.url]).stdout, /release +a WFM 8\.5\.2 database/);
      assert.deepEqual(await payrollRows(database), before);
      await assertNoLockLeft(database);
    });

    it('commands that read or write a database with a site table leave no lock behind and no internal error', async () => {
      const database = await generatedDatabase(fresh, engine, 'foreigncmds', '8.5.2', { agents: 2, days: 1, seed: 7 });
      await addPayroll(database);
      const before = await payrollRows(database);
      const commands = [
        ['info', '--db', database.url],
        ['plan', '--from', database.url],
        ['dbu', 'update', '--db', database.url],
        ['bru', 'backup', '--db', database.url, '--file', join(backups, `cmds-${engine.engine}.backup.db`)],
      ];
      for (const args of commands) {
        const run = wfm(args);
        assert.doesNotMatch(run.stderr, /internal error/, `wfm ${args.join(' ')}`);
        assert.equal(run.status, 0, `wfm ${args.join(' ')}: ${run.stderr}`);
        await assertNoLockLeft(database);
      }
      assert.deepEqual(await payrollRows(database), before);
    });
  });
}
