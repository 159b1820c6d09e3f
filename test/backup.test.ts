// The Backup-Restore Utility against real databases: round trips within and across engines, damaged files
// refused before anything is written, selective restore, the Allow Backup/Restore privilege, and a backup
// taken while the Data Aggregator writes.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connect, dialectFor } from '../src/engine/dialect/index.ts';
import { Aggregator } from '../src/wfm/aggregator/service.ts';
import { backupDatabase, restoreDatabase } from '../src/wfm/backup.ts';
import { simulate } from '../src/wfm/simulate/index.ts';
import { detectRelease } from '../src/wfm/database.ts';
import type { Release } from '../src/wfm/releases/versions.ts';
import { changeOneValue, resealArchive } from './helpers/archive.ts';
import { wfm } from './helpers/cli.ts';
import { databaseContent } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const all = await testEngines();
const engines = new Map(all.filter((e) => !e.skip).map((e) => [e.engine, e]));
const sqlite = engines.get('sqlite') as TestEngine;
const fresh = trackedDatabases();

async function generated(engine: TestEngine, release: Release = '8.5.2'): Promise<TestDatabase> {
  return generatedDatabase(fresh, engine, 'original', release, { agents: 25, days: 3, seed: 5 });
}

async function contentOf(url: string): Promise<Map<string, { rows: number; hash: string }>> {
  const connection = await connect(url);
  try {
    return await databaseContent(connection);
  } finally {
    await connection.close();
  }
}


const pairs: [string, string, Release][] = [
  ['sqlite', 'sqlite', '8.5.2'],
  ['postgres', 'postgres', '8.5.2'],
  ['mysql', 'mysql', '8.5.2'],
  ['mysql', 'postgres', '8.5.2'],
  ['postgres', 'sqlite', '7.6'],
  ['sqlite', 'mysql', '6.5.201'],
  // MariaDB indexes the legacy layout's unnamed foreign keys under their column's name, which several tables share.
  ['mysql', 'postgres', '6.5.201'],
];

