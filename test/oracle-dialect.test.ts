// The Oracle dialect without a server: its compiler, type mapping, quoting, identifier limits, the values
// its bulk path binds and reads back, and its connection strings, each held to what Oracle's documentation
// says of the engine (Oracle Database SQL Language Reference, PL/SQL Packages and Types Reference,
// node-oracledb documentation), cited where it is used.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import oracledb from 'oracledb';
import { describeTarget, parseConnectionString } from '../src/engine/dialect/connection-string.ts';
import { bindBatches, columnBind, insertStatement } from '../src/engine/dialect/oracle/bulk/execute-many.ts';
import { connectString } from '../src/engine/dialect/oracle/connect-string.ts';
import { MAX_IDENTIFIER_BYTES, oracleName } from '../src/engine/dialect/oracle/identifiers.ts';
import { columnTypeOf, parseDefault } from '../src/engine/dialect/oracle/introspector.ts';
import { lockNumber } from '../src/engine/dialect/oracle/lock.ts';
import { oracleQueryCompiler as q } from '../src/engine/dialect/oracle/query-compiler.ts';
import { bindValue, EMPTY_TEXT_SENTINEL, neutralValue, wholeNumberFromText } from '../src/engine/dialect/oracle/values.ts';
import type { SqlValue } from '../src/engine/dialect/types.ts';
import { InputError, OperationError } from '../src/engine/errors.ts';
import type { ColumnType, SchemaModel, TableModel } from '../src/engine/schema/model.ts';
import { etlModel } from '../src/wfm/etl/releases.ts';
import { CURRENT_RELEASES, LEGACY_RELEASES, releaseModel } from '../src/wfm/releases/index.ts';
import { legacySchemaModel, legacySchemaStatementsOn } from '../src/wfm/releases/legacy.ts';

/** SQL Language Reference, Appendix D "Oracle SQL Reserved Words" (V$RESERVED_WORDS with RESERVED = 'Y'). */
const RESERVED_WORDS = (
  'ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT COMPRESS CONNECT CREATE CURRENT ' +
  'DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE EXCLUSIVE EXISTS FILE FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED ' +
  'IMMEDIATE IN INCREMENT INDEX INITIAL INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK LONG MAXEXTENTS MINUS MLSLABEL MODE ' +
  'MODIFY NOAUDIT NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION OR ORDER PCTFREE PRIOR PUBLIC RAW RENAME ' +
  'RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE SIZE SMALLINT START SUCCESSFUL SYNONYM SYSDATE TABLE THEN ' +
  'TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH'
).split(' ');

/** The words the compiler's DDL writes itself, outside quoted names and literals. */
const DDL_WORDS = new Set([
  'CREATE', 'TABLE', 'UNIQUE', 'INDEX', 'ON', 'CONSTRAINT', 'PRIMARY', 'KEY', 'FOREIGN', 'REFERENCES', 'NOT', 'NULL', 'DEFAULT',
  'NUMBER', 'BINARY_DOUBLE', 'VARCHAR2', 'CHAR', 'CLOB', 'BLOB', 'DATE', 'TIMESTAMP', 'UNISTR', 'ALTER', 'ADD', 'DROP', 'COLUMN',
]);

const models = (): SchemaModel[] => [...CURRENT_RELEASES.map((release) => releaseModel(release)), etlModel('8.1'), etlModel('8.5')];

/** Every statement creating the tables of every release, the ETL database and the legacy layouts. */
async function everyCreateStatement(): Promise<string[]> {
  const legacy = await Promise.all(LEGACY_RELEASES.map((release) => legacySchemaStatementsOn(release, 'oracle', q)));
  return [...models().flatMap((model) => model.tables.flatMap((table) => q.createTable(table))), ...legacy.flat()];
}

/** The quoted identifiers of a statement, without their quotes. */
function quotedNames(sql: string): string[] {
  return [...sql.replace(/'(?:[^']|'')*'/g, "''").matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1] ?? '');
}

