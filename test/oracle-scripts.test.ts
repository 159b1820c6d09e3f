// Every script `wfm schema script --dialect oracle` writes, and the legacy 6.5 layout compiled for Oracle,
// parsed by a third-party Oracle grammar: sqlfluff's `oracle` dialect. No Oracle server runs here, so this is
// the proof that a DBA's SQL*Plus or SQLcl meets statements of Oracle's syntax. Each script is also read back
// as `wfm bru -UPDATE -SCRIPT` reads it, and must hold its steps unchanged.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerSchema } from '../src/cli/commands/schema.ts';
import { oracleQueryCompiler } from '../src/engine/dialect/oracle/query-compiler.ts';
import { etlCreationStep, etlStepsBetween } from '../src/wfm/etl/releases.ts';
import { ETL_RELEASES } from '../src/wfm/etl/versions.ts';
import { legacySchemaStatementsOn } from '../src/wfm/releases/legacy.ts';
import { creationStep, CURRENT_RELEASES, LEGACY_RELEASES, stepsBetween } from '../src/wfm/releases/index.ts';
import type { Step } from '../src/engine/steps/operations.ts';
import { verifyScript } from '../src/wfm/script.ts';
import { wfm } from './helpers/cli.ts';

const SQLFLUFF = 'sqlfluff';
/** sqlfluff skips a file over 20000 bytes by default, "to avoid parser lock"; the ETL script is larger. */
const SQLFLUFF_CONFIG = '[sqlfluff]\nlarge_file_skip_byte_limit = 0\n';
/** `sqlfluff parse` takes one path; the statements are split over this many directories, parsed at once. */
const PARSERS = 2;
/** Statements are parsed in files of about this size. */
const PARSE_FILE_BYTES = 8000;

const sqlfluffVersion = spawnSync(SQLFLUFF, ['--version'], { encoding: 'utf8' });
const available = sqlfluffVersion.status === 0;
if (!available) {
  const reason = `${SQLFLUFF} is not installed (Debian package sqlfluff), so the Oracle scripts are not parsed`;
  if (process.env.WFM_TEST_REQUIRE_SERVERS === '1') throw new Error(`WFM_TEST_REQUIRE_SERVERS=1 but ${reason}`);
  console.error(`\n*** SKIPPING the Oracle script parse: ${reason}. ***\n`);
}

const root = mkdtempSync(join(tmpdir(), 'wfm-oracle-scripts-'));

/** Runs the real `schema script` command in this process, writing into `out`. */
async function schemaScript(args: string[]): Promise<void> {
  const program = new Command('wfm').exitOverride();
  registerSchema(program);
  await program.parseAsync(['schema', 'script', '--dialect', 'oracle', ...args], { from: 'user' });
}

interface Written {
  file: string;
  /** The steps the script must hold, for `bru -UPDATE -SCRIPT`; none for the legacy layout, which no step creates. */
  steps: Step[];
}

/** Every script, each in the directory of the parser that takes it, balanced by size. */
async function writeScripts(): Promise<Written[]> {
  const stage = join(root, 'stage');
  mkdirSync(stage);
  const written: Written[] = [];
  const add = async (name: string, args: string[], steps: Step[]): Promise<void> => {
    const file = join(stage, name);
    await schemaScript([...args, '--out', file]);
    written.push({ file, steps });
  };
  // The original's default names, from --out naming a directory.
  await schemaScript(['--out', stage]);
  written.push({ file: join(stage, 'wfm7_ORA.sql'), steps: [creationStep(CURRENT_RELEASES[CURRENT_RELEASES.length - 1] ?? '8.5.2')] });
  await schemaScript(['--etl', '--out', stage]);
  written.push({ file: join(stage, 'WFM_ETL_ORA.sql'), steps: [etlCreationStep(ETL_RELEASES[ETL_RELEASES.length - 1] ?? '8.5')] });
  for (const release of CURRENT_RELEASES.slice(0, -1)) await add(`create-${release}.sql`, ['--to', release], [creationStep(release)]);
  for (const [i, release] of CURRENT_RELEASES.slice(1).entries()) {
    const from = CURRENT_RELEASES[i] ?? release;
    await add(`update-${from}-to-${release}.sql`, ['--from', from, '--to', release], stepsBetween(from, release));
  }
  for (const release of ETL_RELEASES.slice(0, -1)) await add(`etl-create-${release}.sql`, ['--etl', '--to', release], [etlCreationStep(release)]);
  for (const [i, release] of ETL_RELEASES.slice(1).entries()) {
    const from = ETL_RELEASES[i] ?? release;
    await add(`etl-update-${from}-to-${release}.sql`, ['--etl', '--from', from, '--to', release], etlStepsBetween(from, release));
  }
  for (const release of LEGACY_RELEASES) {
    const file = join(stage, `legacy-${release}.sql`);
    const statements = await legacySchemaStatementsOn(release, 'oracle', oracleQueryCompiler);
    writeFileSync(file, `${statements.map((sql) => oracleQueryCompiler.scriptStatement(sql)).join('\n')}\n`);
    written.push({ file, steps: [] });
  }
  return written;
}

