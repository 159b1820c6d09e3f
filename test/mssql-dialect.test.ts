// The SQL Server dialect against SQL Server's documented behaviour, not against its own output: identifier
// quoting and length, the types each model type becomes and is read back from, literals and parameters,
// the values the bulk copy sends, the settings of a connection string. No server runs here: what needs
// one is in the conformance suite, run against a server when WFM_TEST_MSSQL_URL is set.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TYPES } from 'tedious';
import { describeTarget, parseConnectionString } from '../src/engine/dialect/connection-string.ts';
import { bulkColumnType, keyOrder, rowConverter, type ServerColumn, utcDate } from '../src/engine/dialect/mssql/bulk/bulk-load.ts';
import { columnTypeOf, parseDefault } from '../src/engine/dialect/mssql/introspector.ts';
import { mssqlAdapter } from '../src/engine/dialect/mssql/adapter.ts';
import { mssqlQueryCompiler as q } from '../src/engine/dialect/mssql/query-compiler.ts';
import { connectionSettings } from '../src/engine/dialect/mssql/settings.ts';
import { neutralValue, parameterOf } from '../src/engine/dialect/mssql/values.ts';
import { InputError, OperationError } from '../src/engine/errors.ts';
import type { ColumnType } from '../src/engine/schema/model.ts';

const column = (name: string, type: string, maxLength = 4, extra: Partial<ServerColumn> = {}): ServerColumn => ({
  name,
  type,
  maxLength,
  precision: 0,
  scale: 0,
  nullable: true,
  ...extra,
});

describe('SQL Server identifiers', () => {
  // "Delimited identifiers are enclosed in brackets"; QUOTENAME doubles a right bracket inside one.
  it('brackets every identifier and doubles a ] inside it', () => {
    assert.equal(q.quoteIdentifier('agent'), '[agent]');
    assert.equal(q.quoteIdentifier('a]b'), '[a]]b]');
    assert.equal(q.quoteIdentifier('[x]'), '[[x]]]');
  });

  // Reserved keywords (Transact-SQL reference) may name a table or column only delimited.
  it('quotes reserved words like any other name', () => {
    for (const word of ['user', 'key', 'order', 'percent', 'file', 'plan', 'schema', 'current_user']) {
      assert.equal(q.quoteIdentifier(word), `[${word}]`);
    }
  });

  // "Both regular and delimited identifiers must contain from 1 through 128 characters" (sysname).
  it('accepts 128 characters and refuses 129 or none with an input error', () => {
    assert.equal(q.quoteIdentifier('x'.repeat(128)), `[${'x'.repeat(128)}]`);
    assert.throws(() => q.quoteIdentifier('x'.repeat(129)), InputError);
    assert.throws(() => q.quoteIdentifier(''), InputError);
  });
});

