// The Backup-Restore Utility: a WFM database of any release into one archive file with no size limit, read
// from one snapshot while the database is in use; and back into any engine, so that a damaged backup never
// reaches a database: a restore over what a database holds checks every row of the archive first, and a
// restore into an empty database checks the file's bytes first and each chunk's rows as it loads them,
// leaving the database as empty as it found it when one is wrong.
import { archiveItemOf, chunkRunner, restoreItemOf, type ArchiveHeader, type ArchiveReport, type ChunkRunner, type VerifyOptions } from '../engine/archive/index.ts';
import { copyItem, copyItems, DatabaseSink, DatabaseSource, type ChunkSink, type CopyItem, type CopyItemResult } from '../engine/copy/index.ts';
import { connect, withConnection, type Connection, type ConnectionTarget } from '../engine/dialect/index.ts';
import { InputError, OperationError } from '../engine/errors.ts';
import { throwIfStopRequested, whileStoppable } from '../engine/interruption.ts';
import type { ProgressListener } from '../engine/progress.ts';
import { loadThroughScratch, removeLeftoverScratch } from '../engine/load/scratch-target.ts';
import { diffSchemas, formatDifferences } from '../engine/schema/diff.ts';
import { createTablesForLoading, dropTables, intoLoadTarget, loadItems, type TableVerified } from '../engine/load/index.ts';
import { type SchemaModel, type TableModel, tablesInDependencyOrder } from '../engine/schema/model.ts';
import { requireBackupRestorePrivilege } from './access.ts';
import { requireRecordedSeal, requireSealKeyForBackup, sealRefusal, type BackupSealing, type SealVerdict } from './backup-seal.ts';
import { openBackupReader, openBackupWriter, requireNewBackup, type BackupReader, type ObjectStorageOptions } from './backup-store.ts';
import { type DatabaseState, describeState, detectRelease, lockDatabase, TOOL_VERSION } from './database.ts';
import { modelWithTablesPresent } from './releases/collection-8.5.2.ts';
import { releaseModel } from './releases/index.ts';
import { legacySchemaModel } from './releases/legacy.ts';
import { isLegacyRelease, isRelease, type Release } from './releases/versions.ts';

const RESTORE_JOB = 'restore';

export interface TableCount {
  table: string;
  rows: number;
  seconds: number;
}

export interface BackupResult {
  file: string;
  release: string;
  engine: string;
  tables: TableCount[];
  /** Tables of the database that are not its release's (a site's own): never part of a WFM backup. */
  leftOut: string[];
  bytes: number;
  seconds: number;
  /** Sealed by the key given, or not sealed for want of one. */
  seal: SealVerdict;
}

function releaseOf(state: DatabaseState): string {
  if (state.kind === 'legacy' || state.kind === 'current') return state.release;
  throw new InputError(`it is ${describeState(state)}`);
}

/** One copy item per table: every column, read in primary-key order (all columns where there is none). */
function backupItems(schema: SchemaModel): CopyItem[] {
  return tablesInDependencyOrder(schema).map((table) => {
    const columns = table.columns.map((c) => c.name);
    const key = table.primaryKey.length > 0 ? table.primaryKey : columns;
    return { name: table.name, source: { table: table.name, columns, key }, target: { table: table.name, columns } };
  });
}

/**
 * Backs `from` up into `file` from one snapshot. A local file is written under partialBackupFile(file) and
 * renamed once sealed: an unfinished backup left there is started over and one that fails is removed,
 * unless `resume` says the source cannot have changed since (access off, components stopped): then it is
 * kept and resumed. An `s3://bucket/key` is streamed into one upload that is aborted if the backup fails.
 */