/**
 * What sqlfluff 1.4.5's Oracle grammar lacks and Oracle documents: DROP TABLE's PURGE option (SQL Language
 * Reference, DROP TABLE: "DROP TABLE [schema.]table [CASCADE CONSTRAINTS] [PURGE]"; "Specify PURGE if you
 * want to drop the table and release the space associated with it in a single step"), which the parser
 * reports as an unparsable 'PURGE' right after the table name. Nothing else is excused.
 */
const PARSER_GAPS = [{ statement: /^DROP TABLE "[^"]+" PURGE$/, unparsable: '!! PURGE' }];

/** A script's statements as a DBA's SQL client runs them: comments left out, one per `;` at a line's end. */
function statementsOf(text: string): string[] {
  const sql = text.split('\n').filter((line) => !line.startsWith('--')).join('\n');
  return sql.split(/;\n/).map((statement) => statement.trim()).filter((statement) => statement.length > 0);
}

/**
 * Every distinct statement of the scripts once (a table a release's create shares with the next one's is
 * parsed once), written into files of about PARSE_FILE_BYTES spread over PARSERS directories, each with the
 * config; with, for each statement, the scripts that hold it.
 */
function spread(written: readonly Written[]): { directories: string[]; holders: Map<string, string[]> } {
  const holders = new Map<string, string[]>();
  for (const { file } of written) {
    for (const statement of statementsOf(readFileSync(file, 'utf8'))) holders.set(statement, [...(holders.get(statement) ?? []), file.split('/').pop() ?? '']);
  }
  const directories = Array.from({ length: PARSERS }, (_, i) => join(root, `parse-${i}`));
  for (const directory of directories) {
    mkdirSync(directory);
    writeFileSync(join(directory, '.sqlfluff'), SQLFLUFF_CONFIG);
  }
  let pieces: string[] = [];
  let bytes = 0;
  let files = 0;
  const flush = (): void => {
    if (pieces.length === 0) return;
    writeFileSync(join(directories[files % PARSERS] ?? root, `statements-${files}.sql`), pieces.join(''));
    files++;
    pieces = [];
    bytes = 0;
  };
  for (const statement of holders.keys()) {
    const piece = `${statement};\n`;
    pieces.push(piece);
    bytes += piece.length;
    if (bytes >= PARSE_FILE_BYTES) flush();
  }
  flush();
  return { directories, holders };
}

interface ParsedFile {
  filepath: string;
  segments: unknown;
}

function parseDirectory(directory: string): Promise<ParsedFile[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(SQLFLUFF, ['parse', '--dialect', 'oracle', '--format', 'json', directory], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as ParsedFile[]);
      } catch {
        reject(new Error(`sqlfluff gave no parse of ${directory}: ${Buffer.concat(errors).toString('utf8')}`));
      }
    });
  });
}

/** The text of every part of a parse tree sqlfluff could not parse: a leaf's text, joined. */
function unparsable(tree: unknown, found: string[] = [], inside = false): string[] {
  if (typeof tree === 'string') {
    if (inside) found.push(tree);
  } else if (Array.isArray(tree)) {
    for (const item of tree) unparsable(item, found, inside);
  } else if (tree !== null && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) {
      if (key === 'unparsable' && !inside) {
        const parts = unparsable(value, [], true);
        found.push(`!! ${parts.join('').replace(/\s+/g, ' ').slice(0, 160)}`);
      } else {
        unparsable(value, found, inside);
      }
    }
  }
  return found;
}

