// The Database Utility's "Database Migration": a 6.5 database copied into a new 8.5.2 database through
// the 6.5 mapping, on the copy engine. The source is opened read-only; the target is created at 8.5.2 and
// filled table by table, each chunk committed with its checkpoint, so `--resume` finishes a killed run.
import { writeFileSync } from 'node:fs';
import { DatabaseSource, type CopyItem, type CopyItemResult } from '../engine/copy/index.ts';
import { closeOnFailure, connect, dialectFor, type Connection, type ConnectionTarget, type SqlValue } from '../engine/dialect/index.ts';
import { requireDistinctDatabases } from '../engine/dialect/identity.ts';
import { InputError, OperationError } from '../engine/errors.ts';
import { loadItems, withRowsMade } from '../engine/load/index.ts';
import type { ProgressListener } from '../engine/progress.ts';
import { splitByKeyRange } from './key-ranges.ts';
import { createDatabase, type DatabaseState, describeState, detectRelease, lockDatabase, refusedOrLocked } from './database.ts';
import {
  derivedUsersAndRoles,
  legacyContextData,
  legacyTransformSpec,
  loadLegacyContext,
  ROLE_COLUMNS,
  ROLE_PRIVILEGE_COLUMNS,
  TABLE_MAPPINGS,
  validateLegacy,
  WFM_USER_COLUMNS,
  type LegacyContext,
  type Rejection,
  type TableMapping,
} from './legacy65/index.ts';
import { releaseModel } from './releases/index.ts';
import type { LegacyRelease } from './releases/versions.ts';

export const MIGRATION_JOB = 'migrate-6.5';

export interface MigrateOptions {
  /** AllowMigratePerformance: 0 leaves performance_data and agent_compliance for step two. */
  allowMigratePerformance: boolean;
  /** Where rejected legacy rows go; without it, any bad row stops the migration before it writes. */
  rejectFile?: string;
  resume?: boolean;
  chunkRows?: number;
  concurrency?: number;
  onProgress?: ProgressListener;
}

export interface TableSummary {
  source: string;
  target: string;
  rowsRead: number;
  rowsWritten: number;
  rowsRejected: number;
  seconds: number;
  /** The target's content hash equals the hash of what was written. */
  verified: boolean;
}

export interface MigrateResult {
  release: LegacyRelease;
  tables: TableSummary[];
  rejections: Rejection[];
  seconds: number;
  /**
   * Wall-clock seconds of each phase: validating the source; copying, with each table's key, indexes and
   * foreign keys built and the table read back as soon as it is in; the keys and checks left at the end.
   * Reading back is done within the other two: `verify` is what was left after them, none.
   */
  phases: { validate: number; copy: number; foreignKeys: number; verify: number };
}

/** The rows the legacy source cannot give, as the message that stops a migration. */
export function describeRejections(rejections: readonly Rejection[]): string {
  return rejections.map((r) => `  ${r.table} (${r.key}): ${r.column} = ${r.value}: ${r.reason}`).join('\n');
}

async function legacySource(from: ConnectionTarget): Promise<{ connection: Connection; release: LegacyRelease }> {
  const connection = await connect({ ...from, readOnly: true });
  return closeOnFailure(connection, async () => {
    const state = await detectRelease(connection);
    if (state.kind !== 'legacy') throw new InputError(`${connection.description} is ${describeState(state)}; wfm dbu migrate reads a 6.5.104 or 6.5.201 database`);
    return { connection, release: state.release };
  });
}

export function migratedMappings(allowMigratePerformance: boolean): TableMapping[] {
  return TABLE_MAPPINGS.filter((m) => allowMigratePerformance || !m.performance);
}

/**
 * One copy item per mapped table; an item waits for the tables its target's foreign keys reference. Its
 * transform goes as a spec too, which worker threads load where the target takes encoded rows.
 */
