// Backups changed by someone who knows the format: the header's schema or items altered, then every digest
// and the file's CRC computed again as the tool computes them. Such a file is intact to its digests, so
// what it says is checked for itself: `bru -VERIFY` and `bru -RESTORE` (the real `wfm` process) refuse it
// with a message naming what is wrong, before anything reaches a target, on every engine; and PostgreSQL's
// driver never runs a string of several statements, whatever reaches it.
import { strict as assert } from 'node:assert';
import { copyFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import { connect, dialectFor, withConnection } from '../src/engine/dialect/index.ts';
import { TABLES } from '../src/engine/archive/format.ts';
import type { SchemaModel, TableModel } from '../src/engine/schema/model.ts';
import { backupDatabase } from '../src/wfm/backup.ts';
import { detectRelease } from '../src/wfm/database.ts';
import { resealArchive } from './helpers/archive.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { SERVER_URLS, testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const all = await testEngines();
const engines = all.filter((e) => !e.skip);
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const postgres = engines.find((e) => e.engine === 'postgres');
const fresh = trackedDatabases();
/** The role the forged schema would create: one per run, so that a run never sees another's. */
const ROLE = `wfmt_forged_${process.pid}`;
const INJECTED = `1)); CREATE ROLE ${ROLE} SUPERUSER LOGIN; SELECT ((1`;

type HeaderField = 'schema_json' | 'items_json';

/** Changes the JSON of a header field in place. */
function editHeader<T>(db: Database.Database, field: HeaderField, edit: (value: T) => void): void {
  const row = db.prepare(`SELECT ${field} AS text FROM ${TABLES.header}`).get() as { text: string };
  const value = JSON.parse(row.text) as T;
  edit(value);
  db.prepare(`UPDATE ${TABLES.header} SET ${field} = ?`).run(JSON.stringify(value));
}

function editSchema(db: Database.Database, edit: (schema: SchemaModel) => void): void {
  editHeader(db, 'schema_json', edit);
}

interface Item {
  name: string;
  table: string;
  columns: string[];
  key: string[];
}

/** A table no foreign key refers to and with no index of its own: renaming or copying it breaks nothing else. */
function standaloneTable(schema: SchemaModel): TableModel {
  const referenced = new Set(schema.tables.flatMap((t) => t.foreignKeys.map((fk) => fk.referencedTable)));
  const table = schema.tables.find((t) => !referenced.has(t.name) && t.indexes.length === 0 && t.foreignKeys.length === 0);
  assert.ok(table, 'the release has a table that stands alone');
  return table;
}

/** Renames a table everywhere the file names it: schema, items, chunks and manifest. */
function renameTable(db: Database.Database, to: string): string {
  let from = '';
  editSchema(db, (schema) => {
    const table = standaloneTable(schema);
    from = table.name;
    table.name = to;
  });
  editHeader<Item[]>(db, 'items_json', (items) => {
    const item = items.find((i) => i.name === from) as Item;
    item.name = to;
    item.table = to;
  });
  db.prepare(`UPDATE ${TABLES.chunk} SET item = ? WHERE item = ?`).run(to, from);
  db.prepare(`UPDATE ${TABLES.manifest} SET item = ?, table_name = ? WHERE item = ?`).run(to, to, from);
  return from;
}

/** Adds a copy of a table, with its rows, under another name. */
function addTable(db: Database.Database, name: string): void {
  let from = '';
  editSchema(db, (schema) => {
    const table = standaloneTable(schema);
    from = table.name;
    schema.tables.push({ ...table, name });
  });
  editHeader<Item[]>(db, 'items_json', (items) => {
    items.push({ ...(items.find((i) => i.name === from) as Item), name, table: name });
  });
  db.prepare(`INSERT INTO ${TABLES.chunk} SELECT ?, chunk_no, rows, content_hash, last_key, encoding, raw_bytes, payload_sha256, payload FROM ${TABLES.chunk} WHERE item = ?`).run(name, from);
  db.prepare(`INSERT INTO ${TABLES.manifest} SELECT ?, ?, rows, chunks, content_hash FROM ${TABLES.manifest} WHERE item = ?`).run(name, name, from);
}

function firstVarchar(schema: SchemaModel): { table: TableModel; column: TableModel['columns'][number] } {
  for (const table of schema.tables) {
    const column = table.columns.find((c) => c.type.kind === 'varchar');
    if (column) return { table, column };
  }
  throw new Error('the release has no varchar column');
}

async function roleExists(): Promise<boolean> {
  if (!postgres) return false;
  return withConnection(SERVER_URLS.postgres, async (c) => (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ROLE])).length > 0);
}

function assertNoInternalError(result: CliResult, what: string): void {
  assert.doesNotMatch(`${result.stdout}${result.stderr}`, /internal error/, `${what} reported an internal error`);
}

