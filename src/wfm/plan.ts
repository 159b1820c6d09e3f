// `wfm plan`: what a migration or update will do, checked before anything changes. The source's release
// picks the path (update in place from 7.6 on, a new database for 6.5, in two steps when the performance
// data is large or asked for); every prerequisite of the guide's first step gets pass, warn or fail with
// what to do; the downtime is estimated from the throughput measured on a sample of the source.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeTarget } from '../engine/dialect/connection-string.ts';
import { isSameDatabase } from '../engine/dialect/identity.ts';
import { connect, type Connection, type ConnectionTarget } from '../engine/dialect/index.ts';
import { freeBytesAt } from '../engine/dialect/local-disk.ts';
import { errorMessage } from '../engine/errors.ts';
import type { ConfigFile } from './config/config-file.ts';
import { databaseInfo, type DatabaseInfo, type DatabaseState, describeState, detectRelease } from './database.ts';
import { loadLegacyContext, PERFORMANCE_TABLES, TABLE_MAPPINGS } from './legacy65/index.ts';
import { LATEST_RELEASE } from './releases/versions.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface PlanCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or a fail. */
  action?: string;
}

export type MigrationPath = 'update in place' | 'migration' | 'two-step migration' | 'nothing to do' | 'none';

export interface PlanStep {
  name: string;
  description: string;
  estimateSeconds?: number;
}

export interface Plan {
  source: string;
  sourceRelease: string | null;
  target: string | null;
  targetRelease: string;
  path: MigrationPath;
  checks: PlanCheck[];
  steps: PlanStep[];
  estimate: { rows: number; sizeBytes: number; sampleRows: number; rowsPerSecond: number; downtimeSeconds: number; backupBytes: number; targetBytes: number } | null;
  /** No check failed. */
  ok: boolean;
}

export interface PlanOptions {
  config?: ConfigFile;
  /** Ask for the two-step path whatever the size of the performance data. */
  twoStep?: boolean;
  backupDirectory?: string;
}

/** Performance data above this many rows makes the planner choose the two-step path on its own. */
export const TWO_STEP_PERFORMANCE_ROWS = 1_000_000;
/** The guide's sizing rule: a 6.5 database and the 8.x database it becomes are about 11 : 9. */
const SIZE_RATIO_6_5 = 9 / 11;
/** Measured: a backup file takes about this share of the database's size on disk (0.27 to 0.5). */
const BACKUP_SIZE_RATIO = 0.5;
/** Rows per second the measured read rate is divided into: reading, writing, indexing and reading back. */
const PASSES_PER_ROW = 3;
const SAMPLE_ROWS = 50_000;

const check = (name: string, status: CheckStatus, detail: string, action?: string): PlanCheck => (action ? { name, status, detail, action } : { name, status, detail });

function pathFor(state: DatabaseState, performanceRows: number, twoStep: boolean): MigrationPath {
  if (state.kind === 'legacy') return twoStep || performanceRows >= TWO_STEP_PERFORMANCE_ROWS ? 'two-step migration' : 'migration';
  if (state.kind === 'current') return state.release === LATEST_RELEASE ? 'nothing to do' : 'update in place';
  return 'none';
}

function sourceCheck(info: DatabaseInfo, path: MigrationPath): PlanCheck {
  const what = `${info.database} is ${info.description}`;
  switch (info.state.kind) {
    case 'legacy':
      return check('source release', 'pass', `${what}: migrated into a new ${LATEST_RELEASE} database${path === 'two-step migration' ? ' in two steps' : ''}`);
    case 'current':
      return path === 'nothing to do'
        ? check('source release', 'pass', `${what}: already at ${LATEST_RELEASE}, nothing to migrate`)
        : check('source release', 'pass', `${what}: updated in place to ${LATEST_RELEASE}, one step per release`);
    case 'newer':
      return check('source release', 'fail', what, `use the release of this tool that knows ${info.state.version}`);
    case 'empty':
      return check('source release', 'fail', what, 'point --from at the WFM database to migrate');
    case 'incomplete':
      return check('source release', 'fail', what, info.state.resumable ? 'finish its creation (run it again) before planning a migration' : 'restore its backup again with wfm bru restore --replace before planning a migration');
    case 'not-wfm':
      return check('source release', 'fail', what, 'point --from at a WFM database (6.5.104 or later)');
  }
}

/** The same release stream as the target: 8.5.x for 8.5.2 (the guide: all components in one stream). */
const sameStream = (release: string): boolean => release.split('.').slice(0, 2).join('.') === LATEST_RELEASE.split('.').slice(0, 2).join('.');

