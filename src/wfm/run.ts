// `wfm run`: the guide's order of migration carried out as one procedure with a journal. Each step is
// recorded as it starts and ends, in a file of the runs folder, so that `--resume` goes on from the step
// that was interrupted and `wfm rollback` knows what to undo: the backup the run took, the database it
// created, the releases the configuration held before.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { withConnection, type ConnectionTarget } from '../engine/dialect/index.ts';
import { describeTarget, parseConnectionString } from '../engine/dialect/connection-string.ts';
import { isSameDatabase, sameDatabaseError } from '../engine/dialect/identity.ts';
import { errorMessage, InputError, OperationError } from '../engine/errors.ts';
import { InterruptedError, stopRequested, throwIfStopRequested, whileStoppable, type StopSignalName } from '../engine/interruption.ts';
import type { ProgressListener } from '../engine/progress.ts';
import { registeredComponents, setMaintenanceMode } from './aggregator/store.ts';
import { backupDatabase, restoreDatabase, verifyBackup } from './backup.ts';
import { describeRecordedSeal, describeSeal, isRecordedSeal, recordedSealOf, requireSealKeyForBackup, type BackupSealing, type RecordedSeal, type SealVerdict } from './backup-seal.ts';
import type { ConfigFile } from './config/config-file.ts';
import { detectRelease, updateDatabase } from './database.ts';
import { dropDatabaseLocked } from './locked-drop.ts';
import { migrateLegacy } from './migrate.ts';
import { planMigration, type MigrationPath, type Plan } from './plan.ts';
import { recordingListeners, recordRunMessage, recordRunStart } from './run-events.ts';
import { LATEST_RELEASE } from './releases/versions.ts';
import { verifySettings } from './settings.ts';
import { verifyMigration } from './verify.ts';
import { counted } from '../engine/wording.ts';

export const RUN_STEPS = ['check prerequisites', 'disable access', 'stop server components', 'back up', 'migrate or update', 'deploy', 'verify', 'enable access'] as const;
export type RunStepName = (typeof RUN_STEPS)[number];

export interface StepRecord {
  name: RunStepName;
  state: 'pending' | 'running' | 'done' | 'failed' | 'interrupted';
  startedAt?: string;
  durationMs?: number;
  detail?: string;
}

/** The process that carries a run out, as its journal names it: a run is only running while this process lives. */
export interface RunProcess {
  host: string;
  pid: number;
}

export interface RunJournal {
  runId: string;
  /** Connection strings as given: a password comes from the environment, never from here. */
  from: string;
  to: string | null;
  config: string | null;
  path: MigrationPath;
  twoStep: boolean;
  backupFile: string;
  /** The seal of the backup as the run wrote it; absent until it is taken, and in journals written before seals. */
  backupSeal?: RecordedSeal;
  /** The applications' releases before the Deploy step, for a rollback. */
  releasesBefore: Record<string, string | null>;
  state: 'running' | 'failed' | 'interrupted' | 'done' | 'rolled back';
  steps: StepRecord[];
  /** The process that started or last resumed the run; absent in journals written before it was recorded. */
  process?: RunProcess;
  /**
   * Set as the journal is read, never written: it said running, but its process is gone from this host
   * (killed outright, or the machine stopped), so the run is shown and treated as interrupted.
   */
  processGone?: true;
}

export interface RunOptions {
  runsDirectory: string;
  backupDirectory: string;
  config?: ConfigFile;
  twoStep?: boolean;
  /** Do not wait for registered components to stop. */
  force?: boolean;
  /** How long to wait for heartbeats to stop. */
  componentWaitMs?: number;
  onProgress?: ProgressListener;
  /** Called when a step starts and ends, for a front end. */
  onStep?: (step: StepRecord, journal: RunJournal) => void;
  /**
   * The key the run's backup is sealed with (none: not sealed), and whether RequireSealedBackups is in
   * force; a rollback checks the backup's seal with the same key before it restores it.
   */
  sealing?: BackupSealing;
  /** Called with the verdict on the backup's seal once a rollback has restored the backup, checked with it. */
  onBackupSeal?: (verdict: SealVerdict) => void;
  /**
   * What follows `wfm run --resume RUN` in the command an interruption names: the options that find the
   * run and its databases as the interrupted command did (its runs folder, its configuration).
   */
  resumeOptions?: string;
}

