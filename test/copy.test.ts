// The copy engine between every pair of engines: every row arrives once, hashes agree on both sides,
// and a copy that fails partway resumes from its last checkpoint with no duplicate and no gap.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { connect, type Connection, type SqlValue } from '../src/engine/dialect/index.ts';
import { ContentHash, copyItems, DatabaseSink, DatabaseSource, tableContentHash, type CopyItem } from '../src/engine/copy/index.ts';
import type { TableModel } from '../src/engine/schema/model.ts';
import { testEngines, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { failingAfter } from './helpers/sinks.ts';
import { copyColumns, copyField, copyFieldReader, copyTextOfColumns } from '../src/engine/dialect/postgres/bulk/copy-text.ts';
import { decodeBulk, encodeBulk } from '../src/engine/dialect/bulk-codecs.ts';
import '../src/engine/dialect/postgres/bulk/codecs.ts';
import { isCopyBinary } from '../src/engine/dialect/postgres/bulk/copy-binary.ts';
import { RecordHashSum } from '../src/engine/dialect/postgres/bulk/record-hash.ts';
import type { EncodedBulk } from '../src/engine/dialect/types.ts';
import { valuesOf } from '../src/engine/dialect/bulk-column.ts';

/** A row as one line of COPY text, field by field: what the byte-by-byte writers must equal. */
const copyLine = (row: readonly SqlValue[]): string => `${row.map(copyField).join('\t')}\n`;

const ROWS = 23_456;

const sourceTable: TableModel = {
  name: 'reading',
  columns: [
    { name: 'sensor', type: { kind: 'integer' }, nullable: false },
    { name: 'day', type: { kind: 'integer' }, nullable: false },
    { name: 'slot', type: { kind: 'smallint' }, nullable: false },
    { name: 'value', type: { kind: 'double' }, nullable: true },
    { name: 'note', type: { kind: 'varchar', length: 40 }, nullable: true },
  ],
  primaryKey: ['sensor', 'day', 'slot'],
  indexes: [],
  foreignKeys: [],
};

const targetTable: TableModel = {
  name: 'measurement',
  columns: [
    { name: 'sensor_id', type: { kind: 'integer' }, nullable: false },
    { name: 'taken_at', type: { kind: 'timestamp' }, nullable: false },
    { name: 'value', type: { kind: 'double' }, nullable: true },
    { name: 'note', type: { kind: 'varchar', length: 40 }, nullable: true },
  ],
  primaryKey: ['sensor_id', 'taken_at'],
  indexes: [],
  foreignKeys: [],
};

function sourceRows(): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (let i = 0; i < ROWS; i++) {
    const sensor = i % 37;
    const day = 20240101 + Math.floor(i / 37 / 96);
    const slot = Math.floor(i / 37) % 96;
    rows.push([sensor, day, slot, i % 11 === 0 ? null : i / 7, i % 5 === 0 ? '' : i % 13 === 0 ? null : `n'${i} ü `]);
  }
  return rows;
}

const item: CopyItem = {
  name: 'measurement',
  source: { table: 'reading', columns: ['sensor', 'day', 'slot', 'value', 'note'], key: ['sensor', 'day', 'slot'], where: { sql: 'slot <> 95', params: [] } },
  target: { table: 'measurement', columns: ['sensor_id', 'taken_at', 'value', 'note'] },
  transform: (row) => {
    const day = String(row.day);
    const minutes = Number(row.slot) * 15;
    const taken = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)} ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
    if (Number(row.sensor) === 36 && Number(row.slot) === 7) return { rejection: { sensor: row.sensor, day: row.day, reason: 'sensor 36 slot 7 is rejected by the test' } };
    return { row: [row.sensor ?? null, taken, row.value ?? null, row.note ?? null] };
  },
};


async function populate(engine: TestEngine, label: string): Promise<TestDatabase> {
  const database = await engine.newDatabase(label);
  const connection = await connect(database.url);
  for (const sql of connection.compiler.createTable(sourceTable)) await connection.execute(sql);
  await connection.bulkInsert('reading', sourceTable.columns.map((c) => c.name), sourceRows());
  await connection.close();
  return database;
}

