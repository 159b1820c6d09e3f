// The Database Utility's create and update, and recognizing what a database is: empty, a legacy 6.5
// layout, a current release, a newer release than this tool knows, or not a WFM database at all.
import { readFileSync } from 'node:fs';
import type { Connection, Lock } from '../engine/dialect/types.ts';
import { describeHolder, lockHeldError, utcTimestamp } from '../engine/dialect/lock.ts';
import { JOURNAL_TABLE_NAME } from '../engine/engine-tables.ts';
import { InputError } from '../engine/errors.ts';
import type { ProgressListener } from '../engine/progress.ts';
import type { Step } from '../engine/steps/operations.ts';
import { type AppliedStep, applySteps, appliedVersions, renderStep, type StepRunOptions } from '../engine/steps/runner.ts';
import { setMaintenanceMode } from './aggregator/store.ts';
import { verifyScript } from './script.ts';
import { legacyReleaseOf, legacySchemaStatementsFor, LEGACY_VERSION_TEXT } from './releases/legacy.ts';
import { creationStep, HISTORY_TABLE, stepsBetween } from './releases/index.ts';
import {
  compareDotted,
  compareReleases,
  type CurrentRelease,
  isCurrentRelease,
  isLegacyRelease,
  isRelease,
  LATEST_RELEASE,
  type LegacyRelease,
  type Release,
} from './releases/versions.ts';

export const TOOL_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The one lock every operation that writes a database takes (create, update, migrate, restore, settings,
 * generate), under one name, so that no two of them ever run on the same database at once.
 */
export const DATABASE_LOCK = 'the WFM database lock';

/**
 * Takes the database lock for `operation` (the command, as a refused session will name it), before
 * anything is written; another session's refusal names this process and what it is doing.
 */
export function lockDatabase(connection: Connection, operation: string, waitMs = 0): Promise<Lock> {
  return connection.acquireLock(DATABASE_LOCK, describeHolder(operation), waitMs);
}

/**
 * Runs a check made before taking the lock. Its refusal may only reflect another operation's work in
 * progress (a restore that has dropped the tables it is about to load): while the lock is held, that
 * operation is named instead.
 */
export async function refusedOrLocked<T>(connection: Connection, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (refusal) {
    if (!(refusal instanceof InputError)) throw refusal;
    // Where the lock cannot even be asked about, the refusal stands as it is.
    const holder = await connection.lockHolder(DATABASE_LOCK).catch(() => undefined);
    if (holder !== undefined) throw lockHeldError(connection, DATABASE_LOCK, holder);
    throw refusal;
  }
}

/** The table of the maintenance switch that components honour (8.5.2 on). */
const MAINTENANCE_SWITCH_TABLE = 'system_setting';

export type DatabaseState =
  | { kind: 'empty' }
  | { kind: 'legacy'; release: LegacyRelease }
  | { kind: 'current'; release: CurrentRelease }
  | { kind: 'newer'; version: string }
  /**
   * Its tables are there but no release is recorded. `resumable`: a creation was interrupted where DDL
   * cannot roll back (MariaDB) and its step journal says how far it got, so creating it again finishes it;
   * otherwise something else left it so (an interrupted restore), and only a restore with --replace or a
   * new database mends it.
   */
  | { kind: 'incomplete'; resumable: boolean }
  | { kind: 'not-wfm'; reason: string };

export async function detectRelease(connection: Connection): Promise<DatabaseState> {
  const tables = await connection.introspector.tableNames();
  if (tables.length === 0) return { kind: 'empty' };
  if (tables.includes(HISTORY_TABLE)) {
    const versions = await appliedVersions(connection, HISTORY_TABLE);
    return versions.length === 0 ? { kind: 'incomplete', resumable: await creationJournalled(connection) } : currentState(versions);
  }
  if (tables.includes('db_info')) return legacyState(connection);
  return { kind: 'not-wfm', reason: `it has ${tables.length} tables (${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}) but neither wm_db_version nor db_info` };
}

/**
 * Whether an interrupted creation recorded its statements in the step journal. Where DDL is transactional
 * an interrupted creation leaves nothing, so tables without a release were left by something else.
 */
async function creationJournalled(connection: Connection): Promise<boolean> {
  if (connection.adapter.transactionalDdl) return false;
  try {
    const rows = await connection.query(`SELECT COUNT(*) AS n FROM ${connection.compiler.quoteIdentifier(JOURNAL_TABLE_NAME)}`);
    return Number(rows[0]?.n) > 0;
  } catch {
    // No journal table: no step ever ran in this database.
    return false;
  }
}