describe(`backup and restore (${[...engines.keys()].join(', ')})`, () => {
  for (const [from, to, release] of pairs) {
    const source = engines.get(from as TestEngine['engine']);
    const target = engines.get(to as TestEngine['engine']);
    it(`round trip of a ${release} database from ${from} to ${to}: every table equal, row for row`, { skip: !source || !target ? `${from} or ${to} unavailable` : undefined }, async () => {
      const original = await generated(source as TestEngine, release);
      const backupFile = `${(await fresh(sqlite, 'file')).target.path}.backup.db`;
      const backup = await backupDatabase(original.target, backupFile);
      assert.equal(backup.release, release);
      const restored = await fresh(target as TestEngine, 'restored');
      const result = await restoreDatabase(backupFile, restored.target);
      assert.ok(result.tables.every((t) => t.verified));
      // Into PostgreSQL every table goes in COPY binary and is checked by the server's digest of its rows; elsewhere, by reading it back.
      const digested = result.tables.filter((t) => t.checkedBy === 'rows-digest').map((t) => t.table);
      assert.deepEqual(digested, to === 'postgres' ? result.tables.map((t) => t.table) : []);
      const { check, load, finish } = result.phases;
      assert.ok(Math.abs(check + load + finish - result.seconds) < 0.01 && Math.min(check, load, finish) >= 0, `phases ${JSON.stringify(result.phases)} of ${result.seconds} s`);
      assert.deepEqual(await contentOf(restored.url), await contentOf(original.url));
      const connection = await connect(restored.url);
      assert.deepEqual(await detectRelease(connection), release.startsWith('6.5') ? { kind: 'legacy', release } : { kind: 'current', release });
      await connection.close();
    });
  }

  describe('a damaged file never reaches a database', () => {
    let backupFile = '';
    const damaged = async (label: string, damage: (path: string) => void, pattern: RegExp): Promise<void> => {
      const copy = `${backupFile}.${label}.db`;
      copyFileSync(backupFile, copy);
      damage(copy);
      const target = await fresh(sqlite, label);
      const restore = wfm(['bru', '-RESTORE', '-DB', target.url, '-FILE', copy]);
      assert.equal(restore.status, 1, restore.stderr);
      assert.match(restore.stderr, pattern);
      const verify = wfm(['bru', '-VERIFY', '-FILE', copy]);
      assert.equal(verify.status, 1);
      const connection = await connect(target.url);
      assert.deepEqual(await detectRelease(connection), { kind: 'empty' }, 'nothing was written to the target');
      await connection.close();
    };

    it('writes a backup to damage', async () => {
      const original = await generated(sqlite);
      backupFile = `${original.target.path}.backup.db`;
      const backup = wfm(['bru', '-BACKUP', '-DB', original.url, '-FILE', backupFile]);
      assert.equal(backup.status, 0, backup.stderr);
      assert.equal(wfm(['bru', '-VERIFY', '-FILE', backupFile]).status, 0);
    });

    it('refuses a truncated file', () => damaged('truncated', (p) => truncateSync(p, Math.floor(statSync(p).size * 0.6)), /truncated|damaged|changed/));

    it('refuses a file with one byte flipped in the middle', () =>
      damaged('flipped', (p) => {
        const bytes = readFileSync(p);
        const at = Math.floor(bytes.length / 2);
        bytes[at] = (bytes[at] ?? 0) ^ 0x01;
        writeFileSync(p, bytes);
      }, /changed or damaged/));

    it('refuses a file that is not a backup', () => damaged('text', (p) => writeFileSync(p, 'this is not a backup\n'), /not a backup/));

    it('refuses a SQLite database that is not a backup', async () => {
      const other = await generated(sqlite, '7.6');
      await damaged('foreign', (p) => copyFileSync(other.target.path as string, p), /not a backup written by this tool/);
    });

    for (const engine of engines.values()) {
      it(`refuses a changed row whose every digest was made to match while it loads into ${engine.engine}: an empty database is left empty, an absent one is not created`, async () => {
        const forged = `${backupFile}.forged.db`;
        copyFileSync(backupFile, forged);
        let changed = { item: '', chunkNo: 0 };
        await resealArchive(forged, (db) => (changed = changeOneValue(db)));
        const pattern = new RegExp(`the backup \\S+ is damaged: chunk ${changed.chunkNo} of table ${changed.item} \\(rows \\d+\\.\\.\\d+\\): its rows hash to \\S+, not the \\S+ recorded`);
        assert.equal(wfm(['bru', '-VERIFY', '-FILE', forged]).status, 1, 'verify reads every row');
        const empty = await fresh(engine, 'forged');
        const intoEmpty = wfm(['bru', '-RESTORE', '-DB', empty.url, '-FILE', forged]);
        assert.equal(intoEmpty.status, 1, intoEmpty.stderr);
        assert.match(intoEmpty.stderr, pattern);
        const connection = await connect(empty.url);
        assert.deepEqual(await detectRelease(connection), { kind: 'empty' }, 'what the restore loaded is removed again');
        await connection.close();
        const absent = await fresh(engine, 'absent');
        await absent.drop();
        const intoAbsent = wfm(['bru', '-RESTORE', '-DB', absent.url, '-FILE', forged]);
        assert.equal(intoAbsent.status, 1, intoAbsent.stderr);
        assert.match(intoAbsent.stderr, pattern);
        assert.equal(await (await dialectFor(engine.engine)).createDatabase(absent.target), true, 'the database the restore created is dropped again');
      });
    }
  });

  it('restores named tables only, and refuses a non-empty target without --replace', async () => {
    const original = await generated(sqlite);
    const backupFile = `${original.target.path}.backup.db`;
    assert.equal(wfm(['bru', 'backup', '--db', original.url, '--file', backupFile]).status, 0);
    const before = await contentOf(original.url);
    const connection = await connect(original.url);
    await connection.execute('DELETE FROM agent_adherence');
    await connection.execute('DELETE FROM activity_performance WHERE activity_id % 2 = 0');
    await connection.close();
    const refused = wfm(['bru', '-RESTORE', '-DB', original.url, '-FILE', backupFile, '-TABLES', 'agent_adherence,activity_performance']);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /activity_performance in .* already hold rows; pass --replace/);
    const whole = wfm(['bru', 'restore', '--db', original.url, '--file', backupFile]);
    assert.equal(whole.status, 2);
    assert.match(whole.stderr, /not empty/);
    const selective = wfm(['bru', '-RESTORE', '-DB', original.url, '-FILE', backupFile, '-TABLES', 'agent_adherence,activity_performance', '--replace', '--yes']);
    assert.equal(selective.status, 0, selective.stderr);
    assert.match(selective.stdout, /restored: 2 tables in .*\n {2}file checked in .*, rows loaded with each table's keys, indexes and foreign keys in .*, the last tables checked in /);
    assert.deepEqual(await contentOf(original.url), before);
  });

  it('a backup run again after an interruption is one moment of the database, even when it changed meanwhile', async () => {
    const original = await generated(sqlite);
    const backupFile = `${original.target.path}.interrupted.backup.db`;
    const connection = await connect(original.url);
    const tables = (await connection.introspector.introspect()).tables;
    let tablesDone = 0;
    const stopNearTheEnd = (event: { type: string }): void => {
      if (event.type === 'table-done' && ++tablesDone === tables.length - 3) throw new Error('interrupted');
    };
    await assert.rejects(backupDatabase(original.target, backupFile, { onProgress: stopNearTheEnd }), /interrupted/);
    // Change every table no other table refers to, most of them already in the unfinished file.
    const referenced = new Set(tables.flatMap((t) => t.foreignKeys.map((k) => k.referencedTable)));
    for (const table of tables.filter((t) => !referenced.has(t.name) && t.name !== 'wm_db_version')) {
      await connection.execute(`DELETE FROM "${table.name}" WHERE rowid IN (SELECT MAX(rowid) FROM "${table.name}")`);
    }
    await connection.close();
    await backupDatabase(original.target, backupFile);
    const restored = await fresh(sqlite, 'after-interruption');
    await restoreDatabase(backupFile, restored.target);
    assert.deepEqual(await contentOf(restored.url), await contentOf(original.url));
  });

  it("leaves a site's own table out of the backup, names it, and the backup restores as its release", async () => {
    const original = await generated(sqlite);
    const before = await contentOf(original.url);
    const connection = await connect(original.url);
    // NUMERIC is a type this tool does not know: a table of another application must not stop the backup.
    await connection.execute('CREATE TABLE payroll (id INTEGER PRIMARY KEY, amount NUMERIC NOT NULL)');
    await connection.execute('INSERT INTO payroll VALUES (1, 12.5)');
    await connection.close();
    const backupFile = `${original.target.path}.own-table.backup.db`;
    const backup = wfm(['bru', 'backup', '--db', original.url, '--file', backupFile]);
    assert.equal(backup.status, 0, backup.stderr);
    assert.match(backup.stdout, /not backed up, not WFM 8\.5\.2 tables: payroll\n/);
    const target = await fresh(sqlite, 'without-own-table');
    const restore = wfm(['bru', 'restore', '--db', target.url, '--file', backupFile]);
    assert.equal(restore.status, 0, restore.stderr);
    assert.deepEqual(await contentOf(target.url), before);
  });

  it('refuses to back up a release table that differs from its release, before writing a file', async () => {
    const original = await generated(sqlite);
    const connection = await connect(original.url);
    await connection.execute('ALTER TABLE agent ADD COLUMN badge TEXT');
    await connection.close();
    const backupFile = `${original.target.path}.changed.backup.db`;
    const backup = wfm(['bru', 'backup', '--db', original.url, '--file', backupFile]);
    assert.equal(backup.status, 1, backup.stderr);
    assert.match(backup.stderr, /cannot be backed up as a WFM 8\.5\.2 database, its schema differs from that release's:\n {2}agent column badge: expected missing, found text\n/);
    assert.doesNotMatch(backup.stderr, /internal error/);
  });

  it('requires Allow Backup/Restore of the named WFM user', async () => {
    const original = await generated(sqlite);
    const connection = await connect(original.url);
    const holders = await connection.query("SELECT u.login FROM wfm_user u JOIN role_privilege p ON p.role_id = u.role_id WHERE p.privilege = 'general.allow_backup_restore'");
    const others = await connection.query("SELECT login FROM wfm_user WHERE role_id NOT IN (SELECT role_id FROM role_privilege WHERE privilege = 'general.allow_backup_restore')");
    await connection.close();
    const allowed = String(holders[0]?.login);
    const refused = String(others[0]?.login);
    const backupFile = `${original.target.path}.backup.db`;
    const denied = wfm(['bru', 'backup', '--db', original.url, '--file', backupFile, '--wfm-user', refused]);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /does not hold Allow Backup\/Restore/);
    assert.equal(wfm(['bru', 'backup', '--db', original.url, '--file', backupFile, '--wfm-user', allowed]).status, 0);
    const target = await fresh(sqlite, 'privileged');
    assert.equal(wfm(['bru', 'restore', '--db', target.url, '--file', backupFile, '--wfm-user', refused]).status, 1);
    const empty = await connect(target.url);
    assert.deepEqual(await detectRelease(empty), { kind: 'empty' });
    await empty.close();
    assert.equal(wfm(['bru', 'restore', '--db', target.url, '--file', backupFile, '--wfm-user', allowed]).status, 0);
  });

  for (const engine of [...engines.values()]) {
    it(`backs up ${engine.engine} from one moment while the Data Aggregator writes`, async () => {
      const original = await generated(engine);
      const start = Date.UTC(2024, 0, 10) / 1000;
      const aggregator = await Aggregator.start({
        name: 'aggregator under backup',
        release: '8.5.2',
        target: original.target,
        spoolDirectory: mkdtempSync(join(tmpdir(), 'wfm-backup-spool-')),
        port: 0,
        host: '127.0.0.1',
        closeAfterSeconds: 1800,
        heartbeatSeconds: 1,
        // The simulation replays 2024: the aggregator is told to accept events from then on.
        maxEventAgeSeconds: Math.floor(Date.now() / 1000) - start + 86_400,
      });
      const backupFile = `${(await fresh(sqlite, 'live')).target.path}.backup.db`;
      try {
        const sending = simulate({ target: { url: aggregator.url }, seed: 3, start, durationSeconds: 12 * 3600, interactionsPerHour: 3000 });
        while (aggregator.status().applied === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        await backupDatabase(original.target, backupFile, { chunkRows: 500 });
        await sending;
        assert.ok(await aggregator.drain(30_000));
      } finally {
        await aggregator.stop();
      }
      const restored = await fresh(sqlite, 'liverestored');
      await restoreDatabase(backupFile, restored.target);
      const check = await connect(restored.url);
      // Each aggregator transaction records its interactions' ids and adds them to `offered`: at any one
      // moment the two agree.
      const [ids] = await check.query("SELECT COUNT(*) AS n FROM aggregator_event WHERE event_id LIKE 'i-%'");
      const [offered] = await check.query(`SELECT COALESCE(SUM(offered), 0) AS n FROM activity_performance WHERE interval_start >= '2024-01-10'`);
      await check.close();
      assert.ok(Number(ids?.n) > 0, 'the backup holds what the aggregator had written when it started');
      assert.equal(Number(offered?.n), Number(ids?.n), 'the events and the totals come from the same moment');
      assert.ok(Number(ids?.n) < aggregator.status().applied, 'the aggregator went on writing during the backup');
    });
  }
});