/** Drills: WFM_RUN_FAIL_AT=<step name> makes the run fail as that step starts, to rehearse --resume. */
const FAULT_DRILL = 'WFM_RUN_FAIL_AT';

/** A run id as newRunId makes it: nothing else names a file of the runs folder. */
const RUN_ID = /^run-\d{8}T\d{6}Z$/;

/** Checks a run id given by a user (`--run`, `--resume`, the console's form) before it names a file. */
export function requireRunId(runId: string): string {
  if (runId !== 'last' && !RUN_ID.test(runId)) {
    throw new InputError(`"${runId}" is not a run id: give one as wfm run prints it (run-YYYYMMDDTHHMMSSZ), or last for the latest`);
  }
  return runId;
}

export function journalPath(runsDirectory: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new InputError(`"${runId}" is not a run id (run-YYYYMMDDTHHMMSSZ)`);
  return join(runsDirectory, `${runId}.json`);
}

/** The run's event log beside its journal (run-events.ts). */
export function eventLogPath(runsDirectory: string, runId: string): string {
  return journalPath(runsDirectory, runId).replace(/\.json$/, '.events.jsonl');
}

/** The run's options with every step and progress event also written to its event log. */
function withEventLog(options: RunOptions, runId: string): RunOptions {
  const recording = recordingListeners(eventLogPath(options.runsDirectory, runId));
  return {
    ...options,
    onProgress: (event) => {
      recording.onProgress(event);
      options.onProgress?.(event);
    },
    onStep: (step, journal) => {
      recording.onStep(step);
      options.onStep?.(step, journal);
    },
  };
}

/** The plan's estimate of each step, in seconds, under the name the run gives the step. */
function stepEstimates(plan: Plan): Record<string, number> {
  const estimates: Record<string, number> = {};
  for (const step of plan.steps) {
    if (step.estimateSeconds === undefined) continue;
    estimates[step.name === 'update' || step.name === 'migrate' ? 'migrate or update' : step.name] = step.estimateSeconds;
  }
  return estimates;
}