describe('SQL Server types', () => {
  const cases: Array<[ColumnType, RegExp]> = [
    [{ kind: 'smallint' }, /^SMALLINT$/],
    [{ kind: 'integer' }, /^INT$/],
    [{ kind: 'bigint' }, /^BIGINT$/],
    // FLOAT without n is float(53), the IEEE 754 double.
    [{ kind: 'double' }, /^FLOAT$/],
    // nvarchar(n): "n defines the string size in byte-pairs, from 1 through 4,000"; beyond, nvarchar(max).
    [{ kind: 'varchar', length: 4000 }, /^NVARCHAR\(4000\) COLLATE /],
    [{ kind: 'varchar', length: 4001 }, /^NVARCHAR\(MAX\) COLLATE /],
    [{ kind: 'char', length: 1 }, /^NCHAR\(1\) COLLATE /],
    [{ kind: 'text' }, /^NVARCHAR\(MAX\) COLLATE /],
    [{ kind: 'date' }, /^DATE$/],
    // datetime2(0): whole seconds, 0001-01-01 through 9999-12-31.
    [{ kind: 'timestamp' }, /^DATETIME2\(0\)$/],
    // varbinary(max): up to 2^31-1 bytes.
    [{ kind: 'blob' }, /^VARBINARY\(MAX\)$/],
  ];
  for (const [type, expected] of cases) {
    it(`stores ${JSON.stringify(type)} as ${expected.source}`, () => assert.match(q.columnType(type), expected));
  }

  it('compares text binary, case and accents distinct (a _BIN2 collation)', () => {
    assert.match(q.columnType({ kind: 'varchar', length: 10 }), /COLLATE Latin1_General_100_BIN2$/);
  });

  // sys.columns.max_length is in bytes, two per character for the N types, and -1 for (max).
  it('reads each type back from sys.columns as the model type it was made from', () => {
    assert.deepEqual(columnTypeOf({ type: 'nvarchar', max_length: 128, scale: 0 }), { kind: 'varchar', length: 64 });
    assert.deepEqual(columnTypeOf({ type: 'nvarchar', max_length: -1, scale: 0 }), { kind: 'text' });
    assert.deepEqual(columnTypeOf({ type: 'nchar', max_length: 2, scale: 0 }), { kind: 'char', length: 1 });
    assert.deepEqual(columnTypeOf({ type: 'varchar', max_length: 64, scale: 0 }), { kind: 'varchar', length: 64 });
    assert.deepEqual(columnTypeOf({ type: 'datetime2', max_length: 6, scale: 0 }), { kind: 'timestamp' });
    assert.deepEqual(columnTypeOf({ type: 'float', max_length: 8, scale: 0 }), { kind: 'double' });
    assert.deepEqual(columnTypeOf({ type: 'varbinary', max_length: -1, scale: 0 }), { kind: 'blob' });
    // bit holds 0 or 1: the model's flags are SMALLINT 0/1.
    assert.deepEqual(columnTypeOf({ type: 'bit', max_length: 1, scale: 0 }), { kind: 'smallint' });
    // An IDENTITY key of another tool is often NUMERIC(p, 0): whole numbers.
    assert.deepEqual(columnTypeOf({ type: 'numeric', max_length: 9, scale: 0 }), { kind: 'bigint' });
    assert.equal(columnTypeOf({ type: 'geography', max_length: -1, scale: 0 }), undefined);
  });

  // OBJECT_DEFINITION of a default constraint: '((0))' for a number, "(N'x')" or "('x')" for text.
  it('reads defaults as SQL Server prints them', () => {
    assert.deepEqual(parseDefault('((0))'), { kind: 'number', value: 0 });
    assert.deepEqual(parseDefault('((-1))'), { kind: 'number', value: -1 });
    assert.deepEqual(parseDefault("(N'it''s')"), { kind: 'string', value: "it's" });
    assert.deepEqual(parseDefault("('P')"), { kind: 'string', value: 'P' });
    assert.deepEqual(parseDefault('(getdate())'), { kind: 'string', value: 'getdate()' });
    assert.equal(parseDefault(null), undefined);
    assert.equal(parseDefault('(NULL)'), undefined);
  });
});

describe('SQL Server literals and parameters', () => {
  // "Prefix Unicode character string constants with the letter N"; a quote inside is doubled.
  it('writes text as N literals, quotes doubled, every character kept', () => {
    assert.equal(q.literal("O'Brien"), "N'O''Brien'");
    assert.equal(q.literal('Zoë 東京'), "N'Zoë 東京'");
    assert.equal(q.literal(''), "N''");
  });

  // Binary constants are 0x followed by hexadecimal digits; 0x alone is the empty binary value.
  it('writes binary as 0x constants', () => {
    assert.equal(q.literal(Buffer.from([0, 255, 16])), '0x00ff10');
    assert.equal(q.literal(Buffer.alloc(0)), '0x');
  });

  it('writes numbers as they are and NULL as NULL', () => {
    assert.equal(q.literal(-12.5), '-12.5');
    assert.equal(q.literal(9007199254740993n), '9007199254740993');
    assert.equal(q.literal(null), 'NULL');
  });

  // float holds IEEE 754 numbers but SQL Server refuses NaN and the infinities (error 8023 over TDS).
  it('refuses NaN and infinity with an input error', () => {
    assert.throws(() => q.literal(Number.NaN), InputError);
    assert.throws(() => q.literal(Number.POSITIVE_INFINITY), InputError);
    assert.throws(() => parameterOf(Number.NEGATIVE_INFINITY), InputError);
  });

  // "Maximum parameters per stored procedure: 2,100" (Maximum capacity specifications), sp_executesql's
  // @stmt and @params among them: a multi-row statement is cut to fit.
  it('declares a parameter limit that leaves room for sp_executesql’s own two', () => {
    assert.equal(mssqlAdapter.maxParameters, 2098);
  });

  // sp_executesql names its parameters @name.
  it('numbers parameters @p1, @p2, ...', () => {
    assert.equal(q.parameter(1), '@p1');
    assert.equal(q.parameter(12), '@p12');
  });

  // int is -2^31 through 2^31-1; bigint beyond; text is nvarchar so nothing is read in a code page.
  it('types each parameter by its value', () => {
    assert.equal(parameterOf(2 ** 31 - 1).type, TYPES.Int);
    assert.equal(parameterOf(-(2 ** 31)).type, TYPES.Int);
    assert.equal(parameterOf(2 ** 31).type, TYPES.BigInt);
    assert.equal(parameterOf(12n).type, TYPES.BigInt);
    assert.equal(parameterOf(0.5).type, TYPES.Float);
    assert.equal(parameterOf('x').type, TYPES.NVarChar);
    assert.equal(parameterOf(Buffer.from('x')).type, TYPES.VarBinary);
    assert.deepEqual(parameterOf(null), { type: TYPES.NVarChar, value: null });
  });

  // tedious reads bigint as text, bit as a boolean, date and datetime2 as a Date in UTC (useUTC).
  it('reads values tedious returns in the neutral form', () => {
    assert.equal(neutralValue('9007199254740993', { type: { name: 'BigInt' } }), 9007199254740993n);
    assert.equal(neutralValue('42', { type: { name: 'IntN' }, dataLength: 8 }), 42);
    assert.equal(neutralValue('42', { type: { name: 'NVarChar' } }), '42');
    assert.equal(neutralValue(true, { type: { name: 'BitN' } }), 1);
    assert.equal(neutralValue(new Date(Date.UTC(2024, 1, 29)), { type: { name: 'Date' } }), '2024-02-29');
    assert.equal(neutralValue(new Date(Date.UTC(2024, 1, 29, 23, 59, 58)), { type: { name: 'DateTime2' } }), '2024-02-29 23:59:58');
    assert.equal(neutralValue(null, { type: { name: 'Int' } }), null);
  });
});

