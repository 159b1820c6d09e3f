// The backup file: every value comes back exactly, between engines; a backup and a restore killed partway
// resume with no chunk twice; and any damage to the file, down to one flipped byte anywhere, is reported by
// verifyArchive with the part it is in, before a restore would write anything.
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deserialize, serialize } from 'node:v8';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import {
  ArchiveSink,
  ArchiveSource,
  archiveItemOf,
  restoreItemOf,
  verifyArchive,
  type ArchiveHeaderFields,
  type ArchiveReport,
} from '../src/engine/archive/index.ts';
import { ContentHash, copyItems, DatabaseSink, DatabaseSource, tableContentHash, type CopyItem, type RowSource } from '../src/engine/copy/index.ts';
import { connect, type EngineName, type Row, type SqlValue } from '../src/engine/dialect/index.ts';
import { columnsOf, decodeRows, encodeRows } from '../src/engine/archive/payload.ts';
import { chunkRunner } from '../src/engine/archive/chunk-pool.ts';
import { isCopyBinary } from '../src/engine/dialect/postgres/bulk/copy-binary.ts';
import { copyField } from '../src/engine/dialect/postgres/bulk/copy-text.ts';
import type { TableModel } from '../src/engine/schema/model.ts';
import { testEngines, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { failingAfter } from './helpers/sinks.ts';
import { deflatedZeros } from './helpers/deflate.ts';

/** A row as one line of COPY text, field by field: what the byte-by-byte writers must equal. */
const copyLine = (row: readonly SqlValue[]): string => `${row.map(copyField).join('\t')}\n`;

const CHUNK_ROWS = 1_000;
const COLUMNS = ['id', 'big', 'ratio', 'code', 'note', 'day', 'at', 'data', 'label'];

const sample: TableModel = {
  name: 'sample',
  columns: [
    { name: 'id', type: { kind: 'integer' }, nullable: false },
    { name: 'big', type: { kind: 'bigint' }, nullable: true },
    { name: 'ratio', type: { kind: 'double' }, nullable: true },
    { name: 'code', type: { kind: 'char', length: 1 }, nullable: false },
    { name: 'note', type: { kind: 'text' }, nullable: true },
    { name: 'day', type: { kind: 'date' }, nullable: true },
    { name: 'at', type: { kind: 'timestamp' }, nullable: true },
    { name: 'data', type: { kind: 'blob' }, nullable: true },
    { name: 'label', type: { kind: 'varchar', length: 40 }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
  foreignKeys: [],
};

const sampleItem: CopyItem = { name: 'sample', source: { table: 'sample', columns: COLUMNS, key: ['id'] }, target: { table: 'sample', columns: COLUMNS } };

// The tricky values of the dialect conformance test, in this table's columns.
const tricky: SqlValue[][] = [
  [1, 9007199254740991, 0.1 + 0.2, 'M', '', '2024-03-10', '2024-03-10 07:00:00', Buffer.from([0, 1, 2, 255]), ''],
  [2, null, -1.5e-300, 'X', null, null, null, null, null],
  [3, -42, 1 / 3, 'P', `O'Brien; DROP TABLE parent; -- "quoted" \\ back\tslash\nnewline  `, '1999-12-31', '2038-01-19 03:14:07', Buffer.alloc(0), 'tab\there'],
  [4, 0, 123456.789, 'P', 'Ünïcödé 名前 😀 trailing  ', '2024-02-29', '2024-02-29 23:59:59', null, '名前 😀'],
  [5, 1, 5e-324, 'P', 'x'.repeat(100_000), '2024-01-01', '2024-01-01 00:00:00', Buffer.from('large'.repeat(1000)), 'large'],
];

/**
 * What each engine stores and reads back exactly through its dialect, beyond the common values. -0 is in
 * none: every dialect here gives it back as 0, so it is checked in the archive alone.
 */
const EXTRAS: Partial<Record<EngineName, { doubles: number[]; bigints: bigint[] }>> = {
  sqlite: { doubles: [Infinity, -Infinity], bigints: [] },
  postgres: { doubles: [NaN, Infinity, -Infinity], bigints: [2n ** 62n + 1n, -(2n ** 63n)] },
  mysql: { doubles: [], bigints: [2n ** 62n + 1n, -(2n ** 63n)] },
};

function extrasBoth(a: EngineName, b: EngineName): { doubles: number[]; bigints: bigint[] } {
  const x = EXTRAS[a] ?? { doubles: [], bigints: [] };
  const y = EXTRAS[b] ?? { doubles: [], bigints: [] };
  return {
    doubles: x.doubles.filter((d) => y.doubles.some((e) => Object.is(d, e))),
    bigints: x.bigints.filter((n) => y.bigints.includes(n)),
  };
}

function sampleRows(count: number, extras: { doubles: number[]; bigints: bigint[] } = { doubles: [], bigints: [] }): SqlValue[][] {
  const rows = tricky.map((r) => [...r]);
  let id = 100;
  for (const d of extras.doubles) rows.push([id++, null, d, 'D', null, null, null, null, `double ${d}`]);
  for (const n of extras.bigints) rows.push([id++, n, null, 'B', null, null, null, null, `bigint ${n}`]);
  for (let i = 1_000; rows.length < count; i++) {
    const day = `2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    rows.push([i, i * 1_000_003, i / 7, 'P', i % 5 === 0 ? '' : `note ${i} ü`, day, `${day} ${String(i % 24).padStart(2, '0')}:15:00`, i % 4 === 0 ? null : Buffer.from([i & 255, (i >> 8) & 255]), `label-${i}`]);
  }
  return rows;
}

function assertSameValue(got: unknown, want: SqlValue, where: string): void {
  if (Buffer.isBuffer(want)) assert.ok(Buffer.isBuffer(got) && want.equals(got), `${where}: the blob differs or is not a Buffer`);
  else if (typeof want === 'number') assert.ok(Object.is(got, want), `${where}: ${String(got)} is not bit-equal to ${want}`);
  else assert.equal(got, want, where);
}

function assertSameRows(got: Row[], want: SqlValue[][], columns: readonly string[], label: string): void {
  assert.equal(got.length, want.length, `${label}: row count`);
  got.forEach((row, i) => columns.forEach((column, j) => assertSameValue(row[column], (want[i] as SqlValue[])[j] ?? null, `${label} row ${i + 1} ${column}`)));
}


/** Rows held in memory as a copy source, in key order by their first value. */
function memorySource(rows: SqlValue[][], columns: readonly string[]): RowSource {
  return {
    count: async () => rows.length,
    read: async function* (_item, after, batchRows) {
      const start = after === null ? 0 : rows.findIndex((r) => r[0] === after[0]) + 1;
      for (let i = start; i < rows.length; i += batchRows) {
        yield rows.slice(i, i + batchRows).map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j] ?? null])) as Row);
      }
    },
    offer: () => ({ kind: 'values' }),
    close: async () => {},
  };
}

const tempRoot = mkdtempSync(join(tmpdir(), 'archive-test-'));
let fileCounter = 0;
function tempPath(label: string): string {
  return join(tempRoot, `${label}-${++fileCounter}.backup`);
}

function fieldsFor(schemaTables: TableModel[], items: CopyItem[], engine = 'sqlite', toolVersion = '0.0.0-test'): ArchiveHeaderFields {
  return { release: 'release-under-test', engine, toolVersion, schema: { tables: schemaTables }, items: items.map(archiveItemOf) };
}

async function backUp(openSource: () => Promise<RowSource>, path: string, fields: ArchiveHeaderFields, items: CopyItem[], failAfter?: number) {
  return copyItems(
    {
      openSource,
      openSink: async () => {
        const sink = await ArchiveSink.create(path, fields);
        return { sink: failAfter === undefined ? sink : failingAfter(sink, failAfter), close: () => sink.close() };
      },
    },
    items,
    { chunkRows: CHUNK_ROWS },
  );
}

async function finish(path: string, fields: ArchiveHeaderFields): Promise<void> {
  const sink = await ArchiveSink.create(path, fields);
  await sink.finish();
}

/** A finished archive of rows held in memory. */
async function memoryArchive(rows: SqlValue[][], label: string, toolVersion?: string): Promise<{ path: string; fields: ArchiveHeaderFields }> {
  const path = tempPath(label);
  const fields = fieldsFor([sample], [sampleItem], 'sqlite', toolVersion);
  await backUp(async () => memorySource(rows, COLUMNS), path, fields, [sampleItem]);
  await finish(path, fields);
  return { path, fields };
}

async function readAll(path: string, item: CopyItem, after: SqlValue[] | null = null): Promise<Row[][]> {
  const source = await ArchiveSource.open(path);
  const batches: Row[][] = [];
  try {
    for await (const batch of source.read(item, after, 10)) batches.push(batch);
  } finally {
    await source.close();
  }
  return batches;
}

async function restore(path: string, url: string, failAfter?: number) {
  const source = await ArchiveSource.open(path);
  const items = source.items().map(restoreItemOf);
  await source.close();
  return copyItems(
    {
      openSource: () => ArchiveSource.open(path),
      openSink: async () => {
        const connection = await connect(url);
        const sink = new DatabaseSink(connection, 'test-restore');
        return { sink: failAfter === undefined ? sink : failingAfter(sink, failAfter), close: () => connection.close() };
      },
    },
    items,
  );
}

function assertProblem(report: ArchiveReport, pattern: RegExp): void {
  assert.equal(report.ok, false, 'the damage goes unreported');
  assert.ok(
    report.problems.some((p) => pattern.test(p)),
    `no problem matches ${pattern}:\n${report.problems.join('\n')}`,
  );
}

after(() => rmSync(tempRoot, { recursive: true, force: true }));

describe('archive values', () => {
  const special: SqlValue[][] = [
    [1, -0],
    [2, NaN],
    [3, Infinity],
    [4, -Infinity],
    [5, 5e-324],
    [6, 1.7976931348623157e308],
    [7, 2n ** 64n + 1n],
    [8, -(2n ** 63n)],
    [9, 9007199254740993n],
    [10, ''],
    [11, null],
    [12, Buffer.from([0, 1, 2, 255])],
    [13, Buffer.alloc(0)],
    [14, 'x'.repeat(200_000)],
    [15, 'Ünïcödé 名前 😀 \u0000 \ud800 lone surrogate'],
    [16, '2024-02-29 23:59:59'],
    [17, '2024-02-29'],
    [18, 0.1 + 0.2],
  ];
  const item: CopyItem = { name: 'values', source: { table: 'values', columns: ['id', 'v'], key: ['id'] }, target: { table: 'values', columns: ['id', 'v'] } };
  const table: TableModel = { name: 'values', columns: [{ name: 'id', type: { kind: 'integer' }, nullable: false }, { name: 'v', type: { kind: 'text' }, nullable: true }], primaryKey: ['id'], indexes: [], foreignKeys: [] };

  it('gives back every value exactly: NULL apart from empty text, doubles bit for bit, bigints, Buffers as Buffers', async () => {
    const rows = [...special];
    for (let i = 100; i < 2_600; i++) rows.push([i, i % 3 === 0 ? Buffer.from([i & 255]) : i % 3 === 1 ? i / 3 : `text ${i}`]);
    const path = tempPath('values');
    const fields = fieldsFor([table], [item]);
    await backUp(async () => memorySource(rows, ['id', 'v']), path, fields, [item]);
    await finish(path, fields);
    const report = await verifyArchive(path);
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
    assert.deepEqual(report.header?.items, [{ name: 'values', table: 'values', columns: ['id', 'v'], key: ['id'] }]);
    assert.equal(report.tables[0]?.rows, rows.length);
    const batches = await readAll(path, restoreItemOf(report.header?.items[0] as never));
    assert.deepEqual(batches.map((b) => b.length), [1_000, 1_000, 518], 'one batch per archived chunk');
    assertSameRows(batches.flat(), rows, ['id', 'v'], 'archived');
    const blob = batches[0]?.[11]?.v;
    assert.ok(Buffer.isBuffer(blob) && blob.constructor === Buffer, 'a Buffer comes back as a Buffer');
  });

  it('compresses a chunk only where that pays, and leaves one self-contained file with its type and CRC in the header', async () => {
    const noise: SqlValue[][] = Array.from({ length: 1_000 }, (_, i) => [i, randomBytes(1_000)]);
    const repetitive: SqlValue[][] = Array.from({ length: 1_000 }, (_, i) => [1_000 + i, 'the same words again and again']);
    const path = tempPath('encodings');
    const fields = fieldsFor([table], [item]);
    await backUp(async () => memorySource([...noise, ...repetitive], ['id', 'v']), path, fields, [item]);
    await finish(path, fields);
    assert.equal(existsSync(`${path}-wal`) || existsSync(`${path}-shm`) || existsSync(`${path}-journal`), false, 'no file beside the archive');
    const db = new Database(path, { readonly: true });
    assert.deepEqual(
      db.prepare('SELECT encoding FROM archive_chunk ORDER BY chunk_no').all().map((r) => (r as { encoding: string }).encoding),
      ['v8-columns', 'v8-columns+deflate-raw'],
    );
    assert.equal(db.pragma('application_id', { simple: true }), 0x43544131);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'delete');
    db.close();
    assert.equal((await verifyArchive(path)).ok, true);
  });

  it('starts reading after the chunk that ends with a key, and refuses a key no chunk ends with', async () => {
    const rows = sampleRows(2_500);
    const { path } = await memoryArchive(rows, 'after');
    const restoreItem = restoreItemOf(archiveItemOf(sampleItem));
    const all = await readAll(path, restoreItem);
    const endOfFirst = all[0]?.at(-1)?.id ?? null;
    const rest = await readAll(path, restoreItem, [endOfFirst]);
    assert.deepEqual(rest.map((b) => b.length), [1_000, 500]);
    assert.equal(rest[0]?.[0]?.id, all[1]?.[0]?.id);
    const inside = all[0]?.[10]?.id ?? null;
    await assert.rejects(readAll(path, restoreItem, [inside]), /no chunk of sample .* ends with the key/);
  });
});

const engines = await testEngines();
const available = new Map(engines.filter((e) => !e.skip).map((e) => [e.engine, e]));
const PAIRS: [EngineName, EngineName][] = [
  ['sqlite', 'sqlite'],
  ['sqlite', 'postgres'],
  ['mysql', 'sqlite'],
  ['mysql', 'postgres'],
  ['postgres', 'postgres'],
];

async function populate(engine: TestEngine, rows: SqlValue[][]): Promise<TestDatabase> {
  const database = await engine.newDatabase('archsrc');
  const connection = await connect(database.url);
  try {
    for (const sql of connection.compiler.createTable(sample)) await connection.execute(sql);
    await connection.bulkInsert('sample', COLUMNS, rows);
  } finally {
    await connection.close();
  }
  return database;
}

async function readTable(url: string): Promise<Row[]> {
  const connection = await connect(url);
  try {
    return await connection.query(`SELECT ${COLUMNS.join(', ')} FROM sample ORDER BY id`);
  } finally {
    await connection.close();
  }
}

/** The target's tables as the backup's header describes them. */
async function createTargetTables(path: string, url: string): Promise<void> {
  const source = await ArchiveSource.open(path);
  const connection = await connect(url);
  try {
    for (const table of source.header.schema.tables) for (const sql of connection.compiler.createTable(table)) await connection.execute(sql);
  } finally {
    await connection.close();
    await source.close();
  }
}

async function schemaOf(url: string): Promise<TableModel[]> {
  const connection = await connect(url);
  try {
    return (await connection.introspector.introspect()).tables.filter((t) => t.name === 'sample');
  } finally {
    await connection.close();
  }
}

describe('payload encodings', () => {
  it('reads chunks written row by row, as earlier backups are, and checks them as strictly', () => {
    const rows: SqlValue[][] = [[1, 'a', null], [2, '', 1.5], [3, 'é', Buffer.from([0, 1])]];
    const raw = serialize(rows);
    const deflated = deflateRawSync(raw);
    assert.deepEqual(decodeRows({ encoding: 'v8', rawBytes: raw.length, payload: raw }, 3, 3), rows);
    assert.deepEqual(decodeRows({ encoding: 'v8+deflate-raw', rawBytes: raw.length, payload: deflated }, 3, 3), rows);
    assert.throws(() => decodeRows({ encoding: 'v8', rawBytes: raw.length, payload: raw }, 3, 4), /the payload holds 3 rows, not the 4 recorded/);
    const columns = encodeRows(rows, 3);
    assert.deepEqual(decodeRows(columns, 3, 3), rows);
    assert.throws(() => decodeRows(columns, 2, 3), /the payload does not hold 2 columns/);
  });

  it('keeps texts that only look like timestamps as they are, beside a column of real ones', () => {
    const lookalikes = ['2024-02-30 00:00:00', '0999-12-31 23:59:59', '2024-01-01 24:00:00', '2024-01-01T00:00:00', '\uff12024-01-01 00:00:00'];
    const rows: SqlValue[][] = lookalikes.map((text, i) => [`2024-02-29 23:59:5${i}`, '2024-01-01 00:00:00', text]);
    const columns = encodeRows(rows, 3);
    assert.deepEqual(decodeRows(columns, 3, rows.length), rows);
    const stored = deserialize(columns.encoding.endsWith('+deflate-raw') ? inflateRawSync(columns.payload) : columns.payload) as unknown[];
    assert.deepEqual(stored.slice(0, 2).map((c) => (c as { differences?: string }).differences), ['timestamp', 'timestamp']);
    assert.ok(Array.isArray(stored[2]), 'the lookalikes are stored as texts');
  });
});

describe('chunk work in worker threads', () => {
  const rows: SqlValue[][] = Array.from({ length: 3_000 }, (_, i) => [
    i,
    i % 5 === 0 ? null : `2026-03-${String(1 + (i % 28)).padStart(2, '0')} 10:00:${String(i % 60).padStart(2, '0')}`,
    i % 7 === 0 ? Buffer.from([i % 256, 0, 255]) : 'é\u{1F600}'.repeat(i % 3),
    i === 1 ? -0 : i === 2 ? Number.NaN : i === 3 ? 2n ** 70n : i / 3,
  ]);

  it('encodes and sums up chunks in worker threads exactly as in this thread', async () => {
    const pool = chunkRunner(2);
    const inline = chunkRunner(0);
    try {
      const [threaded, here] = await Promise.all([pool.encode(columnsOf(rows, 4)), inline.encode(columnsOf(rows, 4))]);
      assert.ok(Buffer.isBuffer(threaded.payload));
      assert.equal(threaded.encoding, here.encoding);
      // V8 may write a number it received from another thread in another of its forms: equal values, not bytes.
      assert.deepEqual(decodeRows(threaded, 4, rows.length), rows);
      assert.deepEqual(decodeRows(here, 4, rows.length), rows);
      const stored = { encoding: threaded.encoding, rows: rows.length, rawBytes: threaded.rawBytes, payloadSha256: threaded.sha256, payload: threaded.payload };
      const summaries = await Promise.all([pool.summarize(stored, 4, [0]), inline.summarize(stored, 4, [0])]);
      assert.deepEqual(summaries[0], { rows: rows.length, contentHash: ContentHash.of(rows).toString(), lastKey: '[2999]' });
      assert.deepEqual(summaries[1], summaries[0]);
    } finally {
      await pool.close();
      await inline.close();
    }
  });

  it('closes its threads only once the chunks on their way are done, and takes no chunk after', async () => {
    const pool = chunkRunner(2);
    const inline = chunkRunner(0);
    try {
      const stored = await inline.encode(columnsOf(rows, 4));
      const chunk = { encoding: stored.encoding, rows: rows.length, rawBytes: stored.rawBytes, payloadSha256: stored.sha256, payload: stored.payload };
      // Closed while eight chunks are being inflated and decoded: a thread stopped in the middle of one could abort the process.
      const summaries = Array.from({ length: 8 }, () => pool.summarize(chunk, 4, [0]));
      await pool.close();
      const expected = { rows: rows.length, contentHash: ContentHash.of(rows).toString(), lastKey: '[2999]' };
      for (const summary of await Promise.all(summaries)) assert.deepEqual(summary, expected);
      await assert.rejects(pool.summarize(chunk, 4, [0]), /the worker pool is closed/);
    } finally {
      await pool.close();
      await inline.close();
    }
  });

  /** A chunk of these four-column rows as stored, with the hash and last key it records of them. */
  const recordedOf = (chunkRows: SqlValue[][]) => {
    const chunk = encodeRows(chunkRows, 4);
    const lastKey = `[${String(chunkRows.at(-1)?.[0])}]`;
    return { encoding: chunk.encoding, rows: chunkRows.length, rawBytes: chunk.rawBytes, payloadSha256: chunk.sha256, payload: chunk.payload, contentHash: ContentHash.of(chunkRows).toString(), lastKey };
  };

  it('hands over the rows of a chunk only once they are what it records, as rows or encoded for a bulk load', async () => {
    const pool = chunkRunner(1);
    const inline = chunkRunner(0);
    try {
      const recorded = recordedOf(rows);
      assert.equal(recorded.lastKey, '[2999]');
      for (const runner of [pool, inline]) {
        assert.deepEqual(await runner.decode(recorded, 4, [0]), columnsOf(rows, 4));
        const { release: _release, ...batch } = await runner.forLoad(recorded, 4, [0], { format: 'postgres-copy-text' });
        assert.deepEqual({ ...batch, payload: batch.payload.toString() }, { rows: rows.length, lastKey: [2999], contentHash: recorded.contentHash, payload: rows.map(copyLine).join('') });
        const otherHash = ContentHash.of(rows.slice(1)).toString();
        await assert.rejects(runner.decode({ ...recorded, contentHash: otherHash }, 4, [0]), new RegExp(`its rows hash to ${recorded.contentHash}, not the ${otherHash} recorded`));
        await assert.rejects(runner.forLoad({ ...recorded, contentHash: otherHash }, 4, [0], { format: 'postgres-copy-text' }), /its rows hash to/);
        await assert.rejects(runner.forLoad({ ...recorded, lastKey: '[3000]' }, 4, [0], { format: 'postgres-copy-text' }), /its last row's key is \[2999\], not the \[3000\] recorded/);
      }
    } finally {
      await pool.close();
      await inline.close();
    }
  });

  it('encodes a chunk for a bulk load in COPY binary where every value has a binary form in its column, in COPY text where one has not', async () => {
    const pool = chunkRunner(1);
    const inline = chunkRunner(0);
    const binary = { format: 'postgres-copy-binary', columnTypes: ['int4', 'timestamptz', 'text', 'float8'], hashesRows: true } as const;
    // Texts only in the text column and no number beyond a double: every value has a binary form.
    const fitting = rows.map(([id, at, data, ratio]) => [id ?? null, at ?? null, Buffer.isBuffer(data) ? 'was binary' : (data ?? null), typeof ratio === 'bigint' ? 7 : (ratio ?? null)]);
    try {
      for (const runner of [pool, inline]) {
        const written = await runner.forLoad(recordedOf(fitting), 4, [0], binary);
        assert.ok(isCopyBinary(written.payload), 'the fitting chunk is written in COPY binary');
        assert.equal(written.contentHash, ContentHash.of(fitting).toString());
        // A blob in the text column and 2^70 in the double one have none: the chunk goes as text, hashed anew.
        const unfit = await runner.forLoad(recordedOf(rows), 4, [0], binary);
        assert.equal(unfit.payload.toString(), rows.map(copyLine).join(''));
      }
      // A batch written gives its memory back to the pool, and the next chunk, a small one, is written into it.
      const first = await pool.forLoad(recordedOf(fitting), 4, [0], binary);
      const memory = first.payload.buffer.byteLength;
      assert.ok(first.release, 'a batch from a worker can give its memory back');
      first.release();
      assert.equal(first.payload.buffer.byteLength, 0, 'the memory given back has left this thread');
      const small = recordedOf(fitting.slice(0, 100));
      const second = await pool.forLoad(small, 4, [0], binary);
      assert.equal(second.payload.buffer.byteLength, memory, 'the next chunk is written into the memory given back');
      assert.deepEqual(second.payload, (await inline.forLoad(small, 4, [0], binary)).payload);
    } finally {
      await pool.close();
      await inline.close();
    }
  });

  it('hands a damaged chunk back as an error that says what is wrong, and goes on with the next', async () => {
    const pool = chunkRunner(1);
    try {
      const chunk = encodeRows(rows, 4);
      const damaged = Buffer.from(chunk.payload);
      damaged[10] = (damaged[10] as number) ^ 0xff;
      const stored = { encoding: chunk.encoding, rows: rows.length, rawBytes: chunk.rawBytes, payloadSha256: chunk.sha256, payload: damaged };
      await assert.rejects(pool.summarize(stored, 4, [0]), /its payload does not match its sha256/);
      const intact = await pool.summarize({ ...stored, payload: chunk.payload }, 4, [0]);
      assert.equal(intact.rows, rows.length);
    } finally {
      await pool.close();
    }
  });
});

describe('backup and restore between engines', () => {
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const d of databases) await d.drop();
  });

  for (const [from, to] of PAIRS) {
    const missing = [from, to].filter((e) => !available.has(e));
    it(`${from} to ${to}: every value back exactly, the same content hash as the manifest`, { skip: missing.length > 0 ? `${missing.join(', ')} unavailable` : false }, async () => {
      const rows = sampleRows(2_500, extrasBoth(from, to));
      const source = await populate(available.get(from) as TestEngine, rows);
      databases.push(source);
      const path = tempPath(`${from}-${to}`);
      const fields = fieldsFor(await schemaOf(source.url), [sampleItem], from);
      await backUp(async () => new DatabaseSource(await connect(source.url)), path, fields, [sampleItem]);
      await finish(path, fields);

      const report = await verifyArchive(path);
      assert.deepEqual(report.problems, []);
      assert.deepEqual(report.tables.map((t) => [t.name, t.rows, t.chunks]), [['sample', rows.length, 3]]);
      assertSameRows((await readAll(path, restoreItemOf(archiveItemOf(sampleItem)))).flat(), rows, COLUMNS, 'archived');

      const target = await (available.get(to) as TestEngine).newDatabase('archdst');
      databases.push(target);
      await createTargetTables(path, target.url);
      const [result] = await restore(path, target.url);
      assert.equal(result?.rowsWritten, rows.length);
      assertSameRows(await readTable(target.url), rows, COLUMNS, 'restored');
      const connection = await connect(target.url);
      const restored = await tableContentHash(connection, 'sample', COLUMNS);
      await connection.close();
      assert.equal(restored.toString(), report.tables[0]?.contentHash);
    });
  }
});

describe('resuming', () => {
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const d of databases) await d.drop();
  });
  const sqlite = available.get('sqlite') as TestEngine;

  it('a backup interrupted after two chunks completes when run again, with no chunk twice', async () => {
    const rows = sampleRows(5_000);
    const source = await populate(sqlite, rows);
    databases.push(source);
    const path = tempPath('resume-backup');
    const fields = fieldsFor([sample], [sampleItem]);
    const openSource = async () => new DatabaseSource(await connect(source.url));
    await assert.rejects(backUp(openSource, path, fields, [sampleItem], 2), /interrupted/);

    assertProblem(await verifyArchive(path), /the backup is unfinished/);
    await assert.rejects(ArchiveSource.open(path), /is an unfinished backup/);
    // A runner started ahead for a source that cannot open is closed, not left with its threads running.
    const runner = chunkRunner(1);
    await assert.rejects(ArchiveSource.open(path, runner), /is an unfinished backup/);
    await assert.rejects(runner.summarize({ encoding: 'v8', rows: 0, rawBytes: 0, payloadSha256: '', payload: Buffer.alloc(0) }, 1, []), /the worker pool is closed/);
    await assert.rejects(ArchiveSink.create(path, { ...fields, release: 'another' }), /unfinished backup of something else/);

    const [result] = await backUp(openSource, path, fields, [sampleItem]);
    assert.equal(result?.resumed, true);
    assert.equal(result?.rowsWritten, rows.length);
    await finish(path, fields);
    const db = new Database(path, { readonly: true });
    const chunks = db.prepare('SELECT chunk_no, rows FROM archive_chunk ORDER BY chunk_no').all() as { chunk_no: number; rows: number }[];
    db.close();
    assert.deepEqual(chunks, [1, 2, 3, 4, 5].map((n) => ({ chunk_no: n, rows: 1_000 })));
    const report = await verifyArchive(path);
    assert.deepEqual(report.problems, []);
    const ids = (await readAll(path, restoreItemOf(archiveItemOf(sampleItem)))).flat().map((r) => Number(r.id));
    assert.equal(new Set(ids).size, rows.length, 'every row once');
    await assert.rejects(ArchiveSink.create(path, fields), /is a finished backup/);
  });

  for (const engine of ['sqlite', 'postgres'] as const) {
    it(`a restore into ${engine} interrupted after two chunks resumes from its checkpoint`, { skip: available.has(engine) ? false : `${engine} unavailable` }, async () => {
      const rows = sampleRows(5_000);
      const { path } = await memoryArchive(rows, `resume-restore-${engine}`);
      const target = await (available.get(engine) as TestEngine).newDatabase('archrestore');
      databases.push(target);
      await createTargetTables(path, target.url);
      await assert.rejects(restore(path, target.url, 2), /interrupted/);
      assert.equal((await readTable(target.url)).length, 2_000, 'exactly the two committed chunks');
      const [result] = await restore(path, target.url);
      assert.equal(result?.resumed, true);
      assertSameRows(await readTable(target.url), rows, COLUMNS, 'restored');
      const connection = await connect(target.url);
      const restored = await tableContentHash(connection, 'sample', COLUMNS);
      await connection.close();
      assert.equal(restored.toString(), (await verifyArchive(path)).tables[0]?.contentHash);
    });
  }
});

describe('damage', () => {
  const TOOL_VERSION = 'tool-version-marker-7f3a';
  let base: Buffer;
  let basePath: string;
  let fields: ArchiveHeaderFields;

  before(async () => {
    // Random doubles make every chunk's payload distinct, so a byte of one can be found in the file.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const rows = sampleRows(3_000).map((r) => r.map((v, j) => (j === 2 && typeof v === 'number' ? v + random() : v)));
    ({ path: basePath, fields } = await memoryArchive(rows, 'damage', TOOL_VERSION));
    base = readFileSync(basePath);
    assert.deepEqual((await verifyArchive(basePath)).problems, []);
  });

  function damaged(label: string, change: (bytes: Buffer) => Buffer): string {
    const path = tempPath(label);
    writeFileSync(path, change(Buffer.from(base)));
    return path;
  }

  function flipAt(offset: number, mask = 0x01): (bytes: Buffer) => Buffer {
    return (bytes) => {
      bytes[offset] = (bytes[offset] as number) ^ mask;
      return bytes;
    };
  }

  /**
   * Where these bytes are in a live page of the table: SQLite leaves old copies of cells in pages it has
   * rebalanced, where no query reads them (the CRC covers those).
   */
  function liveOffset(needle: Buffer, table: string): number {
    const { pages, pageSize } = sqlite(basePath, true, (db) => ({
      pages: new Set((db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype IN ('leaf', 'overflow')").all(table) as { pageno: number }[]).map((r) => r.pageno)),
      pageSize: db.pragma('page_size', { simple: true }) as number,
    }));
    const offsets: number[] = [];
    for (let at = base.indexOf(needle); at >= 0; at = base.indexOf(needle, at + 1)) if (pages.has(Math.floor(at / pageSize) + 1)) offsets.push(at);
    assert.equal(offsets.length, 1, `the bytes are in one live page of ${table}`);
    return offsets[0] as number;
  }

  function sqlite<T>(path: string, readonly: boolean, fn: (db: Database.Database) => T): T {
    const db = new Database(path, { readonly });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  it('reports a file truncated at any length', async () => {
    const pageSize = sqlite(basePath, true, (db) => db.pragma('page_size', { simple: true }) as number);
    for (const length of [base.length - 1, base.length - 100, base.length - pageSize + 7, base.length - pageSize, Math.floor(base.length / 2), 4096, 100, 50]) {
      const path = damaged(`truncated-${length}`, (bytes) => bytes.subarray(0, length));
      assertProblem(await verifyArchive(path), /the file is truncated \(\d+ bytes, the database needs (at least )?\d+\)/);
    }
  });

  it('names the chunk whose payload has a flipped byte', async () => {
    const payload = sqlite(basePath, true, (db) => (db.prepare('SELECT payload FROM archive_chunk WHERE chunk_no = 2').get() as { payload: Buffer }).payload);
    const offset = liveOffset(payload.subarray(200, 232), 'archive_chunk');
    const damagedPath = damaged('payload', flipAt(offset + 5));
    const report = await verifyArchive(damagedPath);
    assertProblem(report, /^chunk 2 of table sample \(rows 1001\.\.2000\): its payload does not match its sha256$/);
    assertProblem(report, /the file was changed or damaged after it was written/);
    await assert.rejects(readAll(damagedPath, restoreItemOf(archiveItemOf(sampleItem))), /the backup .* is damaged: chunk 2 of table sample \(rows 1001\.\.2000\): its payload does not match its sha256/);
  });

  it('names the manifest when a byte of it is flipped', async () => {
    const page = sqlite(basePath, true, (db) => (db.prepare("SELECT pageno FROM dbstat WHERE name = 'archive_manifest'").get() as { pageno: number }).pageno);
    const pageSize = sqlite(basePath, true, (db) => db.pragma('page_size', { simple: true }) as number);
    // Cells fill a page from its end: its last byte belongs to the manifest's row.
    assertProblem(await verifyArchive(damaged('manifest', flipAt(page * pageSize - 1))), /^the manifest was changed after the backup was written/);
  });

  it('names the header when a byte of it is flipped', async () => {
    const offset = liveOffset(Buffer.from(TOOL_VERSION), 'archive_header');
    assertProblem(await verifyArchive(damaged('header', flipAt(offset + 3))), /^the header was changed after the backup was written/);
  });

  it('detects a byte flipped at any of 200 random offsets', async () => {
    let seed = 20240229;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const path = tempPath('random-flip');
    const missed: number[] = [];
    for (let i = 0; i < 200; i++) {
      const offset = Math.floor(random() * base.length);
      const bytes = Buffer.from(base);
      bytes[offset] = (bytes[offset] as number) ^ (1 + Math.floor(random() * 255));
      writeFileSync(path, bytes);
      const report = await verifyArchive(path);
      if (report.ok || report.problems.length === 0) missed.push(offset);
    }
    assert.deepEqual(missed, [], 'every flipped byte is reported');
  });

  it('refuses what is not a backup file, or one it cannot read', async () => {
    const text = tempPath('text');
    writeFileSync(text, 'id,name\n1,first\n');
    assertProblem(await verifyArchive(text), /is not a backup file: it is not a SQLite database/);
    const empty = tempPath('empty');
    writeFileSync(empty, '');
    assertProblem(await verifyArchive(empty), /is not a backup file: it is empty/);
    assertProblem(await verifyArchive(tempPath('missing')), /is not a backup file: it does not exist/);

    const other = tempPath('other');
    sqlite(other, false, (db) => db.exec('CREATE TABLE t (a INTEGER)'));
    assertProblem(await verifyArchive(other), /is a SQLite database but not a backup written by this tool/);
    await assert.rejects(ArchiveSource.open(other), /not a backup written by this tool/);
    const before = readFileSync(other);
    await assert.rejects(ArchiveSink.create(other, fields), /not a backup written by this tool/);
    await assert.rejects(ArchiveSink.create(text, fields), /is not a backup file/);
    assert.ok(readFileSync(other).equals(before) && readFileSync(text, 'utf8') === 'id,name\n1,first\n', 'a refused file is left as it was');

    const newer = tempPath('newer');
    copyFileSync(basePath, newer);
    sqlite(newer, false, (db) => db.exec('UPDATE archive_header SET format_version = 99'));
    const report = await verifyArchive(newer);
    assert.deepEqual(report.problems.length, 1);
    assertProblem(report, /was written by a newer version \(format 99\)/);
    await assert.rejects(ArchiveSource.open(newer), /newer version \(format 99\)/);
  });

  it('reports counts that disagree and a header that does not parse, edited by someone else', async () => {
    const path = tempPath('edited');
    copyFileSync(basePath, path);
    sqlite(path, false, (db) => {
      db.exec('UPDATE archive_manifest SET chunks = 7');
      db.exec('UPDATE archive_chunk SET rows = 999 WHERE chunk_no = 3');
    });
    const report = await verifyArchive(path);
    assertProblem(report, /^the manifest counts 7 chunks of table sample, the file holds 3$/);
    assertProblem(report, /^chunk 3 of table sample \(rows 2001\.\.2999\): the payload holds 1000 rows, not the 999 recorded$/);
    assertProblem(report, /^the list of chunks was changed after the backup was written/);

    sqlite(path, false, (db) => db.exec("UPDATE archive_header SET schema_json = '{not json'"));
    assertProblem(await verifyArchive(path), /^the header's schema is not valid JSON/);
  });

  describe('a decompression bomb in place of a payload', () => {
    let bomb: Buffer;
    before(async () => {
      bomb = await deflatedZeros(1024 * 1024 * 1024);
    });

    for (const [label, claimsItsSize, pattern] of [
      ['recorded at the original size', false, /^chunk 1 of table sample \(rows 1\.\.1000\): the payload inflates to more than the \d+ bytes recorded/],
      ['recorded at its real size', true, /^chunk 1 of table sample \(rows 1\.\.1000\): the payload claims to inflate to 1073741824 bytes, more than the \d+ allowed/],
    ] as const) {
      it(`is reported, not inflated, when ${label}`, async () => {
        const path = tempPath('bomb');
        copyFileSync(basePath, path);
        sqlite(path, false, (db) =>
          db
            .prepare(`UPDATE archive_chunk SET payload = ?, payload_sha256 = ?, encoding = 'v8+deflate-raw'${claimsItsSize ? ', raw_bytes = 1073741824' : ''} WHERE chunk_no = 1`)
            .run(bomb, createHash('sha256').update(bomb).digest('hex')),
        );
        const rss = process.memoryUsage().rss;
        const report = await verifyArchive(path);
        assertProblem(report, pattern);
        assert.ok(process.memoryUsage().rss - rss < 256 * 1024 * 1024, 'the bomb was not inflated');
        assert.ok(statSync(path).size < 8 * 1024 * 1024);
      });
    }
  });
});