function saveJournal(runsDirectory: string, journal: RunJournal): void {
  mkdirSync(runsDirectory, { recursive: true });
  const path = journalPath(runsDirectory, journal.runId);
  const { processGone: _read, ...stored } = journal;
  writeFileSync(`${path}.tmp`, `${JSON.stringify(stored, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The id of the latest run whose journal the folder holds; other files there are not runs. */
function latestRunId(runsDirectory: string): string {
  let names: string[];
  try {
    names = readdirSync(runsDirectory);
  } catch {
    names = [];
  }
  const latest = names.map((n) => n.replace(/\.json$/, '')).filter((id) => RUN_ID.test(id)).sort().at(-1);
  if (!latest) throw new InputError(`${runsDirectory} holds no runs; start one with wfm run`);
  return latest;
}

/**
 * A journal as wfm run writes it: its own id, connection texts and known steps. A file that says otherwise
 * was not written by a run, and is not followed (a rollback drops the database a journal names).
 */
function requireJournal(value: unknown, runId: string, path: string): RunJournal {
  const journal = value as Partial<RunJournal> | null;
  const steps = Array.isArray(journal?.steps) ? journal.steps : [];
  const valid =
    journal?.runId === runId &&
    typeof journal.from === 'string' &&
    (journal.to === null || typeof journal.to === 'string') &&
    typeof journal.backupFile === 'string' &&
    steps.length === RUN_STEPS.length &&
    steps.every((step: StepRecord, i) => step.name === RUN_STEPS[i]) &&
    (journal.backupSeal === undefined || isRecordedSeal(journal.backupSeal));
  if (!valid) throw new InputError(`${path} is not the journal of run ${runId} as wfm run writes it; it is left alone`);
  return journal as RunJournal;
}

/** This process, as a journal names the process that runs it. */
function thisProcess(): RunProcess {
  return { host: hostname(), pid: process.pid };
}

function isRunProcess(value: unknown): value is RunProcess {
  const named = value as Partial<RunProcess> | null;
  return typeof named?.host === 'string' && Number.isSafeInteger(named.pid) && (named.pid ?? 0) > 0;
}

/** Whether a process of this host exists: signal 0 only asks, and EPERM means it exists under another user. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process a journal that says running names, when it is gone. Only a process of this host can be
 * asked; a run of another host, or one whose journal names no process, is taken at its word.
 */
function goneProcessOf(journal: RunJournal): RunProcess | undefined {
  const named = journal.process;
  return journal.state === 'running' && isRunProcess(named) && named.host === hostname() && !processExists(named.pid) ? named : undefined;
}

/** A journal left at running by a process that is gone, as it reads: interrupted at the step it was in, in memory only. */
function withGoneProcessSettled(journal: RunJournal): RunJournal {
  const named = goneProcessOf(journal);
  if (!named) return journal;
  const gone = `the process that ran it (${named.pid} on ${named.host}) is gone: killed outright, or the machine stopped`;
  const steps = journal.steps.map((step): StepRecord => (step.state === 'running' ? { ...step, state: 'interrupted', detail: gone } : step));
  return { ...journal, state: 'interrupted', steps, processGone: true };
}

/** A run's state in words: a run stopped without a word, and a run another host carries out, say so. */
export function runStateText(journal: RunJournal): string {
  if (journal.processGone) return 'interrupted (process gone)';
  if (journal.state === 'running' && journal.process && journal.process.host !== hostname()) return `running on ${journal.process.host}`;
  return journal.state;
}

/** The runs whose journals the runs folder holds, newest first; a file that is not a run's journal is not listed. */
export function listRuns(runsDirectory: string): RunJournal[] {
  let names: string[];
  try {
    names = readdirSync(runsDirectory);
  } catch {
    return [];
  }
  const ids = names.map((n) => n.replace(/\.json$/, '')).filter((id) => RUN_ID.test(id)).sort().reverse();
  return ids.flatMap((id) => {
    try {
      return [loadJournal(runsDirectory, id)];
    } catch {
      // Not a journal as wfm run writes it: nothing to list, resume or roll back.
      return [];
    }
  });
}

/** When a run started: its first step's start; undefined for a run that never began a step. */
export function runStartedAt(journal: RunJournal): string | undefined {
  return journal.steps.find((step) => step.startedAt !== undefined)?.startedAt;
}

/** How long a run's steps took together; a step under way or stopped counts for nothing yet. */
export function runDurationMs(journal: RunJournal): number {
  return journal.steps.reduce((sum, step) => sum + (step.durationMs ?? 0), 0);
}

/** A run's journal; `last` names the latest run in the folder. */
export function loadJournal(runsDirectory: string, runId: string): RunJournal {
  const id = requireRunId(runId) === 'last' ? latestRunId(runsDirectory) : runId;
  const path = journalPath(runsDirectory, id);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`no run ${id} in ${runsDirectory}; wfm run prints the id of each run on its first line`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`${path} is not a run journal: it is not JSON`);
  }
  return withGoneProcessSettled(requireJournal(value, id, path));
}

function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

interface RunContext {
  journal: RunJournal;
  from: ConnectionTarget;
  to: ConnectionTarget | undefined;
  options: RunOptions;
}

/** Maintenance mode where a database has the switch (8.5.2), and in the WFM Web options of the configuration. */
async function setAccess(context: RunContext, enabled: boolean): Promise<string> {
  const places: string[] = [];
  for (const target of [context.from, context.to]) {
    if (!target) continue;
    const recorded = await withConnection(target, async (connection) => {
      const state = await detectRelease(connection);
      if (state.kind !== 'current' || state.release !== LATEST_RELEASE) return false;
      await setMaintenanceMode(connection, !enabled);
      return true;
    }).catch(() => false);
    if (recorded) places.push(describeTarget(target));
  }
  const web = context.options.config?.applicationOfType('web');
  if (context.options.config && web) {
    context.options.config.setOption(web, 'Options', 'Maintenance', enabled ? '0' : '1');
    places.push(`${web.name} Options.Maintenance in ${context.options.config.name}`);
  }
  return `maintenance mode ${enabled ? 'off' : 'on'}${places.length > 0 ? `: ${places.join('; ')}` : ' (no database or configuration holds the switch yet)'}`;
}

/** Waits until no registered component has a fresh heartbeat. */
async function stopComponents(context: RunContext): Promise<string> {
  const names: string[] = [];
  const deadline = Date.now() + (context.options.componentWaitMs ?? 60_000);
  for (const target of [context.from, context.to]) {
    if (!target) continue;
    const running = async (): Promise<string[]> =>
      withConnection(target, async (connection) =>
        (await registeredComponents(connection)).filter((c) => c.state !== 'stopped' && c.heartbeatSecondsAgo < 30).map((c) => c.name),
      ).catch(() => []);
    let alive = await running();
    while (alive.length > 0 && !context.options.force && Date.now() < deadline) {
      throwIfStopRequested(() => `stopped waiting for ${alive.join(', ')} to stop`);
      await new Promise((r) => setTimeout(r, 1000));
      alive = await running();
    }
    if (alive.length > 0 && !context.options.force) {
      throw new OperationError(`${alive.join(', ')} still send heartbeats to ${describeTarget(target)}; stop them, then resume the run (or resume it with --force)`);
    }
    names.push(...alive);
  }
  return names.length > 0 ? `went on without waiting for ${names.join(', ')} (--force)` : 'no registered component is running';
}

async function checkStep(context: RunContext): Promise<string> {
  const plan = await planMigration(context.from, context.journal.path === 'update in place' ? undefined : context.to, {
    config: context.options.config,
    twoStep: context.journal.twoStep,
    backupDirectory: context.options.backupDirectory,
  });
  // A resumed migration finds its own half-written target: that is not a reason to stop.
  const failed = plan.checks.filter((c) => c.status === 'fail' && !(c.name === 'target' && context.journal.steps.some((s) => s.name === 'migrate or update' && s.state !== 'pending')));
  if (failed.length > 0) throw new OperationError(`prerequisites not met:\n${failed.map((c) => `  ${c.name}: ${c.detail}${c.action ? `; ${c.action}` : ''}`).join('\n')}`);
  return `${plan.path}: ${counted(plan.checks.filter((c) => c.status === 'pass').length, 'check')} pass, ${plan.checks.filter((c) => c.status === 'warn').length} warn`;
}

async function backupStep(context: RunContext): Promise<string> {
  const { journal, options } = context;
  const file = journal.backupFile;
  // An earlier attempt may have finished and renamed the file, then been stopped before its journal said so.
  if (existsSync(file)) {
    const report = await verifyBackup(file, { key: options.sealing?.key });
    if (report.ok && report.seal) {
      journal.backupSeal = requireOwnSeal(file, report.seal);
      return `${counted(report.tables.length, 'table')}, ${counted(report.tables.reduce((s, t) => s + t.rows, 0), 'row')} in ${file}, finished by an earlier attempt; ${describeRecordedSeal(journal.backupSeal)}`;
    }
  }
  // Access is off and the components are stopped: the source has not changed since a failed attempt.
  const result = await backupDatabase(context.from, file, { onProgress: options.onProgress, resume: true, sealing: options.sealing });
  journal.backupSeal = requireOwnSeal(file, result.seal);
  return `${counted(result.tables.length, 'table')}, ${counted(result.tables.reduce((s, t) => s + t.rows, 0), 'row')} into ${result.file}, ${describeRecordedSeal(journal.backupSeal)}`;
}

/**
 * What the journal records of the backup's seal. A file an earlier attempt sealed with a key this attempt
 * does not hold cannot be vouched for: the run stops until it is resumed with that key.
 */
function requireOwnSeal(file: string, verdict: SealVerdict): RecordedSeal {
  const recorded = recordedSealOf(verdict);
  if (!recorded) throw new OperationError(`${file}, which an earlier attempt of this run wrote, is ${describeSeal(verdict)}; resume the run with the key file it was sealed with (--key-file)`);
  return recorded;
}

async function changeStep(context: RunContext): Promise<string> {
  if (context.journal.path === 'update in place') {
    // Access stays off from the step that creates the maintenance switch: "disable access" found none to set.
    const result = await withConnection(context.from, (connection) =>
      updateDatabase(connection, LATEST_RELEASE, { maintenance: true, operation: `wfm run ${context.journal.runId}` }),
    );
    return result.steps.length === 0 ? `already at ${LATEST_RELEASE}` : `updated to ${LATEST_RELEASE} in ${counted(result.steps.length, 'step')}`;
  }
  if (!context.to) throw new InputError('a migration needs --to');
  const resume = (await withConnection(context.to, detectRelease).catch(() => ({ kind: 'empty' }) as const)).kind === 'current';
  const result = await migrateLegacy(context.from, context.to, { allowMigratePerformance: !context.journal.twoStep, resume, onProgress: context.options.onProgress });
  const unverified = result.tables.filter((t) => !t.verified);
  if (unverified.length > 0) throw new OperationError(`${unverified.map((t) => t.target).join(', ')} do not hold what was written`);
  return `${counted(result.tables.reduce((s, t) => s + t.rowsWritten, 0), 'row')} migrated${context.journal.twoStep ? '; the performance data waits for step two (wfm dbu migrate-performance)' : ''}`;
}

function deployStep(context: RunContext): string {
  const config = context.options.config;
  if (!config) return 'no configuration: deploy the 8.5.2 components by hand';
  for (const app of config.applications) {
    if (!(app.name in context.journal.releasesBefore)) context.journal.releasesBefore[app.name] = app.release ?? null;
    config.setRelease(app, LATEST_RELEASE);
  }
  return `${counted(config.applications.length, 'application')} recorded at ${LATEST_RELEASE} in ${config.name}`;
}

/** The data first: it must hold; then the settings, reported for the administrator to finish. */
async function verifyStep(context: RunContext): Promise<string> {
  let data: string;
  if (context.journal.path === 'update in place') {
    const state = await withConnection(context.from, detectRelease);
    if (state.kind !== 'current' || state.release !== LATEST_RELEASE) throw new OperationError(`the database is ${state.kind === 'current' ? state.release : state.kind} after the update`);
    data = `the database is at ${LATEST_RELEASE}; the update checked every user's access`;
  } else {
    const tables = await verifyMigration(context.from, context.to as ConnectionTarget, { allowMigratePerformance: !context.journal.twoStep });
    const different = tables.filter((t) => !t.equal);
    if (different.length > 0) throw new OperationError(`${different.map((t) => t.target).join(', ')} differ from the source`);
    data = `all ${counted(tables.length, 'table')} equal to the source under the mapping`;
  }
  const findings = await withConnection(context.to ?? context.from, verifySettings);
  return `${data}; ${findings.length === 0 ? 'every setting in place' : `${counted(findings.length, 'setting')} to complete (wfm verify --settings lists them with their fixes)`}`;
}