describe('SQL Server statements', () => {
  // GO is sqlcmd's batch separator, alone on its line; a statement in a batch ends with ';'.
  it('ends a script statement with ; and a GO line', () => {
    assert.equal(q.scriptStatement('DROP TABLE [t]'), 'DROP TABLE [t];\nGO');
  });

  // CREATE TABLE has no IF NOT EXISTS; OBJECT_ID(name, 'U') is NULL where no user table has the name.
  it('creates a table only where none exists through OBJECT_ID', () => {
    const [sql] = q.createTable({ name: 'wm_lock', columns: [{ name: 'name', type: { kind: 'integer' }, nullable: false }], primaryKey: ['name'], indexes: [], foreignKeys: [] }, { ifNotExists: true });
    assert.match(sql ?? '', /^IF OBJECT_ID\(N'\[wm_lock\]', N'U'\) IS NULL CREATE TABLE \[wm_lock\] \(/);
  });

  // A MERGE statement must be terminated by a semicolon; HOLDLOCK keeps two sessions from both inserting one key.
  it('upserts with one MERGE ... WITH (HOLDLOCK) ending in ;', () => {
    const sql = q.upsert('staffing', ['activity_id', 'interval_start', 'required_staff'], ['activity_id', 'interval_start'], 2, 'add');
    assert.match(sql, /^MERGE INTO \[staffing\] WITH \(HOLDLOCK\) AS t USING \(VALUES \(@p1, @p2, @p3\), \(@p4, @p5, @p6\)\)/);
    assert.match(sql, /t\.\[required_staff\] = COALESCE\(t\.\[required_staff\], 0\) \+ COALESCE\(s\.\[required_staff\], 0\)/);
    assert.match(sql, /;$/);
    assert.doesNotMatch(q.upsert('staffing', ['activity_id', 'volume'], ['activity_id'], 1, 'ignore'), /WHEN MATCHED/);
  });

  // ALTER TABLE ... WITH NOCHECK adds a foreign key without reading rows; WITH CHECK CHECK CONSTRAINT reads them and trusts it.
  it('adds a foreign key unchecked, then checks it', () => {
    const apart = q.foreignKeyApart('agent', { name: 'agent_site_fk', columns: ['site_id'], referencedTable: 'site', referencedColumns: ['id'] });
    assert.match(apart?.add[1] ?? '', /^ALTER TABLE \[agent\] WITH NOCHECK ADD CONSTRAINT \[agent_site_fk\] FOREIGN KEY/);
    assert.deepEqual(apart?.validate, ['ALTER TABLE [agent] WITH CHECK CHECK CONSTRAINT [agent_site_fk]']);
  });
});

describe('values the SQL Server bulk copy sends', () => {
  it('sends the neutral timestamp text as the Date of that UTC moment, whatever the process time zone', () => {
    assert.equal(utcDate('2024-03-31 01:30:00', column('t', 'datetime2')).toISOString(), '2024-03-31T01:30:00.000Z');
    assert.equal(utcDate('2024-02-29', column('d', 'date')).toISOString(), '2024-02-29T00:00:00.000Z');
    // datetime2's range starts at 0001-01-01.
    assert.equal(utcDate('0001-01-01 00:00:00', column('t', 'datetime2')).toISOString(), '0001-01-01T00:00:00.000Z');
    assert.throws(() => utcDate('2023-02-29', column('d', 'date')), OperationError);
    assert.throws(() => utcDate('31/12/2024', column('d', 'date')), OperationError);
  });

  it('converts each row to the column types, bit as a boolean and binary as bytes', () => {
    const convert = rowConverter('t', [column('flag', 'bit'), column('n', 'bigint'), column('name', 'nvarchar', 20), column('data', 'varbinary', -1), column('x', 'float')]);
    assert.deepEqual(convert([1, 9007199254740993n, 'Zoë', Buffer.from('ab'), 0.25]), [true, 9007199254740993n, 'Zoë', Buffer.from('ab'), 0.25]);
    assert.deepEqual(convert([null, null, null, null, null]), [null, null, null, null, null]);
    assert.throws(() => convert([1, 1, Buffer.from('x'), null, null]), OperationError);
    assert.throws(() => convert([1, 1.5, 'a', null, null]), OperationError);
    assert.throws(() => convert([1]), OperationError);
  });

  // Column lengths for bulk copy: N types in characters (max_length / 2), (max) as unlimited.
  it('declares each column to the bulk copy with its length', () => {
    assert.deepEqual(bulkColumnType('t', column('name', 'nvarchar', 128)), { type: TYPES.NVarChar, options: { nullable: true, length: 64 } });
    assert.deepEqual(bulkColumnType('t', column('data', 'varbinary', -1)), { type: TYPES.VarBinary, options: { nullable: true, length: Infinity } });
    assert.equal(bulkColumnType('t', column('at', 'datetime2', 6)).options.scale, 0);
    assert.throws(() => bulkColumnType('t', column('g', 'geography', -1)), InputError);
  });

  // The ORDER hint makes the server check the order; text keys sort by each engine's collation, numbers alike.
  it('promises the key order only for keys that sort alike everywhere', () => {
    const columns = [column('id', 'int'), column('at', 'datetime2'), column('name', 'nvarchar', 20)];
    assert.deepEqual(keyOrder('t', ['id', 'at'], columns), { id: 'ASC', at: 'ASC' });
    assert.deepEqual(keyOrder('t', ['id', 'name'], columns), {});
    assert.deepEqual(keyOrder('t', ['missing'], columns), {});
    assert.deepEqual(keyOrder('t', [], columns), {});
  });
});

describe('SQL Server connection strings', () => {
  it('reads the original form with a port, a named instance, or neither', () => {
    assert.deepEqual(parseConnectionString('mssql;sqlhost,1444;WFM;sa;secret'), { engine: 'mssql', host: 'sqlhost', port: 1444, database: 'WFM', user: 'sa', password: 'secret' });
    assert.deepEqual(parseConnectionString('mssql;sqlhost\\WFMINST;WFM;sa;secret'), { engine: 'mssql', host: 'sqlhost', instance: 'WFMINST', port: undefined, database: 'WFM', user: 'sa', password: 'secret' });
    // 1433 is the default instance's port.
    assert.equal(parseConnectionString('mssql;sqlhost;WFM;sa').port, 1433);
  });

  it('reads a URL with its instance and TLS settings', () => {
    const target = parseConnectionString('mssql://wfm@db.example/WFM?instance=PROD&encrypt=false&trustServerCertificate=true');
    assert.equal(target.instance, 'PROD');
    assert.equal(target.port, undefined);
    assert.deepEqual(connectionSettings(target), { encrypt: false, trustServerCertificate: true });
    // tedious encrypts by default, and verifies the certificate.
    assert.deepEqual(connectionSettings(parseConnectionString('mssql://wfm@db.example:1433/WFM')), { encrypt: true, trustServerCertificate: false });
  });

  it('refuses an unknown or malformed setting with an input error', () => {
    assert.throws(() => connectionSettings(parseConnectionString('mssql://wfm@db/WFM?encrpyt=true')), InputError);
    assert.throws(() => connectionSettings(parseConnectionString('mssql://wfm@db/WFM?encrypt=maybe')), InputError);
  });

  it('names the instance, never the password', () => {
    const shown = describeTarget(parseConnectionString('mssql;sqlhost\\WFMINST;WFM;sa;TopSecret1'));
    assert.equal(shown, 'mssql://sa@sqlhost\\WFMINST/WFM');
  });
});
