// The same contract checked on every engine: DDL from the model introspects back to the model, values
// come back exactly, transactions roll back, and the lock names its holder and dies with its connection.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { asConnectionLost, connect, type Connection, type EngineName, type Row, type SqlValue } from '../src/engine/dialect/index.ts';
import { LockHeldError } from '../src/engine/errors.ts';
import { diffSchemas, formatDifferences } from '../src/engine/schema/diff.ts';
import type { SchemaModel, TableModel } from '../src/engine/schema/model.ts';
import { testEngines, type TestDatabase } from './helpers/databases.ts';
import { cutConnections } from './helpers/faults.ts';

const parent: TableModel = {
  name: 'parent',
  columns: [
    { name: 'id', type: { kind: 'integer' }, nullable: false },
    { name: 'name', type: { kind: 'varchar', length: 64 }, nullable: false },
  ],
  primaryKey: ['id'],
  indexes: [{ name: 'parent_name', columns: ['name'], unique: true }],
  foreignKeys: [],
};

const child: TableModel = {
  name: 'child item',
  columns: [
    { name: 'parent_id', type: { kind: 'integer' }, nullable: false },
    { name: 'seq', type: { kind: 'smallint' }, nullable: false },
    { name: 'big', type: { kind: 'bigint' }, nullable: true },
    { name: 'ratio', type: { kind: 'double' }, nullable: true },
    { name: 'code', type: { kind: 'char', length: 1 }, nullable: false, default: { kind: 'string', value: 'P' } },
    { name: 'note', type: { kind: 'text' }, nullable: true },
    { name: 'day', type: { kind: 'date' }, nullable: true },
    { name: 'at', type: { kind: 'timestamp' }, nullable: true },
    { name: 'data', type: { kind: 'blob' }, nullable: true },
    { name: 'flag', type: { kind: 'smallint' }, nullable: false, default: { kind: 'number', value: 0 } },
  ],
  primaryKey: ['parent_id', 'seq'],
  indexes: [{ name: 'child_day', columns: ['day', 'at'], unique: false }],
  foreignKeys: [{ name: 'child_parent', columns: ['parent_id'], referencedTable: 'parent', referencedColumns: ['id'] }],
};

const schema: SchemaModel = { tables: [parent, child] };

const tricky: SqlValue[][] = [
  [1, 1, 9007199254740991, 0.1 + 0.2, 'M', '', '2024-03-10', '2024-03-10 07:00:00', Buffer.from([0, 1, 2, 255]), 1],
  [1, 2, null, -1.5e-300, 'X', null, null, null, null, 0],
  [1, 3, -42, 1 / 3, 'P', `O'Brien; DROP TABLE parent; -- "quoted" \\ back\tslash\nnewline  `, '1999-12-31', '2038-01-19 03:14:07', Buffer.alloc(0), 0],
  [1, 4, 0, 123456.789, 'P', 'Ünïcödé 名前 😀 trailing  ', '2024-02-29', '2024-02-29 23:59:59', null, 1],
  [1, 5, 1, 5e-324, 'P', 'x'.repeat(100_000), '2024-01-01', '2024-01-01 00:00:00', Buffer.from('large'.repeat(1000)), 0],
];

/** 200 000 rows of 1 000 characters from nothing, in each server engine's own words. */
const MANY_ROWS: Partial<Record<EngineName, string>> = {
  postgres: "SELECT g AS n, repeat('x', 1000) AS pad FROM generate_series(1, 200000) g",
  mysql: "SELECT seq AS n, REPEAT('x', 1000) AS pad FROM seq_1_to_200000",
  mssql: "SELECT TOP (200000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS n, REPLICATE('x', 1000) AS pad FROM sys.all_columns a CROSS JOIN sys.all_columns b",
};

async function createSchema(connection: Connection): Promise<void> {
  for (const table of schema.tables) for (const sql of connection.compiler.createTable(table)) await connection.execute(sql);
}