export async function backupDatabase(
  from: ConnectionTarget,
  file: string,
  options: { wfmUser?: string; chunkRows?: number; onProgress?: ProgressListener; resume?: boolean; sealing?: BackupSealing; objectStorage?: ObjectStorageOptions } = {},
): Promise<BackupResult> {
  const started = performance.now();
  await requireNewBackup(file);
  const sealKey = options.sealing?.key;
  if (options.sealing) requireSealKeyForBackup(options.sealing);
  const connection = await connect({ ...from, readOnly: true });
  try {
    const state = await detectRelease(connection);
    if (state.kind !== 'legacy' && state.kind !== 'current') throw new InputError(`${connection.description} is ${describeState(state)}; there is nothing to back up`);
    if (options.wfmUser) await requireBackupRestorePrivilege(connection, state, options.wfmUser);
    // Every table is read inside one snapshot: the backup is the database at one moment.
    let sealed: TableCount[] | undefined;
    let leftOut: string[] = [];
    let bytes = 0;
    const tables = await connection.snapshot(async () => {
      const release = releaseOf(state);
      const found = await releaseTablesOf(connection, release as Release);
      leftOut = found.leftOut;
      const schema = found.schema;
      const items = backupItems(schema);
      const fields = { release, engine: connection.adapter.engine, toolVersion: TOOL_VERSION, schema, items: items.map(archiveItemOf) };
      const writer = await openBackupWriter(file, fields, { resume: options.resume ?? false, objectStorage: options.objectStorage, sealKey });
      const sink = writer.sink;
      await sink.prepare();
      const source = new DatabaseSource(connection);
      const counts: TableCount[] = [];
      try {
        for (const item of items) {
          const result = await copyItem(source, sink, item, { chunkRows: options.chunkRows, onProgress: options.onProgress });
          counts.push({ table: item.name, rows: result.rowsWritten, seconds: result.seconds });
        }
        bytes = await writer.seal();
      } catch (error) {
        // Run again, a backup starts over: only a caller that knows the source has not changed keeps the file to resume it.
        await writer.abandon(options.resume ?? false);
        throw error;
      }
      sealed = counts;
      return counts;
    }).catch((error: unknown) => {
      // Once every row is read and the file sealed, only ending the read-only snapshot failed: the backup is whole.
      if (sealed === undefined) throw error;
      return sealed;
    });
    const seal: SealVerdict = sealKey ? { state: 'sealed-by-this-key', keyId: sealKey.id } : { state: 'not-sealed' };
    return { file, release: releaseOf(state), engine: connection.adapter.engine, tables, leftOut, bytes, seconds: (performance.now() - started) / 1000, seal };
  } finally {
    // A read-only session that cannot be closed cleanly (its server went away) has nothing left to lose.
    await connection.close().catch(() => undefined);
  }
}

/**
 * The tables of `connection` that its release has, and the names of those it does not (a site's own
 * tables, which this tool never touches). A release table that differs from the release's model stops the
 * backup before a file is written: the file could not be restored as a database of that release.
 */
async function releaseTablesOf(connection: Connection, release: Release): Promise<{ schema: SchemaModel; leftOut: string[] }> {
  const present = await connection.introspector.tableNames();
  const expected = await releaseSchema(release, present);
  const releaseTables = expected.tables.map((t) => t.name);
  const schema = await connection.introspector.introspect(releaseTables);
  const problems = diffSchemas(expected, withoutForeignKeyIndexes(connection.adapter.engine, schema, expected));
  if (problems.length > 0) {
    throw new OperationError(`${connection.description} cannot be backed up as a WFM ${release} database, its schema differs from that release's:\n${problems.map((p) => `  ${formatDifferences([p])}`).join('\n')}`);
  }
  return { schema, leftOut: present.filter((name) => !releaseTables.includes(name)) };
}

/** Runs `work` with a reader of the backup, closed after it. */
async function withBackupReader<T>(file: string, work: (reader: BackupReader) => Promise<T>): Promise<T> {
  const reader = await openBackupReader(file);
  try {
    return await work(reader);
  } finally {
    await reader.close();
  }
}

function unknownRelease(file: string, header: ArchiveHeader): string {
  return `${file} is a backup of release ${header.release}, which this tool (${TOOL_VERSION}) does not know; use the wfm-migrate that wrote it (${header.toolVersion}) or a later one`;
}

/** A backup verified: the archive's report, and why RequireSealedBackups does not accept it, when it does not. */
export interface BackupReport extends ArchiveReport {
  notAcceptable?: string;
}

/**
 * The archive checked whole, of a release this tool can restore and with that release's schema, its seal
 * checked with the key given and judged by RequireSealedBackups: what `bru verify` reports.
 */
