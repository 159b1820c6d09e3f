// Creating and updating the ETL database, and recognizing one. The ETL tables may live in a database of
// their own or next to the WFM tables: only the ETL tables are looked at, created or changed, under the
// same lock as every other change to the database.
import type { Connection } from '../../engine/dialect/types.ts';
import { JOURNAL_TABLE_NAME } from '../../engine/engine-tables.ts';
import { InputError } from '../../engine/errors.ts';
import type { Step } from '../../engine/steps/operations.ts';
import { type AppliedStep, applySteps, appliedVersions, renderStep } from '../../engine/steps/runner.ts';
import { type ChangeOptions, lockDatabase, refusedOrLocked, TOOL_VERSION } from '../database.ts';
import { compareDotted } from '../releases/versions.ts';
import { verifyScript } from '../script.ts';
import { ETL_VERSION_TABLE, etlCreationStep, etlModel, etlStepsBetween } from './releases.ts';
import { compareEtlReleases, type EtlRelease, isEtlRelease, LATEST_ETL_RELEASE } from './versions.ts';

export type EtlState =
  /** No ETL table at all: an ETL database can be created here. */
  | { kind: 'absent' }
  | { kind: 'current'; release: EtlRelease }
  | { kind: 'newer'; version: string }
  /** ETL tables without a recorded release; `resumable` when a creation's step journal says how far it got. */
  | { kind: 'incomplete'; resumable: boolean }
  | { kind: 'not-etl'; reason: string };

/** Every table name any ETL release has, upper case. */
const ETL_TABLE_NAMES = new Set(etlModel(LATEST_ETL_RELEASE).tables.map((t) => t.name));

/**
 * Table names are compared in upper case: a MariaDB server with lower_case_table_names set reports them in
 * lower case, whatever case they were created in.
 */
export async function detectEtlRelease(connection: Connection): Promise<EtlState> {
  const names = await connection.introspector.tableNames();
  const etlNames = names.filter((n) => ETL_TABLE_NAMES.has(n.toUpperCase()));
  if (etlNames.length === 0) return { kind: 'absent' };
  const versionTable = etlNames.find((n) => n.toUpperCase() === ETL_VERSION_TABLE);
  if (!versionTable) return { kind: 'not-etl', reason: `it has ETL tables (${etlNames.slice(0, 3).join(', ')}) but no ${ETL_VERSION_TABLE}` };
  const versions = await appliedVersions(connection, versionTable);
  if (versions.length === 0) return { kind: 'incomplete', resumable: await creationJournalled(connection) };
  const unknown = versions.filter((v) => !isEtlRelease(v));
  const newer = unknown.find((v) => compareDotted(v, LATEST_ETL_RELEASE) > 0);
  if (newer) return { kind: 'newer', version: newer };
  if (unknown.length > 0) return { kind: 'not-etl', reason: `its ${ETL_VERSION_TABLE} names releases this tool does not know (${unknown.join(', ')})` };
  const latest = versions.filter(isEtlRelease).sort(compareEtlReleases).at(-1);
  return latest ? { kind: 'current', release: latest } : { kind: 'not-etl', reason: `its ${ETL_VERSION_TABLE} names no ETL release` };
}

/**
 * The ETL steps' entries in the step journal start with this, apart from the WFM database's steps of the
 * same version (8.1) when both live in one database.
 */
const JOURNAL_PREFIX = 'ETL ';

/** Where DDL is transactional an interrupted creation leaves nothing; elsewhere its journal says so. */
async function creationJournalled(connection: Connection): Promise<boolean> {
  if (connection.adapter.transactionalDdl) return false;
  try {
    const q = connection.compiler;
    const rows = await connection.query(`SELECT COUNT(*) AS n FROM ${q.quoteIdentifier(JOURNAL_TABLE_NAME)} WHERE version LIKE ${q.literal(`${JOURNAL_PREFIX}%`)}`);
    return Number(rows[0]?.n) > 0;
  } catch {
    // No journal table: no step ever ran in this database.
    return false;
  }
}