describe(`a forged backup is refused before it reaches a database (${engines.map((e) => e.engine).join(', ')})`, () => {
  let backupFile = '';
  let copies = 0;

  before(async () => {
    const original = await generatedDatabase(fresh, sqlite, 'forgedsource', '8.5.2', { agents: 5, days: 1, seed: 11 });
    backupFile = `${original.target.path}.backup.db`;
    await backupDatabase(original.target, backupFile);
  });

  after(async () => {
    // Where the forged schema did run, the role it made is removed again.
    if (postgres) await withConnection(SERVER_URLS.postgres, (c) => c.execute(`DROP ROLE IF EXISTS ${ROLE}`));
  });

  async function forged(change: (db: Database.Database) => void): Promise<string> {
    const copy = `${backupFile}.forged-${++copies}.db`;
    copyFileSync(backupFile, copy);
    await resealArchive(copy, change);
    return copy;
  }

  function verifyRefuses(file: string, pattern: RegExp): void {
    const verify = wfm(['bru', '-VERIFY', '-FILE', file]);
    assertNoInternalError(verify, 'verify');
    assert.equal(verify.status, 1, verify.stdout + verify.stderr);
    assert.match(verify.stdout, pattern);
  }

  /** Restores into an empty database of the engine and into an absent one: both refused, neither written. */
  async function restoreRefuses(engine: TestEngine, file: string, pattern: RegExp): Promise<void> {
    const empty = await fresh(engine, 'forgedtarget');
    const intoEmpty = wfm(['bru', '-RESTORE', '-DB', empty.url, '-FILE', file]);
    assertNoInternalError(intoEmpty, `restore into ${engine.engine}`);
    assert.equal(intoEmpty.status, 1, intoEmpty.stderr);
    assert.match(intoEmpty.stderr, pattern);
    const connection = await connect(empty.url);
    assert.deepEqual(await detectRelease(connection), { kind: 'empty' }, 'nothing was written to the target');
    await connection.close();
    const absent = await fresh(engine, 'forgedabsent');
    await absent.drop();
    const intoAbsent = wfm(['bru', '-RESTORE', '-DB', absent.url, '-FILE', file]);
    assertNoInternalError(intoAbsent, `restore into an absent ${engine.engine} database`);
    assert.equal(intoAbsent.status, 1, intoAbsent.stderr);
    assert.equal(await (await dialectFor(engine.engine)).createDatabase(absent.target), true, 'the restore created no database');
  }

  it('verifies the backup as it was written, saying that its digests show damage, not who wrote it', () => {
    const verify = wfm(['bru', '-VERIFY', '-FILE', backupFile]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /its digests are not keyed: they show damage, not who wrote the file/);
  });

  it('refuses a varchar length that holds SQL, on every engine, and no role appears on PostgreSQL', async () => {
    let where = '';
    const file = await forged((db) =>
      editSchema(db, (schema) => {
        const { table, column } = firstVarchar(schema);
        where = `column ${column.name} of table ${table.name}`;
        (column.type as { length: unknown }).length = INJECTED;
      }),
    );
    const pattern = new RegExp(`the header's schema is not valid: ${where}: the length of its varchar is "1\\)\\); CREATE ROLE`);
    verifyRefuses(file, pattern);
    for (const engine of engines) await restoreRefuses(engine, file, pattern);
    assert.equal(await roleExists(), false, `the role ${ROLE} was created: the file's SQL ran`);
  });

  it('refuses a backup with a table renamed, naming both tables', async () => {
    let renamed = '';
    const file = await forged((db) => (renamed = renameTable(db, 'renamed_table')));
    const pattern = new RegExp(`its schema is not that of WFM 8\\.5\\.2: ${renamed}: expected table exists, found missing[\\s\\S]*its schema is not that of WFM 8\\.5\\.2: renamed_table: expected no such table, found table exists`);
    verifyRefuses(file, pattern);
    for (const engine of engines) {
      const target = await fresh(engine, 'renamedtarget');
      const restore = wfm(['bru', '-RESTORE', '-DB', target.url, '-FILE', file]);
      assertNoInternalError(restore, `restore into ${engine.engine}`);
      assert.equal(restore.status, 1, restore.stderr);
      assert.match(restore.stderr, pattern);
      assert.deepEqual(await withConnection(target.url, detectRelease), { kind: 'empty' }, 'nothing was written to the target');
    }
  });

  it('refuses a backup with a table added, naming it', async () => {
    const file = await forged((db) => addTable(db, 'added_table'));
    const pattern = /its schema is not that of WFM 8\.5\.2: added_table: expected no such table, found table exists/;
    verifyRefuses(file, pattern);
    for (const engine of engines) {
      const target = await fresh(engine, 'addedtarget');
      const restore = wfm(['bru', '-RESTORE', '-DB', target.url, '-FILE', file]);
      assertNoInternalError(restore, `restore into ${engine.engine}`);
      assert.equal(restore.status, 1, restore.stderr);
      assert.match(restore.stderr, pattern);
      assert.deepEqual(await withConnection(target.url, detectRelease), { kind: 'empty' }, 'nothing was written to the target');
    }
  });

  // Every other part of the header that reaches SQL, DDL or a message, each refused by name.
  const fields: [string, (db: Database.Database) => void, RegExp][] = [
    [
      'an index name that holds SQL',
      (db) => editSchema(db, (schema) => ((schema.tables.find((t) => t.indexes.length > 0) as TableModel).indexes[0] as { name: string }).name = `x" ON a; DROP TABLE b; --`),
      /the header's schema is not valid: the name of index 1 of table \w+ is "x\\" ON a; DROP TABLE b; --", not an identifier/,
    ],
    [
      'a foreign key to a table the schema does not have',
      (db) => editSchema(db, (schema) => ((schema.tables.find((t) => t.foreignKeys.length > 0) as TableModel).foreignKeys[0] as { referencedTable: string }).referencedTable = 'pg_authid'),
      /the header's schema is not valid: a foreign key of table \w+ refers to table pg_authid, which the schema does not have/,
    ],
    [
      'a default that is neither a number nor text',
      (db) => editSchema(db, (schema) => ((schema.tables[0] as TableModel).columns[0] as { default?: unknown }).default = { kind: 'expression', value: 'now()' }),
      /the header's schema is not valid: column \w+ of table \w+: its default \{"kind":"expression","value":"now\(\)"\} is not a finite number/,
    ],
    [
      'a column of a kind no engine has',
      (db) => editSchema(db, (schema) => ((schema.tables[0] as TableModel).columns[0] as { type: unknown }).type = { kind: 'int4range' }),
      /the header's schema is not valid: column \w+ of table \w+: its type \{"kind":"int4range"\} is not one of smallint, integer/,
    ],
    [
      'a property a schema model does not have',
      (db) => editSchema(db, (schema) => Object.assign(schema.tables[0] as TableModel, { check: '1 = 1); DROP TABLE x; --' })),
      /the header's schema is not valid: table 1 has "check", which a schema model does not/,
    ],
    [
      "an item's column that holds SQL",
      (db) => editHeader<Item[]>(db, 'items_json', (items) => (items[0] as Item).columns.push('id" FROM x; DROP TABLE y; --')),
      /the header's item 1 \(\w+\) lists columns .*, not distinct columns of table \w+/,
    ],
    [
      'an item of a table the schema does not have',
      (db) => editHeader<Item[]>(db, 'items_json', (items) => ((items[0] as Item).table = 'pg_authid')),
      /the header's item 1 \(\w+\) copies table "pg_authid", which the header's schema does not have/,
    ],
    [
      'an engine the tool does not know',
      (db) => db.prepare(`UPDATE ${TABLES.header} SET engine = ?`).run("sqlite'; --"),
      /the header's engine "sqlite'; --" is not one of sqlite, postgres, mysql/,
    ],
    [
      'a release that is not a version',
      (db) => db.prepare(`UPDATE ${TABLES.header} SET release = ?`).run('8.5.2\u001b[2J'),
      /the header's release "8\.5\.2\\u001b\[2J" is not of the form a backup writes/,
    ],
  ];
  for (const [what, change, pattern] of fields) {
    it(`refuses ${what}`, async () => {
      const file = await forged(change);
      verifyRefuses(file, pattern);
      await restoreRefuses(sqlite, file, pattern);
    });
  }

  it('PostgreSQL runs one statement per call: a string of several is refused and none of it runs', { skip: postgres ? undefined : 'PostgreSQL unavailable' }, async () => {
    const database = await fresh(postgres as TestEngine, 'onestatement');
    await withConnection(database.url, async (connection) => {
      await assert.rejects(connection.execute(`SELECT 1; CREATE ROLE ${ROLE}`), /cannot insert multiple commands into a prepared statement/);
      await assert.rejects(connection.query(`SELECT 1 AS one; CREATE ROLE ${ROLE}`), /cannot insert multiple commands into a prepared statement/);
      // A COPY reads the query it is given only once the same text was described as one statement.
      const rows = connection.streamQuery(`SELECT 1 AS one) AS a; CREATE ROLE ${ROLE}; SELECT * FROM (SELECT 1`);
      await assert.rejects(async () => {
        for await (const batch of rows) assert.fail(`rows came back: ${JSON.stringify(batch)}`);
      }, /cannot insert multiple commands into a prepared statement/);
    });
    assert.equal(await roleExists(), false, `the role ${ROLE} was created by a string of several statements`);
  });
});
