// `wfm run` and `wfm rollback`: the order of migration as a resumable procedure with a journal.
import type { Command } from 'commander';
import type { ConnectionTarget } from '../../engine/dialect/index.ts';
import { InputError } from '../../engine/errors.ts';
import { describeRecordedSeal, type SealVerdict } from '../../wfm/backup-seal.ts';
import type { RunJournal, RunOptions, StepRecord } from '../../wfm/run.ts';
import { backupSealingOf, requireSealedBackupsOption } from '../backup-sealing.ts';
import { confirmDestructive } from '../confirmation.ts';
import { configOf, DEFAULT_KEY_FILE, resolveTarget, type ConnectionOptions } from '../connections.ts';
import { connectionOptions, withConnectionOptions, withVolumeOptions } from '../options.ts';
import { formatDuration, formatTable, printJson, printLine, progressFor, shellWord } from '../output.ts';

const DEFAULT_RUNS_DIRECTORY = 'wfm-runs';

interface RunFlags {
  from?: string;
  to?: string;
  resume?: string;
  backupDir: string;
  runsDir: string;
  twoStep?: boolean;
  force?: boolean;
  json?: boolean;
}

function runOptions(flags: RunFlags, connection: ConnectionOptions, command: Command): RunOptions {
  return {
    sealing: backupSealingOf(command, 'seal'),
    runsDirectory: flags.runsDir,
    backupDirectory: flags.backupDir,
    config: configOf(connection),
    twoStep: flags.twoStep,
    force: flags.force,
    resumeOptions: sameOptions(connection, flags.runsDir, flags.backupDir),
    onProgress: progressFor(flags),
    onStep: (step: StepRecord, journal: RunJournal) => {
      if (step.state === 'running') return;
      const line = `${String(journal.steps.indexOf(step) + 1).padStart(2)}. ${step.name.padEnd(24)} ${step.state.toUpperCase().padEnd(6)} ${formatDuration(step.durationMs ?? 0).padStart(9)}  ${step.detail ?? ''}`;
      if (flags.json) printLine(JSON.stringify({ runId: journal.runId, step }));
      else printLine(line);
    },
  };
}

/**
 * Flags that contradict each other are a usage error, refused before anything is opened or written: a
 * resumed run goes on with the databases and path its journal holds, and one database is named once.
 */
function requireConsistentFlags(flags: RunFlags, connection: ConnectionOptions): void {
  if (flags.resume !== undefined) {
    const given = [flags.from !== undefined && '--from', flags.to !== undefined && '--to', connection.dap !== undefined && '--dap', flags.twoStep && '--two-step'].filter(Boolean);
    if (given.length > 0) throw new InputError(`--resume goes on with the databases and path of the run's journal; leave out ${given.join(', ')}`);
  }
  if (flags.from !== undefined && connection.dap !== undefined) throw new InputError('name the database to migrate or update once: --from CONNECTION or --dap NAME, not both');
}

/**
 * The options a later `wfm rollback` (and, with the backup folder, `wfm run --resume`) needs to find the
 * run and its databases as this command did: its runs folder and configuration, and where its password
 * comes from.
 */
function sameOptions(connection: ConnectionOptions, runsDir: string, backupDir?: string): string {
  const options: [string, string | undefined][] = [
    ['--runs-dir', runsDir === DEFAULT_RUNS_DIRECTORY ? undefined : runsDir],
    ['--backup-dir', backupDir === '.' ? undefined : backupDir],
    ['--config', connection.config],
    ['--password-env', connection.passwordEnv],
    ['--key-file', connection.keyFile === DEFAULT_KEY_FILE ? undefined : connection.keyFile],
  ];
  const given = options.filter((option): option is [string, string] => option[1] !== undefined);
  return [...given.map(([flag, value]) => ` ${flag} ${shellWord(value)}`), connection.passwordPrompt ? ' --password-prompt' : ''].join('');
}

