// A corpus of bad input, given to the real `wfm` command and the Data Aggregator: malformed connection
// strings, configurations, events, 6.5 rows and backup files. Each is refused with a message that names
// what is wrong and what to do, exit 2 for bad input or 1 for a failed check, and nothing changes: the
// database, the configuration file and the restore target are as they were, byte for byte.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { verifyArchive } from '../src/engine/archive/index.ts';
import { withConnection } from '../src/engine/dialect/index.ts';
import { Aggregator } from '../src/wfm/aggregator/service.ts';
import { backupDatabase } from '../src/wfm/backup.ts';
import { goodFixture, legacyDatabase } from './fixtures/legacy65.ts';
import { resealArchive } from './helpers/archive.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { databaseContent } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';
import { deflatedZeros } from './helpers/deflate.ts';

const all = await testEngines();
const sqlite = all.find((e) => e.engine === 'sqlite') as TestEngine;
const fresh = trackedDatabases();
const directory = mkdtempSync(join(tmpdir(), 'wfm-bad-input-'));
let fileCounter = 0;
const tempPath = (label: string): string => join(directory, `${++fileCounter}-${label}`);

/** A file as bytes and modification time, or its absence: what "unchanged" is checked against. */
function fileState(path: string): string {
  if (!existsSync(path)) return 'absent';
  return `${createHash('sha256').update(readFileSync(path)).digest('hex')} ${statSync(path).mtimeMs}`;
}

function assertRefused(result: CliResult, status: 1 | 2, pattern: RegExp, output: 'stdout' | 'stderr' = 'stderr'): void {
  assert.equal(result.status, status, `exit ${result.status}, not ${status}:\n${result.stdout}${result.stderr}`);
  assert.match(result[output], pattern);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, 'an internal error or a stack trace');
}

async function generated(label: string, agents = 5): Promise<TestDatabase> {
  return generatedDatabase(fresh, sqlite, label, '8.5.2', { agents, days: 1, seed: 3 });
}

describe('malformed connection strings', () => {
  const PASSWORD = 'TopSecret1';
  let empty = '';
  before(() => {
    // An empty database that `dbu create` would fill if it took the connection string.
    empty = tempPath('empty.db');
    new Database(empty).close();
  });

  const cases: [string, (path: string) => string, RegExp][] = [
    ['a scheme no engine has', () => `informix://wfm:${PASSWORD}@127.0.0.1/wfm`, /^wfm: "informix:\/\/wfm@127\.0\.0\.1\/wfm" is not a connection string; use a URL such as sqlite:wfm\.db/],
    ['a URL that names no database', () => `postgres://wfm:${PASSWORD}@127.0.0.1:5432`, /^wfm: the postgres URL "postgres:\/\/wfm@127\.0\.0\.1:5432" names no database; add \/<database> after the server$/m],
    ['a URL that names no server', () => 'mysql:///wfm', /^wfm: the mysql URL "mysql:\/\/\/wfm" names no server$/m],
    ['a port past 65535', () => `mysql://root:${PASSWORD}@127.0.0.1:99999/wfm`, /^wfm: "mysql:\/\/root@127\.0\.0\.1:99999\/wfm" is not a valid mysql URL; use a URL such as/],
    ['a port that is not a number, in the original form', () => `postgres;127.0.0.1:5x32;wfm;postgres;${PASSWORD}`, /^wfm: "5x32" in "127\.0\.0\.1:5x32" is not a port number \(1 to 65535\)$/m],
    ['the original form with a field missing', () => 'postgres;127.0.0.1;wfm', /^wfm: a postgres connection string is "postgres;<server>;<database>;<user>;<password>"$/m],
    ['the original form with a field too many', () => `mysql;127.0.0.1;wfm;root;${PASSWORD};extra`, /^wfm: a mysql connection string is "mysql;<server>;<database>;<user>;<password>"$/m],
    ['the SQLite original form with a second field', (path) => `sqlite;${path};${PASSWORD}`, /^wfm: a SQLite connection string is "sqlite;<path>"$/m],
    ['an unknown engine in the original form', () => `informix;dbhost;wfm;informix;${PASSWORD}`, /^wfm: unknown database engine "informix" in the connection string; use one of sqlite, postgres, mysql, mariadb, mssql, oracle$/m],
    // Found by fuzzing: these names are properties every JavaScript object has.
    ['an engine named like a property of every object', () => 'constructor;dbhost;wfm;user', /^wfm: unknown database engine "constructor" in the connection string/m],
    ['a malformed %-escape in the database name', () => `postgres://wfm:${PASSWORD}@127.0.0.1/wf%E0m`, /^wfm: the database name in the postgres URL "postgres:\/\/wfm@127\.0\.0\.1\/wf%E0m" has a malformed %-escape; write a % as %25$/m],
    ['a password holding a semicolon', () => 'postgres://wfm:Top;Secret1@127.0.0.1:5x32/wfm', /^wfm: "postgres:\/\/wfm@127\.0\.0\.1:5x32\/wfm" is not a valid postgres URL/m],
    ['a password holding an @', () => 'postgres://wfm:Top@Secret1@127.0.0.1:5x32/wfm', /^wfm: "postgres:\/\/wfm@127\.0\.0\.1:5x32\/wfm" is not a valid postgres URL/m],
  ];

  for (const [label, text, pattern] of cases) {
    it(`refuses ${label} with exit 2, never shows the password, and writes nothing`, () => {
      const before = fileState(empty);
      const result = wfm(['dbu', 'create', '--db', text(empty)]);
      assertRefused(result, 2, pattern);
      assert.doesNotMatch(result.stdout + result.stderr, /Secret1/, 'the password is shown');
      assert.equal(fileState(empty), before, 'the database file changed');
    });
  }
});

