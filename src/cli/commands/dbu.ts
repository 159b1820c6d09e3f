// The Database Utility: create and update in place (migrate arrives with the 6.5 mapping).
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { type ChangeResult, createDatabase, describeState, stepProgress, updateDatabase } from '../../wfm/database.ts';
import { type CurrentRelease, isCurrentRelease, isRelease, LATEST_RELEASE, type Release, ALL_RELEASES, CURRENT_RELEASES } from '../../wfm/releases/index.ts';
import { withDatabase } from '../connections.ts';
import { registerMigrate } from './migrate.ts';
import { registerMigratePerformance } from './migrate-performance.ts';
import { connectionOptions, withConnectionOptions } from '../options.ts';
import { formatDuration, printJson, printLine, progressPrinter } from '../output.ts';

export function parseRelease(text: string): Release {
  if (!isRelease(text)) throw new InputError(`unknown release "${text}"; this tool knows ${ALL_RELEASES.join(', ')}`);
  return text;
}

export function parseCurrentRelease(text: string): CurrentRelease {
  if (!isCurrentRelease(text)) throw new InputError(`"${text}" is not a release a database can be updated to; use one of ${CURRENT_RELEASES.join(', ')}`);
  return text;
}

export function printChange(result: ChangeResult, json: boolean): void {
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
    if (result.script.length === 0) printLine(`-- nothing to do: the database is already at ${result.to}`);
    return;
  }
  if (result.steps.length === 0) {
    printLine(`nothing to do: the database is already at ${result.to}`);
    return;
  }
  const total = result.steps.reduce((sum, s) => sum + s.durationMs, 0);
  printLine(`${describeState(result.from)} is now at ${result.to} (${result.steps.length} step${result.steps.length === 1 ? '' : 's'}, ${formatDuration(total)}):`);
  for (const step of result.steps) printLine(`  ${step.version.padEnd(6)} ${formatDuration(step.durationMs).padStart(9)}  ${step.description}`);
}

export function registerDbu(program: Command): void {
  const dbu = program.command('dbu').description('the Database Utility: create, update in place, migrate 6.5, migrate performance data');
  withConnectionOptions(dbu.command('create'))
    .description('create the WFM schema of a release in an empty database')
    .option('--db <connection>', 'the empty database')
    .option('--version <release>', `the release to create (${ALL_RELEASES.join(', ')})`, LATEST_RELEASE)
    .option('--dry-run', 'print the SQL instead of running it')
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; version: string; dryRun?: boolean; json?: boolean }, command: Command) => {
      const release = parseRelease(options.version);
      const result = await withDatabase(options.db, connectionOptions(command), (connection) =>
        createDatabase(connection, release, { dryRun: options.dryRun, progress: stepProgress(progressPrinter(Boolean(options.json))) }),
      );
      printChange(result, Boolean(options.json));
    });
  withConnectionOptions(dbu.command('update'))
    .description('update a 7.6 or later database in place, step by step, keeping every row')
    .option('--db <connection>', 'the database to update')
    .option('--to <release>', 'the release to reach', LATEST_RELEASE)
    .option('--dry-run', 'print the SQL of every step instead of running it')
    .option('--wait <seconds>', 'wait this long for another update of the same database to finish', '0')
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; to: string; dryRun?: boolean; wait: string; json?: boolean }, command: Command) => {
      const to = parseCurrentRelease(options.to);
      const result = await withDatabase(options.db, connectionOptions(command), (connection) =>
        updateDatabase(connection, to, {
          dryRun: options.dryRun,
          lockWaitMs: parseSeconds(options.wait) * 1000,
          progress: stepProgress(progressPrinter(Boolean(options.json))),
        }),
      );
      printChange(result, Boolean(options.json));
    });
  registerMigrate(dbu);
  registerMigratePerformance(dbu);
}

export function parseSeconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new InputError(`"${text}" is not a number of seconds`);
  return value;
}
