import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { dialectFor } from '../../engine/dialect/index.ts';
import { InputError } from '../../engine/errors.ts';
import type { EngineName } from '../../engine/dialect/connection-string.ts';
import type { QueryCompiler } from '../../engine/dialect/types.ts';
import { TOOL_VERSION } from '../../wfm/database.ts';
import { compareEtlReleases, ETL_SCRIPT_FILES, etlScript, LATEST_ETL_RELEASE } from '../../wfm/etl/index.ts';
import { creationStep, stepsBetween, compareReleases, LATEST_RELEASE } from '../../wfm/releases/index.ts';
import { renderScript, WFM_SCRIPT_FILES } from '../../wfm/script.ts';
import { printLine } from '../output.ts';
import { parseCurrentRelease } from './dbu.ts';
import { parseEtlRelease } from './etl.ts';

const DIALECTS: Record<string, EngineName> = { sqlite: 'sqlite', postgres: 'postgres', postgresql: 'postgres', mysql: 'mysql', mariadb: 'mysql', mssql: 'mssql', sqlserver: 'mssql', oracle: 'oracle' };

interface ScriptOptions {
  dialect: string;
  from?: string;
  to?: string;
  etl?: boolean;
  out?: string;
}

function wfmScript(compiler: QueryCompiler, engine: EngineName, options: ScriptOptions): string {
  const to = parseCurrentRelease(options.to ?? LATEST_RELEASE);
  const from = options.from === undefined ? undefined : parseCurrentRelease(options.from);
  if (from && compareReleases(from, to) > 0) throw new InputError(`--from ${from} is later than --to ${to}`);
  const steps = from ? stepsBetween(from, to) : [creationStep(to)];
  const header = [
    `WFM schema script for ${engine}: ${from ? `update ${from} to ${to}` : `create ${to}`}`,
    `written by wfm-migrate ${TOOL_VERSION}`,
    'Run it with: wfm bru -UPDATE -DB "<connection>" -SCRIPT <this file>',
    'Each step is checked against its checksum before it runs; a changed step is refused.',
  ];
  const script = renderScript(compiler, steps, header);
  return steps.length === 0 ? `${script}-- nothing to do: ${from} is ${to}\n` : script;
}

function etlSchemaScript(compiler: QueryCompiler, engine: EngineName, options: ScriptOptions): string {
  const to = parseEtlRelease(options.to ?? LATEST_ETL_RELEASE);
  const from = options.from === undefined ? undefined : parseEtlRelease(options.from);
  if (from && compareEtlReleases(from, to) > 0) throw new InputError(`--from ${from} is later than --to ${to}`);
  const script = etlScript(compiler, engine, to, from);
  return from === to ? `${script}-- nothing to do: ${from} is ${to}\n` : script;
}

/** A folder given as --out holds the script under the original's name for it (wfm7_MSQL.sql, WFM_ETL_MSQL.sql, ...). */
function scriptFile(out: string, engine: EngineName, etl: boolean): string {
  const isFolder = statSync(out, { throwIfNoEntry: false })?.isDirectory() ?? false;
  return isFolder ? join(out, (etl ? ETL_SCRIPT_FILES : WFM_SCRIPT_FILES)[engine]) : out;
}

/** Writes a new file only: a script a DBA may have reviewed or changed is never overwritten. */
function writeScriptFile(file: string, text: string): void {
  try {
    writeFileSync(file, text, { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new InputError(`${file} already exists; name another file or remove it first`);
    throw new InputError(`cannot write the script ${file}: ${code ?? (error as Error).message}`);
  }
}

export function registerSchema(program: Command): void {
  const schema = program.command('schema').description('the WFM schema as SQL a DBA can review');
  schema
    .command('script')
    .description('print the SQL that creates a release (no --from) or updates one release to another')
    .requiredOption('--dialect <engine>', 'sqlite, postgres, mysql (MariaDB), mssql (SQL Server) or oracle')
    .option('--etl', 'the ETL database’s script (the original’s WFM_ETL_<engine>.sql) instead of the WFM database’s')
    .option('--from <release>', 'the release the database is at (omit to create)')
    .option('--to <release>', `the release to reach (default: ${LATEST_RELEASE}, with --etl ${LATEST_ETL_RELEASE})`)
    .option('--out <file>', 'write the script to this new file (in a folder: under the original’s name, e.g. wfm7_MSQL.sql, wfm7_ORA.sql) instead of printing it')
    .action(async (options: ScriptOptions) => {
      const engine = DIALECTS[options.dialect.toLowerCase()];
      if (!engine) throw new InputError(`unknown dialect "${options.dialect}"; use sqlite, postgres, mysql, mssql or oracle`);
      const { compiler } = await dialectFor(engine);
      const text = options.etl ? etlSchemaScript(compiler, engine, options) : wfmScript(compiler, engine, options);
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      const file = scriptFile(options.out, engine, options.etl === true);
      writeScriptFile(file, text);
      printLine(`wrote ${file}`);
    });
}
