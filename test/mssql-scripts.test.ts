// Every script `wfm schema script --dialect mssql` writes, parsed by a third-party T-SQL parser (sqlfluff,
// dialect tsql): each release's create, each update step between consecutive releases, the ETL database's
// scripts, the legacy 6.5 layouts as the dialect renders them, and reserved words as names. No SQL Server
// can run here; the parser is what tells this tool's SQL Server scripts are SQL Server's SQL.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { mssqlQueryCompiler } from '../src/engine/dialect/mssql/query-compiler.ts';
import type { TableModel } from '../src/engine/schema/model.ts';
import { ETL_RELEASES, etlScript } from '../src/wfm/etl/index.ts';
import { CURRENT_RELEASES, creationStep, LEGACY_RELEASES, stepsBetween } from '../src/wfm/releases/index.ts';
import { legacySchemaStatementsOn } from '../src/wfm/releases/legacy.ts';
import { renderScript } from '../src/wfm/script.ts';
import { wfm } from './helpers/cli.ts';

const q = mssqlQueryCompiler;
const folder = mkdtempSync(join(tmpdir(), 'wfm-mssql-scripts-'));

function sqlfluffMissing(): string | undefined {
  const probe = spawnSync('sqlfluff', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const reason = 'sqlfluff is not installed (Debian package sqlfluff): the SQL Server scripts were NOT parsed';
  if (process.env.WFM_TEST_REQUIRE_SERVERS === '1') throw new Error(`WFM_TEST_REQUIRE_SERVERS=1 but ${reason}`);
  console.error(`\n*** SKIPPING the SQL Server script parse: ${reason} ***\n`);
  return reason;
}

/** Every script the command writes for SQL Server, by the file name a DBA would give it. */
async function allScripts(): Promise<Map<string, string>> {
  const scripts = new Map<string, string>();
  for (const release of CURRENT_RELEASES) scripts.set(`wfm7_MSQL-create-${release}.sql`, renderScript(q, [creationStep(release)], [`create ${release}`]));
  CURRENT_RELEASES.slice(1).forEach((to, i) => {
    const from = CURRENT_RELEASES[i] ?? to;
    scripts.set(`wfm7_MSQL-update-${from}-${to}.sql`, renderScript(q, stepsBetween(from, to), [`update ${from} to ${to}`]));
  });
  for (const release of ETL_RELEASES) scripts.set(`WFM_ETL_MSQL-create-${release}.sql`, etlScript(q, 'mssql', release));
  ETL_RELEASES.slice(1).forEach((to, i) => {
    const from = ETL_RELEASES[i] ?? to;
    scripts.set(`WFM_ETL_MSQL-update-${from}-${to}.sql`, etlScript(q, 'mssql', to, from));
  });
  // Reserved keywords of Transact-SQL as the names of a table, its columns and an index: legal delimited only.
  const reserved = ['key', 'order', 'percent', 'file', 'plan', 'schema', 'current_user', 'user'];
  const table: TableModel = {
    name: 'user',
    columns: reserved.map((name) => ({ name, type: { kind: 'varchar', length: 10 }, nullable: name !== 'key' })),
    primaryKey: ['key'],
    indexes: [{ name: 'order', columns: ['percent', 'file'], unique: true }],
    foreignKeys: [{ name: 'schema', columns: ['plan'], referencedTable: 'user', referencedColumns: ['key'] }],
  };
  scripts.set('reserved-words.sql', `${q.createTable(table).map((sql) => q.scriptStatement(sql)).join('\n')}\n`);
  for (const release of LEGACY_RELEASES) {
    const statements = await legacySchemaStatementsOn(release, 'mssql', q);
    scripts.set(`legacy-${release}-MSQL.sql`, `${statements.map((sql) => q.scriptStatement(sql)).join('\n')}\n`);
  }
  return scripts;
}

/** A script's statements, each ended by its own GO line as sqlcmd reads them; comments left out. */
function statementsOf(script: string): string[] {
  return script
    .split(/^GO$/m)
    .map((batch) => batch.split('\n').filter((line) => !line.startsWith('--')).join('\n').trim().replace(/;$/, ''))
    .filter((batch) => batch.length > 0);
}

interface ParsedFile {
  filepath: string;
  /** The parse tree, or null where sqlfluff could not parse the file at all. */
  segments: unknown;
}

/** sqlfluff's parse of every .sql file in the folder, as JSON: one record per file. */
function parseFolder(path: string): ParsedFile[] {
  const result = spawnSync('sqlfluff', ['parse', '--format', 'json', path], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  assert.equal(result.status, 0, result.stderr.slice(-2000));
  return JSON.parse(result.stdout) as ParsedFile[];
}

/** How many nodes of the parse tree have the name (sqlfluff names a node by its one key). */
function countNodes(tree: unknown, name: string): number {
  if (Array.isArray(tree)) return tree.reduce<number>((sum, child) => sum + countNodes(child, name), 0);
  if (tree === null || typeof tree !== 'object') return 0;
  return Object.entries(tree).reduce<number>((sum, [key, child]) => sum + (key === name ? 1 : 0) + countNodes(child, name), 0);
}

/** What is wrong with a file's parse: not parsed, a section unparsable, or not exactly one batch ended by GO. */
function problemOf(file: ParsedFile): string | undefined {
  if (file.segments === null) return 'sqlfluff could not parse it';
  if (countNodes(file.segments, 'unparsable') > 0) return 'it has an unparsable section';
  const batches = countNodes(file.segments, 'batch');
  const ends = countNodes(file.segments, 'go_statement');
  return batches === 1 && ends === 1 ? undefined : `it parses as ${batches} batches and ${ends} GO lines, not one of each`;
}

/** Each statement in a file of its own: sqlfluff's time grows faster than a file's length. */
function writeStatements(into: string, statements: readonly string[]): void {
  mkdirSync(into, { recursive: true });
  writeFileSync(join(into, '.sqlfluff'), '[sqlfluff]\ndialect = tsql\n');
  statements.forEach((statement, i) => writeFileSync(join(into, `${String(i).padStart(4, '0')}.sql`), `${q.scriptStatement(statement)}\n`));
}

/** The statements sqlfluff finds a problem in, each named with the script it comes from. */
function problems(folder: string, statements: readonly string[], owners: ReadonlyMap<string, string>): string[] {
  return parseFolder(folder).flatMap((file) => {
    const problem = problemOf(file);
    const statement = statements[Number(basename(file.filepath, '.sql'))] ?? '';
    return problem ? [`${owners.get(statement) ?? file.filepath}: ${problem}: ${statement.slice(0, 200)}`] : [];
  });
}

describe('the SQL Server scripts, parsed by sqlfluff (tsql)', { skip: sqlfluffMissing() }, () => {
  it('parses every statement of every script schema script writes, each as a batch of its own', async () => {
    const scripts = await allScripts();
    // Each distinct statement once: the creates of six releases share most of theirs, and each statement
    // is a batch of its own, parsed on its own whatever comes before it.
    const owners = new Map<string, string>();
    for (const [name, text] of scripts) {
      writeFileSync(join(folder, name), text);
      for (const statement of statementsOf(text)) if (!owners.has(statement)) owners.set(statement, name);
    }
    const statements = [...owners.keys()];
    const into = join(folder, 'statements');
    writeStatements(into, statements);
    const started = performance.now();
    const found = problems(into, statements, owners);
    console.error(`sqlfluff parsed ${statements.length} distinct statements of ${scripts.size} scripts (in ${folder}) in ${Math.round(performance.now() - started)} ms`);
    assert.ok(statements.length > 100, `only ${statements.length} statements were found in the scripts`);
    assert.deepEqual(found, []);
  });

  it('finds an unparsable statement when there is one', () => {
    const into = join(folder, 'broken');
    const statements = ['CREATE TABLE [t] ([a] INT NOT NULL', 'DROP TABLE [t]'];
    writeStatements(into, statements);
    const found = problems(into, statements, new Map([[statements[0] ?? '', 'broken.sql']]));
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /^broken\.sql: /);
  });
});

describe('wfm schema script --dialect mssql', () => {
  it('writes the create script into a folder under the original name, wfm7_MSQL.sql, statements ended by GO', () => {
    const out = mkdtempSync(join(tmpdir(), 'wfm-mssql-out-'));
    const result = wfm(['schema', 'script', '--dialect', 'mssql', '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    const text = readFileSync(join(out, 'wfm7_MSQL.sql'), 'utf8');
    assert.match(text, /^CREATE TABLE \[wm_db_version\] \(/m);
    assert.match(text, /;\nGO\n/);
  });

  it('writes the ETL update script as WFM_ETL_MSQL.sql', () => {
    const out = mkdtempSync(join(tmpdir(), 'wfm-mssql-out-'));
    const result = wfm(['schema', 'script', '--dialect', 'sqlserver', '--etl', '--from', '8.1', '--to', '8.5', '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(readFileSync(join(out, 'WFM_ETL_MSQL.sql'), 'utf8'), /^-- wfm:step /m);
  });
});