export function copyItemsFor(mappings: readonly TableMapping[], release: LegacyRelease, context: LegacyContext): CopyItem[] {
  const model = releaseModel('8.5.2');
  const data = legacyContextData(context);
  return mappings.map((mapping) => ({
    name: mapping.target,
    source: { table: mapping.source, columns: mapping.sourceColumns(release), key: mapping.sourceKey },
    target: { table: mapping.target, columns: mapping.targetColumns },
    transform: mapping.transform(context),
    transformSpec: legacyTransformSpec(mapping.source, data),
    dependsOn: (model.tables.find((t) => t.name === mapping.target)?.foreignKeys ?? []).map((fk) => fk.referencedTable).filter((t) => t !== mapping.target),
  }));
}

/** The target, created if absent; one the migration must not write into is refused before it is written to. */
async function openTarget(to: ConnectionTarget, resume: boolean): Promise<Connection> {
  await (await dialectFor(to.engine)).createDatabase(to);
  const target = await connect(to);
  return closeOnFailure(target, async () => {
    await refusedOrLocked(target, () => migrationTargetState(target, resume));
    return target;
  });
}

/** The target's state, when the migration may write into it: empty, or with resume its own 8.5.2 database. */
async function migrationTargetState(target: Connection, resume: boolean): Promise<DatabaseState> {
  const state = await detectRelease(target);
  const resumable = resume && state.kind === 'current' && state.release === '8.5.2';
  if (state.kind === 'empty' || (state.kind === 'incomplete' && state.resumable) || resumable) return state;
  throw new InputError(
    `${target.description} is ${describeState(state)}; the migration target must be absent or empty` +
      (state.kind === 'current' ? ' (use --resume to finish an interrupted migration into it)' : ''),
  );
}

/** Under the database lock: checked again, since another session may have written it meanwhile, then created at 8.5.2 if empty. */
async function prepareTarget(target: Connection, resume: boolean): Promise<void> {
  const state = await migrationTargetState(target, resume);
  if (state.kind === 'empty' || state.kind === 'incomplete') await createDatabase(target, '8.5.2', { operation: 'wfm dbu migrate' });
}

/** Roles, role privileges and users derived from the supervisors: items of their own, read from the rows derived. */
function usersAndRoles(context: LegacyContext): { items: CopyItem[]; rows: Map<string, SqlValue[][]>; rejections: Rejection[] } {
  const derived = derivedUsersAndRoles(context);
  const parts: [string, string[], SqlValue[][]][] = [
    ['role', ROLE_COLUMNS, derived.roles],
    ['role_privilege', ROLE_PRIVILEGE_COLUMNS, derived.rolePrivileges],
    ['wfm_user', WFM_USER_COLUMNS, derived.users],
  ];
  const items = parts.map(([table, columns]): CopyItem => ({ name: table, source: { table: 'supervisor', columns, key: [] }, target: { table, columns } }));
  return { items, rows: new Map(parts.map(([table, , rows]) => [table, rows])), rejections: [...context.supervisorRejections, ...derived.rejections] };
}

/**
 * The items, with the one whose source holds the most rows split into a key range per loading connection,
 * and the rows each item is expected to bring, so that the largest start first.
 */
async function splitLargest(source: Connection, items: readonly CopyItem[], connections: number): Promise<{ items: CopyItem[]; rowsOf(item: CopyItem): number }> {
  const rows = new Map<string, number>();
  const counted = new DatabaseSource(source);
  for (const item of items) rows.set(item.source.table, await counted.count(item));
  const largest = [...items].sort((a, b) => (rows.get(b.source.table) ?? 0) - (rows.get(a.source.table) ?? 0))[0];
  const split = largest ? await splitByKeyRange(source, largest, rows.get(largest.source.table) ?? 0, connections) : [];
  const parts = new Map(split.map((item) => [item.name, split.length]));
  return {
    items: items.flatMap((item) => (item === largest ? split : [item])),
    rowsOf: (item) => Math.ceil((rows.get(item.source.table) ?? 0) / (parts.get(item.name) ?? 1)),
  };
}

