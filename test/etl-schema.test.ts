// The ETL database's schema on every engine: created at 8.1 and at 8.5 exactly as the release models
// describe them, 8.1 updated to 8.5 equal to 8.5 created directly, an update run twice changing nothing,
// the scripts of each dialect giving the same schema when a DBA runs them, and `wfm info` naming it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type Connection } from '../src/engine/dialect/index.ts';
import { JOURNAL_TABLE_NAME } from '../src/engine/engine-tables.ts';
import { InputError, LockHeldError } from '../src/engine/errors.ts';
import { diffSchemas, formatDifferences } from '../src/engine/schema/diff.ts';
import type { SchemaModel } from '../src/engine/schema/model.ts';
import { createDatabase, DATABASE_LOCK } from '../src/wfm/database.ts';
import { createEtlDatabase, detectEtlRelease, updateEtlDatabase } from '../src/wfm/etl/database.ts';
import { ETL_VERSION_TABLE, etlModel } from '../src/wfm/etl/releases.ts';
import { etlScript, isEtlScript } from '../src/wfm/etl/script.ts';
import { releaseModel } from '../src/wfm/releases/index.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases } from './helpers/databases.ts';

/** Oracle 11g and 12.1's limit, the lowest of the engines the original product ran on. */
const ORACLE_IDENTIFIER = 30;

const fresh = trackedDatabases();
const scratch = mkdtempSync(join(tmpdir(), 'wfm-etl-schema-'));