function componentChecks(config: ConfigFile | undefined): PlanCheck[] {
  const checks: PlanCheck[] = [];
  for (const app of config?.applications ?? []) {
    const release = app.release ?? 'no release recorded';
    if (sameStream(release)) checks.push(check(`component ${app.name}`, 'pass', `${app.type} at ${release}, the ${LATEST_RELEASE} stream`));
    else {
      checks.push(
        check(`component ${app.name}`, 'warn', `${app.type} at ${release}, not in the ${LATEST_RELEASE} stream`, `deploy its ${LATEST_RELEASE} release during the run (the Deploy step records it in ${config?.name})`),
      );
    }
  }
  return checks;
}

async function targetCheck(source: ConnectionTarget, target: ConnectionTarget | undefined, path: MigrationPath): Promise<PlanCheck> {
  if (path === 'update in place' || path === 'nothing to do') return check('target', 'pass', 'the source itself: updated in place, after a backup');
  if (!target) return check('target', 'fail', `a ${path} writes into a new database`, 'give it with --to URL (or --to NAME with --config)');
  if (await isSameDatabase(source, target)) return check('target', 'fail', `${describeTarget(target)} is the source itself`, 'name a new or empty database as the target: the source is only read');
  if (target.engine === 'sqlite' && target.path && !existsSync(target.path)) {
    const directory = dirname(resolve(target.path));
    return existsSync(directory)
      ? check('target', 'pass', `${target.path} does not exist yet: the migration creates it`)
      : check('target', 'fail', `the folder ${directory} does not exist`, 'create the folder, or choose another path');
  }
  let connection: Connection;
  try {
    connection = await connect({ ...target, readOnly: true });
  } catch (error) {
    const message = errorMessage(error);
    return /does not exist|Unknown database/i.test(message)
      ? check('target', 'warn', `${message}; the migration creates it`, 'make sure the user may create databases on that server')
      : check('target', 'fail', message, 'start the server, or correct the connection');
  }
  try {
    const state = await detectRelease(connection);
    // A database that holds data is never offered to be dropped: it may be what someone else depends on.
    if (state.kind !== 'empty') return check('target', 'fail', `${connection.description} is ${describeState(state)}`, 'name a new or empty database as the target; this one is left as it is');
    if (!(await connection.canCreateTables())) return check('target', 'fail', `the user of ${connection.description} may not create tables there`, 'grant it CREATE, or connect as a user who has it');
    return check('target', 'pass', `${connection.description} is empty and its user may create tables`);
  } finally {
    await connection.close();
  }
}

async function updatePrivilegeCheck(source: Connection, path: MigrationPath): Promise<PlanCheck[]> {
  if (path !== 'update in place') return [];
  return (await source.canCreateTables())
    ? [check('privileges', 'pass', `the user of ${source.description} may create tables in it`)]
    : [check('privileges', 'fail', `the user of ${source.description} may not create tables in it`, 'run the update as a user with CREATE on the database')];
}

function spaceCheck(name: string, free: number | undefined, needed: number, where: string): PlanCheck {
  const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
  if (free === undefined) return check(name, 'warn', `needs about ${mib(needed)} ${where}; free space there cannot be measured from this machine`, `make sure ${where} has ${mib(needed)} free`);
  if (free < needed) return check(name, 'fail', `needs about ${mib(needed)} ${where}, ${mib(free)} free`, `free ${mib(needed - free)} ${where}, or choose another place`);
  return check(name, 'pass', `needs about ${mib(needed)} ${where}, ${mib(free)} free`);
}

/** Rows per second of reading and mapping the largest table: the source's own pace. */
async function measureThroughput(source: Connection, info: DatabaseInfo): Promise<{ rows: number; rowsPerSecond: number }> {
  const largest = [...info.tables].sort((a, b) => b.rows - a.rows)[0];
  if (!largest || largest.rows === 0) return { rows: 0, rowsPerSecond: 0 };
  const q = source.compiler;
  const mapping = info.state.kind === 'legacy' ? TABLE_MAPPINGS.find((m) => m.source === largest.name) : undefined;
  const transform = mapping && info.state.kind === 'legacy' ? mapping.transform(await loadLegacyContext(source, info.state.release)) : undefined;
  const started = performance.now();
  let rows = 0;
  for await (const batch of source.streamQuery(`SELECT * FROM ${q.quoteIdentifier(largest.name)}`, [], 10_000)) {
    for (const row of batch) transform?.(row);
    rows += batch.length;
    if (rows >= SAMPLE_ROWS) break;
  }
  const seconds = Math.max((performance.now() - started) / 1000, 0.001);
  return { rows, rowsPerSecond: rows / seconds };
}

