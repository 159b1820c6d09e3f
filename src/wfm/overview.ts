// Where a WFM installation stands, as the console's overview shows it: each database of the
// configuration with its release, size, rows, maintenance mode, registered components and open
// verification items; the last runs of the runs folder, whoever started them; the backups of the backup
// folder; and where each two-step migration stands. Everything is read, nothing is changed.
import { withConnection, type Connection, type ConnectionTarget } from '../engine/dialect/index.ts';
import { describeTarget } from '../engine/dialect/connection-string.ts';
import { errorMessage } from '../engine/errors.ts';
import { maintenanceMode, registeredComponents, type ComponentHeartbeat } from './aggregator/store.ts';
import { listBackups, type BackupFile } from './backup-files.ts';
import { APPLICATION_TITLES } from './config/applications.ts';
import type { ConfigFile } from './config/config-file.ts';
import { databaseInfo, detectRelease } from './database.ts';
import { stepTwoHistory, type StepTwoHistory } from './migrate-performance.ts';
import { listRuns, runDurationMs, runStartedAt, runStateText, type RunJournal } from './run.ts';
import { checkSettings } from './settings.ts';

/** The two-step runs whose step two the overview looks up, newest first: each costs a connection. */
const TWO_STEP_RUNS_SHOWN = 3;
/** The runs the overview lists; Plans & runs lists them all. */
const RUNS_SHOWN = 5;

/** Opened to read only: the overview changes nothing, and creates no SQLite file an access point names wrongly. */
const toRead = (target: ConnectionTarget): ConnectionTarget => ({ ...target, readOnly: true });

export interface DatabaseOverview {
  /** The access point's name, or the connection of the console's own database. */
  name: string;
  connection: string;
  /** The release or what else the database is, or why it could not be read. */
  description: string;
  reachable: boolean;
  engine?: string;
  sizeBytes?: number;
  rows?: number;
  tables?: number;
  /** Whether components are told to stay off; undefined before 8.5.2, which has no such switch. */
  maintenance?: boolean;
  components: ComponentHeartbeat[];
  /** Business units, sites and users with a setting to fix; undefined where the check does not apply (before 8.5.2). */
  openVerificationItems?: number;
  /** The performance migrations (step two and catch-ups) into it; undefined where it has no record of them. */
  stepTwo?: StepTwoHistory;
}

export interface RunSummary {
  runId: string;
  source: string;
  /** The new database of a migration; the source itself for an update in place. */
  target: string;
  path: RunJournal['path'];
  twoStep: boolean;
  state: RunJournal['state'];
  /** The state in words: `interrupted (process gone)`, `running on HOST` where the journal alone would mislead. */
  stateText: string;
  startedAt?: string;
  durationMs: number;
  /** The step under way, failed or stopped; undefined once every step is done. */
  currentStep?: string;
}

export interface TwoStepStanding {
  runId: string;
  target: string;
  /** The state of step one (the run). */
  stepOne: RunJournal['state'];
  /** `pending` until a performance migration has finished in the new database; why it is unknown otherwise. */
  stepTwo: StepTwoHistory | 'pending' | { unknown: string };
}

/** An application of the configuration with the release `wfm run`'s deploy step records for it. */
export interface ApplicationRelease {
  name: string;
  /** As the guide calls its type (WFM Data Aggregator, ...). */
  title: string;
  release?: string;
  /** The access points it connects to. */
  connections: string[];
}

export interface InstallationOverview {
  databases: DatabaseOverview[];
  applications: ApplicationRelease[];
  runs: RunSummary[];
  runsTotal: number;
  backups: BackupFile[];
  twoStep: TwoStepStanding[];
}

export interface OverviewSources {
  /** The database the console serves. */
  database: ConnectionTarget;
  config?: ConfigFile;
  resolve: (text: string) => Promise<ConnectionTarget>;
  runsDirectory: string;
  backupDirectory: string;
}

export async function installationOverview(sources: OverviewSources): Promise<InstallationOverview> {
  const runs = listRuns(sources.runsDirectory);
  return {
    databases: await configuredDatabases(sources),
    applications: (sources.config?.applications ?? []).map((a) => ({ name: a.name, title: APPLICATION_TITLES[a.type], release: a.release, connections: a.connections })),
    runs: runs.slice(0, RUNS_SHOWN).map(summarizeRun),
    runsTotal: runs.length,
    backups: await listBackups(sources.backupDirectory),
    twoStep: await twoStepStandings(runs, sources.resolve),
  };
}