/** The statements of a script, as a DBA's SQL client runs them: comments left out, one per `;` line end. */
function scriptStatements(text: string): string[] {
  const sql = text.split('\n').filter((line) => !line.startsWith('--')).join('\n');
  return sql.split(/;\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The model without its version table, whose rows a script run by hand does not write. */
const withoutVersionTable = (schema: SchemaModel): SchemaModel => ({ tables: schema.tables.filter((t) => t.name !== ETL_VERSION_TABLE) });

describe('the ETL schema declaration', () => {
  it('names every table, column, index and foreign key in upper case within 30 characters, each index and key once', () => {
    const names: string[] = [];
    for (const table of etlModel('8.5').tables) {
      names.push(table.name, ...table.indexes.map((i) => i.name), ...table.foreignKeys.map((f) => f.name));
      const columns = table.columns.map((c) => c.name);
      for (const name of [table.name, ...table.indexes.map((i) => i.name), ...table.foreignKeys.map((f) => f.name), ...columns]) {
        assert.ok(name.length <= ORACLE_IDENTIFIER, `${name} is longer than ${ORACLE_IDENTIFIER} characters`);
      }
      // The version table has the step runner's columns, as the WFM database's history table does.
      if (table.name !== ETL_VERSION_TABLE) for (const name of columns) assert.match(name, /^[A-Z][A-Z0-9_]*$/, `${table.name}.${name}`);
      assert.match(table.name, /^[A-Z][A-Z0-9_]*$/);
    }
    const constraintNames = names.filter((n) => /_(FK|UQ|IX)\d+$/.test(n));
    assert.equal(new Set(constraintNames).size, constraintNames.length, 'index and foreign key names are unique in the database');
  });

  it('has WFM_ADH_AGENT_DAY with exactly the documented columns, and the schedule facts from 8.1, adherence and performance from 8.5', () => {
    const adherence = etlModel('8.5').tables.find((t) => t.name === 'WFM_ADH_AGENT_DAY');
    assert.deepEqual(adherence?.columns.map((c) => c.name), [
      'WFM_ADH_AGENT_DAY_KEY',
      'WFM_AGENT_KEY',
      'WFM_SITE_KEY',
      'WFM_TEAM_KEY',
      'WFM_DATE',
      'WFM_NON_ADHERENCE_DURATION',
      'WFM_OUT_SCH_NON_ADH_DURATION',
      'WFM_SCHEDULE_DURATION',
      'WFM_ACTUAL_WORK_DURATION',
      'WFM_ADHERENCE_PERC',
      'WFM_CONFORMANCE_PERC',
      'WFM_TIMESTAMP',
      'DATE_TIME_DAY_KEY',
      'TENANT_KEY',
      'CREATE_AUDIT_KEY',
      'UPDATE_AUDIT_KEY',
      'PURGE_FLAG',
    ]);
    assert.deepEqual(adherence?.primaryKey, ['WFM_ADH_AGENT_DAY_KEY']);
    assert.equal(adherence?.columns.find((c) => c.name === 'WFM_TEAM_KEY')?.nullable, true, 'an agent without a team has a NULL team');
    const at81 = new Set(etlModel('8.1').tables.map((t) => t.name));
    for (const name of ['WFM_SCH_AGENT_DAY', 'WFM_SCH_AGENT_STATE', 'WFM_SSG', 'CTL_ETL_HISTORY', 'CTL_AUDIT_LOG', ETL_VERSION_TABLE]) assert.ok(at81.has(name), name);
    for (const name of ['WFM_ADH_AGENT_DAY', 'WFM_ADH_SITE_TIMESTEP', 'WFM_PERF_ACT_DAY', 'WFM_PERF_ITEM']) assert.ok(!at81.has(name), `${name} is not in 8.1`);
  });
});

for (const engine of await testEngines()) {
  describe(`the ETL database on ${engine.engine}`, { skip: engine.skip }, () => {
    const connections: Connection[] = [];
    const open = async (label: string): Promise<{ connection: Connection; url: string }> => {
      const database = await fresh(engine, label);
      const connection = await connect(database.url);
      connections.push(connection);
      return { connection, url: database.url };
    };
    after(async () => {
      for (const c of connections) await c.close();
    });

    let created85: SchemaModel;
    let created85Url: string;
    before(async () => {
      const { connection, url } = await open('etlc85');
      await createEtlDatabase(connection, '8.5');
      created85 = await connection.introspector.introspect();
      created85Url = url;
    });

    it('creates 8.5 exactly as its model says, and names it', async () => {
      const connection = await connect(created85Url);
      connections.push(connection);
      const url = created85Url;
      assert.equal(formatDifferences(diffSchemas(etlModel('8.5'), created85)), '');
      assert.deepEqual(await detectEtlRelease(connection), { kind: 'current', release: '8.5' });
      const info = wfm(['info', '--db', url]);
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stdout, /^release +a WFM ETL database at release 8\.5$/m);
      const json = JSON.parse(wfm(['info', '--db', url, '--json']).stdout) as { etl: { release: string } };
      assert.equal(json.etl.release, '8.5');
    });

    it('creates 8.1, updates it to 8.5 with the same schema as 8.5 created, and a second update changes nothing', async () => {
      const { connection } = await open('etlu81');
      await createEtlDatabase(connection, '8.1');
      assert.equal(formatDifferences(diffSchemas(etlModel('8.1'), await connection.introspector.introspect())), '');
      assert.deepEqual(await detectEtlRelease(connection), { kind: 'current', release: '8.1' });
      const result = await updateEtlDatabase(connection, '8.5');
      assert.deepEqual(result.steps.map((s) => s.version), ['8.5']);
      const updated = await connection.introspector.introspect();
      assert.equal(formatDifferences(diffSchemas(created85, updated)), '');
      const versions = await connection.query(`SELECT version, checksum FROM ${connection.compiler.quoteIdentifier(ETL_VERSION_TABLE)} ORDER BY version`);
      assert.deepEqual(versions.map((r) => r.version), ['8.1', '8.5']);
      assert.ok(versions.every((r) => typeof r.checksum === 'string' && r.checksum.length === 64));

      const again = await updateEtlDatabase(connection, '8.5');
      assert.equal(again.steps.length, 0);
      assert.equal(formatDifferences(diffSchemas(updated, await connection.introspector.introspect())), '');
      const versionsAfter = await connection.query(`SELECT version, checksum FROM ${connection.compiler.quoteIdentifier(ETL_VERSION_TABLE)} ORDER BY version`);
      assert.deepEqual(versionsAfter, versions);
    });

    it('refuses what it must: a second create, an update of a database without ETL tables, going back to 8.1', async () => {
      const { connection } = await open('etlrefuse');
      await assert.rejects(updateEtlDatabase(connection, '8.5'), (e: unknown) => e instanceof InputError && /has no WFM ETL database/.test(e.message));
      assert.deepEqual(await connection.introspector.tableNames(), [], 'a refused update writes nothing');
      await createEtlDatabase(connection, '8.5');
      await assert.rejects(createEtlDatabase(connection, '8.5'), (e: unknown) => e instanceof InputError && /needs a database without ETL tables/.test(e.message));
      await assert.rejects(updateEtlDatabase(connection, '8.1'), (e: unknown) => e instanceof InputError && /never taken back/.test(e.message));
    });

    it('waits for no one: another session holding the database lock is named, and nothing is written', async () => {
      const { connection, url } = await open('etllock');
      const holder = await connect(url);
      connections.push(holder);
      const lock = await holder.acquireLock(DATABASE_LOCK, 'the other change (test)');
      try {
        await assert.rejects(createEtlDatabase(connection, '8.5'), (e: unknown) => e instanceof LockHeldError && /the other change \(test\)/.test(e.message));
      } finally {
        await lock.release();
      }
      assert.deepEqual(await detectEtlRelease(connection), { kind: 'absent' });
    });

    it('a dry run prints the SQL and creates nothing', async () => {
      const { connection } = await open('etldry');
      const result = await createEtlDatabase(connection, '8.1', { dryRun: true });
      assert.ok((result.script?.[0]?.statements.length ?? 0) > 20);
      assert.deepEqual(await connection.introspector.tableNames(), []);
    });

    it('a creation stopped halfway leaves nothing or resumes: never a half-made ETL database counted as made', async () => {
      const { connection } = await open('etlstop');
      const stopAt = 40;
      const stopping = createEtlDatabase(connection, '8.5', {
        progress: {
          beforeStatement: (_step, index) => {
            if (index === stopAt) throw new Error('stopped by the test');
          },
        },
      });
      await assert.rejects(stopping, /stopped by the test/);
      const state = await detectEtlRelease(connection);
      if (connection.adapter.transactionalDdl) {
        assert.deepEqual(state, { kind: 'absent' });
      } else {
        assert.deepEqual(state, { kind: 'incomplete', resumable: true });
        const journal = await connection.query(`SELECT DISTINCT version FROM ${connection.compiler.quoteIdentifier(JOURNAL_TABLE_NAME)}`);
        assert.deepEqual(journal.map((r) => r.version), ['ETL 8.5'], 'the journal names the ETL step apart from the WFM steps');
      }
      await createEtlDatabase(connection, '8.5');
      assert.equal(formatDifferences(diffSchemas(etlModel('8.5'), await connection.introspector.introspect())), '');
      assert.deepEqual(await detectEtlRelease(connection), { kind: 'current', release: '8.5' });
    });

    it(`the ${engine.engine} scripts, run by hand, give the schema of create and of update`, async () => {
      const { connection } = await open('etlscript');
      for (const sql of scriptStatements(etlScript(connection.compiler, engine.engine, '8.1'))) await connection.execute(sql);
      for (const sql of scriptStatements(etlScript(connection.compiler, engine.engine, '8.5', '8.1'))) await connection.execute(sql);
      assert.equal(formatDifferences(diffSchemas(withoutVersionTable(created85), withoutVersionTable(await connection.introspector.introspect()))), '');
    });

    it('bru -UPDATE -SCRIPT WFM_ETL_<engine>.sql recognizes the ETL script: creates the ETL tables, then has nothing to do', async () => {
      const { connection, url } = await open('etlbru');
      const file = join(scratch, `WFM_ETL_${engine.engine}.sql`);
      const written = wfm(['schema', 'script', '--etl', '--dialect', engine.engine, '--out', file]);
      assert.equal(written.status, 0, written.stderr);
      assert.ok(isEtlScript(readFileSync(file, 'utf8')));
      assert.equal(wfm(['schema', 'script', '--etl', '--dialect', engine.engine, '--out', file]).status, 2, 'an existing script is not overwritten');
      const first = wfm(['bru', '-UPDATE', '-DB', url, '-SCRIPT', file]);
      assert.equal(first.status, 0, first.stderr);
      assert.equal(formatDifferences(diffSchemas(created85, await connection.introspector.introspect())), '');
      const second = wfm(['bru', '-UPDATE', '-DB', url, '-SCRIPT', file]);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /nothing to do: the ETL database is already at 8\.5/);
    });

    it('lives next to the WFM tables: each created and named, neither touching the other', async () => {
      const { connection, url } = await open('etlwithwfm');
      await createDatabase(connection, '8.5.2');
      await createEtlDatabase(connection, '8.1');
      await updateEtlDatabase(connection, '8.5');
      const expected: SchemaModel = { tables: [...releaseModel('8.5.2').tables, ...etlModel('8.5').tables] };
      assert.equal(formatDifferences(diffSchemas(expected, await connection.introspector.introspect())), '');
      const info = wfm(['info', '--db', url]);
      assert.match(info.stdout, /^release +a WFM 8\.5\.2 database; it also holds a WFM ETL database at release 8\.5$/m);
    });
  });
}