describe('malformed wfm.yaml', () => {
  const VALID_START = 'databases:\n  wfm:\n    connection: sqlite:wfm.db\napplications:\n  C:\n    type: client\n';
  const cases: [string, string, string][] = [
    ['text that is not YAML', 'databases:\n  wfm: [sqlite:a.db\n', 'line 3: '],
    ['a list where the databases go', 'databases: [wfm, other]\n', 'line 1: databases must be a mapping of names to settings'],
    ['a connection that is a list', 'databases:\n  wfm:\n    connection: [sqlite:a.db]\n', 'line 3: database wfm: connection must be a single value'],
    ['connections that are not a list', `${VALID_START}    connections: wfm\n`, 'line 7: application C: connections must be a list of database access point names'],
    ['an unknown application type', 'applications:\n  C:\n    type: robot\n', 'line 3: application C: unknown type "robot"; the types are client (WFM Client), data-aggregator (WFM Data Aggregator), server (WFM Server), web (WFM Web), database-utility (WFM Database Utility)'],
    ['an unknown application setting', `${VALID_START}    opitons:\n      Options:\n        AllowMigratePerformance: 0\n`, 'line 7: application C: unknown setting "opitons"; an application has type, release, connections, options'],
    ['an unknown section', `${VALID_START}aplications:\n  D:\n    type: web\n`, 'line 7: unknown section "aplications"; the configuration has databases and applications'],
    ['an option value it does not take', `${VALID_START}    options:\n      Options:\n        AllowMigratePerformance: yes\n`, 'line 9: C Options.AllowMigratePerformance takes 0 or 1, not "yes"'],
    ['a port past 65535', 'applications:\n  DA:\n    type: data-aggregator\n    options:\n      Options:\n        Port: 70000\n', 'line 6: DA Options.Port '],
    ['an application named twice', `${VALID_START}  C:\n    type: web\n`, 'line 7: '],
    ['an option set twice', `${VALID_START}    options:\n      Options:\n        AllowMigratePerformance: 0\n        AllowMigratePerformance: 1\n`, 'line 10: '],
    ['an unknown release', `${VALID_START}    release: 9.1.0\n`, 'line 7: application C: unknown release "9.1.0"'],
  ];

  for (const [label, text, message] of cases) {
    it(`names the line of ${label}, exits 2, and leaves the file as it was`, () => {
      const path = tempPath('wfm.yaml');
      writeFileSync(path, text);
      const before = fileState(path);
      const result = wfm(['config', 'set', 'C', 'Options.AllowMigratePerformance', '1', '--config', path]);
      assertRefused(result, 2, new RegExp(`^wfm: ${escape(`${path.split('/').pop()} ${message}`)}`));
      assert.equal(fileState(path), before, 'the configuration changed');
    });
  }

  it('names a duplicate key as a duplicate', () => {
    const path = tempPath('wfm.yaml');
    writeFileSync(path, `${VALID_START}  C:\n    type: web\n`);
    assertRefused(wfm(['config', 'show', '--config', path]), 2, /line 7: Map keys must be unique/);
  });

  it('refuses an option value given on the command line, and leaves the file as it was', () => {
    const path = tempPath('wfm.yaml');
    writeFileSync(path, VALID_START);
    const before = fileState(path);
    assertRefused(wfm(['config', 'set', 'C', 'Options.AllowMigratePerformance', '2', '--config', path]), 2, /^wfm: C Options\.AllowMigratePerformance takes 0 or 1, not "2"$/m);
    assert.equal(fileState(path), before);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('malformed aggregator events', () => {
  const good = { type: 'interaction', id: 'good-1', activity_id: 1, offered_at: '2026-11-02T08:05:00Z', outcome: 'handled', queue_seconds: 5, handle_seconds: 120 };
  const state = { type: 'agent_state', id: 'state-1', agent_id: 1, at: '2026-11-02T08:00:00Z', agent_state_id: 2, reason_id: null };
  const cases: [string, string, RegExp][] = [
    ['a line that is not JSON', '{"type": "interaction", "id": ', /^line 2: not JSON; /],
    ['a JSON array', JSON.stringify([good]), /^line 2: not a JSON object; /],
    ['an unknown event type', JSON.stringify({ ...good, type: 'break' }), /^line 2: "type" must be "interaction" or "agent_state", not "break"; /],
    ['an id missing', JSON.stringify({ ...good, id: undefined }), /^line 2: "id" is missing; /],
    ['an id too long', JSON.stringify({ ...good, id: 'x'.repeat(121) }), /^line 2: "id" must be a text of 1 to 120 characters/],
    ['a number given as text', JSON.stringify({ ...good, activity_id: '1' }), /^line 2: "activity_id" must be a whole number of at least 1, not "1"; /],
    ['a negative wait', JSON.stringify({ ...good, queue_seconds: -5 }), /^line 2: "queue_seconds" must be a whole number of at least 0, not -5; /],
    ['a fraction of a second', JSON.stringify({ ...good, handle_seconds: 1.5 }), /^line 2: "handle_seconds" must be a whole number of at least 0, not 1\.5; /],
    ['an unknown outcome', JSON.stringify({ ...good, outcome: 'transferred' }), /^line 2: "outcome" must be "handled" or "abandoned", not "transferred"; /],
    ['an abandoned interaction with handle time', JSON.stringify({ ...good, outcome: 'abandoned' }), /^line 2: "handle_seconds" must be 0 for an abandoned interaction; /],
    ['a time without a zone', JSON.stringify({ ...state, at: '2026-11-02T08:00:00' }), /^line 2: "at" must be an ISO 8601 instant with a zone/],
    // Found by fuzzing: Date.parse reads February 30 as March 2.
    ['a day the month does not have', JSON.stringify({ ...state, at: '2026-02-30T08:00:00Z' }), /^line 2: "at" must be an ISO 8601 instant with a zone, such as 2026-11-20T08:15:00Z, not "2026-02-30T08:00:00Z"; /],
    ['an unknown agent', JSON.stringify({ ...state, agent_id: 9999 }), /^line 2: agent 9999 is not an agent of this database/],
    ['an unknown activity', JSON.stringify({ ...good, id: 'good-2', activity_id: 9999 }), /^line 2: activity 9999 is not an activity of this database/],
  ];
  let database: TestDatabase;
  let aggregator: Aggregator;
  let contentBefore: Map<string, { rows: number; hash: string }>;
  // The aggregator's own registration and heartbeat change as it runs; nothing else may.
  const content = async (): Promise<Map<string, { rows: number; hash: string }>> => {
    const map = await withConnection(database.url, (c) => databaseContent(c));
    map.delete('component');
    return map;
  };

  before(async () => {
    database = await generated('aggregator', 12);
    aggregator = await Aggregator.start({
      name: 'bad input aggregator', release: '8.5.2', target: { engine: 'sqlite', path: database.target.path as string },
      spoolDirectory: tempPath('spool'), port: 0, host: '127.0.0.1', closeAfterSeconds: 1800, heartbeatSeconds: 1,
      // The good event is from a past November: the aggregator is told to accept it.
      maxEventAgeSeconds: Math.floor((Date.now() - Date.parse(good.offered_at)) / 1000) + 86_400,
    });
    contentBefore = await content();
  });

  async function post(body: string): Promise<{ status: number; error: string }> {
    const response = await fetch(`${aggregator.url}/events`, { method: 'POST', body });
    return { status: response.status, error: String(((await response.json()) as { error?: unknown }).error) };
  }

  for (const [label, line, pattern] of cases) {
    it(`answers 400 to ${label}, naming the line, and takes nothing of the batch`, async () => {
      const answer = await post(`${JSON.stringify(good)}\n${line}\n`);
      assert.equal(answer.status, 400, answer.error);
      assert.match(answer.error, pattern);
      assert.match(answer.error, /; nothing of this batch was accepted$/);
      assert.equal(aggregator.status().received, 0);
      assert.equal(aggregator.status().spooledEvents, 0);
    });
  }

  it('stored nothing of the refused batches, and still takes a good one', async () => {
    assert.deepEqual(await content(), contentBefore);
    assert.equal((await post(JSON.stringify(good))).status, 202);
    assert.ok(await aggregator.drain(10_000));
    await aggregator.stop();
    assert.equal(aggregator.status().applied, 1);
    assert.notDeepEqual(await content(), contentBefore, 'the good event changed nothing: the comparison above proves nothing');
  });
});

describe('malformed 6.5 rows', () => {
  const performance = { offered: 1, handled: 1, abandoned: 0, handle_sec: 60, answered_in_sl: 1, queue_sec: 0, staff_sec: 900 };
  // Each breaks the legacy encoding in a way SQLite stores without complaint: a fraction, text, a negative.
  const badRows = {
    performance_data: [
      { activity_id: 1, perf_date: 20230718, interval_no: 5.5, ...performance },
      { activity_id: 1, perf_date: 'yesterday', interval_no: 6, ...performance },
    ],
    agent_compliance: [{ employee_id: 1000, state_date: 20230718, start_sec: -60, duration_sec: 30, event_id: 1, aux_code_id: null }],
  };
  const named = [/interval_no = 5\.5/, /perf_date = yesterday/, /start_sec = -60/];

  it('stops the migration naming every bad row, exit 1, with the source unchanged and nothing written', async () => {
    const tables = goodFixture();
    for (const [table, rows] of Object.entries(badRows)) (tables[table] ??= []).push(...rows);
    const source = await legacyDatabase('6.5.201', tables);
    const sourcePath = source.target.path as string;
    await source.close();
    const before = fileState(sourcePath);
    const target = await fresh(sqlite, 'legacytarget');
    const stopped = wfm(['dbu', 'migrate', '--from', `sqlite:${sourcePath}`, '--to', target.url]);
    assertRefused(stopped, 1, /nothing was written/);
    for (const pattern of named) assert.match(stopped.stderr, pattern);
    assert.equal(fileState(target.target.path as string), 'absent', 'the target was created');

    const rejectFile = tempPath('rejected.jsonl');
    const migrated = wfm(['dbu', 'migrate', '--from', `sqlite:${sourcePath}`, '--to', target.url, '--reject-file', rejectFile, '--json']);
    assert.equal(migrated.status, 0, migrated.stderr);
    const rejected = readFileSync(rejectFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { table: string; column: string; value: unknown });
    const described = rejected.map((r) => `${r.column} = ${String(r.value)}`).join('\n');
    for (const pattern of named) assert.match(described, pattern, 'a bad row was dropped without being listed');
    assert.equal(JSON.parse(migrated.stdout).rejected, rejected.length);
    assert.equal(fileState(sourcePath), before, 'the 6.5 source changed');
  });
});

describe('damaged backup files', () => {
  let original: TestDatabase;
  let backup = '';
  let bytes: Buffer;
  let pageSize = 0;

  before(async () => {
    original = await generated('backupsource');
    backup = tempPath('backup.db');
    // Small chunks, so that a table has several and each can be damaged on its own.
    await backupDatabase(original.target, backup, { chunkRows: 200 });
    bytes = readFileSync(backup);
    pageSize = inFile(backup, (db) => db.pragma('page_size', { simple: true }) as number);
    assert.equal(wfm(['bru', '-VERIFY', '-FILE', backup]).status, 0);
  });

  function inFile<T>(path: string, fn: (db: Database.Database) => T): T {
    const db = new Database(path, { readonly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  function damaged(label: string, change: (copy: Buffer) => Buffer): string {
    const path = tempPath(label);
    writeFileSync(path, change(Buffer.from(bytes)));
    return path;
  }

  const flip = (offset: number) => (copy: Buffer) => {
    copy[offset] = (copy[offset] as number) ^ 0x10;
    return copy;
  };

  /** Where bytes of a table's row are in the file: in a page of that table, once. */
  function offsetIn(table: string, needle: Buffer): number {
    const pages = inFile(backup, (db) => new Set((db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype IN ('leaf', 'overflow')").all(table) as { pageno: number }[]).map((r) => r.pageno)));
    const found: number[] = [];
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) if (pages.has(Math.floor(at / pageSize) + 1)) found.push(at);
    assert.equal(found.length, 1, `the bytes are once in ${table}`);
    return found[0] as number;
  }

  /**
   * `bru -VERIFY` and `bru -RESTORE --replace` both refuse the file, and the database restored into is
   * untouched; with `intoAbsent`, a restore into a database that does not exist does not create it either.
   */
  async function refusedByBoth(path: string, pattern: RegExp, restoreStatus: 1 | 2 = 1, intoAbsent = false): Promise<void> {
    assertRefused(wfm(['bru', '-VERIFY', '-FILE', path]), 1, pattern, 'stdout');
    const target = tempPath('target.db');
    copyFileSync(original.target.path as string, target);
    const before = fileState(target);
    assertRefused(wfm(['bru', '-RESTORE', '-DB', `sqlite:${target}`, '-FILE', path, '--replace', '--yes']), restoreStatus, pattern);
    assert.equal(fileState(target), before, 'the restore target changed');
    if (!intoAbsent) return;
    const absent = tempPath('absent.db');
    assertRefused(wfm(['bru', '-RESTORE', '-DB', `sqlite:${absent}`, '-FILE', path]), restoreStatus, pattern);
    assert.equal(fileState(absent), 'absent', 'the restore created its target');
  }

  it('refuses a file truncated at a page boundary, inside a page and inside the SQLite header', async () => {
    for (const length of [bytes.length - pageSize, bytes.length - 1_000, 60]) {
      await refusedByBoth(damaged(`truncated-${length}`, (copy) => copy.subarray(0, length)), /the file is truncated \(\d+ bytes, the database needs (at least )?\d+\)/, 1, length === 60);
    }
  });

  it('finds a byte flipped in every page and every byte of the SQLite header', async () => {
    const missed: string[] = [];
    const offsets = [...Array.from({ length: 100 }, (_, i) => i), ...Array.from({ length: bytes.length / pageSize - 1 }, (_, page) => (page + 1) * pageSize + 4_000)];
    const path = tempPath('each-page');
    for (const offset of offsets) {
      writeFileSync(path, flip(offset)(Buffer.from(bytes)));
      const report = await verifyArchive(path);
      if (report.ok || report.problems.length === 0) missed.push(String(offset));
    }
    assert.deepEqual(missed, []);
  });

  it('names the CRC-32 when a byte of it in the file header is flipped', () => refusedByBoth(damaged('crc', flip(61)), /the file was changed or damaged after it was written \(its CRC-32 is [0-9a-f]{8}, it was written as [0-9a-f]{8}\)/));

  it('names the schema as unreadable when a byte of a table definition is flipped', async () => {
    const offset = offsetIn('sqlite_schema', Buffer.from('CREATE TABLE archive_manifest'));
    await refusedByBoth(damaged('schema', flip(offset + 2)), /the file is damaged: SQLite cannot read it \(SQLITE_CORRUPT: malformed database schema/);
  });

  it('names the header when a byte of its release is flipped', async () => {
    // The header row's format, release and engine lie side by side in its record.
    const offset = offsetIn('archive_header', Buffer.from('chunked-table-archive8.5.2sqlite')) + 'chunked-table-archive'.length;
    await refusedByBoth(damaged('header', flip(offset + 2)), /the header was changed after the backup was written \(its sha256 does not match the manifest digest\)/);
  });

  it('names the manifest when a byte of its totals is flipped', async () => {
    const hash = inFile(backup, (db) => (db.prepare("SELECT content_hash FROM archive_manifest WHERE item = 'activity_performance'").get() as { content_hash: string }).content_hash);
    const offset = offsetIn('archive_manifest', Buffer.from(hash));
    await refusedByBoth(damaged('manifest', flip(offset + 3)), /the manifest was changed after the backup was written/);
  });

  it('names the chunk, its table and its rows, for a byte flipped in the payload of each chunk', async () => {
    const chunks = inFile(backup, (db) => db.prepare('SELECT item, chunk_no, payload FROM archive_chunk ORDER BY item, chunk_no').all() as { item: string; chunk_no: number; payload: Buffer }[]);
    assert.ok(chunks.filter((c) => c.chunk_no > 1).length >= 4, 'some tables have several chunks');
    const path = tempPath('each-chunk');
    for (const chunk of chunks) {
      writeFileSync(path, flip(offsetIn('archive_chunk', chunk.payload) + Math.floor(chunk.payload.length / 2))(Buffer.from(bytes)));
      const report = await verifyArchive(path);
      const named = new RegExp(`^chunk ${chunk.chunk_no} of table ${chunk.item}( \\(rows \\d+\\.\\.\\d+\\))?: its payload does not match its sha256$`);
      assert.ok(report.problems.some((p) => named.test(p)), `chunk ${chunk.chunk_no} of ${chunk.item} is not named:\n${report.problems.join('\n')}`);
    }
    const third = chunks.find((c) => c.chunk_no === 3) as { item: string; payload: Buffer };
    const offset = offsetIn('archive_chunk', third.payload) + 10;
    await refusedByBoth(damaged('chunk', flip(offset)), new RegExp(`chunk 3 of table ${third.item} \\(rows 401\\.\\.600\\): its payload does not match its sha256`));
  });

  it('refuses a SQLite database that is not a backup', async () => {
    await refusedByBoth(original.target.path as string, /is a SQLite database but not a backup written by this tool/);
  });

  /** Changes the file with SQL, then seals it again as the backup would: only the change is wrong. */
  async function resealed(label: string, change: (db: Database.Database) => void): Promise<string> {
    const path = tempPath(label);
    copyFileSync(backup, path);
    await resealArchive(path, change);
    return path;
  }

  it('refuses a backup of a release newer than this tool knows, saying which and what to do', async () => {
    const path = await resealed('release-9', (db) => db.exec("UPDATE archive_header SET release = '9.0'"));
    const report = await verifyArchive(path);
    assert.deepEqual(report.problems, [], 'only the release is wrong: every digest and the CRC check out');
    await refusedByBoth(path, /is a backup of release 9\.0, which this tool \([^)]+\) does not know; use the wfm-migrate that wrote it \([^)]+\) or a later one/, 2, true);
  });

  describe('a decompression bomb with every digest made to match', () => {
    let bomb: Buffer;
    before(async () => {
      bomb = await deflatedZeros(1024 * 1024 * 1024);
    });

    for (const [label, rawBytes, pattern] of [
      ['recorded at the size of the chunk it replaces', 60_000_000, /chunk 1 of table activity_performance \(rows 1\.\.200\): the payload inflates to more than the 60000000 bytes recorded \(a decompression bomb\?\); it was not inflated further/],
      ['recorded at its real size', 1024 * 1024 * 1024, /chunk 1 of table activity_performance \(rows 1\.\.200\): the payload claims to inflate to 1073741824 bytes, more than the \d+ allowed for \d+ stored bytes/],
    ] as const) {
      it(`is refused quickly and in bounded memory when ${label}`, async () => {
        const path = await resealed('bomb', (db) =>
          db
            .prepare("UPDATE archive_chunk SET payload = ?, payload_sha256 = ?, encoding = 'v8-columns+deflate-raw', raw_bytes = ? WHERE item = 'activity_performance' AND chunk_no = 1")
            .run(bomb, createHash('sha256').update(bomb).digest('hex'), rawBytes),
        );
        assert.ok(statSync(path).size < 16 * 1024 * 1024, 'the bomb is small on disk');
        const started = performance.now();
        const verify = wfm(['bru', '-VERIFY', '-FILE', path], { NODE_OPTIONS: `--require ${maxRssReporter()}` });
        assertRefused(verify, 1, pattern, 'stdout');
        assert.ok(performance.now() - started < 20_000, 'the bomb took too long to refuse');
        const rss = Number(/max-rss-kb=(\d+)/.exec(verify.stderr)?.[1]);
        assert.ok(rss > 0 && rss < 400 * 1024, `the check took ${rss} KB: the bomb was inflated`);
        await refusedByBoth(path, pattern, 1, true);
      });
    }
  });
});

/** A preload that prints the process's peak memory as it exits: the measure of a refused bomb. */
function maxRssReporter(): string {
  const path = join(directory, 'max-rss.cjs');
  writeFileSync(path, "process.on('exit', () => process.stderr.write(`max-rss-kb=${process.resourceUsage().maxRSS}\\n`));\n");
  return path;
}