export async function verifyBackup(file: string, sealing: BackupSealing = {}): Promise<BackupReport> {
  const report = await withBackupReader(file, (reader) => reader.verify({ sealKey: sealing.key }));
  const problems = report.header ? await backupProblems(file, report.header) : [];
  const checked = problems.length > 0 ? { ...report, ok: false, problems: [...report.problems, ...problems] } : report;
  const notAcceptable = report.seal && sealRefusal(file, report.seal, sealing);
  return notAcceptable ? { ...checked, ok: false, notAcceptable } : checked;
}

async function backupProblems(file: string, header: ArchiveHeader): Promise<string[]> {
  if (!isRelease(header.release)) return [unknownRelease(file, header)];
  return (await releaseSchemaOf(header, header.release)).problems;
}

/** A backup checked for a restore: its header, and the verdict on its seal. */
type IntactArchive = ArchiveReport & { header: ArchiveHeader; seal: SealVerdict };

/**
 * The archive checked whole, every row of it unless `rows` is false, before anything is written anywhere:
 * a damaged part stops the restore, even in a file whose every digest was made to match, and so does a
 * schema that is not its release's, a seal of this key that does not match, a seal other than the one
 * recorded when the file was taken, and a file RequireSealedBackups does not accept.
 */
export async function requireIntactArchive(file: string, options: Pick<VerifyOptions, 'rows'> = {}, sealing: BackupSealing = {}): Promise<IntactArchive> {
  return withBackupReader(file, (reader) => intactArchive(reader, file, options, sealing));
}

