// The ETL database: create and update its schema (the ETL cycle that fills it comes with `etl run`).
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { stepProgress } from '../../wfm/database.ts';
import { createEtlDatabase, describeEtlState, ETL_RELEASES, type EtlChangeResult, type EtlRelease, isEtlRelease, LATEST_ETL_RELEASE, updateEtlDatabase } from '../../wfm/etl/index.ts';
import { withDatabase } from '../connections.ts';
import { connectionOptions, withConnectionOptions } from '../options.ts';
import { formatDuration, printJson, printLine, progressPrinter } from '../output.ts';
import { parseSeconds } from './dbu.ts';

export function parseEtlRelease(text: string): EtlRelease {
  if (!isEtlRelease(text)) throw new InputError(`"${text}" is not a release of the ETL database; use one of ${ETL_RELEASES.join(', ')}`);
  return text;
}

export function printEtlChange(result: EtlChangeResult, json: boolean): void {
  if (json) {
    printJson({ from: result.from, to: result.to, steps: result.steps, script: result.script?.map((s) => ({ version: s.step.version, description: s.step.description, statements: s.statements })) });
    return;
  }
  if (result.script) {
    for (const { step, statements } of result.script) {
      printLine(`-- step ${step.version}: ${step.description}`);
      for (const sql of statements) printLine(`${sql};`);
      printLine();
    }
    if (result.script.length === 0) printLine(`-- nothing to do: the ETL database is already at ${result.to}`);
    return;
  }
  if (result.steps.length === 0) {
    printLine(`nothing to do: the ETL database is already at ${result.to}`);
    return;
  }
  const total = result.steps.reduce((sum, s) => sum + s.durationMs, 0);
  const from = result.from.kind === 'absent' ? 'the database' : describeEtlState(result.from);
  printLine(`${from} now holds a WFM ETL database at release ${result.to} (${result.steps.length} step${result.steps.length === 1 ? '' : 's'}, ${formatDuration(total)}):`);
  for (const step of result.steps) printLine(`  ${step.version.padEnd(6)} ${formatDuration(step.durationMs).padStart(9)}  ${step.description}`);
}

export function registerEtl(program: Command): void {
  const etl = program.command('etl').description('the WFM ETL database that reporting reads: its schema at every release');
  withConnectionOptions(etl.command('create'))
    .description('create the ETL tables of a release in a database that has none (a database of its own, or the WFM database)')
    .option('--db <connection>', 'the database')
    .option('--version <release>', `the ETL release to create (${ETL_RELEASES.join(', ')})`, LATEST_ETL_RELEASE)
    .option('--dry-run', 'print the SQL instead of running it')
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; version: string; dryRun?: boolean; json?: boolean }, command: Command) => {
      const release = parseEtlRelease(options.version);
      const result = await withDatabase(options.db, connectionOptions(command), (connection) =>
        createEtlDatabase(connection, release, { dryRun: options.dryRun, progress: stepProgress(progressPrinter(Boolean(options.json))) }),
      );
      printEtlChange(result, Boolean(options.json));
    });
  withConnectionOptions(etl.command('update'))
    .description('update an ETL database in place, step by step, keeping every row')
    .option('--db <connection>', 'the database holding the ETL tables')
    .option('--to <release>', 'the ETL release to reach', LATEST_ETL_RELEASE)
    .option('--dry-run', 'print the SQL of every step instead of running it')
    .option('--wait <seconds>', 'wait this long for another change of the same database to finish', '0')
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; to: string; dryRun?: boolean; wait: string; json?: boolean }, command: Command) => {
      const to = parseEtlRelease(options.to);
      const result = await withDatabase(options.db, connectionOptions(command), (connection) =>
        updateEtlDatabase(connection, to, {
          dryRun: options.dryRun,
          lockWaitMs: parseSeconds(options.wait) * 1000,
          progress: stepProgress(progressPrinter(Boolean(options.json))),
        }),
      );
      printEtlChange(result, Boolean(options.json));
    });
}
