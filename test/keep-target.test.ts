// Step two keeps every target row it did not write itself. A row written by hand with the key of a 6.5
// row is kept by keep-target and listed as a conflict (in the conflict table and in --conflict-file),
// makes --conflict fail stop before anything is written, and is written over by overwrite, listed as
// overwritten. A catch-up still updates the rows step two wrote whose 6.5 row changed, and keeps one that
// someone changed by hand after step two wrote it. Run as the real `wfm` process where the output matters.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConnectionString, withConnection, type Connection, type SqlValue } from '../src/engine/dialect/index.ts';
import { diffSchemas } from '../src/engine/schema/diff.ts';
import { loadLegacyContext, TABLE_MAPPINGS, type TableMapping } from '../src/wfm/legacy65/index.ts';
import { migratePerformance, type Conflict } from '../src/wfm/migrate-performance.ts';
import { releaseModel } from '../src/wfm/releases/index.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-keep-target-'));
const PERFORMANCE_MAPPINGS = TABLE_MAPPINGS.filter((m) => m.performance);

/** A 6.5 performance row as step two writes it, with its 6.5 day and its 6.5 key. */
interface MappedRow {
  row: SqlValue[];
  day: number;
  sourceKey: SqlValue[];
}

/** The 6.5 performance rows as step two writes them, table by table. */
async function mappedRows(legacyUrl: string): Promise<Map<string, MappedRow[]>> {
  return withConnection(legacyUrl, async (legacy) => {
    const context = await loadLegacyContext(legacy, '6.5.201');
    const rows = new Map<string, MappedRow[]>();
    for (const mapping of PERFORMANCE_MAPPINGS) {
      const transform = mapping.transform(context);
      const dayColumn = mapping.source === 'performance_data' ? 'perf_date' : 'state_date';
      const mapped = (await legacy.query(`SELECT ${mapping.sourceColumns('6.5.201').join(', ')} FROM ${mapping.source} ORDER BY ${mapping.sourceKey.join(', ')}`)).map((source) => {
        const result = transform(source);
        assert.ok('row' in result, 'the generated 6.5 data maps');
        return { row: result.row, day: Number(source[dayColumn]), sourceKey: mapping.sourceKey.map((column) => source[column] ?? null) };
      });
      rows.set(mapping.target, mapped);
    }
    return rows;
  });
}

const keyOf = (mapping: TableMapping, row: readonly SqlValue[]): string => `${mapping.targetColumns[0]}=${String(row[0])}, ${mapping.targetColumns[1]}=${String(row[1])}`;

/** The target's row for a key, as text by column. */
async function targetRow(c: Connection, mapping: TableMapping, row: readonly SqlValue[]): Promise<Record<string, string> | undefined> {
  const [a, b] = mapping.targetColumns;
  const [found] = await c.query(`SELECT * FROM ${mapping.target} WHERE ${a} = ${c.compiler.parameter(1)} AND ${b} = ${c.compiler.parameter(2)}`, [row[0] ?? null, row[1] ?? null]);
  return found ? Object.fromEntries(mapping.targetColumns.map((column) => [column, String(found[column])])) : undefined;
}

const asText = (mapping: TableMapping, row: readonly SqlValue[]): Record<string, string> => Object.fromEntries(mapping.targetColumns.map((column, i) => [column, String(row[i])]));

/** The row with its third column (offered; duration_seconds) raised by `by`: what a correction by hand writes. */
const corrected = (row: readonly SqlValue[], by: number): SqlValue[] => row.map((value, i) => (i === 2 ? Number(value) + by : value));

async function insertRow(c: Connection, mapping: TableMapping, row: readonly SqlValue[]): Promise<void> {
  const params = mapping.targetColumns.map((_, i) => c.compiler.parameter(i + 1)).join(', ');
  await c.execute(`INSERT INTO ${mapping.target} (${mapping.targetColumns.join(', ')}) VALUES (${params})`, row);
}

async function setThirdColumn(c: Connection, mapping: TableMapping, row: readonly SqlValue[]): Promise<void> {
  const [a, b, value] = mapping.targetColumns;
  const q = c.compiler;
  await c.execute(`UPDATE ${mapping.target} SET ${value} = ${q.parameter(1)} WHERE ${a} = ${q.parameter(2)} AND ${b} = ${q.parameter(3)}`, [row[2] ?? null, row[0] ?? null, row[1] ?? null]);
}

async function conflictTable(url: string): Promise<string[]> {
  return withConnection(url, async (c) => (await c.query('SELECT table_name, row_key, resolution FROM performance_migration_conflict')).map((r) => `${String(r.table_name)}: ${String(r.row_key)}: ${String(r.resolution)}`).sort());
}

const conflictFile = (file: string): Conflict[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Conflict);