async function intactArchive(reader: BackupReader, file: string, options: Pick<VerifyOptions, 'rows'>, sealing: BackupSealing): Promise<IntactArchive> {
  let report = await reader.verify({ ...options, sealKey: sealing.key });
  // A damaged file is described whole, each damaged chunk named, whichever check found it.
  if (!report.ok && !report.rowsChecked) report = await reader.verify({ sealKey: sealing.key });
  if (!report.ok || !report.header || !report.seal) throw new OperationError(`${file} cannot be restored:\n${report.problems.map((p) => `  ${p}`).join('\n')}`);
  requireRecordedSeal(file, report.seal, sealing);
  const refusal = sealRefusal(file, report.seal, sealing);
  if (refusal) throw new InputError(refusal);
  if (!isRelease(report.header.release)) throw new InputError(unknownRelease(file, report.header));
  const { schema, problems } = await releaseSchemaOf(report.header, report.header.release);
  if (problems.length > 0) throw new OperationError(`${file} cannot be restored:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return { ...report, header: { ...report.header, schema }, seal: report.seal };
}

/**
 * The backup's schema as a database of its release has it, and how it differs from the release's, one
 * difference a line: a table renamed, added or changed in the file would be created so in the target,
 * which would then pass for a database of that release. The digests cannot tell: whoever changes the
 * file can compute them again.
 */
async function releaseSchemaOf(header: ArchiveHeader, release: Release): Promise<{ schema: SchemaModel; problems: string[] }> {
  const expected = await releaseSchema(release, header.schema.tables.map((t) => t.name));
  const schema = withoutForeignKeyIndexes(header.engine, header.schema, expected);
  const problems = diffSchemas(expected, schema).map((difference) => `its schema is not that of WFM ${release}: ${formatDifferences([difference])}`);
  return { schema, problems };
}

/**
 * The tables a database of the release has: the model of a current release (given the tables `present`,
 * without one it gained later that they lack), or the legacy layout as SQLite reads it.
 */
async function releaseSchema(release: Release, present?: readonly string[]): Promise<SchemaModel> {
  if (!isLegacyRelease(release)) return present ? modelWithTablesPresent(releaseModel(release), present) : releaseModel(release);
  return legacySchemaModel(release);
}

/**
 * The backup's schema without the indexes MariaDB made by itself for foreign keys declared without a name
 * (the legacy layouts'): it names them after their first column, so they read back as indexes of the
 * table, which the release does not declare, and which elsewhere would be created under names that
 * several tables share. MariaDB makes them again as a restore adds the foreign keys.
 */
function withoutForeignKeyIndexes(engine: string, schema: SchemaModel, expected: SchemaModel): SchemaModel {
  if (engine !== 'mysql') return schema;
  const declared = (table: TableModel, name: string): boolean => expected.tables.some((t) => t.name === table.name && t.indexes.some((i) => i.name === name));
  const madeForKey = (table: TableModel, index: TableModel['indexes'][number]): boolean =>
    !index.unique && !declared(table, index.name) && table.foreignKeys.some((fk) => fk.columns.join('\0') === index.columns.join('\0') && index.name === fk.columns[0]);
  return { tables: schema.tables.map((table) => ({ ...table, indexes: table.indexes.filter((index) => !madeForKey(table, index)) })) };
}

export interface RestoreOptions {
  /** Only these tables; the target must be empty (its schema is created) or at the backup's release. */
  tables?: string[];
  /** Replace what the target holds: every table for a whole restore, the named tables' rows for a selective one. */
  replace?: boolean;
  wfmUser?: string;
  chunkRows?: number;
  onProgress?: ProgressListener;
  /** The key the file's seal is checked with, and whether only a file it sealed is restored. */
  sealing?: BackupSealing;
}

export interface RestoreResult {
  file: string;
  release: string;
  /**
   * Each table restored, and whether it holds what the backup holds, checked by the target's own digest
   * of the rows sent (`rows-digest`) or by reading its rows back and hashing them (`content-hash`).
   */
  tables: (TableCount & { verified: boolean; checkedBy: 'rows-digest' | 'content-hash' })[];
  /** Tables of the target that are not a WFM release's (a site's own): a restore with --replace leaves them as they are. */
  leftAlone: string[];
  seconds: number;
  /**
   * Seconds of each phase: the file checked; the rows loaded, each table's keys, indexes and foreign keys
   * built (and the tables done by then checked); the last tables checked, with any foreign key left.
   */
  phases: { check: number; load: number; finish: number };
  /** What the file's seal says, judged with the key given. */
  seal: SealVerdict;
}

function selectedItems(header: ArchiveHeader, names: string[] | undefined): CopyItem[] {
  const archived = header.items.map(restoreItemOf);
  if (!names) return archived;
  const unknown = names.filter((n) => !archived.some((item) => item.name === n));
  if (unknown.length > 0) throw new InputError(`the backup has no table ${unknown.join(', ')}; it has ${archived.map((i) => i.name).join(', ')}`);
  return archived.filter((item) => names.includes(item.name));
}

/** Checks what the target holds against what the restore will do, and clears what --replace replaces. */
async function prepareTarget(target: Connection, header: ArchiveHeader, items: CopyItem[], options: RestoreOptions): Promise<{ mode: 'create' | 'existing'; leftAlone: string[] }> {
  const state = await detectRelease(target);
  if (state.kind === 'empty') return { mode: 'create', leftAlone: [] };
  const selective = options.tables !== undefined;
  if (!selective) {
    if (!options.replace) throw new InputError(`${target.description} is ${describeState(state)}, not empty; restore into an empty database, or pass --replace to replace everything in it`);
    const { replaced, leftAlone } = await replacedTables(target, state, header);
    await dropTables(target, replaced);
    return { mode: 'create', leftAlone };
  }
  if ((state.kind !== 'current' && state.kind !== 'legacy') || state.release !== header.release) {
    throw new InputError(`${target.description} is ${describeState(state)}; a selective restore needs an empty database or one at the backup's release, ${header.release}`);
  }
  const q = target.compiler;
  const filled: string[] = [];
  for (const item of items) {
    if (Number((await target.query(`SELECT COUNT(*) AS n FROM ${q.quoteIdentifier(item.target.table)}`))[0]?.n) > 0) filled.push(item.target.table);
  }
  if (filled.length > 0 && !options.replace) throw new InputError(`${filled.join(', ')} in ${target.description} already hold rows; pass --replace to replace them`);
  // Children before parents, all or nothing: a row another table still needs stops it with nothing deleted.
  const order = tablesInDependencyOrder(header.schema).map((t) => t.name).reverse();
  await target.transaction(async () => {
    for (const table of order.filter((t) => filled.includes(t))) await target.execute(`DELETE FROM ${q.quoteIdentifier(table)}`);
  });
  return { mode: 'existing', leftAlone: [] };
}

/**
 * What a whole restore with --replace replaces: the tables of the backup's release and of the release the
 * target is at. Every other table (a site's own) is left as it is, never read, and named.
 */