const engines = (await testEngines()).filter((e) => !e.skip);
const skipped = (await testEngines()).filter((e) => e.skip).map((e) => e.engine);

describe(`copy between engines${skipped.length > 0 ? ` (not ${skipped.join(', ')}: unavailable)` : ''}`, () => {
  const sources = new Map<string, TestDatabase>();
  const cleanup: TestDatabase[] = [];
  before(async () => {
    for (const engine of engines) sources.set(engine.engine, await populate(engine, 'copysrc'));
  });
  after(async () => {
    for (const d of [...sources.values(), ...cleanup]) await d.drop();
  });

  for (const from of engines) {
    for (const to of engines) {
      it(`${from.engine} to ${to.engine}: every row once, the same hash on both sides, resumed after an interruption`, async () => {
        const source = sources.get(from.engine) as TestDatabase;
        const target = await to.newDatabase('copydst');
        cleanup.push(target);
        const setup = await connect(target.url);
        for (const sql of setup.compiler.createTable(targetTable)) await setup.execute(sql);
        const endpoints = (failAfter?: number) => ({
          openSource: async () => new DatabaseSource(await connect(source.url)),
          openSink: async () => {
            const connection = await connect(target.url);
            const sink = new DatabaseSink(connection, 'test-copy');
            return { sink: failAfter === undefined ? sink : failingAfter(sink, failAfter), close: () => connection.close() };
          },
        });
        await assert.rejects(copyItems(endpoints(2), [item], { chunkRows: 4_000 }), /interrupted/);
        const partial = Number((await setup.query('SELECT COUNT(*) AS n FROM measurement'))[0]?.n);
        const inKeyOrder = sourceRows()
          .filter((r) => r[2] !== 95)
          .sort((a, b) => Number(a[0]) - Number(b[0]) || Number(a[1]) - Number(b[1]) || Number(a[2]) - Number(b[2]));
        const committed = inKeyOrder.slice(0, 8_000).filter((r) => !(r[0] === 36 && r[2] === 7)).length;
        assert.equal(partial, committed, 'exactly the two committed chunks are in the target');
        const [result] = await copyItems(endpoints(), [item], { chunkRows: 4_000 });
        const expectedRead = sourceRows().filter((r) => r[2] !== 95).length;
        assert.ok(result);
        assert.equal(result.resumed, true);
        assert.equal(result.rowsRead, expectedRead);
        assert.equal(result.rowsRejected, sourceRows().filter((r) => r[0] === 36 && r[2] === 7).length);
        assert.equal(result.rowsWritten, expectedRead - result.rowsRejected);
        const actual = await tableContentHash(setup, 'measurement', item.target.columns);
        assert.equal(actual.toString(), result.contentHash);
        assert.equal(actual.rows, result.rowsWritten);
        const sink = new DatabaseSink(setup, 'test-copy');
        assert.equal((await sink.rejections()).length, result.rowsRejected);
        const again = await copyItems(endpoints(), [item]);
        assert.equal(again[0]?.rowsWritten, result.rowsWritten, 'a finished copy does nothing more');
        assert.equal((await tableContentHash(setup, 'measurement', item.target.columns)).toString(), result.contentHash);
        await setup.close();
      });
    }
  }

  it('detects a difference: one changed value changes the hash', async () => {
    const engine = engines[0] as TestEngine;
    const database = await populate(engine, 'hashdiff');
    cleanup.push(database);
    const connection: Connection = await connect(database.url);
    const columns = sourceTable.columns.map((c) => c.name);
    const before = (await tableContentHash(connection, 'reading', columns)).toString();
    await connection.execute("UPDATE reading SET note = 'x' WHERE sensor = 3 AND slot = 4 AND day = 20240101");
    assert.notEqual((await tableContentHash(connection, 'reading', columns)).toString(), before);
    await connection.close();
  });
});