/**
 * Each connection text resolved once: the statement of what a rollback removes and the rollback itself
 * open the same databases, and a password typed at the prompt is asked for once.
 */
function resolvedOnce(resolve: (text: string) => Promise<ConnectionTarget>): (text: string) => Promise<ConnectionTarget> {
  const resolved = new Map<string, Promise<ConnectionTarget>>();
  return (text) => {
    const known = resolved.get(text) ?? resolve(text);
    resolved.set(text, known);
    return known;
  };
}

/** The run's outcome; one that stopped names the commands that resume it and undo it, with this command's options. */
function finish(journal: RunJournal, flags: RunFlags, connection: ConnectionOptions): void {
  if (flags.json) printJson({ runId: journal.runId, state: journal.state, path: journal.path, backupFile: journal.backupFile, backupSeal: journal.backupSeal ?? null, steps: journal.steps });
  else {
    const resume = `wfm run --resume ${journal.runId}${sameOptions(connection, flags.runsDir, flags.backupDir)}`;
    const rollback = `wfm rollback --run ${journal.runId}${sameOptions(connection, flags.runsDir)}`;
    printLine();
    printLine(
      journal.state === 'done'
        ? `${journal.runId} done: ${journal.path} to 8.5.2 in ${formatDuration(journal.steps.reduce((s, step) => s + (step.durationMs ?? 0), 0))}; the backup is ${journal.backupFile}${journal.backupSeal ? `, ${describeRecordedSeal(journal.backupSeal)}` : ''}`
        : `${journal.runId} stopped at "${journal.steps.find((s) => s.state === 'failed')?.name}". Fix what it says, then: ${resume} (or undo it: ${rollback})`,
    );
  }
  if (journal.state !== 'done') process.exitCode = 1;
}