const STEP_WORK: Record<RunStepName, (context: RunContext) => Promise<string> | string> = {
  'check prerequisites': checkStep,
  'disable access': (context) => setAccess(context, false),
  'stop server components': stopComponents,
  'back up': backupStep,
  'migrate or update': changeStep,
  deploy: deployStep,
  verify: verifyStep,
  'enable access': (context) => setAccess(context, true),
};

/** The command that goes on with a run from the step it stopped at. */
function resumeCommand(journal: RunJournal, options: RunOptions): string {
  return `wfm run --resume ${journal.runId}${options.resumeOptions ?? ''}`;
}

/** The run marked interrupted, with the step it was in, and saved: --resume goes on from that step. */
function markInterrupted(context: RunContext, step: StepRecord | undefined, detail: string): void {
  if (step) {
    step.state = 'interrupted';
    step.detail = detail;
  }
  context.journal.state = 'interrupted';
  saveJournal(context.options.runsDirectory, context.journal);
}

/**
 * The steps from the first not done. A signal stops the run at the next point where what the step did is
 * committed (a chunk of a copy) or between steps; a second signal ends it at once: either way the journal
 * says which step was interrupted, and the run ends with an InterruptedError naming the command that goes on.
 */
function runSteps(context: RunContext): Promise<RunJournal> {
  const { journal } = context;
  let current: StepRecord | undefined;
  return whileStoppable(() => runEachStep(context, (step) => (current = step)), {
    nextCommand: resumeCommand(journal, context.options),
    endedAtOnce: (signal: StopSignalName) => markInterrupted(context, current?.state === 'running' ? current : undefined, `interrupted (${signal}) at once, in the middle of the step`),
  });
}

