// Creating and updating a schema release by release, as the command line offers it for the WFM database
// (`dbu create|update`) and for the ETL database (`etl create|update`): one shape of command and of
// output, told apart only by the words that name what is changed.
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import type { Connection } from '../../engine/dialect/index.ts';
import type { Step } from '../../engine/steps/operations.ts';
import type { AppliedStep } from '../../engine/steps/runner.ts';
import { type ChangeOptions, stepProgress } from '../../wfm/database.ts';
import { withDatabase } from '../connections.ts';
import { connectionOptions, releaseOption, withConnectionOptions, withReleaseOption, withVolumeOptions } from '../options.ts';
import { formatDuration, printJson, printLine, progressFor } from '../output.ts';

export function parseSeconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new InputError(`"${text}" is not a number of seconds`);
  return value;
}

/** What the two commands pass to the change they make. */
export type SchemaChangeOptions = Pick<ChangeOptions, 'dryRun' | 'lockWaitMs' | 'progress'>;

export interface SchemaChange<State> {
  from: State;
  to: string;
  steps: AppliedStep[];
  /** With a dry run: the SQL that would run, step by step. */
  script?: { step: Step; statements: string[] }[];
}

export interface SchemaChangeWording<State> {
  /** What "nothing to do: … is already at R" names. */
  subject: string;
  /** The line above the steps applied, given "N steps, D". */
  headline(result: SchemaChange<State>, summary: string): string;
}

export function printSchemaChange<State>(result: SchemaChange<State>, json: boolean, wording: SchemaChangeWording<State>): void {
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
    if (result.script.length === 0) printLine(`-- nothing to do: ${wording.subject} is already at ${result.to}`);
    return;
  }
  if (result.steps.length === 0) {
    printLine(`nothing to do: ${wording.subject} is already at ${result.to}`);
    return;
  }
  const total = result.steps.reduce((sum, s) => sum + s.durationMs, 0);
  printLine(wording.headline(result, `${result.steps.length} step${result.steps.length === 1 ? '' : 's'}, ${formatDuration(total)}`));
  for (const step of result.steps) printLine(`  ${step.version.padEnd(6)} ${formatDuration(step.durationMs).padStart(9)}  ${step.description}`);
}

/** One of the two commands: its words, how it reads its release, and the change it makes. */
export interface SchemaCommand<Release extends string, State> {
  description: string;
  /** What --db names. */
  database: string;
  /** What the release option says, with its default. */
  release: { description: string; default: Release; parse(text: string): Release };
  change(connection: Connection, release: Release, options: SchemaChangeOptions): Promise<SchemaChange<State>>;
}

export interface SchemaCommands<CreateRelease extends string, UpdateRelease extends string, State> {
  create: SchemaCommand<CreateRelease, State>;
  update: SchemaCommand<UpdateRelease, State> & {
    /** What --wait waits for. */
    waitsFor: string;
  };
  wording: SchemaChangeWording<State>;
}

/** `<parent> create` (--release) and `<parent> update` (--to), with the same options and output. */
export function registerCreateAndUpdate<CreateRelease extends string, UpdateRelease extends string, State>(
  parent: Command,
  commands: SchemaCommands<CreateRelease, UpdateRelease, State>,
): void {
  const { create, update, wording } = commands;
  withReleaseOption(withVolumeOptions(withConnectionOptions(parent.command('create'))).description(create.description), create.release.description, create.release.default)
    .option('--db <connection>', create.database)
    .option('--dry-run', 'print the SQL instead of running it')
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; release?: string; version?: string; dryRun?: boolean; json?: boolean }, command: Command) => {
      const release = create.release.parse(releaseOption(options));
      const result = await withDatabase(options.db, connectionOptions(command), (connection) =>
        create.change(connection, release, { dryRun: options.dryRun, progress: stepProgress(progressFor(options)) }),
      );
      printSchemaChange(result, Boolean(options.json), wording);
    });
  withVolumeOptions(withConnectionOptions(parent.command('update')))
    .description(update.description)
    .option('--db <connection>', update.database)
    .option('--to <release>', update.release.description, update.release.default)
    .option('--dry-run', 'print the SQL of every step instead of running it')
    .option('--wait <seconds>', `wait this long for ${update.waitsFor} to finish`, '0')
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; to: string; dryRun?: boolean; wait: string; json?: boolean }, command: Command) => {
      const to = update.release.parse(options.to);
      const result = await withDatabase(options.db, connectionOptions(command), (connection) =>
        update.change(connection, to, {
          dryRun: options.dryRun,
          lockWaitMs: parseSeconds(options.wait) * 1000,
          progress: stepProgress(progressFor(options)),
        }),
      );
      printSchemaChange(result, Boolean(options.json), wording);
    });
}