/** The words of a statement outside quoted names and string literals. */
function bareWords(sql: string): string[] {
  return sql.replace(/'(?:[^']|'')*'/g, ' ').replace(/"(?:[^"]|"")*"/g, ' ').match(/[A-Za-z_][A-Za-z0-9_$#]*/g) ?? [];
}

describe('Oracle identifiers', () => {
  it('are at most 30 bytes in every statement that creates a table, an index or a key (Oracle 12.1 and earlier: 30 bytes)', async () => {
    const long = (await everyCreateStatement()).flatMap(quotedNames).filter((name) => Buffer.byteLength(name, 'utf8') > 30);
    assert.equal(MAX_IDENTIFIER_BYTES, 30);
    assert.deepEqual(long, []);
  });

  it('shortens a longer name the same way every time, and never gives two names of one namespace one identifier', () => {
    // Tables share one namespace in a schema (the WFM and ETL tables may share a database), indexes another,
    // constraints a third; a table's columns are a namespace of their own.
    const namespaces = new Map<string, Set<string>>();
    const add = (namespace: string, name: string): void => void namespaces.set(namespace, (namespaces.get(namespace) ?? new Set()).add(name));
    for (const table of models().flatMap((model) => model.tables)) {
      add('tables', table.name);
      add('constraints', `${table.name}_pk`);
      for (const column of table.columns) add(`columns of ${table.name}`, column.name);
      for (const index of table.indexes) add('indexes', index.name);
      for (const fk of table.foreignKeys) add('constraints', fk.name);
    }
    const all = [...namespaces.values()].flatMap((names) => [...names]);
    assert.ok(all.some((name) => name.length > 30), 'the model has names longer than 30 characters to shorten');
    for (const [namespace, names] of namespaces) {
      const identifiers = new Map<string, string>();
      for (const name of names) {
        const identifier = oracleName(name);
        assert.equal(oracleName(name), identifier, name);
        assert.equal(identifiers.get(identifier) ?? name, name, `${namespace}: ${name} and ${identifiers.get(identifier) ?? ''} both become ${identifier}`);
        identifiers.set(identifier, name);
      }
    }
  });

  it('are upper case, so that a name written unquoted finds them (nonquoted identifiers are interpreted as uppercase)', () => {
    assert.equal(q.quoteIdentifier('agent'), '"AGENT"');
    assert.equal(q.quoteIdentifier('WFM_BU_KEY'), '"WFM_BU_KEY"');
    assert.equal(q.quoteIdentifier('time_off_limit'), '"TIME_OFF_LIMIT"');
  });

  it('quote every reserved word, so that a column named LEVEL, SIZE or USER is a name (SQL Language Reference, Appendix D)', () => {
    const table: TableModel = {
      name: 'user',
      columns: RESERVED_WORDS.map((word) => ({ name: word.toLowerCase(), type: { kind: 'integer' }, nullable: true })),
      primaryKey: ['level'],
      indexes: [{ name: 'user_size_ix', columns: ['size'], unique: false }],
      foreignKeys: [],
    };
    const statements = [...q.createTable(table), ...q.addColumn('user', { name: 'comment', type: { kind: 'text' }, nullable: true })];
    for (const sql of statements) {
      const unexpected = bareWords(sql).filter((word) => !DDL_WORDS.has(word.toUpperCase()));
      assert.deepEqual(unexpected, [], sql);
      for (const word of RESERVED_WORDS.filter((w) => !DDL_WORDS.has(w))) assert.doesNotMatch(sql, new RegExp(`(^|[^"A-Z_])${word}([^"A-Z_0-9]|$)`), `${word} unquoted in ${sql}`);
    }
  });

  it('write no word of their own outside quotes in any statement that creates the schema', async () => {
    for (const sql of await everyCreateStatement()) assert.deepEqual(bareWords(sql).filter((word) => !DDL_WORDS.has(word.toUpperCase())), [], sql);
  });

  it('refuse what a quoted identifier cannot hold: a double quote or NUL', () => {
    assert.throws(() => q.quoteIdentifier('a"b'), InputError);
    assert.throws(() => q.quoteIdentifier('a\0b'), InputError);
    assert.throws(() => q.quoteIdentifier(''), InputError);
  });
});