async function replacedTables(target: Connection, state: DatabaseState, header: ArchiveHeader): Promise<{ replaced: string[]; leftAlone: string[] }> {
  const releaseTables = new Set(header.schema.tables.map((t) => t.name));
  if (state.kind === 'current' || state.kind === 'legacy') {
    for (const table of (await releaseSchema(state.release)).tables) releaseTables.add(table.name);
  }
  const present = await target.introspector.tableNames();
  return { replaced: present.filter((name) => releaseTables.has(name)), leftAlone: present.filter((name) => !releaseTables.has(name)) };
}

/**
 * What a whole restore of `file` with --replace drops in `target`, and the tables it leaves as they are,
 * worked out as the restore does: from the backup's header and the target's release, reading no row.
 */
export async function tablesReplacedByRestore(file: string, target: Connection, sealing: BackupSealing = {}): Promise<{ replaced: string[]; leftAlone: string[] }> {
  // The file's bytes, digests and seal are checked as the restore checks them first: a damaged file is named as such, not described.
  const { header } = await requireIntactArchive(file, { rows: false }, sealing);
  return replacedTables(target, await detectRelease(target), header);
}

/** Tables loaded at once: each on its own connection, with its own worker threads. */
function loadingConnections(to: ConnectionTarget): number {
  return to.engine === 'sqlite' ? 1 : 2;
}

export async function restoreDatabase(file: string, to: ConnectionTarget, options: RestoreOptions = {}): Promise<RestoreResult> {
  const started = performance.now();
  // The loaders' threads start first: they are ready when the file is checked and the schema made.
  const runners = Array.from({ length: loadingConnections(to) }, () => chunkRunner());
  try {
    // A stop asked for while the schema is made or completed waits for a point where the restore can be
    // undone, so that an interrupted restore into an empty database leaves it empty.
    return await whileStoppable(() => withBackupReader(file, (reader) => restoreChecked(file, reader, to, options, runners, started)));
  } finally {
    // Those a source took are closed with it.
    await Promise.all(runners.map((runner) => runner.close()));
  }
}

async function restoreChecked(file: string, reader: BackupReader, to: ConnectionTarget, options: RestoreOptions, runners: ChunkRunner[], started: number): Promise<RestoreResult> {
  // The file's bytes, digests and records first: a damaged file is refused before the target is touched.
  const sealing = options.sealing ?? {};
  let report = await intactArchive(reader, file, { rows: false }, sealing);
  throwIfStopRequested(() => 'stopped once the file was checked, before anything was written to the database');
  const rules = {
    // Over what a database holds, every row of the archive is checked before the database is written to at all.
    beforeLock: async (created: boolean) => {
      if (!created && !(await withConnection({ ...to, readOnly: true }, isEmpty))) report = await intactArchive(reader, file, {}, sealing);
    },
    lock: (target: Connection) => lockDatabase(target, 'wfm bru restore'),
  };
  return intoLoadTarget(to, rules, async (target) => {
    await removeLeftoverScratch(target, options.onProgress);
    // Into an empty database the rows go into a scratch swapped in whole, so that not even a kill leaves part of them.
    if (await isEmpty(target)) return restoreThroughScratch(target, file, reader, report, options, runners, started);
    // Filled by another session since it was looked at: its rows are not replaced unchecked either.
    if (!report.rowsChecked) report = await intactArchive(reader, file, {}, sealing);
    return restoreInto(target, to, file, reader, report, options, runners, started);
  });
}

/**
 * A restore into an empty database: loaded, completed and verified in a scratch beside it, then swapped in
 * whole, so that neither a failure nor a kill ever leaves part of the backup in the database.
 */
async function restoreThroughScratch(
  target: Connection,
  file: string,
  reader: BackupReader,
  report: IntactArchive,
  options: RestoreOptions,
  runners: ChunkRunner[],
  started: number,
): Promise<RestoreResult> {
  const tables = report.header.schema.tables.map((t) => t.name);
  // The load checks every table as it completes it: a table that differs stops it before the swap.
  const result = await loadThroughScratch(
    target,
    tables,
    (scratch) => withConnection(scratch, (connection) => restoreInto(connection, scratch, file, reader, report, options, runners, started)),
    () => restoreInto(target, target.target, file, reader, report, options, runners, started),
    options.onProgress,
  );
  const seconds = (performance.now() - started) / 1000;
  return { ...result, seconds, phases: { ...result.phases, finish: result.phases.finish + seconds - result.seconds } };
}