describe('content hash', () => {
  // Written by earlier versions into checkpoints and backup manifests: the hash of a row never changes.
  const known: [SqlValue[], string][] = [
    [[null, -0, NaN, 1e300, 2n ** 70n, Buffer.from([0, 255]), 'héllo\u{1F600}', ''], '1:2015e5c589ce669e'],
    [[], '1:ebb6c228d9aaf7d3'],
    [[''], '1:09b41ebcfbcc209b'],
    [[null], '1:043b37569d1f2102'],
    [[Buffer.alloc(0)], '1:d1ea6e84123967ec'],
    [[-5], '1:801b0bec56d8d169'],
    [[5n], '1:2ce18b471d65956f'],
  ];
  for (const [row, hash] of known) {
    it(`hashes ${JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))} as every earlier version did`, () => {
      assert.equal(ContentHash.of([row]).toString(), hash);
    });
  }

  it('adds up chunk hashes to the hash of all their rows, in any order', () => {
    const rows: SqlValue[][] = Array.from({ length: 1000 }, (_, i) => [i, `2026-01-01 00:00:${String(i % 60).padStart(2, '0')}`, i % 3 === 0 ? null : 'x'.repeat(i % 7)]);
    const whole = ContentHash.of(rows);
    const parts = ContentHash.of(rows.slice(500));
    parts.merge(ContentHash.of(rows.slice(0, 500).reverse()));
    assert.equal(parts.toString(), whole.toString());
    assert.equal(whole.rows, 1000);
    const columns = [0, 1, 2].map((j) => rows.map((row) => row[j] as SqlValue));
    assert.equal(ContentHash.ofColumns(columns).toString(), whole.toString());
    assert.notEqual(ContentHash.of([[1, 'a']]).toString(), ContentHash.of([['1', 'a']]).toString());
  });
});