export function describeEtlState(state: EtlState): string {
  switch (state.kind) {
    case 'absent':
      return 'no WFM ETL database';
    case 'current':
      return `a WFM ETL database at release ${state.release}`;
    case 'newer':
      return `a WFM ETL database at release ${state.version}, newer than this tool (${TOOL_VERSION}, up to ${LATEST_ETL_RELEASE}) knows`;
    case 'incomplete':
      return state.resumable
        ? 'a WFM ETL database whose creation was interrupted (run the same wfm etl create again to finish it)'
        : `a WFM ETL database left unfinished: its tables are there but no release is recorded in ${ETL_VERSION_TABLE}`;
    case 'not-etl':
      return `not a WFM ETL database: ${state.reason}`;
  }
}

export type EtlChangeOptions = Pick<ChangeOptions, 'dryRun' | 'lockWaitMs' | 'operation' | 'progress' | 'script'>;

export interface EtlChangeResult {
  from: EtlState;
  to: EtlRelease;
  steps: AppliedStep[];
  /** With dryRun: the SQL that would run, step by step. */
  script?: { step: Step; statements: string[] }[];
}

/** `wfm etl create`: the ETL tables of `release` in a database that has none. */
export function createEtlDatabase(connection: Connection, release: EtlRelease = LATEST_ETL_RELEASE, options: EtlChangeOptions = {}): Promise<EtlChangeResult> {
  const plan = (state: EtlState): Step[] => {
    if (state.kind !== 'absent' && !(state.kind === 'incomplete' && state.resumable)) {
      throw new InputError(`${connection.description} holds ${describeEtlState(state)}; wfm etl create needs a database without ETL tables`);
    }
    return [etlCreationStep(release)];
  };
  return changeUnderLock(connection, release, { ...options, operation: options.operation ?? 'wfm etl create' }, plan);
}

/**
 * `wfm etl update`: an ETL database is brought to `to` step by step. With `createWhenAbsent` (the
 * original `-UPDATE` with an ETL script), a database without ETL tables gets them at `to`.
 */
export function updateEtlDatabase(
  connection: Connection,
  to: EtlRelease = LATEST_ETL_RELEASE,
  options: EtlChangeOptions & { createWhenAbsent?: boolean } = {},
): Promise<EtlChangeResult> {
  const plan = (state: EtlState): Step[] => {
    switch (state.kind) {
      case 'absent':
        if (options.createWhenAbsent) return [etlCreationStep(to)];
        throw new InputError(`${connection.description} has no WFM ETL database; create it with wfm etl create --db <url> --version ${to}`);
      case 'newer':
      case 'not-etl':
      case 'incomplete':
        throw new InputError(`${connection.description} holds ${describeEtlState(state)}; it cannot be updated`);
      case 'current':
        if (compareEtlReleases(state.release, to) > 0) {
          throw new InputError(`the ETL database in ${connection.description} is already at ${state.release}, later than ${to}; it is never taken back to an earlier release`);
        }
        return etlStepsBetween(state.release, to);
    }
  };
  return changeUnderLock(connection, to, { ...options, operation: options.operation ?? 'wfm etl update' }, plan);
}

/**
 * Plans once before taking the lock, so that a database that must be refused is never written to, and
 * again under the lock, since another session may have changed it while this one waited.
 */
async function changeUnderLock(
  connection: Connection,
  to: EtlRelease,
  options: EtlChangeOptions & { operation: string },
  plan: (state: EtlState) => Step[],
): Promise<EtlChangeResult> {
  await refusedOrLocked(connection, async () => plan(await detectEtlRelease(connection)));
  if (options.dryRun) return runPlanned(connection, to, options, plan);
  const lock = await lockDatabase(connection, options.operation, options.lockWaitMs ?? 0);
  try {
    return await runPlanned(connection, to, options, plan);
  } finally {
    await lock.release();
  }
}

/** Runs the steps planned from the database's state now; a reviewed script must hold each of them unchanged. */
async function runPlanned(connection: Connection, to: EtlRelease, options: EtlChangeOptions, plan: (state: EtlState) => Step[]): Promise<EtlChangeResult> {
  const from = await detectEtlRelease(connection);
  const steps = plan(from);
  if (options.script) verifyScript(options.script.text, options.script.file, connection.adapter.engine, connection.compiler, steps);
  if (options.dryRun) return { from, to, steps: [], script: steps.map((step) => ({ step, statements: renderStep(connection, step).map((s) => s.sql) })) };
  const applied = await applySteps(connection, steps, { historyTable: ETL_VERSION_TABLE, journalPrefix: JOURNAL_PREFIX, toolVersion: TOOL_VERSION, ...options.progress });
  return { from, to, steps: applied };
}