async function runEachStep(context: RunContext, starting: (step: StepRecord) => void): Promise<RunJournal> {
  const { journal, options } = context;
  journal.state = 'running';
  for (const step of journal.steps) {
    if (step.state === 'done') continue;
    const signal = stopRequested();
    if (signal) {
      markInterrupted(context, step, `interrupted (${signal}) before the step started`);
      options.onStep?.(step, journal);
      throw new InterruptedError(signal, `interrupted (${signal}): ${journal.runId} stopped before "${step.name}"`, resumeCommand(journal, options));
    }
    starting(step);
    step.state = 'running';
    step.startedAt = new Date().toISOString();
    saveJournal(options.runsDirectory, journal);
    options.onStep?.(step, journal);
    const started = performance.now();
    let interruption: InterruptedError | undefined;
    try {
      if (process.env[FAULT_DRILL] === step.name) throw new OperationError(`drill: ${FAULT_DRILL} stopped the run at "${step.name}"`);
      step.detail = await STEP_WORK[step.name](context);
      step.state = 'done';
    } catch (error) {
      if (error instanceof InterruptedError) interruption = error;
      step.state = interruption ? 'interrupted' : 'failed';
      step.detail = errorMessage(error);
      journal.state = step.state;
    }
    step.durationMs = Math.round(performance.now() - started);
    saveJournal(options.runsDirectory, journal);
    options.onStep?.(step, journal);
    if (interruption) throw new InterruptedError(interruption.signal, `${interruption.message}; ${journal.runId} stopped at "${step.name}"`, resumeCommand(journal, options));
    if (step.state === 'failed') return journal;
  }
  journal.state = 'done';
  saveJournal(options.runsDirectory, journal);
  return journal;
}