function currentState(versions: string[]): DatabaseState {
  const unknown = versions.filter((v) => !isRelease(v));
  const newer = unknown.find((v) => compareDotted(v, LATEST_RELEASE) > 0);
  if (newer) return { kind: 'newer', version: newer };
  if (unknown.length > 0) return { kind: 'not-wfm', reason: `its wm_db_version names releases this tool does not know (${unknown.join(', ')})` };
  const latest = versions.filter(isCurrentRelease).sort(compareReleases).at(-1);
  return latest ? { kind: 'current', release: latest } : { kind: 'not-wfm', reason: 'its wm_db_version names no 7.6 or later release' };
}

async function legacyState(connection: Connection): Promise<DatabaseState> {
  const rows = await connection.query('SELECT version FROM db_info');
  const text = rows[0]?.version;
  if (typeof text !== 'string') return { kind: 'not-wfm', reason: 'its db_info table is empty' };
  const release = legacyReleaseOf(text);
  if (release) return { kind: 'legacy', release };
  if (compareDotted(text.trim(), '6.5.201.00') > 0 && text.startsWith('6.')) return { kind: 'newer', version: text.trim() };
  return { kind: 'not-wfm', reason: `its db_info names release "${text.trim()}", which is not 6.5.104.00 or 6.5.201.00` };
}

export function describeState(state: DatabaseState): string {
  switch (state.kind) {
    case 'empty':
      return 'an empty database';
    case 'legacy':
      return `a WFM ${state.release} database (legacy 6.5 layout)`;
    case 'current':
      return `a WFM ${state.release} database`;
    case 'newer':
      return `a WFM database at release ${state.version}, newer than this tool (${TOOL_VERSION}, up to ${LATEST_RELEASE}) knows`;
    case 'not-wfm':
      return `not a WFM database: ${state.reason}`;
    case 'incomplete':
      return state.resumable
        ? 'a WFM database whose creation was interrupted (run the same create or migration again to finish it)'
        : 'a WFM database left unfinished, as an interrupted restore leaves it: its tables are there but no release is recorded ' +
            '(restore the backup again with wfm bru restore --replace, or drop the database and create it again)';
  }
}

export interface ChangeOptions {
  dryRun?: boolean;
  /** How long to wait for another session's update to finish before giving up. */
  lockWaitMs?: number;
  /** The command making the change, as a session refused the database lock names it. */
  operation?: string;
  /**
   * Maintenance mode on from the step that creates its switch, committed with that step: an update in
   * place under `wfm run` is never at 8.5.2 and open to writing before the run enables access.
   */
  maintenance?: boolean;
  progress?: Pick<StepRunOptions, 'onStepStart' | 'onStepDone' | 'onStatement' | 'beforeStatement'>;
  /** A reviewed script (`bru -UPDATE -SCRIPT`): the steps run only if it holds each of them unchanged. */
  script?: { text: string; file: string };
}

export interface ChangeResult {
  from: DatabaseState;
  to: Release;
  steps: AppliedStep[];
  /** With dryRun: the SQL that would run, step by step. */
  script?: { step: Step; statements: string[] }[];
}

/** `dbu create`: an empty database becomes release `release` (the latest by default). */
export async function createDatabase(connection: Connection, release: Release = LATEST_RELEASE, options: ChangeOptions = {}): Promise<ChangeResult> {
  const plan = (state: DatabaseState): Step[] => {
    if (state.kind !== 'empty' && !(state.kind === 'incomplete' && state.resumable)) {
      throw new InputError(`${connection.description} is ${describeState(state)}; wfm dbu create needs an empty database`);
    }
    return isLegacyRelease(release) ? [] : [creationStep(release)];
  };
  return changeUnderLock(connection, { ...options, operation: options.operation ?? 'wfm dbu create' }, plan, async (state, steps) =>
    isLegacyRelease(release) ? createLegacy(connection, release, options) : runSteps(connection, state, release, steps, options),
  );
}

/**
 * `dbu update`: a 7.6 or later database is brought to `to` in place, step by step. With
 * `createWhenEmpty` (the original `-UPDATE`), an empty database is created at `to` instead.
 */
export async function updateDatabase(
  connection: Connection,
  to: CurrentRelease = LATEST_RELEASE,
  options: ChangeOptions & { createWhenEmpty?: boolean } = {},
): Promise<ChangeResult> {
  const plan = (state: DatabaseState): Step[] => {
    switch (state.kind) {
      case 'empty':
        if (options.createWhenEmpty) return [creationStep(to)];
        throw new InputError(`${connection.description} is empty; create it with wfm dbu create --db <url> --version ${to}`);
      case 'legacy':
        throw new InputError(
          `${connection.description} is ${describeState(state)}: 6.5 is not updated in place; ` +
            'migrate it into a new database with wfm dbu migrate --from <6.5 url> --to <new url>',
        );
      case 'newer':
      case 'not-wfm':
      case 'incomplete':
        throw new InputError(`${connection.description} is ${describeState(state)}; it cannot be updated`);
      case 'current':
        if (compareReleases(state.release, to) > 0) {
          throw new InputError(`${connection.description} is already at ${state.release}, later than ${to}; a database is never taken back to an earlier release`);
        }
        return stepsBetween(state.release, to);
    }
  };
  return changeUnderLock(connection, { ...options, operation: options.operation ?? 'wfm dbu update' }, plan, (state, steps) => runSteps(connection, state, to, steps, options));
}