async function isEmpty(connection: Connection): Promise<boolean> {
  return (await detectRelease(connection)).kind === 'empty';
}

/**
 * The archive's items loaded into the target: into an empty database (or one --replace cleared) the
 * schema is created for the load and each chunk's rows are checked as it loads, so that one that is wrong
 * leaves the database as empty as it was; each table is then checked against the manifest's hash.
 */
async function restoreInto(
  target: Connection,
  to: ConnectionTarget,
  file: string,
  reader: BackupReader,
  report: IntactArchive,
  options: RestoreOptions,
  runners: ChunkRunner[],
  started: number,
): Promise<RestoreResult> {
  const checked = performance.now();
  const header = report.header;
  const items = selectedItems(header, options.tables);
  if (options.wfmUser) await requireBackupRestorePrivilegeFor(target, reader, report, options.wfmUser);
  const { mode, leftAlone } = await prepareTarget(target, header, items, options);
  const recorded = (table: string) => report.tables.filter((t) => t.table === table);
  // A restore starts over: what an earlier, interrupted one loaded has just been replaced or refused.
  const loaded = await loadItems({
    target,
    to,
    schema: header.schema,
    preparation: mode === 'create' ? 'create' : 'filled',
    items,
    openSource: () => reader.openSource(runners.shift()),
    job: RESTORE_JOB,
    forgetCheckpoints: true,
    rowsOf: (item) => report.tables.find((t) => t.name === item.name)?.rows ?? 0,
    expectedHash: (table) => recorded(table)[0]?.contentHash,
    checkItem: (_item, result) => requireRecordedTotals(file, report, result),
    connections: runners.length,
    chunkRows: options.chunkRows,
    onProgress: options.onProgress,
  });
  const tables = items.map((item) => ({ ...(loaded.tables.get(item.target.table) as TableVerified), verified: true }));
  const finished = performance.now();
  const phases = { check: (checked - started) / 1000, load: (finished - checked) / 1000 - loaded.phases.complete, finish: loaded.phases.complete };
  return { file, release: header.release, tables, leftAlone, seconds: (finished - started) / 1000, phases, seal: report.seal };
}

/** A table loaded holds what the archive counts of it: every chunk was checked as it was read, and none is missing. */
function requireRecordedTotals(file: string, report: ArchiveReport, result: CopyItemResult): void {
  const recorded = report.tables.find((t) => t.name === result.name);
  if (recorded && (recorded.rows !== result.rowsWritten || recorded.contentHash !== result.contentHash)) {
    throw new OperationError(`the backup ${file} is damaged: the chunks of ${result.name} hold ${result.rowsWritten} rows hashing to ${result.contentHash}, the manifest records ${recorded.rows} rows hashing to ${recorded.contentHash}`);
  }
}

/**
 * The user must hold Allow Backup/Restore where the restore lands: in the target when it already holds a WFM
 * database, otherwise in the backup's own users, read from the archive into a database in memory.
 */
async function requireBackupRestorePrivilegeFor(target: Connection, reader: BackupReader, report: IntactArchive, login: string): Promise<void> {
  const state = await detectRelease(target);
  if (state.kind === 'current' || state.kind === 'legacy') return requireBackupRestorePrivilege(target, state, login);
  const scratch = await connect({ engine: 'sqlite', path: ':memory:' });
  try {
    await createTablesForLoading(scratch, report.header.schema);
    // Users, roles, rights and the organization they refer to are small; the history tables are not needed.
    const small = report.tables.filter((t) => t.rows <= 100_000).map((t) => t.name);
    await copyItems(
      { openSource: () => reader.openSource(), openSink: async () => ({ sink: new DatabaseSink(scratch, 'privilege') as ChunkSink, close: async () => {} }) },
      selectedItems(report.header, small),
    );
    await requireBackupRestorePrivilege(scratch, await detectRelease(scratch), login);
  } finally {
    await scratch.close();
  }
}