/** What each table's copy did, the ranges of a split table added up; each is verified, since the load stops at a table that is not. */
function tableSummaries(results: readonly CopyItemResult[]): TableSummary[] {
  const byTarget = new Map<string, TableSummary>();
  for (const result of results) {
    const summary = byTarget.get(result.targetTable);
    if (summary) {
      summary.rowsRead += result.rowsRead;
      summary.rowsWritten += result.rowsWritten;
      summary.rowsRejected += result.rowsRejected;
      summary.seconds = Math.max(summary.seconds, result.seconds);
      continue;
    }
    byTarget.set(result.targetTable, {
      source: result.sourceTable,
      target: result.targetTable,
      rowsRead: result.rowsRead,
      rowsWritten: result.rowsWritten,
      rowsRejected: result.rowsRejected,
      seconds: result.seconds,
      verified: true,
    });
  }
  return [...byTarget.values()];
}

export async function migrateLegacy(from: ConnectionTarget, to: ConnectionTarget, options: MigrateOptions): Promise<MigrateResult> {
  const started = performance.now();
  const clock = phaseClock();
  await requireDistinctDatabases(from, to);
  const { connection: source, release } = await legacySource(from);
  try {
    const found = await validateLegacy(source, release, { includePerformance: options.allowMigratePerformance });
    if (found.length > 0 && !options.rejectFile) {
      throw new OperationError(
        `${source.description} has ${found.length} row${found.length === 1 ? '' : 's'} that break the documented 6.5 encodings; nothing was written.\n` +
          `${describeRejections(found)}\nCorrect them in the source, or migrate the rest with --reject-file <file>.`,
      );
    }
    const context = await loadLegacyContext(source, release);
    const validate = clock.lap();
    const target = await openTarget(to, options.resume ?? false);
    try {
      const lock = await lockDatabase(target, 'wfm dbu migrate');
      try {
        await prepareTarget(target, options.resume ?? false);
        const users = usersAndRoles(context);
        const connections = options.concurrency ?? (to.engine === 'sqlite' ? 1 : 2);
        const mapped = await splitLargest(source, copyItemsFor(migratedMappings(options.allowMigratePerformance), release, context), connections);
        const items = [...users.items, ...mapped.items];
        const loaded = await loadItems({
          target,
          to,
          schema: releaseModel('8.5.2'),
          preparation: 'keyed',
          items,
          openSource: async () => withRowsMade(new DatabaseSource(await connect({ ...from, readOnly: true })), users.rows),
          job: MIGRATION_JOB,
          // The target is new, or this migration's own: its checkpoints are those of an interrupted run of it.
          resume: true,
          connections,
          rowsOf: (item) => users.rows.get(item.name)?.length ?? mapped.rowsOf(item),
          chunkRows: options.chunkRows,
          onProgress: options.onProgress,
        });
        clock.lap();
        const rejections = [...users.rejections, ...(loaded.rejections as Rejection[])];
        if (options.rejectFile) writeJsonLines(options.rejectFile, rejections);
        const phases = { validate, copy: loaded.phases.prepare + loaded.phases.load, foreignKeys: loaded.phases.complete, verify: 0 };
        return { release, tables: tableSummaries(loaded.items), rejections, seconds: (performance.now() - started) / 1000, phases };
      } finally {
        await lock.release();
      }
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** Seconds since the previous lap. */
function phaseClock(): { lap(): number } {
  let last = performance.now();
  return {
    lap: () => {
      const now = performance.now();
      const seconds = (now - last) / 1000;
      last = now;
      return seconds;
    },
  };
}

/** One JSON object per line: a reject file (table, key, column, value, reason) or a conflict file. */
export function writeJsonLines(file: string, items: readonly object[]): void {
  writeFileSync(file, items.map((item) => JSON.stringify(item)).join('\n') + (items.length > 0 ? '\n' : ''));
}
