// Every script `wfm schema script --dialect mssql` writes, parsed by a third-party T-SQL parser (sqlfluff,
// dialect tsql): each release's create, each update step between consecutive releases, the ETL database's
// scripts, and the legacy 6.5 layouts as the dialect renders them. No SQL Server can run here; the parser
// is what tells this tool's SQL Server scripts are SQL Server's SQL and not our own idea of it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mssqlQueryCompiler } from '../src/engine/dialect/mssql/query-compiler.ts';
import { ETL_RELEASES, etlScript } from '../src/wfm/etl/index.ts';
import { CURRENT_RELEASES, creationStep, LEGACY_RELEASES, stepsBetween } from '../src/wfm/releases/index.ts';
import { legacySchemaStatementsFor } from '../src/wfm/releases/legacy.ts';
import { renderScript } from '../src/wfm/script.ts';
import { wfm } from './helpers/cli.ts';

const q = mssqlQueryCompiler;
const folder = mkdtempSync(join(tmpdir(), 'wfm-mssql-scripts-'));
// sqlfluff skips a file over 20 000 bytes unless told not to ("to avoid parser lock"); it reads this
// configuration from the folder of the files it parses.
writeFileSync(join(folder, '.sqlfluff'), '[sqlfluff]\ndialect = tsql\nlarge_file_skip_byte_limit = 0\n');

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
  for (const release of LEGACY_RELEASES) {
    const statements = await legacySchemaStatementsFor('mssql', q, release);
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

interface Parsed {
  status: number | null;
  output: string;
}

function parse(file: string): Parsed {
  const result = spawnSync('sqlfluff', ['parse', '--dialect', 'tsql', file], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The statement (and its script) that holds each line sqlfluff reports a parsing violation on. */
function violations(output: string, lineOwners: readonly string[]): string[] {
  return [...output.matchAll(/^L:\s*(\d+)\s*\|\s*P:\s*(\d+)\s*\|\s*PRS\s*\|\s*(.*)$/gm)].map((m) => `${m[3]} at line ${m[1]}: ${lineOwners[Number(m[1]) - 1] ?? '?'}`);
}

describe('the SQL Server scripts, parsed by sqlfluff (tsql)', { skip: sqlfluffMissing() }, () => {
  it('parses every statement of every script schema script writes, each as a batch of its own', async () => {
    const scripts = await allScripts();
    // Each distinct statement once, in one file: the creates of six releases share most of theirs, and
    // each statement is a batch of its own, parsed on its own whatever comes before it.
    const owners = new Map<string, string>();
    for (const [name, text] of scripts) {
      writeFileSync(join(folder, name), text);
      for (const statement of statementsOf(text)) if (!owners.has(statement)) owners.set(statement, name);
    }
    const lines: string[] = [];
    const lineOwners: string[] = [];
    for (const [statement, name] of owners) {
      const text = q.scriptStatement(statement);
      for (const line of text.split('\n')) {
        lines.push(line);
        lineOwners.push(`${name}: ${statement.slice(0, 120)}`);
      }
    }
    const combined = join(folder, 'all-statements.sql');
    writeFileSync(combined, `${lines.join('\n')}\n`);
    const started = performance.now();
    const parsed = parse(combined);
    console.error(`sqlfluff parsed ${owners.size} distinct statements of ${scripts.size} scripts (in ${folder}) in ${Math.round(performance.now() - started)} ms`);
    assert.equal(parsed.status, 0, parsed.output.slice(-2000));
    assert.deepEqual(violations(parsed.output, lineOwners), []);
    assert.doesNotMatch(parsed.output, /unparsable:/);
    // Each statement is one batch ended by its GO: none was swallowed into another.
    assert.equal([...parsed.output.matchAll(/\|\s{4}batch:$/gm)].length, owners.size);
    assert.equal([...parsed.output.matchAll(/\|\s{4}go_statement:$/gm)].length, owners.size);
  });

  it('finds an unparsable statement when there is one', () => {
    const file = join(folder, 'broken.sql');
    writeFileSync(file, `${q.scriptStatement('CREATE TABLE [t] ([a] INT NOT NULL')}\n`);
    const parsed = parse(file);
    assert.notEqual(parsed.status, 0);
    assert.notDeepEqual(violations(parsed.output, ['broken']), []);
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