export function registerRun(program: Command): void {
  withVolumeOptions(withConnectionOptions(program.command('run')))
    .description('carry out the order of migration: checks, maintenance mode, stop components, back up, migrate or update, deploy, verify, enable access')
    .option('--from <connection>', 'the database to migrate or update (or --dap NAME)')
    .option('--to <connection>', 'the new database, for a 6.5 migration (left out, or the same database, for an update in place)')
    .option('--resume <run>', 'go on with an interrupted run from the step it was in (`last` for the latest)')
    .option('--backup-dir <dir>', 'where the run writes its backup', '.')
    .option('--runs-dir <dir>', 'where runs keep their journals', DEFAULT_RUNS_DIRECTORY)
    .option('--two-step', 'migrate 6.5 in two steps (performance data afterwards, while collecting)')
    .option('--force', 'do not wait for registered components to stop')
    .option('--json', 'machine-readable output: the run id, then a line per step')
    .action(async (flags: RunFlags, command: Command) => {
      const { loadJournal, resumeRun, startRun } = await import('../../wfm/run.ts');
      const connection = connectionOptions(command);
      requireConsistentFlags(flags, connection);
      const options = runOptions(flags, connection, command);
      const resolveText = (text: string) => resolveTarget(text, { ...connection, dap: undefined });
      if (flags.resume) {
        const journal = loadJournal(flags.runsDir, flags.resume);
        printLine(flags.json ? JSON.stringify({ runId: journal.runId, resumed: true }) : `${journal.runId} (resumed)`);
        finish(await resumeRun(journal, resolveText, options), flags, connection);
        return;
      }
      const from = flags.from ?? connection.dap;
      if (from === undefined) throw new InputError('name the database: --from CONNECTION, or --config wfm.yaml --dap NAME (or --resume RUN)');
      let announced = false;
      const journal = await startRun(
        { from, to: flags.to, configPath: connection.config, resolve: resolveText },
        {
          ...options,
          onStep: (step, j) => {
            if (!announced) printLine(flags.json ? JSON.stringify({ runId: j.runId }) : j.runId);
            announced = true;
            options.onStep?.(step, j);
          },
        },
      );
      finish(journal, flags, connection);
    });
  program
    .command('runs')
    .description('list the runs whose journals the runs folder holds, newest first, with their state and what comes next')
    .option('--runs-dir <dir>', 'where runs keep their journals', DEFAULT_RUNS_DIRECTORY)
    .option('--json', 'one JSON object per run')
    .action(async (flags: { runsDir: string; json?: boolean }) => {
      const { listRuns, runStateText } = await import('../../wfm/run.ts');
      printRuns(
        listRuns(flags.runsDir).map((journal) => ({ ...journal, stateText: runStateText(journal) })),
        flags,
      );
    });
  withVolumeOptions(withConnectionOptions(program.command('rollback')))
    .description('undo a run: restore the backup it took (update in place) or drop the new database (migration), give the configuration its releases back, enable access')
    .requiredOption('--run <run>', 'the run (`last` for the latest)')
    .option('--runs-dir <dir>', 'where runs keep their journals', DEFAULT_RUNS_DIRECTORY)
    .option('--yes', 'drop or restore without asking (for scripts); the statement of what is removed is still printed')
    .addOption(requireSealedBackupsOption())
    .option('--json', 'machine-readable output')
    .action(async (flags: { run: string; runsDir: string; yes?: boolean; json?: boolean }, command: Command) => {
      const [{ loadJournal, rollbackRun }, { rollbackStatement }] = await Promise.all([import('../../wfm/run.ts'), import('../../wfm/destructive.ts')]);
      const connection = connectionOptions(command);
      const sealing = backupSealingOf(command, 'check');
      const journal = loadJournal(flags.runsDir, flags.run);
      const resolveText = resolvedOnce((text: string) => resolveTarget(text, { ...connection, dap: undefined }));
      await confirmDestructive(await rollbackStatement(journal, resolveText, sealing), flags.yes);
      let backupSeal: SealVerdict | null = null;
      const done = await rollbackRun(journal, resolveText, {
        runsDirectory: flags.runsDir,
        backupDirectory: '.',
        config: configOf(connection),
        onProgress: progressFor(flags),
        sealing,
        onBackupSeal: (verdict) => (backupSeal = verdict),
      });
      if (flags.json) printJson({ runId: journal.runId, rolledBack: done, backupSeal });
      else for (const line of [`${journal.runId} rolled back:`, ...done.map((d) => `  ${d}`)]) printLine(line);
    });
}

/** What `wfm runs` shows of a run: where it stands, how long its steps took, and the step it is at. */
/** A journal as `wfm runs` lists it, with its state in words. */
type ListedRun = RunJournal & { stateText: string };

function runSummary(journal: ListedRun): { runId: string; state: string; path: string; from: string; to: string; step: string; duration: string } {
  const current = journal.steps.find((step) => step.state !== 'done') ?? journal.steps.at(-1);
  const durationMs = journal.steps.reduce((sum, step) => sum + (step.durationMs ?? 0), 0);
  return {
    runId: journal.runId,
    state: journal.stateText,
    path: journal.path,
    from: journal.from,
    to: journal.to ?? '(in place)',
    step: journal.state === 'done' ? '' : `${current?.name ?? ''} (${current?.state ?? ''})`,
    duration: formatDuration(durationMs),
  };
}

function printRuns(journals: ListedRun[], flags: { runsDir: string; json?: boolean }): void {
  if (flags.json) {
    for (const journal of journals) printJson(journal);
    return;
  }
  if (journals.length === 0) {
    printLine(`${flags.runsDir} holds no runs; wfm run starts one`);
    return;
  }
  const rows = journals.map(runSummary).map((r) => [r.runId, r.state, r.path, r.from, r.to, r.duration, r.step]);
  printLine(formatTable(['run', 'state', 'path', 'from', 'to', 'took', 'at step'], rows));
  for (const journal of journals.filter((j) => j.processGone)) {
    printLine(`${journal.runId} stopped without a word (its process is gone): to go on, run: wfm run --resume ${journal.runId}${sameOptions({ config: journal.config ?? undefined }, flags.runsDir)}`);
  }
}