describe('PostgreSQL COPY text', () => {
  const values: SqlValue[] = [
    null,
    '',
    'plain',
    'tab\there',
    'back\\slash',
    'line\nbreak\r',
    '\\N',
    'é 名前 😀',
    '\ud800 lone',
    '2026-03-01 10:00:00',
    0,
    -0,
    7,
    -42,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    2 ** 53,
    1e21,
    0.1 + 0.2,
    Number.NaN,
    -Infinity,
    12345678901234567890n,
    Buffer.from([0, 1, 255]),
    Buffer.alloc(0),
  ];

  it('written byte by byte from columns, is the text of each row written as a line, hashed as its values hash', () => {
    const rows = values.map((v, i) => [i, v, values[(i * 7) % values.length] as SqlValue]);
    const columns = [0, 1, 2].map((j) => rows.map((row) => row[j] as SqlValue));
    const hash = new ContentHash();
    assert.deepEqual(copyTextOfColumns(columns, hash.visitor()), Buffer.from(rows.map(copyLine).join('')));
    assert.equal(hash.toString(), ContentHash.of(rows).toString());
    assert.equal(copyTextOfColumns([[-0], ['a\tb'], [null]], new ContentHash().visitor()).toString(), '-0\ta\\tb\t\\N\n');
  });

  it('written from whole numbers and timestamps held as numbers, is the text and hash of their values', () => {
    // Either side of 32 bits and of each power of ten, where the digits are made differently.
    const ids = [-(2 ** 53 - 1), -(2 ** 31) - 1, -(2 ** 31), -42, 0, 7, 9, 10, 99, 100, 999_999_999, 1_000_000_000, 2 ** 31 - 1, 2 ** 31, 10_000_000_000, 2 ** 53 - 1];
    const times = ['1000-01-01 00:00:00', '1969-12-31 23:59:59', '1970-01-01 00:00:00', '1999-12-31 23:59:59', '2000-01-01 00:00:00', '2000-01-01 09:09:09', '2000-01-01 10:10:10', '2024-02-29 12:34:56', '2026-12-01 00:00:09', '2026-12-01 19:59:50', '2038-01-19 03:14:07', '2038-01-19 03:14:08', '2100-03-01 23:00:01', '5000-06-15 01:02:03', '9999-12-31 00:00:00', '9999-12-31 23:59:59'];
    const seconds = times.map((t) => Date.parse(`${t.replace(' ', 'T')}Z`) / 1000);
    const heldHash = new ContentHash();
    const held = copyTextOfColumns([{ kind: 'whole-numbers', values: Float64Array.from(ids) }, { kind: 'timestamps', values: Float64Array.from(seconds) }], heldHash.visitor());
    const plainHash = new ContentHash();
    assert.deepEqual(held, copyTextOfColumns([ids, times], plainHash.visitor()));
    assert.equal(heldHash.toString(), plainHash.toString());
    assert.equal(heldHash.toString(), ContentHash.ofColumns([ids, times]).toString());
    assert.equal(held.toString(), ids.map((id, i) => `${id}\t${times[i]}\n`).join(''));
  });

  it('read into columns, holds whole numbers and UTC timestamps as numbers only while every value is one, hashed as the values are', () => {
    const text = Buffer.from('1\t2024-01-01 05:00:00+00\t7\n2\t0999-12-31 23:59:59+00\t\\N\n3\t2024-02-29 00:00:01+00\t9');
    const expected: SqlValue[][] = [
      [1, '2024-01-01 05:00:00', 7],
      [2, '0999-12-31 23:59:59', null],
      [3, '2024-02-29 00:00:01', 9],
    ];
    const hash = new ContentHash();
    const columns = copyColumns(text, [23, 1184, 23].map(copyFieldReader), 3, hash.visitor());
    assert.deepEqual(columns[0], { kind: 'whole-numbers', values: Float64Array.from([1, 2, 3]) });
    assert.deepEqual(columns.map(valuesOf), [0, 1, 2].map((j) => expected.map((row) => row[j])));
    assert.equal(hash.toString(), ContentHash.of(expected).toString());
    const held = copyColumns(Buffer.from('2024-02-29 23:59:59+00\n1970-01-01 00:00:00+00'), [copyFieldReader(1184)], 2, new ContentHash().visitor());
    assert.deepEqual(held, [{ kind: 'timestamps', values: Float64Array.from([Date.UTC(2024, 1, 29, 23, 59, 59) / 1000, 0]) }]);
    assert.throws(() => copyColumns(text, [23, 1184, 23].map(copyFieldReader), 2, new ContentHash().visitor()), /holds 3 rows, not the 2 of its batch/);
  });

  const postgres = engines.find((e) => e.engine === 'postgres');
  const table: TableModel = {
    name: 'every_kind',
    columns: [
      { name: 'id', type: { kind: 'integer' }, nullable: false },
      { name: 'small', type: { kind: 'smallint' }, nullable: true },
      { name: 'big', type: { kind: 'bigint' }, nullable: true },
      { name: 'ratio', type: { kind: 'double' }, nullable: true },
      { name: 'label', type: { kind: 'varchar', length: 40 }, nullable: true },
      { name: 'code', type: { kind: 'char', length: 3 }, nullable: true },
      { name: 'body', type: { kind: 'text' }, nullable: true },
      { name: 'day', type: { kind: 'date' }, nullable: true },
      { name: 'at', type: { kind: 'timestamp' }, nullable: true },
      { name: 'bytes', type: { kind: 'blob' }, nullable: true },
    ],
    primaryKey: ['id'],
    indexes: [],
    foreignKeys: [],
  };
  const texts = ['', 'plain', 'tab\there', 'back\\slash', 'line\nbreak\r', '\\N', 'é 名前 😀', '2026-03-01 10:00:00'];
  const rows: SqlValue[][] = Array.from({ length: 3_000 }, (_, i) => [
    i,
    i % 9 === 0 ? null : (i % 2 === 0 ? -1 : 1) * (i * 37) % 32_000,
    i % 7 === 0 ? null : i % 3 === 0 ? 9_007_199_254_740_993n + BigInt(i) : -(i * 1_000_003),
    i % 5 === 0 ? null : i === 1 ? -0 : i / 7,
    i % 11 === 0 ? null : (texts[i % texts.length] as string),
    i % 4 === 0 ? null : `c${i % 10}x`,
    i % 13 === 0 ? null : (texts[(i * 3) % texts.length] as string).repeat(1 + (i % 3)),
    i % 6 === 0 ? null : `2026-0${1 + (i % 9)}-1${i % 10}`,
    i % 8 === 0 ? null : `2026-03-${String(1 + (i % 28)).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:15:${String(i % 60).padStart(2, '0')}`,
    i % 10 === 0 ? null : Buffer.from([i % 256, 0, 255]),
  ]);
  const columns = table.columns.map((c) => c.name);
  /** The table's bulk encoding on PostgreSQL: every column's type has a binary form. */
  const binaryEncoding = { format: 'postgres-copy-binary', columnTypes: ['int4', 'int2', 'int8', 'float8', 'varchar', 'bpchar', 'text', 'date', 'timestamptz', 'bytea'], hashesRows: true } as const;
  let database: TestDatabase | undefined;
  let connection: Connection | undefined;
  before(async () => {
    if (!postgres) return;
    database = await postgres.newDatabase('bytehash');
    connection = await connect(database.url);
    for (const sql of connection.compiler.createTable(table)) await connection.execute(sql);
    await connection.bulkInsert(table.name, columns, rows);
  });
  after(async () => {
    await connection?.close();
    await database?.drop();
  });
  const skip = postgres ? false : 'postgres unavailable';

  it('read back from its bytes, hashes a table as its rows do', { skip }, async () => {
    const live = connection as Connection;
    const fromBytes = await tableContentHash(live, table.name, columns);
    const fromRows = await tableContentHash(live, table.name, columns, { sql: 'TRUE', params: [] });
    assert.equal(fromBytes.toString(), fromRows.toString());
    assert.equal(fromBytes.toString(), ContentHash.of(rows).toString());
  });

  it('loaded in COPY binary by the target columns\' types, holds exactly the rows, hashed as they are written, and digested by the server as they were by the writer', { skip }, async () => {
    const live = connection as Connection;
    const encoding = await (live.bulk as EncodedBulk).encoding(table.name, columns);
    assert.deepEqual(encoding, binaryEncoding);
    let hash = new ContentHash();
    let visitors = 0;
    const { payload, rowsDigest } = encodeBulk(
      encoding,
      columns.map((_, j) => rows.map((row) => row[j] as SqlValue)),
      () => {
        visitors++;
        return (hash = new ContentHash()).visitor();
      },
    );
    assert.ok(isCopyBinary(payload) && rowsDigest);
    assert.equal(visitors, 1, 'written once, in binary');
    assert.equal(hash.toString(), ContentHash.of(rows).toString());
    const digestOf = (name: string) => (live.bulk as EncodedBulk).rowsDigest(name, columns);
    await live.execute(`CREATE TABLE binary_copy (LIKE ${table.name})`);
    try {
      assert.equal(await (live.bulk as EncodedBulk).insertEncoded('binary_copy', columns, payload), rows.length);
      const loaded = (await live.query(`SELECT ${columns.join(', ')} FROM binary_copy ORDER BY id`)).map((row) => columns.map((c) => row[c] ?? null));
      assert.deepEqual(loaded, rows);
      assert.equal((await digestOf('binary_copy'))?.toString(), rowsDigest.toString());
      await live.execute("UPDATE binary_copy SET body = body || ' ' WHERE id = 2999");
      assert.notEqual((await digestOf('binary_copy'))?.toString(), rowsDigest.toString(), 'one changed value changes the digest');
      await live.execute('DELETE FROM binary_copy WHERE id = 2999');
      assert.notEqual((await digestOf('binary_copy'))?.toString(), rowsDigest.toString(), 'one row missing changes the digest');
    } finally {
      await live.execute('DROP TABLE binary_copy');
    }
  });

  it('hashes each row written in COPY binary exactly as the server hashes the row it holds, at the edges of every type', { skip }, async () => {
    const live = connection as Connection;
    const edgeTexts = ['', 'a', 'abc', 'abcd', 'é', '名前', '😀', 'x'.repeat(11), 'y'.repeat(12), 'z'.repeat(13), 'ab  ', ' lead', 'é 名前 😀 '.repeat(5)];
    const edges: SqlValue[][] = [
      [1, -32_768, -9_007_199_254_740_991, 0, '', 'ab', '', '1000-01-01', '1000-01-01 00:00:00', Buffer.alloc(0)],
      [2, 32_767, 9_007_199_254_740_991, -0, 'x', 'a  ', 'x', '1999-12-31', '1969-12-31 23:59:59', Buffer.from([0])],
      [3, -1, -(2n ** 63n), Number.NaN, 'abc ', '   ', 'abc', '2000-01-01', '2000-01-01 00:00:00', Buffer.from('bytes of twelve!')],
      [4, 0, 2n ** 63n - 1n, Number.POSITIVE_INFINITY, null, null, null, null, null, null],
      [5, 1, -1, Number.NEGATIVE_INFINITY, 'é', 'é', '😀', '9999-12-31', '9999-12-31 23:59:59', Buffer.from([255, 254, 253])],
      [6, null, null, Number.MIN_VALUE, null, null, null, null, null, null],
      [7, null, 4_294_967_296, -1.5e300, null, null, null, '2026-02-28', '2026-03-01 10:15:30', null],
      ...edgeTexts.map((text, i): SqlValue[] => [100 + i, i, -i, i / 3, text, text.slice(0, 3), text, null, null, Buffer.from(text)]),
    ];
    await live.execute(`CREATE TABLE binary_edges (LIKE ${table.name})`);
    try {
      const { payload, rowsDigest } = encodeBulk(binaryEncoding, columns.map((_, j) => edges.map((row) => row[j] as SqlValue)), () => new ContentHash().visitor());
      assert.ok(isCopyBinary(payload) && rowsDigest, 'every edge has a binary form');
      assert.equal(await (live.bulk as EncodedBulk).insertEncoded('binary_edges', columns, payload), edges.length);
      const serverHashes = await live.query(`SELECT id, hash_record_extended(ROW(${columns.join(', ')}), 0)::text AS hash FROM binary_edges ORDER BY id`);
      for (const [i, row] of edges.entries()) {
        const one = encodeBulk(binaryEncoding, columns.map((_, j) => [row[j] as SqlValue]), () => new ContentHash().visitor());
        assert.equal(one.rowsDigest?.toString(), `1:${String(serverHashes[i]?.hash)}`, `row ${String(row[0])}: ${JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
      }
      assert.equal((await (live.bulk as EncodedBulk).rowsDigest('binary_edges', columns))?.toString(), rowsDigest.toString());
    } finally {
      await live.execute('DROP TABLE binary_edges');
    }
  });

  it('sums row hashes exactly, past what a double holds, and adds chunks\' digests up to the table\'s', () => {
    const types = ['int8'] as const;
    const row = Buffer.from('00010000000800000000000000ff', 'hex');
    const whole = new RecordHashSum(types);
    const halves = [new RecordHashSum(types), new RecordHashSum(types)];
    for (let i = 0; i < 5_000; i++) {
      whole.addRow(row, 0);
      (halves[i % 2] as RecordHashSum).addRow(row, 0);
    }
    const one = new RecordHashSum(types);
    one.addRow(row, 0);
    assert.equal(whole.digest().sum, one.digest().sum * 5_000n);
    assert.equal((halves[0] as RecordHashSum).digest().plus((halves[1] as RecordHashSum).digest()).toString(), whole.digest().toString());
  });

  it('sent as text, comes in batches of exactly the rows asked, which decode to the rows and hash as they do', { skip }, async () => {
    const live = connection as Connection;
    const sql = `SELECT ${columns.join(', ')} FROM ${table.name} ORDER BY id`;
    for (const batchRows of [1, 7, 1_000, 2_999, 3_000, 5_000]) {
      const { format, batches } = await (live.bulk as EncodedBulk).queryText(sql, batchRows);
      const sizes: number[] = [];
      const decoded: SqlValue[][] = [];
      const hash = new ContentHash();
      for await (const batch of batches) {
        sizes.push(batch.rows);
        const batchColumns = decodeBulk(format, batch.text, batch.rows, hash.visitor()).map(valuesOf);
        for (let i = 0; i < batch.rows; i++) decoded.push(batchColumns.map((column) => column[i] as SqlValue));
      }
      assert.equal(hash.toString(), ContentHash.of(rows).toString(), `hash of the batches of ${batchRows}`);
      assert.deepEqual(sizes, [...Array.from({ length: Math.floor(3_000 / batchRows) }, () => batchRows), ...(3_000 % batchRows > 0 ? [3_000 % batchRows] : [])], `batches of ${batchRows}`);
      assert.deepEqual(decoded, rows, `rows in batches of ${batchRows}`);
    }
  });
});