/**
 * Plans once before taking the lock, so that a database that must be refused is never written to, and
 * again under the lock, since another session may have changed the database while this one waited.
 */
async function changeUnderLock(
  connection: Connection,
  options: ChangeOptions & { operation: string },
  plan: (state: DatabaseState) => Step[],
  run: (state: DatabaseState, steps: Step[]) => Promise<ChangeResult>,
): Promise<ChangeResult> {
  await refusedOrLocked(connection, async () => plan(await detectRelease(connection)));
  if (options.dryRun) {
    const state = await detectRelease(connection);
    return run(state, plan(state));
  }
  const lock = await lockDatabase(connection, options.operation, options.lockWaitMs ?? 0);
  try {
    const state = await detectRelease(connection);
    return await run(state, plan(state));
  } finally {
    await lock.release();
  }
}

async function runSteps(connection: Connection, from: DatabaseState, to: Release, steps: Step[], options: ChangeOptions): Promise<ChangeResult> {
  if (options.script) verifyScript(options.script.text, options.script.file, connection.adapter.engine, connection.compiler, steps);
  if (options.dryRun) {
    return { from, to, steps: [], script: steps.map((step) => ({ step, statements: renderStep(connection, step).map((s) => s.sql) })) };
  }
  const withinStep = options.maintenance ? (step: Step) => maintenanceOnWithSwitch(connection, step) : undefined;
  const applied = await applySteps(connection, steps, { historyTable: HISTORY_TABLE, toolVersion: TOOL_VERSION, ...options.progress, withinStep });
  return { from, to, steps: applied };
}

/** Sets maintenance mode in the step that creates the table of its switch. */
async function maintenanceOnWithSwitch(connection: Connection, step: Step): Promise<void> {
  if (step.operations.some((operation) => operation.kind === 'createTable' && operation.table.name === MAINTENANCE_SWITCH_TABLE)) {
    await setMaintenanceMode(connection, true);
  }
}

async function createLegacy(connection: Connection, release: LegacyRelease, options: ChangeOptions): Promise<ChangeResult> {
  const statements = await legacySchemaStatementsFor(connection.adapter.engine, connection.compiler, release);
  const from: DatabaseState = { kind: 'empty' };
  if (options.dryRun) {
    return { from, to: release, steps: [], script: [{ step: { version: release, description: `create the legacy ${release} schema`, operations: [] }, statements }] };
  }
  const started = performance.now();
  const run = async (): Promise<void> => {
    for (const sql of statements) await connection.execute(sql);
    const q = connection.compiler;
    await connection.execute(`INSERT INTO db_info (version, created_on, product) VALUES (${q.parameter(1)}, ${q.parameter(2)}, ${q.parameter(3)})`, [
      LEGACY_VERSION_TEXT[release],
      Number(utcTimestamp(new Date()).slice(0, 10).replaceAll('-', '')),
      'Workforce Management',
    ]);
  };
  if (connection.adapter.transactionalDdl) await connection.transaction(run);
  else await run();
  const durationMs = Math.round(performance.now() - started);
  return { from, to: release, steps: [{ version: release, description: `create the legacy ${release} schema`, checksum: '', durationMs, statements: statements.length }] };
}

export interface DatabaseInfo {
  database: string;
  engine: string;
  state: DatabaseState;
  description: string;
  sizeBytes: number;
  tables: { name: string; rows: number }[];
}

export async function databaseInfo(connection: Connection): Promise<DatabaseInfo> {
  const state = await detectRelease(connection);
  const names = await connection.introspector.tableNames();
  const tables: DatabaseInfo['tables'] = [];
  for (const name of names) {
    const rows = await connection.query(`SELECT COUNT(*) AS n FROM ${connection.compiler.quoteIdentifier(name)}`);
    tables.push({ name, rows: Number(rows[0]?.n ?? 0) });
  }
  return {
    database: connection.description,
    engine: connection.adapter.engine,
    state,
    description: describeState(state),
    sizeBytes: await connection.sizeBytes(),
    tables,
  };
}

/** Step callbacks that report as progress events, for any front end. */
export function stepProgress(listener: ProgressListener): NonNullable<ChangeOptions['progress']> {
  return {
    onStepStart: (step, statements) => listener({ type: 'step-start', step: step.version, description: step.description, statements }),
    onStatement: (step, done, total) => listener({ type: 'step-progress', step: step.version, done, total }),
    onStepDone: (step, durationMs) => listener({ type: 'step-done', step: step.version, durationMs }),
  };
}