async function countRows(url: string, table: string): Promise<number> {
  return withConnection(url, async (c) => Number((await c.query(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n));
}

for (const engine of await testEngines()) {
  describe(`step two's keep-target on ${engine.engine}`, { skip: engine.skip }, () => {
    let legacy: TestDatabase;
    let mapped: Map<string, MappedRow[]>;

    /** A new 8.5.2 database after step one, with one row written by hand in each performance table. */
    async function stepOneWithHandRows(label: string): Promise<{ url: string; hand: Map<TableMapping, SqlValue[]> }> {
      legacy ??= await generatedDatabase(fresh, engine as TestEngine, 'kt-legacy', '6.5.201', { agents: 8, days: 2, seed: 23 });
      mapped ??= await mappedRows(legacy.url);
      const target = await fresh(engine as TestEngine, label);
      const stepOne = wfm(['dbu', 'migrate', '--from', legacy.url, '--to', target.url, '--allow-migrate-performance', '0']);
      assert.equal(stepOne.status, 0, stepOne.stderr);
      const hand = new Map<TableMapping, SqlValue[]>();
      await withConnection(target.url, async (c) => {
        for (const mapping of PERFORMANCE_MAPPINGS) {
          const rows = mapped.get(mapping.target) ?? [];
          const chosen = rows[Math.floor(rows.length / 2)];
          assert.ok(chosen, `6.5 has ${mapping.source} rows`);
          hand.set(mapping, corrected(chosen.row, 1000));
          await insertRow(c, mapping, corrected(chosen.row, 1000));
        }
      });
      return { url: target.url, hand };
    }

    it('keeps a row written by hand, lists it as a conflict, and --conflict fail stops before writing', async () => {
      const { url, hand } = await stepOneWithHandRows('kt-keep');
      // An 8.5.2 database made before step two recorded its rows gets the record on its first step two.
      await withConnection(url, async (c) => {
        for (const sql of c.compiler.dropTable('performance_migration_row')) await c.execute(sql);
      });
      // Such a database, and a backup of it, are still 8.5.2: backed up, verified and restored as one.
      const backupFile = join(directory, `${engine.engine}-before-record.db`);
      const backup = wfm(['bru', 'backup', '--db', url, '--file', backupFile]);
      assert.equal(backup.status, 0, backup.stderr);
      assert.equal(wfm(['bru', '-VERIFY', '-FILE', backupFile]).status, 0);
      const restored = await fresh(engine as TestEngine, 'kt-restored');
      const restore = wfm(['bru', '-RESTORE', '-DB', restored.url, '-FILE', backupFile]);
      assert.equal(restore.status, 0, restore.stderr);

      const failed = wfm(['dbu', 'migrate-performance', '--from', legacy.url, '--to', url, '--conflict', 'fail']);
      assert.equal(failed.status, 1, failed.stderr);
      assert.match(failed.stderr, /2 rows of 6\.5 performance data meet target rows the performance migration did not write.*nothing was written/);
      assert.match(failed.stderr, /not written by the performance migration/);
      assert.equal(await countRows(url, 'activity_performance'), 1, 'nothing written by --conflict fail');
      assert.equal(await countRows(url, 'agent_adherence'), 1, 'nothing written by --conflict fail');

      const file = join(directory, `${engine.engine}-keep.jsonl`);
      const stepTwo = wfm(['dbu', 'migrate-performance', '--from', legacy.url, '--to', url, '--conflict-file', file, '--json']);
      assert.equal(stepTwo.status, 0, stepTwo.stderr);
      const result = JSON.parse(stepTwo.stdout) as { runId: number; conflicts: number; tables: { target: string; inserted: number; updated: number; conflicts: number; verified: boolean }[] };
      assert.equal(result.conflicts, 2);
      const expected = [...hand].map(([mapping, row]) => ({ table: mapping.target, key: keyOf(mapping, row), resolution: 'kept target', reason: 'not written by the performance migration' }));
      assert.deepEqual(conflictFile(file), expected);
      assert.deepEqual(await conflictTable(url), expected.map((c) => `${c.table}: ${c.key}: kept target`).sort());
      await withConnection(url, async (c) => {
        for (const [mapping, row] of hand) {
          const table = result.tables.find((t) => t.target === mapping.target);
          assert.deepEqual(table && { inserted: table.inserted, updated: table.updated, conflicts: table.conflicts, verified: table.verified }, {
            inserted: (mapped.get(mapping.target)?.length ?? 0) - 1,
            updated: 0,
            conflicts: 1,
            verified: true,
          });
          assert.deepEqual(await targetRow(c, mapping, row), asText(mapping, row), `${mapping.target}: the row written by hand is kept`);
        }
        assert.deepEqual(diffSchemas(releaseModel('8.5.2'), await c.introspector.introspect(releaseModel('8.5.2').tables.map((t) => t.name))), []);
      });
    });

    it('with --conflict overwrite writes over a row written by hand and lists it as overwritten', async () => {
      const { url, hand } = await stepOneWithHandRows('kt-overwrite');
      const file = join(directory, `${engine.engine}-overwrite.jsonl`);
      const stepTwo = wfm(['dbu', 'migrate-performance', '--from', legacy.url, '--to', url, '--conflict', 'overwrite', '--yes', '--conflict-file', file]);
      assert.equal(stepTwo.status, 0, stepTwo.stderr);
      assert.match(stepTwo.stdout, /conflict: activity_performance activity_id=\S+, interval_start=[^:]+:\d\d:\d\d: overwritten \(not written by the performance migration\)/);
      const expected = [...hand].map(([mapping, row]) => ({ table: mapping.target, key: keyOf(mapping, row), resolution: 'overwritten', reason: 'not written by the performance migration' }));
      assert.deepEqual(conflictFile(file), expected);
      assert.deepEqual(await conflictTable(url), expected.map((c) => `${c.table}: ${c.key}: overwritten`).sort());
      await withConnection(url, async (c) => {
        for (const [mapping, row] of hand) assert.deepEqual(await targetRow(c, mapping, row), asText(mapping, corrected(row, -1000)), `${mapping.target}: the 6.5 row is written over it`);
      });
    });

    it('a catch-up updates the rows step two wrote whose 6.5 row changed, and keeps one changed by hand since', async () => {
      const target = await fresh(engine as TestEngine, 'kt-catch-up');
      legacy ??= await generatedDatabase(fresh, engine as TestEngine, 'kt-legacy', '6.5.201', { agents: 8, days: 2, seed: 23 });
      mapped ??= await mappedRows(legacy.url);
      assert.equal(wfm(['dbu', 'migrate', '--from', legacy.url, '--to', target.url, '--allow-migrate-performance', '0']).status, 0);
      const from = parseConnectionString(legacy.url);
      const to = parseConnectionString(target.url);
      const first = await migratePerformance(from, to, { conflict: 'keep-target' });
      assert.equal(first.conflicts.length, 0);

      // On the last day read (where a catch-up starts), the old aggregator revises one interval and someone corrects another in the target.
      const mapping = PERFORMANCE_MAPPINGS.find((m) => m.target === 'activity_performance') as TableMapping;
      const rows = mapped.get(mapping.target) ?? [];
      const lastDay = Math.max(...rows.map((r) => r.day));
      const dayRows = rows.filter((r) => r.day === lastDay);
      const revised = dayRows[0];
      const secondActivity = dayRows.find((r) => r.row[0] !== revised?.row[0])?.row;
      assert.ok(revised && secondActivity);
      const reviseIn65 = (offered: number) =>
        withConnection(legacy.url, (c) => {
          const q = c.compiler;
          const where = mapping.sourceKey.map((column, i) => `${column} = ${q.parameter(i + 2)}`).join(' AND ');
          return c.execute(`UPDATE performance_data SET offered = ${q.parameter(1)} WHERE ${where}`, [offered, ...revised.sourceKey]);
        });
      await reviseIn65(Number(revised.row[2]) + 7);
      await withConnection(target.url, (c) => setThirdColumn(c, mapping, corrected(secondActivity, 5)));

      const catchUp = await migratePerformance(from, to, { conflict: 'keep-target' });
      const table = catchUp.tables.find((t) => t.target === mapping.target);
      assert.ok(table?.fromDay === lastDay && table.verified, JSON.stringify(table));
      assert.deepEqual({ updated: table.updated, conflicts: table.conflicts }, { updated: 1, conflicts: 1 });
      assert.deepEqual(catchUp.conflicts, [{ table: mapping.target, key: keyOf(mapping, secondActivity), resolution: 'kept target', reason: 'changed since the performance migration wrote it' }]);
      await withConnection(target.url, async (c) => {
        assert.deepEqual(await targetRow(c, mapping, revised.row), asText(mapping, corrected(revised.row, 7)), 'the revised 6.5 row is updated');
        assert.deepEqual(await targetRow(c, mapping, secondActivity), asText(mapping, corrected(secondActivity, 5)), 'the correction by hand is kept');
      });

      // The record follows the update: a second revision of the same 6.5 row is taken too.
      await reviseIn65(Number(revised.row[2]) + 9);
      const again = await migratePerformance(from, to, { conflict: 'keep-target' });
      assert.equal(again.tables.find((t) => t.target === mapping.target)?.updated, 1);
      await withConnection(target.url, async (c) => assert.deepEqual(await targetRow(c, mapping, revised.row), asText(mapping, corrected(revised.row, 9))));
    });
  });
}