describe('the Oracle scripts', { skip: available ? undefined : `${SQLFLUFF} is not installed` }, () => {
  let written: Written[] = [];
  let parsed: ParsedFile[] = [];
  let holders = new Map<string, string[]>();

  before(async () => {
    written = await writeScripts();
    const started = performance.now();
    const spreading = spread(written);
    holders = spreading.holders;
    parsed = (await Promise.all(spreading.directories.map(parseDirectory))).flat();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.error(`sqlfluff ${sqlfluffVersion.stdout.trim()} parsed the ${holders.size} distinct statements of ${written.length} Oracle scripts in ${seconds} s`);
  });

  it('writes every release’s create, every update, the ETL scripts and the legacy layouts, the originals’ names included', () => {
    const names = readdirSync(join(root, 'stage')).sort();
    const expected = 2 + (CURRENT_RELEASES.length - 1) * 2 + (ETL_RELEASES.length - 1) * 2 + LEGACY_RELEASES.length;
    assert.equal(names.length, expected, names.join(', '));
    assert.ok(names.includes('wfm7_ORA.sql') && names.includes('WFM_ETL_ORA.sql'), names.join(', '));
  });

  it('has every statement of every script parsed by sqlfluff’s Oracle grammar', () => {
    assert.ok(parsed.length > 0, 'sqlfluff parsed no file');
    const failures: string[] = [];
    const excused = PARSER_GAPS.map((gap) => [...holders.keys()].filter((statement) => gap.statement.test(statement)).length);
    for (const file of parsed) {
      for (const part of unparsable(file.segments)) {
        const gap = PARSER_GAPS.findIndex((g) => g.unparsable === part.trim());
        if (gap >= 0 && (excused[gap] ?? 0) > 0) {
          excused[gap] = (excused[gap] ?? 0) - 1;
          continue;
        }
        const text = part.replace(/^!! /, '').slice(0, 40);
        const scripts = [...holders.entries()].filter(([statement]) => statement.replace(/\s+/g, ' ').includes(text)).flatMap(([, names]) => names);
        failures.push(`${part} (in ${[...new Set(scripts)].join(', ') || file.filepath})`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('gives sqlfluff every distinct statement', () => {
    const statements = parsed.reduce((sum, file) => sum + JSON.stringify(file.segments).split('"statement_terminator"').length - 1, 0);
    assert.equal(statements, holders.size);
  });

  it('parses the statements for real: a statement Oracle refuses is found unparsable', async () => {
    // The detector itself is checked on SQL that Oracle's grammar has no place for.
    const directory = join(root, 'control');
    mkdirSync(directory);
    writeFileSync(join(directory, 'bad.sql'), 'CREATE TABLE "A" ("B" NUMBER(5) NOT VALID AT ALL);\n');
    const [result] = await parseDirectory(directory);
    assert.ok(unparsable(result?.segments).length > 0, 'sqlfluff took a statement Oracle refuses');
  });

  it('is read back by bru -UPDATE -SCRIPT with every step unchanged', () => {
    for (const { file, steps } of written.filter((w) => w.steps.length > 0)) {
      assert.doesNotThrow(() => verifyScript(readFileSync(file, 'utf8'), file, 'oracle', oracleQueryCompiler, steps), file);
    }
  });

  it('is taken by bru -UPDATE in the original syntax, which reaches the Oracle driver with the database as given', () => {
    // Nothing listens on port 1: the driver itself must be what refuses, naming the descriptor, in one line
    // and without the password.
    const descriptor = '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=1))(CONNECT_DATA=(SERVICE_NAME=WFMPDB)))';
    const result = wfm(['bru', '-UPDATE', '-DB', `oracle;${descriptor};wfm`, '-SCRIPT', join(root, 'stage', 'wfm7_ORA.sql'), '--password-env', 'WFM_TEST_ORACLE_PASSWORD'], {
      WFM_TEST_ORACLE_PASSWORD: 'n0t-shown',
    });
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stderr, /^wfm: cannot connect to oracle;\(DESCRIPTION=.*PORT=1.*\);wfm: NJS-\d+/);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /n0t-shown/);
  });

  it('ends every statement with ";" at the end of its line, and holds no PL/SQL block, which would end with "/"', () => {
    for (const { file } of written) {
      const body = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('--'));
      assert.ok(!body.some((line) => line.trim() === '/'), `${file} holds a PL/SQL block`);
      assert.ok(body[body.length - 1]?.endsWith(';'), `${file} does not end its last statement`);
    }
  });
});