function q(connection: Connection, name: string): string {
  return connection.compiler.quoteIdentifier(name);
}

/** The collector, to measure what is still held; tests run without --expose-gc. */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

for (const engine of await testEngines()) {
  describe(`dialect ${engine.engine}`, { skip: engine.skip }, () => {
    let database: TestDatabase;
    let connection: Connection;

    before(async () => {
      database = await engine.newDatabase('conformance');
      connection = await connect(database.url);
      await createSchema(connection);
    });
    after(async () => {
      await connection?.close();
      await database?.drop();
    });

    it('introspects the tables it created as the model describes them', async () => {
      const differences = diffSchemas(schema, await connection.introspector.introspect());
      assert.equal(formatDifferences(differences), '');
      assert.deepEqual((await connection.introspector.tableNames()).sort(), ['child item', 'parent']);
    });

    it('limits a query to its first rows after an offset, in its order', async () => {
      await connection.bulkInsert('parent', ['id', 'name'], [[101, 'a'], [102, 'b'], [103, 'c'], [104, 'd']]);
      const select = `SELECT id FROM ${q(connection, 'parent')} WHERE id > 100 ORDER BY id DESC`;
      assert.deepEqual((await connection.query(connection.compiler.firstRows(select, 2, 1))).map((r) => Number(r.id)), [103, 102]);
      assert.deepEqual((await connection.query(connection.compiler.firstRows(select, 1))).map((r) => Number(r.id)), [104]);
      await connection.execute(`DELETE FROM ${q(connection, 'parent')} WHERE id > 100`);
    });

    it('writes through the bulk path and reads every value back exactly', async () => {
      await connection.bulkInsert('parent', ['id', 'name'], [[1, 'first']]);
      const columns = child.columns.map((c) => c.name);
      async function* rows(): AsyncIterable<SqlValue[]> {
        for (const row of tricky) yield row;
      }
      assert.equal(await connection.bulkInsert('child item', columns, rows()), tricky.length);
      const sql = `SELECT ${columns.map((c) => q(connection, c)).join(', ')} FROM ${q(connection, 'child item')} ORDER BY seq`;
      const queried = await connection.query(sql);
      const streamed: Row[] = [];
      for await (const batch of connection.streamQuery(sql)) streamed.push(...batch);
      for (const read of [queried, streamed]) assertTricky(read, columns);
    });

    function assertTricky(read: Row[], columns: string[]): void {
      assert.equal(read.length, tricky.length);
      read.forEach((row, i) => {
        const expected = tricky[i] ?? [];
        columns.forEach((column, j) => {
          const want = expected[j];
          const got = row[column];
          if (Buffer.isBuffer(want)) assert.ok(Buffer.isBuffer(got) && want.equals(got), `row ${i} ${column}: blob differs`);
          else if (typeof want === 'number' && column === 'ratio') assert.ok(Object.is(got, want), `row ${i} ratio: ${String(got)} is not bit-equal to ${want}`);
          else assert.deepEqual(got, want, `row ${i} ${column}`);
        });
      });
    }

    it('rolls back a failed transaction, including its DDL where the engine can', async () => {
      const before = (await connection.query(`SELECT COUNT(*) AS n FROM ${q(connection, 'parent')}`))[0]?.n;
      await assert.rejects(
        connection.transaction(async () => {
          await connection.execute(`INSERT INTO ${q(connection, 'parent')} (id, name) VALUES (${connection.compiler.parameter(1)}, ${connection.compiler.parameter(2)})`, [2, 'second']);
          await connection.execute(`INSERT INTO ${q(connection, 'parent')} (id, name) VALUES (${connection.compiler.parameter(1)}, ${connection.compiler.parameter(2)})`, [3, 'first']);
        }),
      );
      assert.equal(Number((await connection.query(`SELECT COUNT(*) AS n FROM ${q(connection, 'parent')}`))[0]?.n), Number(before));
      assert.equal(connection.inTransaction, false);
    });

    it('adds and drops columns and indexes, with a foreign key on an added column', async () => {
      const extra: TableModel = { name: 'role', columns: [{ name: 'id', type: { kind: 'integer' }, nullable: false }], primaryKey: ['id'], indexes: [], foreignKeys: [] };
      for (const sql of connection.compiler.createTable(extra)) await connection.execute(sql);
      const fk = { name: 'parent_role', columns: ['role_id'], referencedTable: 'role', referencedColumns: ['id'] };
      for (const sql of connection.compiler.addColumn('parent', { name: 'role_id', type: { kind: 'integer' }, nullable: true }, fk)) await connection.execute(sql);
      for (const sql of connection.compiler.addColumn('parent', { name: 'kind', type: { kind: 'varchar', length: 20 }, nullable: false, default: { kind: 'string', value: 'plain' } })) await connection.execute(sql);
      for (const sql of connection.compiler.createIndex('parent', { name: 'parent_kind', columns: ['kind'], unique: false })) await connection.execute(sql);
      const expected: SchemaModel = {
        tables: [
          child,
          extra,
          {
            ...parent,
            columns: [...parent.columns, { name: 'role_id', type: { kind: 'integer' }, nullable: true }, { name: 'kind', type: { kind: 'varchar', length: 20 }, nullable: false, default: { kind: 'string', value: 'plain' } }],
            indexes: [...parent.indexes, { name: 'parent_kind', columns: ['kind'], unique: false }],
            foreignKeys: [fk],
          },
        ],
      };
      assert.equal(formatDifferences(diffSchemas(expected, await connection.introspector.introspect())), '');
      assert.deepEqual((await connection.query(`SELECT kind FROM ${q(connection, 'parent')}`)).map((r) => r.kind), ['plain']);
      for (const sql of connection.compiler.dropIndex('parent', 'parent_kind')) await connection.execute(sql);
      for (const sql of connection.compiler.dropColumn('parent', 'kind')) await connection.execute(sql);
      const after = await connection.introspector.introspect();
      const parentAfter = after.tables.find((t) => t.name === 'parent');
      assert.deepEqual(parentAfter?.columns.map((c) => c.name), ['id', 'name', 'role_id']);
      assert.deepEqual(parentAfter?.indexes.map((i) => i.name), ['parent_name']);
    });

    it('streams every row whole when values cross the pieces the server sends them in', async () => {
      const table: TableModel = { name: 'pieces', columns: [{ name: 'n', type: { kind: 'integer' }, nullable: false }, { name: 'text', type: { kind: 'text' }, nullable: true }], primaryKey: ['n'], indexes: [], foreignKeys: [] };
      for (const sql of connection.compiler.createTable(table)) await connection.execute(sql);
      // Multi-byte characters, escapes and NULL's own spelling in rows longer than any piece of a stream.
      const value = (n: number): SqlValue => (n % 11 === 0 ? null : n % 13 === 0 ? '\\N' : `${'é€😀\t\\\n'.repeat(n % 50)}${'x'.repeat(n * 37 % 70_000)}|${n}`);
      const count = 600;
      await connection.bulkInsert('pieces', ['n', 'text'], Array.from({ length: count }, (_, n): SqlValue[] => [n, value(n)]));
      let expected = 0;
      for await (const batch of connection.streamQuery(`SELECT n, ${q(connection, 'text')} FROM pieces ORDER BY n`, [], 100)) {
        for (const row of batch) {
          assert.equal(row.n, expected);
          assert.equal(row.text, value(expected), `row ${expected}`);
          expected++;
        }
      }
      assert.equal(expected, count);
      // One column of empty texts: every line of such a stream is empty, the last ones too.
      await connection.execute(`UPDATE pieces SET ${q(connection, 'text')} = '' WHERE n < 3 OR n >= 597`);
      const texts: SqlValue[] = [];
      for await (const batch of connection.streamQuery(`SELECT ${q(connection, 'text')} FROM pieces WHERE n < 3 OR n >= 597 ORDER BY n`)) texts.push(...batch.map((row) => row.text as SqlValue));
      assert.deepEqual(texts, ['', '', '', '', '', '']);
    });

    it('leaves the connection usable when a streamed read is left before its end', async () => {
      let batches = 0;
      for await (const batch of connection.streamQuery(`SELECT a.n, a.text FROM pieces a CROSS JOIN pieces b`, [], 1_000)) {
        assert.equal(batch.length, 1_000);
        if (++batches === 2) break;
      }
      assert.equal(Number((await connection.query('SELECT COUNT(*) AS c FROM pieces'))[0]?.c), 600);
    });

    it('streams a query in bounded batches, in order, with every value', async () => {
      const table: TableModel = { name: 'numbers', columns: [{ name: 'n', type: { kind: 'integer' }, nullable: false }, { name: 'label', type: { kind: 'varchar', length: 20 }, nullable: true }], primaryKey: ['n'], indexes: [], foreignKeys: [] };
      for (const sql of connection.compiler.createTable(table)) await connection.execute(sql);
      const count = 25_000;
      await connection.bulkInsert('numbers', ['n', 'label'], Array.from({ length: count }, (_, i): SqlValue[] => [i, i % 7 === 0 ? null : `n${i}`]));
      const sizes: number[] = [];
      let expected = 10;
      for await (const batch of connection.streamQuery(`SELECT n, label FROM numbers WHERE n >= ${connection.compiler.parameter(1)} ORDER BY n`, [10], 10_000)) {
        sizes.push(batch.length);
        for (const row of batch) {
          assert.equal(row.n, expected);
          assert.equal(row.label, expected % 7 === 0 ? null : `n${expected}`);
          expected++;
        }
      }
      assert.equal(expected, count);
      assert.deepEqual(sizes, [10_000, 10_000, 4_990]);
      assert.equal(Number((await connection.query('SELECT COUNT(*) AS c FROM numbers'))[0]?.c), count);
    });

    it('keeps no batch it has handed over: memory stays bounded however many rows are streamed', async () => {
      const table: TableModel = { name: 'wide', columns: [{ name: 'n', type: { kind: 'integer' }, nullable: false }, { name: 'pad', type: { kind: 'text' }, nullable: false }], primaryKey: ['n'], indexes: [], foreignKeys: [] };
      for (const sql of connection.compiler.createTable(table)) await connection.execute(sql);
      await connection.bulkInsert('wide', ['n', 'pad'], Array.from({ length: 2_000 }, (_, i): SqlValue[] => [i, `${i}`.padEnd(1_000, '.')]));
      const collect = gcFunction();
      collect();
      const baseline = process.memoryUsage().heapUsed;
      let rows = 0;
      // 2,000 x 100 rows of 1,000 characters: 200 MB, were the batches kept.
      for await (const batch of connection.streamQuery('SELECT a.n, a.pad FROM wide a CROSS JOIN wide b WHERE b.n < 100', [], 5_000)) rows += batch.length;
      collect();
      const retainedMb = (process.memoryUsage().heapUsed - baseline) / 1e6;
      assert.equal(rows, 200_000);
      assert.ok(retainedMb < 40, `${retainedMb.toFixed(0)} MB are still held after the read ended`);
    });

    it('reads from one moment inside a snapshot while another session writes', async () => {
      const writer = await connect(database.url);
      const count = async () => Number((await connection.query(`SELECT COUNT(*) AS n FROM ${q(connection, 'parent')}`))[0]?.n);
      try {
        const before = await count();
        await connection.snapshot(async () => {
          assert.equal(await count(), before);
          await writer.execute(`INSERT INTO ${q(writer, 'parent')} (id, name) VALUES (${writer.compiler.parameter(1)}, ${writer.compiler.parameter(2)})`, [900, 'written meanwhile']);
          assert.equal(await count(), before, 'a snapshot does not see rows committed after it began');
          await assert.rejects(connection.execute(`DELETE FROM ${q(connection, 'parent')} WHERE id = 900`));
        });
        assert.equal(await count(), before + 1);
        await connection.execute(`DELETE FROM ${q(connection, 'parent')} WHERE id = 900`);
      } finally {
        await writer.close();
      }
    });

    it('opens read-only when asked, refusing every write', async () => {
      const reader = await connect({ ...database.target, readOnly: true });
      try {
        assert.ok((await reader.query(`SELECT COUNT(*) AS n FROM ${q(reader, 'parent')}`)).length === 1);
        await assert.rejects(reader.execute(`DELETE FROM ${q(reader, 'parent')}`));
        await assert.rejects(reader.execute('CREATE TABLE intruder (id INTEGER)'));
      } finally {
        await reader.close();
      }
      assert.ok(Number((await connection.query(`SELECT COUNT(*) AS n FROM ${q(connection, 'parent')}`))[0]?.n) > 0);
    });

    it('reports its size in bytes', async () => {
      assert.ok((await connection.sizeBytes()) > 0);
    });

    it('refuses a second holder of a lock, naming the first, and frees it on release', async () => {
      const other = await connect(database.url);
      try {
        const lock = await connection.acquireLock('wfm update', 'first holder');
        await assert.rejects(other.acquireLock('wfm update', 'second holder', 300), (error: unknown) => {
          assert.ok(error instanceof LockHeldError);
          assert.match(error.message, /first holder/);
          return true;
        });
        await lock.release();
        const second = await other.acquireLock('wfm update', 'second holder');
        await second.release();
      } finally {
        await other.close();
      }
    });

    it('frees a lock when its holder process is killed', async () => {
      const holder = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-lock.ts', database.url, 'wfm killed'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const [chunk] = (await once(holder.stdout, 'data')) as [Buffer];
      assert.equal(chunk.toString().trim(), 'locked');
      await assert.rejects(connection.acquireLock('wfm killed', 'me', 100), /the test lock holder/);
      holder.kill('SIGKILL');
      await once(holder, 'exit');
      const lock = await connection.acquireLock('wfm killed', 'me', 10_000);
      await lock.release();
    });

    it('fails a streamed read, never hangs, when the server ends its session mid-read', { skip: engine.engine === 'sqlite' ? 'an embedded database has no session to end' : undefined }, async () => {
      const reader = await connect(database.url);
      try {
        // 200 MB from nothing, in the dialect's own words: more than a server sends ahead of its reader.
        const rows = MANY_ROWS[engine.engine];
        assert.ok(rows, `no query of many rows is written for ${engine.engine}`);
        const batches = reader.streamQuery(rows, [], 100)[Symbol.asyncIterator]();
        assert.equal(((await batches.next()).value as unknown[]).length, 100);
        let settled = false;
        const read = (async () => {
          for (let next = await batches.next(); !next.done; next = await batches.next());
        })().then(
          () => 'completed',
          (error: Error) => error,
        );
        void read.finally(() => (settled = true));
        // Cut until the read settles: a session that had not shown up yet in the server's list is cut too.
        for (let tries = 0; tries < 50 && !settled; tries++) {
          await cutConnections(database.target);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const hung = new Promise((resolve) => setTimeout(() => resolve('hung'), 5_000));
        const outcome = await Promise.race([read, hung]);
        assert.ok(outcome instanceof Error, `the read ${String(outcome)} instead of failing`);
        assert.ok(asConnectionLost(outcome) !== undefined, `told as a lost connection: ${outcome.message}`);
      } finally {
        await reader.close().catch(() => undefined);
      }
    });
  });
}