function planSteps(path: MigrationPath, estimate: NonNullable<Plan['estimate']>, performanceRows: number, backupDirectory: string): PlanStep[] {
  const copySeconds = estimate.rowsPerSecond > 0 ? Math.ceil(((estimate.rows - (path === 'two-step migration' ? performanceRows : 0)) * PASSES_PER_ROW) / estimate.rowsPerSecond) : 0;
  const backupSeconds = estimate.rowsPerSecond > 0 ? Math.ceil(estimate.rows / estimate.rowsPerSecond) : 0;
  const steps: PlanStep[] = [
    { name: 'check prerequisites', description: 'the checks above, again, at the start of the run' },
    { name: 'disable access', description: 'maintenance mode: the console shows its "under construction" page, the Data Aggregator spools' },
    { name: 'stop server components', description: 'wait until the heartbeats of the registered components stop (or --force)' },
    { name: 'back up', description: `the source into one backup file in ${backupDirectory}`, estimateSeconds: backupSeconds },
  ];
  if (path === 'update in place') steps.push({ name: 'update', description: `in place to ${LATEST_RELEASE}, one transaction per release`, estimateSeconds: Math.ceil(backupSeconds / 2) });
  else {
    steps.push({
      name: 'migrate',
      description: path === 'two-step migration' ? `step one: everything but the ${performanceRows.toLocaleString('en-US')} rows of performance data, which step two merges while collecting goes on` : `into a new ${LATEST_RELEASE} database, verified table by table`,
      estimateSeconds: copySeconds,
    });
  }
  steps.push(
    { name: 'deploy', description: `record ${LATEST_RELEASE} as the release of each application in the configuration` },
    { name: 'verify', description: 'the data, and the connections and settings the guide lists' },
    { name: 'enable access', description: 'maintenance mode off' },
  );
  return steps;
}

export async function planMigration(from: ConnectionTarget, to: ConnectionTarget | undefined, options: PlanOptions = {}): Promise<Plan> {
  let source: Connection;
  try {
    source = await connect({ ...from, readOnly: true });
  } catch (error) {
    const failed = check('source release', 'fail', errorMessage(error), 'start the server, or correct the connection');
    return { source: from.engine, sourceRelease: null, target: null, targetRelease: LATEST_RELEASE, path: 'none', checks: [failed], steps: [], estimate: null, ok: false };
  }
  try {
    const info = await databaseInfo(source);
    const performanceRows = info.tables.filter((t) => PERFORMANCE_TABLES.has(t.name)).reduce((sum, t) => sum + t.rows, 0);
    const path = pathFor(info.state, performanceRows, options.twoStep ?? false);
    const checks = [sourceCheck(info, path)];
    const release = 'release' in info.state ? info.state.release : null;
    if (path === 'none' || path === 'nothing to do') {
      return { source: source.description, sourceRelease: release, target: null, targetRelease: LATEST_RELEASE, path, checks, steps: [], estimate: null, ok: path !== 'none' };
    }
    checks.push(await targetCheck(from, to, path), ...(await updatePrivilegeCheck(source, path)), ...componentChecks(options.config));
    const rows = info.tables.reduce((sum, t) => sum + t.rows, 0);
    const targetBytes = Math.ceil(info.sizeBytes * (info.state.kind === 'legacy' ? SIZE_RATIO_6_5 : 1));
    const backupBytes = Math.ceil(info.sizeBytes * BACKUP_SIZE_RATIO);
    const backupDirectory = resolve(options.backupDirectory ?? '.');
    checks.push(spaceCheck('space for the backup', freeBytesAt(backupDirectory), backupBytes, `in ${backupDirectory}`));
    if (path !== 'update in place') checks.push(await targetSpaceCheck(to, targetBytes));
    if (info.state.kind === 'legacy') {
      checks.push(
        check('forecast and schedule scenarios', 'warn', 'in 6.5, unpublished forecasts and schedules live only in files on the workstations, and are not migrated', 'publish every forecast and schedule to keep before the run'),
      );
    }
    const sample = await measureThroughput(source, info);
    const estimate = { rows, sizeBytes: info.sizeBytes, sampleRows: sample.rows, rowsPerSecond: Math.round(sample.rowsPerSecond), downtimeSeconds: 0, backupBytes, targetBytes };
    const steps = planSteps(path, estimate, performanceRows, backupDirectory);
    estimate.downtimeSeconds = steps.reduce((sum, s) => sum + (s.estimateSeconds ?? 0), 0);
    return { source: source.description, sourceRelease: release, target: to ? describeTarget(to) : null, targetRelease: LATEST_RELEASE, path, checks, steps, estimate, ok: !checks.some((c) => c.status === 'fail') };
  } finally {
    await source.close();
  }
}

async function targetSpaceCheck(to: ConnectionTarget | undefined, needed: number): Promise<PlanCheck> {
  if (!to) return check('space for the new database', 'warn', 'no target given');
  if (to.engine === 'sqlite') return spaceCheck('space for the new database', freeBytesAt(dirname(resolve(to.path ?? '.'))), needed, `beside ${to.path}`);
  try {
    const connection = await connect({ ...to, readOnly: true });
    try {
      return spaceCheck('space for the new database', await connection.freeBytes(), needed, `on ${connection.description}`);
    } finally {
      await connection.close();
    }
  } catch {
    return spaceCheck('space for the new database', undefined, needed, 'on the target server');
  }
}