type AccessPoint = { name: string; target: ConnectionTarget } | { name: string; error: unknown };

/** The console's own database first (under its access point's name where it has one), then every other access point. */
async function configuredDatabases(sources: OverviewSources): Promise<DatabaseOverview[]> {
  const points: AccessPoint[] = [];
  for (const point of sources.config?.databases ?? []) {
    points.push(await sources.resolve(point.name).then((target) => ({ name: point.name, target }), (error: unknown) => ({ name: point.name, error })));
  }
  const own = describeTarget(sources.database);
  const ownName = points.find((p) => 'target' in p && describeTarget(p.target) === own)?.name ?? own;
  const found = [await databaseOverview(ownName, sources.database)];
  for (const point of points.filter((p) => p.name !== ownName)) {
    found.push('target' in point ? await databaseOverview(point.name, point.target) : unreachable(point.name, point.name, point.error));
  }
  return found;
}

function unreachable(name: string, connection: string, error: unknown): DatabaseOverview {
  return { name, connection, description: `unreachable: ${errorMessage(error)}`, reachable: false, components: [] };
}

/** One database as the overview shows it: what `wfm info` says of it, and what its 8.5.2 tables record. */
export async function databaseOverview(name: string, target: ConnectionTarget): Promise<DatabaseOverview> {
  const connection = describeTarget(target);
  return withConnection(toRead(target), async (c) => {
    const info = await databaseInfo(c);
    const at852 = info.state.kind === 'current' && info.state.release === '8.5.2';
    return {
      name,
      connection,
      description: info.description,
      reachable: true,
      engine: info.engine,
      sizeBytes: info.sizeBytes,
      rows: info.tables.reduce((sum, t) => sum + t.rows, 0),
      tables: info.tables.length,
      maintenance: at852 ? await maintenanceMode(c) : undefined,
      components: await registeredComponents(c),
      openVerificationItems: at852 ? await openVerificationItems(c) : undefined,
      stepTwo: at852 ? await stepTwoHistory(c) : undefined,
    };
  }).catch((error: unknown) => unreachable(name, connection, error));
}

async function openVerificationItems(connection: Connection): Promise<number> {
  return (await checkSettings(connection)).filter((check) => check.findings.length > 0).length;
}

export function summarizeRun(journal: RunJournal): RunSummary {
  const current = journal.steps.find((step) => step.state !== 'done' && step.state !== 'pending');
  return {
    runId: journal.runId,
    source: journal.from,
    target: journal.to ?? journal.from,
    path: journal.path,
    twoStep: journal.twoStep,
    state: journal.state,
    stateText: runStateText(journal),
    startedAt: runStartedAt(journal),
    durationMs: runDurationMs(journal),
    currentStep: current?.name,
  };
}

async function twoStepStandings(runs: RunJournal[], resolve: OverviewSources['resolve']): Promise<TwoStepStanding[]> {
  const twoStep = runs.filter((run) => run.twoStep && run.to !== null && run.state !== 'rolled back').slice(0, TWO_STEP_RUNS_SHOWN);
  const standings: TwoStepStanding[] = [];
  for (const run of twoStep) {
    const target = run.to as string;
    standings.push({ runId: run.runId, target, stepOne: run.state, stepTwo: run.state === 'done' ? await stepTwoOf(target, resolve) : 'pending' });
  }
  return standings;
}

async function stepTwoOf(target: string, resolve: OverviewSources['resolve']): Promise<TwoStepStanding['stepTwo']> {
  try {
    const history = await withConnection(toRead(await resolve(target)), async (c) => ((await detectRelease(c)).kind === 'current' ? stepTwoHistory(c) : undefined));
    return history ?? 'pending';
  } catch (error) {
    return { unknown: errorMessage(error) };
  }
}

/**
 * Whether the console shows its "under construction" page: the WFM Web application's Maintenance option,
 * or the switch in an 8.5.2 database that `wfm run` sets while it works.
 */
export async function consoleInMaintenance(database: ConnectionTarget, config: ConfigFile | undefined): Promise<boolean> {
  const web = config?.applicationOfType('web');
  if (config && web && config.option(web, 'Options', 'Maintenance') === '1') return true;
  return withConnection(toRead(database), async (c) => {
    const state = await detectRelease(c);
    return state.kind === 'current' && state.release === '8.5.2' && (await maintenanceMode(c));
  }).catch(() => false);
}
