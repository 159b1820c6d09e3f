// The story `wfm demo` tells on the embedded SQLite default, with nothing to set up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionTarget } from '../../engine/dialect/index.ts';
import { OperationError } from '../../engine/errors.ts';
import type { ProgressListener } from '../../engine/progress.ts';
import { verifyArchive } from '../../engine/archive/index.ts';
import { compareAccess, effectivePrivileges } from '../../wfm/access.ts';
import { backupDatabase, restoreDatabase } from '../../wfm/backup.ts';
import { describeSeal, type SealKey } from '../../wfm/backup-seal.ts';
import { databaseInfo, stepProgress, updateDatabase } from '../../wfm/database.ts';
import { HISTORY_TABLE } from '../../wfm/releases/index.ts';
import { defaultSealKey } from '../backup-sealing.ts';
import { DEFAULT_KEY_FILE } from '../connections.ts';
import { contentHashes, generated, type Size } from './demo-parts.ts';
import { etlStory } from './demo-etl.ts';
import { twoStepStory } from './demo-two-step.ts';
import { formatBytes, formatDuration, printLine, progressPrinter } from '../output.ts';
import { counted } from '../../engine/wording.ts';

/** The whole story in `folder` (a new temporary folder, removed afterwards, when none is given). */
export async function tellDemo(folder: string | undefined, size: Size): Promise<void> {
  const dir = folder ?? mkdtempSync(join(tmpdir(), 'wfm-demo-'));
  try {
    const listener = progressPrinter(false);
    const migrated = await twoStepStory(dir, size, listener);
    printLine();
    await backupStory(dir, migrated, listener, defaultSealKey());
    printLine();
    const updated = await updateStory(dir, size, listener);
    printLine();
    await etlStory(dir, updated, size);
  } finally {
    if (!folder) rmSync(dir, { recursive: true, force: true });
  }
}

/** With the installation's key file (`sealKey`), the backup is sealed and its seal checked; without, nothing is said of seals. */
async function backupStory(dir: string, database: ConnectionTarget, listener: ProgressListener, sealKey: SealKey | undefined): Promise<void> {
  printLine('Backing up the new database and restoring it into another one');
  const file = join(dir, 'wfm-8.5.2-backup.db');
  const sealing = { key: sealKey };
  const backup = await backupDatabase(database, file, { onProgress: listener, sealing });
  const rows = backup.tables.reduce((sum, t) => sum + t.rows, 0);
  const sealed = sealKey ? `, sealed by the key file ${DEFAULT_KEY_FILE} (key id ${sealKey.id})` : '';
  printLine(`1. wfm bru -BACKUP: ${counted(backup.tables.length, 'table')}, ${counted(rows, 'row')} from one snapshot into ${file}, ${formatBytes(backup.bytes)} in ${formatDuration(Math.round(backup.seconds * 1000))}${sealed}`);
  const report = await verifyArchive(file, { sealKey });
  const seal = sealKey && report.seal ? `; seal: ${describeSeal(report.seal)}` : '';
  printLine(`2. wfm bru -VERIFY: ${report.ok ? `intact: every chunk, the manifest and the file checksum check out${seal}` : report.problems.join('; ')}`);
  const copy: ConnectionTarget = { engine: 'sqlite', path: join(dir, 'wfm-8.5.2-restored.db') };
  const restore = await restoreDatabase(file, copy, { onProgress: listener, sealing });
  printLine(`3. wfm bru -RESTORE into ${copy.path}: ${counted(restore.tables.length, 'table')} in ${formatDuration(Math.round(restore.seconds * 1000))}, each checked against the backup`);
  const original = await connect({ ...database, readOnly: true });
  const restored = await connect({ ...copy, readOnly: true });
  const [before, after] = [await contentHashes(original), await contentHashes(restored)];
  await original.close();
  await restored.close();
  const different = [...before].filter(([table, hash]) => after.get(table) !== hash).map(([table]) => table);
  printLine(`4. The restored database equals the original: ${different.length === 0 ? `all ${counted(before.size, 'table')}, row for row` : `${different.join(', ')} differ`}`);
  if (!report.ok || different.length > 0 || restore.tables.some((t) => !t.verified)) throw new OperationError(`the demo found a difference in the backup: ${different.join(', ')}`);
}

/** Returns the path of the database it updated. */
async function updateStory(dir: string, size: Size, listener: ProgressListener): Promise<string> {
  const path = join(dir, 'wfm-7.6.db');
  printLine('Updating WFM 7.6 in place to 8.5.2');
  const connection = await generated(path, '7.6', size, listener);
  try {
    const before = await databaseInfo(connection);
    const accessBefore = await effectivePrivileges(connection, '7.6');
    printLine(`1. A WFM 7.6 database (${path}): ${counted(before.tables.reduce((sum, t) => sum + t.rows, 0), 'row')} in ${counted(before.tables.length, 'table')}`);
    printLine('2. wfm dbu update: one step per release, each in one transaction:');
    const result = await updateDatabase(connection, '8.5.2', { progress: stepProgress(listener) });
    printLine(`   ${counted(result.steps.length, 'step')} in ${formatDuration(result.steps.reduce((sum, s) => sum + s.durationMs, 0))}`);
    const after = await databaseInfo(connection);
    const afterRows = new Map(after.tables.map((t) => [t.name, t.rows]));
    // The history gains a row per step by design; every other table must keep every row.
    const kept = before.tables.filter((t) => t.name !== HISTORY_TABLE && afterRows.has(t.name));
    const lost = kept.filter((t) => afterRows.get(t.name) !== t.rows);
    const accessAfter = await effectivePrivileges(connection, '8.5.2');
    const differences = compareAccess(accessBefore, accessAfter, '7.6', '8.5.2');
    const roles = afterRows.get('role') ?? 0;
    printLine(`3. ${lost.length === 0 ? `every row of the ${counted(kept.length, 'table')} kept` : `${lost.map((t) => t.name).join(', ')} lost rows`}; user_privilege became ${roles} roles`);
    printLine(
      `4. ${counted(accessAfter.size, 'user')}, ${differences.length === 0 ? 'each with exactly its access' : `${differences.length} without the access they should have`}: ` +
        'Calendar edit split into add/edit/delete, prefer/grant/decline and time-off limits; Allow Backup/Restore for organization editors',
    );
    if (lost.length > 0 || differences.length > 0) throw new OperationError(`the demo found a difference: ${[...lost.map((t) => t.name), ...differences.map((d) => d.login)].join(', ')}`);
    printLine(`Done: ${after.description}.`);
    return path;
  } finally {
    await connection.close();
  }
}