describe('wfm etl on the command line', () => {
  it('creates, dry-runs an update without writing, updates, and refuses an unknown release in one line with exit 2', async () => {
    const sqlite = (await testEngines()).find((e) => e.engine === 'sqlite');
    assert.ok(sqlite);
    const { url } = await fresh(sqlite, 'etlcli');
    const created = wfm(['etl', 'create', '--db', url, '--version', '8.1']);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /WFM ETL database at release 8\.1/);
    const dryRun = wfm(['etl', 'update', '--db', url, '--dry-run']);
    assert.equal(dryRun.status, 0, dryRun.stderr);
    assert.match(dryRun.stdout, /CREATE TABLE "WFM_ADH_AGENT_DAY"/);
    assert.match(wfm(['info', '--db', url]).stdout, /a WFM ETL database at release 8\.1$/m);
    const updated = wfm(['etl', 'update', '--db', url, '--json']);
    assert.equal(updated.status, 0, updated.stderr);
    assert.deepEqual((JSON.parse(updated.stdout) as { steps: { version: string }[] }).steps.map((s) => s.version), ['8.5']);
    const unknown = wfm(['etl', 'create', '--db', url, '--version', '9.9']);
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr);
    assert.match(unknown.stderr, /"9\.9" is not a release of the ETL database; use one of 8\.1, 8\.5/);
  });
});
