// The 6.5 mapping run in worker threads where the target takes encoded rows (PostgreSQL): the rows it
// writes and the rows it rejects are those of the mapping run on the main thread, row for row by content
// hash, and a migration killed while the split adherence table loads resumes with every row once.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { chunkRunner } from '../src/engine/archive/chunk-pool.ts';
import { ContentHash, copyItem, DatabaseSource, DatabaseSink, tableContentHash, type CopyItem, type TransformWorkers } from '../src/engine/copy/index.ts';
import { connect, type Connection } from '../src/engine/dialect/index.ts';
import { CHECKPOINT_TABLE_NAME } from '../src/engine/engine-tables.ts';
import { legacyContextData, loadLegacyContext, type Rejection } from '../src/wfm/legacy65/index.ts';
import { legacyContextOf } from '../src/wfm/legacy65/row-transform.ts';
import { copyItemsFor, MIGRATION_JOB, migrateLegacy, migratedMappings } from '../src/wfm/migrate.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const all = await testEngines();
const sqlite = all.find((e) => e.engine === 'sqlite') as TestEngine;
const postgres = all.find((e) => e.engine === 'postgres' && !e.skip);
const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const fresh = trackedDatabases();
let files = 0;
const rejectFile = (): string => join(tmpdir(), `wfm-migrate-workers-${process.pid}-${++files}.jsonl`);

/** What the mapping makes of every source row on the main thread: per target table its rows' hash, and every rejection. */
interface MainThreadMapping {
  hashes: Map<string, string>;
  rows: Map<string, number>;
  rejections: Rejection[];
}

async function mainThreadMapping(source: TestDatabase): Promise<{ items: CopyItem[]; expected: MainThreadMapping }> {
  const connection = await connect({ ...source.target, readOnly: true });
  try {
    const context = await loadLegacyContext(connection, '6.5.201');
    const items = copyItemsFor(migratedMappings(true), '6.5.201', context);
    const expected: MainThreadMapping = { hashes: new Map(), rows: new Map(), rejections: [...context.supervisorRejections] };
    const reader = new DatabaseSource(connection);
    for (const item of items) {
      const hash = new ContentHash();
      let rows = 0;
      for await (const batch of reader.read(item, null, 5000)) {
        for (const row of batch) {
          const mapped = item.transform?.(row);
          if (!mapped) throw new Error(`${item.name} has no transform`);
          if ('row' in mapped) {
            hash.add(mapped.row);
            rows++;
          } else {
            expected.rejections.push(mapped.rejection as Rejection);
          }
        }
      }
      expected.hashes.set(item.target.table, hash.toString());
      expected.rows.set(item.target.table, rows);
    }
    return { items, expected };
  } finally {
    await connection.close();
  }
}

/** Source rows that break a documented encoding: an adherence record of no duration in each half of the table, a schedule segment of an unknown kind. */
async function breakRows(source: TestDatabase): Promise<void> {
  const connection = await connect(source.url);
  try {
    const [{ n } = { n: 0 }] = await connection.query('SELECT COUNT(*) AS n FROM agent_compliance');
    for (const offset of [Math.floor(Number(n) / 5), Math.floor((Number(n) * 4) / 5)]) {
      await connection.execute(`UPDATE agent_compliance SET duration_sec = 0 WHERE rowid = (SELECT rowid FROM agent_compliance ORDER BY employee_id, state_date, start_sec LIMIT 1 OFFSET ${offset})`);
    }
    await connection.execute("UPDATE master_schedule SET seg_kind = 'Q' WHERE rowid = (SELECT MIN(rowid) FROM master_schedule)");
  } finally {
    await connection.close();
  }
}

async function assertTablesAsMapped(connection: Connection, items: readonly CopyItem[], expected: MainThreadMapping): Promise<void> {
  for (const item of items) {
    const held = (await tableContentHash(connection, item.target.table, item.target.columns)).toString();
    assert.equal(held, expected.hashes.get(item.target.table), `${item.target.table} holds the rows of the main thread's mapping`);
  }
}

function rejectionsIn(file: string): Rejection[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Rejection);
}

/** Rejections in one order, whichever order the items were loaded in. */
function sorted(rejections: readonly Rejection[]): string[] {
  return rejections.map((r) => JSON.stringify(r)).sort();
}

async function adherenceCheckpoints(connection: Connection): Promise<{ item: string; rows: number; done: boolean }[]> {
  const q = connection.compiler;
  const rows = await connection.query(
    `SELECT item, rows_written, done FROM ${q.quoteIdentifier(CHECKPOINT_TABLE_NAME)} WHERE job = ${q.parameter(1)} AND item LIKE ${q.parameter(2)} ORDER BY item`,
    [MIGRATION_JOB, 'agent_adherence %'],
  );
  return rows.map((row) => ({ item: String(row.item), rows: Number(row.rows_written), done: Number(row.done) === 1 }));
}