export interface StartRun {
  from: string;
  to?: string;
  configPath?: string;
  resolve: (text: string) => Promise<ConnectionTarget>;
}

/** A run journal keeps its connection texts: a password must come from elsewhere (the environment, wfm.yaml). */
export function refusePasswordInConnection(text: string | undefined): void {
  if (text === undefined) return;
  let password: string | undefined;
  try {
    password = parseConnectionString(text).password;
  } catch {
    return; // an access point's name
  }
  if (password !== undefined) throw new InputError('a run keeps its connections in its journal: give the password with --password-env NAME (or a database access point of wfm.yaml), not in the connection string');
}

const isMigration = (path: MigrationPath): boolean => path === 'migration' || path === 'two-step migration';

/**
 * What the run was told checked against what its source is, before a journal exists: a 6.5 migration
 * writes into a new database (never the source itself, never one that holds data), an update in place
 * writes into nothing else. Each is bad input: nothing is written, and there is nothing to resume.
 */
function requireRunTarget(plan: Plan, to: ConnectionTarget | undefined, sameAsSource: boolean, twoStep: boolean): void {
  if (!isMigration(plan.path)) {
    if (to !== undefined && !sameAsSource) throw new InputError(`${plan.source} is a WFM ${plan.sourceRelease} database: it is updated in place, and --to ${describeTarget(to)} names another database; leave --to out`);
    if (twoStep) throw new InputError(`${plan.source} is a WFM ${plan.sourceRelease} database: it is updated in place, and --two-step is for a 6.5 migration; leave --two-step out`);
    return;
  }
  if (to === undefined) throw new InputError(`${plan.source} is a WFM ${plan.sourceRelease} database: a ${plan.path} writes into a new database; name it with --to URL (or --to NAME with --config)`);
  if (sameAsSource) throw sameDatabaseError(plan.source, describeTarget(to));
  const target = plan.checks.find((c) => c.name === 'target' && c.status === 'fail');
  if (target) throw new InputError(`${target.detail}${target.action ? `; ${target.action}` : ''}`);
}

/**
 * Starts a run: what it was told is checked first, then the journal is written before the first step, so
 * that even a failed check can be resumed.
 */
export async function startRun(start: StartRun, options: RunOptions): Promise<RunJournal> {
  requireSealKeyForBackup(options.sealing ?? {});
  refusePasswordInConnection(start.from);
  refusePasswordInConnection(start.to);
  const from = await start.resolve(start.from);
  const to = start.to === undefined ? undefined : await start.resolve(start.to);
  const sameAsSource = to !== undefined && (await isSameDatabase(from, to));
  const plan = await planMigration(from, sameAsSource ? undefined : to, { config: options.config, twoStep: options.twoStep, backupDirectory: options.backupDirectory });
  if (plan.path === 'none') throw new InputError(`${plan.checks[0]?.detail ?? 'the source cannot be migrated'}; wfm plan says more`);
  if (plan.path === 'nothing to do') throw new InputError(`${plan.source} is already at ${LATEST_RELEASE}: there is nothing to run`);
  requireRunTarget(plan, to, sameAsSource, options.twoStep ?? false);
  const runId = newRunId();
  const journal: RunJournal = {
    runId,
    from: start.from,
    to: plan.path === 'update in place' ? null : (start.to ?? null),
    config: start.configPath ? resolve(start.configPath) : null,
    path: plan.path,
    twoStep: plan.path === 'two-step migration',
    backupFile: join(resolve(options.backupDirectory), `${runId}.backup.db`),
    releasesBefore: {},
    state: 'running',
    steps: RUN_STEPS.map((name) => ({ name, state: 'pending' })),
    process: thisProcess(),
  };
  saveJournal(options.runsDirectory, journal);
  recordRunStart(eventLogPath(options.runsDirectory, runId), `${runId}: ${plan.path} of ${plan.source}${journal.to === null ? '' : ` into ${plan.target ?? journal.to}`}`, stepEstimates(plan));
  return runSteps({ journal, from, to: journal.to === null ? undefined : to, options: withEventLog(options, runId) });
}