describe('Oracle column types', () => {
  const type = (t: ColumnType): string => q.columnType(t);

  it('hold each integer type’s whole range in NUMBER(p), p the digits of its largest value (NUMBER(p) stores p digits)', () => {
    assert.equal(type({ kind: 'smallint' }), `NUMBER(${String(32767).length})`);
    assert.equal(type({ kind: 'integer' }), `NUMBER(${String(2147483647).length})`);
    assert.equal(type({ kind: 'bigint' }), `NUMBER(${String(9223372036854775807n).length})`);
  });

  it('keep doubles as BINARY_DOUBLE, the IEEE 754 double-precision type, and count text lengths in characters', () => {
    assert.equal(type({ kind: 'double' }), 'BINARY_DOUBLE');
    assert.equal(type({ kind: 'varchar', length: 64 }), 'VARCHAR2(64 CHAR)');
    assert.equal(type({ kind: 'char', length: 1 }), 'CHAR(1 CHAR)');
    assert.equal(type({ kind: 'text' }), 'CLOB');
    assert.equal(type({ kind: 'blob' }), 'BLOB');
    assert.equal(type({ kind: 'date' }), 'DATE');
    assert.equal(type({ kind: 'timestamp' }), 'TIMESTAMP');
  });

  it('make text longer than VARCHAR2’s 4000 bytes or CHAR’s 2000 a CLOB (MAX_STRING_SIZE = STANDARD)', () => {
    assert.equal(type({ kind: 'varchar', length: 4000 }), 'VARCHAR2(4000 CHAR)');
    assert.equal(type({ kind: 'varchar', length: 4001 }), 'CLOB');
    assert.equal(type({ kind: 'char', length: 2001 }), 'CLOB');
  });

  it('are read back from the data dictionary as the model types they were compiled from', () => {
    const kinds: ColumnType[] = [
      { kind: 'smallint' }, { kind: 'integer' }, { kind: 'bigint' }, { kind: 'double' }, { kind: 'varchar', length: 64 },
      { kind: 'char', length: 1 }, { kind: 'text' }, { kind: 'date' }, { kind: 'timestamp' }, { kind: 'blob' },
    ];
    for (const kind of kinds) {
      const compiled = /^(\w+)(?:\((\d+)(?: CHAR)?\))?$/.exec(type(kind));
      const [, name = '', size] = compiled ?? [];
      // ALL_TAB_COLUMNS reports TIMESTAMP as TIMESTAMP(6), its default fractional precision.
      const row = {
        data_type: name === 'TIMESTAMP' ? 'TIMESTAMP(6)' : name,
        data_precision: name === 'NUMBER' ? Number(size) : null,
        data_scale: name === 'NUMBER' ? 0 : null,
        char_length: name.includes('CHAR') ? Number(size) : 0,
      };
      assert.deepEqual(columnTypeOf(row), kind, type(kind));
    }
  });

  it('put DEFAULT before NOT NULL, the only order Oracle’s column_definition grammar has', () => {
    const [sql = ''] = q.addColumn('site', { name: 'deleted', type: { kind: 'smallint' }, nullable: false, default: { kind: 'number', value: 0 } });
    assert.equal(sql, 'ALTER TABLE "SITE" ADD ("DELETED" NUMBER(5) DEFAULT 0 NOT NULL)');
  });

  it('read a DATA_DEFAULT back as its value, whatever follows the expression', () => {
    assert.deepEqual(parseDefault("'immediate' \n"), { kind: 'string', value: 'immediate' });
    assert.deepEqual(parseDefault("'it''s'"), { kind: 'string', value: "it's" });
    assert.deepEqual(parseDefault('0\n'), { kind: 'number', value: 0 });
    assert.deepEqual(parseDefault("UNISTR('\\E000')"), { kind: 'string', value: '' });
    assert.equal(parseDefault(null), undefined);
  });
});