/** A connection to the target once the migration has created it, or a failure if the migration ends first. */
async function waitForTarget(url: string, exited: Promise<unknown>): Promise<Connection> {
  let ended = false;
  void exited.then(() => (ended = true));
  for (;;) {
    try {
      return await connect(url);
    } catch (error) {
      if (ended) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('the loaded 6.5 context as plain data', () => {
  it('crosses to a worker thread and comes back as the context it was', async () => {
    const source = await generatedDatabase(fresh, sqlite, 'wctx', '6.5.201', { agents: 10, days: 2, seed: 14 });
    await breakRows(source);
    const connection = await connect({ ...source.target, readOnly: true });
    try {
      const context = await loadLegacyContext(connection, '6.5.201');
      const crossed = legacyContextOf(structuredClone(legacyContextData(context)));
      assert.deepEqual(crossed, context);
      assert.ok((crossed.parents.get('employee')?.migrating.size ?? 0) > 0, 'the context holds the employees that migrate');
    } finally {
      await connection.close();
    }
  });
});

if (!postgres) console.error('\n*** SKIPPED: the 6.5 mapping in worker threads needs PostgreSQL (a target that takes encoded rows), unreachable here ***\n');

describe('the 6.5 mapping in worker threads, into PostgreSQL', { skip: postgres ? false : 'PostgreSQL is unreachable' }, () => {
  const pg = postgres as TestEngine;

  it('writes the rows and reports the rejections of the main-thread mapping, the rejected rows included', async () => {
    const source = await generatedDatabase(fresh, sqlite, 'wsrc', '6.5.201', { agents: 30, days: 4, seed: 11 });
    await breakRows(source);
    const { items, expected } = await mainThreadMapping(source);
    assert.equal(expected.rejections.filter((r) => r.table === 'agent_compliance').length, 2, 'two adherence rows are rejected');
    const target = await fresh(pg, 'wdst');
    const file = rejectFile();
    const result = await migrateLegacy(source.target, target.target, { allowMigratePerformance: true, rejectFile: file, concurrency: 2, chunkRows: 700 });
    assert.deepEqual(sorted(result.rejections), sorted(expected.rejections));
    assert.deepEqual(sorted(rejectionsIn(file)), sorted(expected.rejections));
    const adherence = result.tables.find((t) => t.target === 'agent_adherence');
    assert.equal(adherence?.rowsRejected, 2);
    assert.equal(adherence?.rowsWritten, expected.rows.get('agent_adherence'));
    const connection = await connect(target.url);
    try {
      await assertTablesAsMapped(connection, items, expected);
    } finally {
      await connection.close();
    }
  });

  it('gives each chunk the digest of its rows only in worker threads, and the same hash and rejections as the values path', async () => {
    const source = await generatedDatabase(fresh, sqlite, 'wcmp', '6.5.201', { agents: 20, days: 3, seed: 12 });
    await breakRows(source);
    const { items, expected } = await mainThreadMapping(source);
    const target = await fresh(pg, 'wcmpdst');
    const migrated = await migrateLegacy(source.target, target.target, { allowMigratePerformance: true, rejectFile: rejectFile() });
    assert.ok(migrated.tables.length > 0);
    const item = items.find((i) => i.target.table === 'agent_adherence') as CopyItem;
    const reader = await connect({ ...source.target, readOnly: true });
    const writer = await connect(target.url);
    const runner = chunkRunner(1);
    try {
      const copied = async (job: string, workers: TransformWorkers | undefined) => {
        await writer.execute('DELETE FROM agent_adherence');
        const sink = new DatabaseSink(writer, job);
        await sink.prepare();
        const result = await copyItem(new DatabaseSource(reader), sink, item, { chunkRows: 300, workers });
        return { result, rejections: await sink.rejections(), held: (await tableContentHash(writer, 'agent_adherence', item.target.columns)).toString() };
      };
      const threaded = await copied('threaded', runner);
      const values = await copied('values', undefined);
      assert.ok(threaded.result.rowsDigest, 'the worker path brings the digest the server takes of the rows');
      assert.equal(values.result.rowsDigest, undefined, 'the values path brings none');
      for (const run of [threaded, values]) {
        assert.equal(run.result.contentHash, expected.hashes.get('agent_adherence'));
        assert.equal(run.held, expected.hashes.get('agent_adherence'));
        assert.equal(run.result.rowsRejected, 2);
      }
      assert.deepEqual(threaded.rejections, values.rejections, 'the same rejections, in the same order');
    } finally {
      await runner.close();
      await reader.close();
      await writer.close();
    }
  });

  it('resumes a migration killed while the split adherence table loads in worker threads: every row once, as mapped', async () => {
    const source = await generatedDatabase(fresh, sqlite, 'wkill', '6.5.201', { agents: 150, days: 30, seed: 13 });
    await breakRows(source);
    const { items, expected } = await mainThreadMapping(source);
    const target = await fresh(pg, 'wkilldst');
    const file = rejectFile();
    const args = ['dbu', 'migrate', '--from', source.url, '--to', target.url, '--chunk-rows', '2000', '--reject-file', file, '--json'];
    const child = spawn(process.execPath, [WFM, ...args], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    let killedAt: { item: string; rows: number; done: boolean }[] = [];
    const watcher = await waitForTarget(target.url, exited);
    try {
      for (let polls = 0; polls < 600 && child.exitCode === null; polls++) {
        const ranges = await adherenceCheckpoints(watcher).catch(() => []);
        if (ranges.some((r) => r.rows > 0 && !r.done)) {
          child.kill('SIGKILL');
          killedAt = ranges;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await watcher.close();
    }
    await exited;
    assert.ok(killedAt.some((r) => r.rows > 0 && !r.done), `killed while a range was loading: ${JSON.stringify(killedAt)}`);
    const resumed = wfm([...args, '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(sorted(rejectionsIn(file)), sorted(expected.rejections), 'every rejection reported once, those of the killed run included');
    const connection = await connect(target.url);
    try {
      const ranges = await adherenceCheckpoints(connection);
      assert.equal(ranges.length, 2);
      assert.ok(ranges.every((r) => r.done));
      const [counts] = await connection.query('SELECT COUNT(*) AS n, (SELECT COUNT(*) FROM (SELECT DISTINCT agent_id, starts_at FROM agent_adherence) AS d) AS k FROM agent_adherence');
      assert.equal(Number(counts?.n), expected.rows.get('agent_adherence'), 'no row missing');
      assert.equal(Number(counts?.k), Number(counts?.n), 'no row twice');
      await assertTablesAsMapped(connection, items, expected);
    } finally {
      await connection.close();
    }
  });
});