/** Goes on with a run from the step it was in. */
export async function resumeRun(journal: RunJournal, resolveTarget: (text: string) => Promise<ConnectionTarget>, options: RunOptions): Promise<RunJournal> {
  if (journal.state === 'done') throw new InputError(`${journal.runId} is done: there is nothing to resume`);
  if (journal.state === 'rolled back') throw new InputError(`${journal.runId} was rolled back; start a new run`);
  if (!isBackedUp(journal)) requireSealKeyForBackup(options.sealing ?? {});
  const from = await resolveTarget(journal.from);
  const to = journal.to === null ? undefined : await resolveTarget(journal.to);
  const { processGone: _settled, ...resumed } = journal;
  return runSteps({ journal: { ...resumed, process: thisProcess() }, from, to, options: withEventLog(options, journal.runId) });
}

function isBackedUp(journal: RunJournal): boolean {
  return journal.steps.find((s) => s.name === 'back up')?.state === 'done';
}

/**
 * How a rollback checks the run's backup: with the key and under the RequireSealedBackups given, and only
 * with the seal the run recorded when it took the file, so that a file altered since is never restored.
 */
export function rollbackSealing(journal: RunJournal, sealing: BackupSealing = {}): BackupSealing {
  return journal.backupSeal ? { ...sealing, recorded: { seal: journal.backupSeal, by: journal.runId } } : sealing;
}

/**
 * Undoes a run: the database updated in place gets the run's backup back, its seal checked first; a new database is dropped; the
 * configuration's releases return to what they were; access is enabled again.
 */
export async function rollbackRun(journal: RunJournal, resolveTarget: (text: string) => Promise<ConnectionTarget>, options: RunOptions): Promise<string[]> {
  if (journal.state === 'rolled back') throw new InputError(`${journal.runId} was rolled back already`);
  const from = await resolveTarget(journal.from);
  const to = journal.to === null ? undefined : await resolveTarget(journal.to);
  const logged = withEventLog(options, journal.runId);
  const done: string[] = [];
  if (journal.path === 'update in place') {
    if (!isBackedUp(journal)) throw new OperationError(`${journal.runId} took no backup (it stopped before "back up"), and nothing was changed`);
    const sealing = rollbackSealing(journal, options.sealing);
    const result = await restoreDatabase(journal.backupFile, from, { replace: true, onProgress: logged.onProgress, sealing });
    options.onBackupSeal?.(result.seal);
    done.push(`${describeTarget(from)} restored from ${journal.backupFile}: ${counted(result.tables.length, 'table')}, each checked against the backup`, `the backup's seal: ${describeSeal(result.seal)}`);
  } else if (to) {
    await dropDatabaseLocked(to, `wfm rollback --run ${journal.runId}`);
    done.push(`the new database ${describeTarget(to)} dropped; the 6.5 database was only read`);
  }
  const config = options.config;
  for (const [name, release] of Object.entries(journal.releasesBefore)) {
    if (!config || release === null) continue;
    config.setRelease(config.application(name), release);
    done.push(`${name} back at ${release} in ${config.name}`);
  }
  done.push(await setAccess({ journal, from, to: undefined, options }, true));
  journal.state = 'rolled back';
  saveJournal(options.runsDirectory, journal);
  for (const text of done) recordRunMessage(eventLogPath(options.runsDirectory, journal.runId), `rolled back: ${text}`);
  return done;
}