describe('Oracle literals and parameters', () => {
  it('double quotes in text and write numbers Oracle reads, the non-finite doubles by their names', () => {
    assert.equal(q.literal("O'Brien"), "'O''Brien'");
    assert.equal(q.literal(42), '42');
    assert.equal(q.literal(9223372036854775807n), '9223372036854775807');
    assert.equal(q.literal(Number.NaN), 'BINARY_DOUBLE_NAN');
    assert.equal(q.literal(-Infinity), '-BINARY_DOUBLE_INFINITY');
    assert.equal(q.literal(null), 'NULL');
  });

  it('write text longer than a literal’s 4000 bytes as CLOB pieces each within the limit', () => {
    const text = '𝄞'.repeat(3000);
    const sql = q.literal(text);
    const pieces = [...sql.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1] ?? '');
    assert.ok(pieces.length > 1);
    for (const piece of pieces) assert.ok(Buffer.byteLength(piece, 'utf8') <= 4000, `${Buffer.byteLength(piece)} bytes`);
    assert.equal(pieces.join(''), text);
    assert.match(sql, /^\(TO_CLOB\(/);
  });

  it('write binary as HEXTORAW, and the empty one as EMPTY_BLOB() (a zero-length RAW is NULL too)', () => {
    assert.equal(q.literal(Buffer.from([0, 255])), "TO_BLOB(HEXTORAW('00FF'))");
    assert.equal(q.literal(Buffer.alloc(0)), 'EMPTY_BLOB()');
  });

  it('number parameters :1, :2, ... each used once in the order they are bound (node-oracledb binds an array by position)', () => {
    assert.equal(q.parameter(1), ':1');
    const sql = q.upsert('staffing', ['activity_id', 'interval_start', 'required_staff'], ['activity_id', 'interval_start'], 2, 'add');
    const placeholders = [...sql.matchAll(/:(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(placeholders, [1, 2, 3, 4, 5, 6]);
    assert.match(sql, /^MERGE INTO "STAFFING" t USING \(SELECT :1 AS "ACTIVITY_ID", .* FROM DUAL UNION ALL SELECT :4 AS "ACTIVITY_ID"/);
    assert.match(sql, /WHEN MATCHED THEN UPDATE SET t\."REQUIRED_STAFF" = COALESCE\(t\."REQUIRED_STAFF", 0\) \+ COALESCE\(s\."REQUIRED_STAFF", 0\)/);
    assert.doesNotMatch(q.upsert('staffing', ['activity_id', 'required_staff'], ['activity_id'], 1, 'ignore'), /WHEN MATCHED/);
  });

  it('limit a query with the row limiting clause of 12c, Oracle having no LIMIT (SELECT: row_limiting_clause)', () => {
    assert.equal(q.firstRows('SELECT id FROM agent ORDER BY id', 1, 5), 'SELECT id FROM agent ORDER BY id OFFSET 5 ROWS FETCH NEXT 1 ROWS ONLY');
    assert.equal(q.firstRows('SELECT id FROM agent ORDER BY id', 10), 'SELECT id FROM agent ORDER BY id OFFSET 0 ROWS FETCH NEXT 10 ROWS ONLY');
  });

  it('end a statement with ";" in a script, and a PL/SQL block with a "/" line, as SQL*Plus and SQLcl run them', () => {
    assert.equal(q.scriptStatement('DROP TABLE "A"'), 'DROP TABLE "A";');
    const [block = ''] = q.createTable({ name: 'wm_lock', columns: [{ name: 'name', type: { kind: 'varchar', length: 100 }, nullable: false }], primaryKey: ['name'], indexes: [], foreignKeys: [] }, { ifNotExists: true });
    assert.match(block, /^BEGIN EXECUTE IMMEDIATE 'CREATE TABLE "WM_LOCK" .*'; EXCEPTION WHEN OTHERS THEN IF SQLCODE <> -955 THEN RAISE; END IF; END;$/s);
    assert.equal(q.scriptStatement(block), `${block}\n/`);
  });
});

describe('the empty string on Oracle, which stores a zero-length character value as NULL', () => {
  const text = (charLength: number) => ({ name: 'note', dataType: 'VARCHAR2', precision: null, charLength });

  it('is bound as a sentinel of one character that is not empty, so Oracle keeps it in a NOT NULL column', () => {
    assert.equal([...EMPTY_TEXT_SENTINEL].length, 1);
    assert.ok(Buffer.byteLength(EMPTY_TEXT_SENTINEL, 'utf8') <= 4, 'one character fits CHAR(1 CHAR) in AL32UTF8');
    assert.equal(bindValue(''), EMPTY_TEXT_SENTINEL);
    assert.equal(bindValue(null), null);
  });

  it('comes back as the empty string through the bulk path, and NULL as NULL, every other text as it was', async () => {
    const binds = [columnBind(text(1)), columnBind(text(200)), columnBind({ name: 'id', dataType: 'NUMBER', precision: 10, charLength: 0 })];
    const rows: SqlValue[][] = [['', '', 1], ['', null, 2], ['x', 'O\'Brien — ☎', 3], ['', ' ', 4]];
    const batches: unknown[][][] = [];
    for await (const batch of bindBatches('calendar_item', binds, rows)) batches.push(batch);
    const stored = batches.flat();
    // What the database keeps never holds a zero-length text: that would be NULL, and refused by NOT NULL.
    assert.ok(stored.every((row) => row.every((value) => value !== '')));
    for (const [i, row] of stored.entries()) {
      for (const [j, value] of row.entries()) {
        const definition = binds[j]?.definition;
        if (definition?.type === oracledb.DB_TYPE_VARCHAR) assert.ok(Buffer.byteLength(String(value ?? ''), 'utf8') <= (definition.maxSize ?? 0));
      }
      assert.deepEqual(row.map(neutralValue), rows[i]);
    }
  });

  it('is written as the same sentinel in a script, and a default of \'\' reads back as \'\'', () => {
    assert.equal(q.literal(''), "UNISTR('\\E000')");
    assert.deepEqual(parseDefault(q.literal('')), { kind: 'string', value: '' });
  });

  it('refuses a text that is the sentinel alone, which could not be told from the empty string', () => {
    assert.throws(() => bindValue(EMPTY_TEXT_SENTINEL), OperationError);
    assert.equal(bindValue(`a${EMPTY_TEXT_SENTINEL}`), `a${EMPTY_TEXT_SENTINEL}`);
  });
});

describe('the Oracle bulk path', () => {
  it('binds NUMBER(19) as its digits, so a whole number beyond 2^53 arrives exactly', () => {
    const bind = columnBind({ name: 'wfm_bu_key', dataType: 'NUMBER', precision: 19, charLength: 0 });
    assert.equal(bind.definition.type, oracledb.DB_TYPE_VARCHAR);
    assert.equal(bind.value(9007199254740993n), '9007199254740993');
    assert.equal(wholeNumberFromText('9223372036854775807'), 9223372036854775807n);
    assert.equal(wholeNumberFromText('-42'), -42);
    assert.equal(wholeNumberFromText('.5'), 0.5);
  });

  it('binds dates and timestamps as the neutral texts the session’s NLS formats read, doubles as BINARY_DOUBLE', () => {
    assert.equal(columnBind({ name: 'starts_at', dataType: 'TIMESTAMP(6)', precision: null, charLength: 0 }).value('2026-03-08 07:00:00'), '2026-03-08 07:00:00');
    assert.equal(columnBind({ name: 'hire_date', dataType: 'DATE', precision: null, charLength: 0 }).definition.type, oracledb.DB_TYPE_VARCHAR);
    assert.equal(columnBind({ name: 'volume', dataType: 'BINARY_DOUBLE', precision: null, charLength: 0 }).definition.type, oracledb.DB_TYPE_BINARY_DOUBLE);
    assert.equal(columnBind({ name: 'note', dataType: 'CLOB', precision: null, charLength: 0 }).definition.type, oracledb.DB_TYPE_CLOB);
  });

  it('sends rows in batches of many rows, refusing a row of the wrong width', async () => {
    const binds = [columnBind({ name: 'id', dataType: 'NUMBER', precision: 10, charLength: 0 })];
    const rows = Array.from({ length: 12_001 }, (_, i): SqlValue[] => [i]);
    const sizes: number[] = [];
    for await (const batch of bindBatches('agent', binds, rows)) sizes.push(batch.length);
    assert.deepEqual(sizes, [5000, 5000, 2001]);
    await assert.rejects(async () => {
      for await (const batch of bindBatches('agent', binds, [[1, 2]])) assert.fail(`a batch of ${batch.length}`);
    }, OperationError);
    assert.equal(insertStatement('agent', ['id', 'site_id']), 'INSERT INTO "AGENT" ("ID", "SITE_ID") VALUES (:1, :2)');
  });
});

describe('the legacy 6.5 layout on Oracle', () => {
  it('is every legacy table compiled, DEFAULT before NOT NULL, in an order where each table follows those it references', async () => {
    for (const release of LEGACY_RELEASES) {
      const tables = (await legacySchemaModel(release)).tables.map((t) => t.name);
      const statements = await legacySchemaStatementsOn(release, 'oracle', q);
      const created = statements.map((sql) => /^CREATE TABLE "(\w+)"/.exec(sql)?.[1]).filter((name) => name !== undefined);
      assert.deepEqual([...created].sort(), tables.map((t) => oracleName(t)).sort());
      for (const sql of statements) {
        assert.doesNotMatch(sql, /NOT NULL DEFAULT/);
        for (const [, referenced] of sql.matchAll(/REFERENCES "(\w+)"/g)) assert.ok(created.indexOf(referenced ?? '') <= created.indexOf(/^CREATE TABLE "(\w+)"/.exec(sql)?.[1] ?? ''), sql);
      }
    }
  });
});

describe('Oracle connection strings', () => {
  it('carry a URL to the driver as Easy Connect host:port/service', () => {
    const target = parseConnectionString('oracle://wfm:secret@db.example.com:1521/WFMPDB');
    assert.equal(connectString(target), 'db.example.com:1521/WFMPDB');
    assert.equal(describeTarget(target), 'oracle://wfm@db.example.com:1521/WFMPDB');
  });

  it('carry the original form’s database unchanged: a TNS alias, an Easy Connect string or a full descriptor', () => {
    const descriptor = '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db.example.com)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=WFMPDB)))';
    for (const database of ['WFMDB', 'db.example.com:1521/WFMPDB', descriptor]) {
      const target = parseConnectionString(`oracle;${database};wfm;s3cret`);
      assert.equal(connectString(target), database);
      assert.equal(target.user, 'wfm');
      assert.equal(describeTarget(target), `oracle;${database};wfm`);
      assert.doesNotMatch(describeTarget(target), /s3cret/);
    }
  });
});

describe('the Oracle lock', () => {
  it('is a DBMS_LOCK lock number an application may use (0 to 1073741823), one per schema and lock name', () => {
    const numbers = new Set<number>();
    for (const schema of ['WFM', 'WFM_TEST']) {
      for (const name of ['wfm-database', 'wfm-etl', 'wfm-aggregator']) {
        const id = lockNumber(schema, name);
        assert.ok(Number.isInteger(id) && id >= 0 && id <= 1_073_741_823, String(id));
        assert.equal(lockNumber(schema, name), id);
        numbers.add(id);
      }
    }
    assert.equal(numbers.size, 6);
  });
});
