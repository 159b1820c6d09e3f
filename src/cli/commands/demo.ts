// `wfm demo`: the whole story on the embedded SQLite default, with nothing to set up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { tableContentHash } from '../../engine/copy/index.ts';
import { connect, type Connection, type ConnectionTarget } from '../../engine/dialect/index.ts';
import { OperationError } from '../../engine/errors.ts';
import type { ProgressListener } from '../../engine/progress.ts';
import { verifyArchive } from '../../engine/archive/index.ts';
import { compareAccess, effectivePrivileges } from '../../wfm/access.ts';
import { backupDatabase, restoreDatabase } from '../../wfm/backup.ts';
import { createDatabase, databaseInfo, stepProgress, updateDatabase } from '../../wfm/database.ts';
import { generate } from '../../wfm/generate/index.ts';
import { migrateLegacy } from '../../wfm/migrate.ts';
import { HISTORY_TABLE } from '../../wfm/releases/index.ts';
import type { Release } from '../../wfm/releases/versions.ts';
import { verifyMigration } from '../../wfm/verify.ts';
import { positiveInteger } from '../options.ts';
import { formatBytes, rowsPerSecond, formatCount, formatDuration, formatTable, printLine, progressPrinter } from '../output.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the story on SQLite: a 6.5 database migrated into a new 8.5.2 one and verified, backed up and restored, then a 7.6 database updated in place')
    .option('--dir <folder>', 'where to put the demo databases (default: a new temporary folder, removed afterwards)')
    .option('--agents <n>', 'agents in the generated databases', '300')
    .option('--days <n>', 'days of history', '28')
    .action(async (options: { dir?: string; agents: string; days: string }) => {
      const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'wfm-demo-'));
      const size = { agents: positiveInteger(options.agents, '--agents'), days: positiveInteger(options.days, '--days') };
      try {
        const listener = progressPrinter(false);
        const migrated = await migrationStory(dir, size, listener);
        printLine();
        await backupStory(dir, migrated, listener);
        printLine();
        await updateStory(dir, size, listener);
      } finally {
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
      }
    });
}

interface Size {
  agents: number;
  days: number;
}

async function generated(path: string, release: Release, size: Size, listener: ProgressListener): Promise<Connection> {
  const connection = await connect(`sqlite:${path}`);
  await createDatabase(connection, release);
  await generate(connection, release, {
    ...size,
    seed: 1,
    onProgress: listener,
  });
  return connection;
}

async function contentHashes(connection: Connection): Promise<Map<string, string>> {
  const schema = await connection.introspector.introspect();
  const hashes = new Map<string, string>();
  for (const table of schema.tables) hashes.set(table.name, (await tableContentHash(connection, table.name, table.columns.map((c) => c.name))).toString());
  return hashes;
}

async function migrationStory(dir: string, size: Size, listener: ProgressListener): Promise<ConnectionTarget> {
  const legacyPath = join(dir, 'wfm-6.5.201.db');
  const source = await generated(legacyPath, '6.5.201', size, listener);
  const info = await databaseInfo(source);
  const before = await contentHashes(source);
  await source.close();
  const rows = info.tables.reduce((sum, t) => sum + t.rows, 0);
  printLine(`Migrating WFM 6.5 into a new 8.5.2 database`);
  printLine(`1. A WFM 6.5.201 database (${legacyPath}): ${size.agents} agents, ${size.days} days, ${formatCount(rows)} rows in ${info.tables.length} tables, ${formatBytes(info.sizeBytes)}`);

  const from: ConnectionTarget = { engine: 'sqlite', path: legacyPath };
  const to: ConnectionTarget = { engine: 'sqlite', path: join(dir, 'wfm-8.5.2.db') };
  printLine('2. wfm dbu migrate: every table renamed to its current term, times from PABX standard time to UTC, supervisors to users sharing roles:');
  const result = await migrateLegacy(from, to, { allowMigratePerformance: true, onProgress: listener });
  printLine(
    indent(
      formatTable(
        ['6.5 table', '8.5.2 table', 'rows', 'rows/s', 'verified'],
        result.tables.map((t) => [t.source, t.target, t.rowsWritten, rowsPerSecond(t), t.verified ? 'yes' : 'NO']),
      ),
    ),
  );
  printLine(`   ${formatCount(result.tables.reduce((sum, t) => sum + t.rowsWritten, 0))} rows in ${formatDuration(Math.round(result.seconds * 1000))}`);

  const verification = await verifyMigration(from, to, { allowMigratePerformance: true });
  const differing = verification.filter((t) => !t.equal);
  const reader = await connect({ ...from, readOnly: true });
  const after = await contentHashes(reader);
  await reader.close();
  const changed = [...before].filter(([table, hash]) => after.get(table) !== hash).map(([table]) => table);
  printLine(`3. wfm verify: ${differing.length === 0 ? `all ${verification.length} tables equal` : `${differing.length} tables differ`} (counts and content hashes, recomputed on both sides)`);
  printLine(`4. The 6.5 database is unchanged: ${changed.length === 0 ? `every one of its ${before.size} tables has the content hash it had before` : `${changed.join(', ')} changed`}`);
  if (differing.length > 0 || changed.length > 0 || result.tables.some((t) => !t.verified)) {
    throw new OperationError(`the demo found a difference: ${[...differing.map((t) => t.target), ...changed].join(', ')}`);
  }
  return to;
}

async function backupStory(dir: string, database: ConnectionTarget, listener: ProgressListener): Promise<void> {
  printLine('Backing up the new database and restoring it into another one');
  const file = join(dir, 'wfm-8.5.2-backup.db');
  const backup = await backupDatabase(database, file, { onProgress: listener });
  const rows = backup.tables.reduce((sum, t) => sum + t.rows, 0);
  printLine(`1. wfm bru -BACKUP: ${backup.tables.length} tables, ${formatCount(rows)} rows from one snapshot into ${file}, ${formatBytes(backup.bytes)} in ${formatDuration(Math.round(backup.seconds * 1000))}`);
  const report = await verifyArchive(file);
  printLine(`2. wfm bru -VERIFY: ${report.ok ? 'intact: every chunk, the manifest and the file checksum check out' : report.problems.join('; ')}`);
  const copy: ConnectionTarget = { engine: 'sqlite', path: join(dir, 'wfm-8.5.2-restored.db') };
  const restore = await restoreDatabase(file, copy, { onProgress: listener });
  printLine(`3. wfm bru -RESTORE into ${copy.path}: ${restore.tables.length} tables in ${formatDuration(Math.round(restore.seconds * 1000))}, each checked against the backup`);
  const original = await connect({ ...database, readOnly: true });
  const restored = await connect({ ...copy, readOnly: true });
  const [before, after] = [await contentHashes(original), await contentHashes(restored)];
  await original.close();
  await restored.close();
  const different = [...before].filter(([table, hash]) => after.get(table) !== hash).map(([table]) => table);
  printLine(`4. The restored database equals the original: ${different.length === 0 ? `all ${before.size} tables, row for row` : `${different.join(', ')} differ`}`);
  if (!report.ok || different.length > 0 || restore.tables.some((t) => !t.verified)) throw new OperationError(`the demo found a difference in the backup: ${different.join(', ')}`);
}

async function updateStory(dir: string, size: Size, listener: ProgressListener): Promise<void> {
  const path = join(dir, 'wfm-7.6.db');
  printLine('Updating WFM 7.6 in place to 8.5.2');
  const connection = await generated(path, '7.6', size, listener);
  try {
    const before = await databaseInfo(connection);
    const accessBefore = await effectivePrivileges(connection, '7.6');
    printLine(`1. A WFM 7.6 database (${path}): ${formatCount(before.tables.reduce((sum, t) => sum + t.rows, 0))} rows in ${before.tables.length} tables`);
    printLine('2. wfm dbu update: one step per release, each in one transaction:');
    const result = await updateDatabase(connection, '8.5.2', { progress: stepProgress(listener) });
    printLine(`   ${result.steps.length} steps in ${formatDuration(result.steps.reduce((sum, s) => sum + s.durationMs, 0))}`);
    const after = await databaseInfo(connection);
    const afterRows = new Map(after.tables.map((t) => [t.name, t.rows]));
    // The history gains a row per step by design; every other table must keep every row.
    const kept = before.tables.filter((t) => t.name !== HISTORY_TABLE && afterRows.has(t.name));
    const lost = kept.filter((t) => afterRows.get(t.name) !== t.rows);
    const accessAfter = await effectivePrivileges(connection, '8.5.2');
    const differences = compareAccess(accessBefore, accessAfter, '7.6', '8.5.2');
    const roles = afterRows.get('role') ?? 0;
    printLine(`3. ${lost.length === 0 ? `every row of the ${kept.length} tables kept` : `${lost.map((t) => t.name).join(', ')} lost rows`}; user_privilege became ${roles} roles`);
    printLine(
      `4. ${accessAfter.size} users, ${differences.length === 0 ? 'each with exactly its access' : `${differences.length} without the access they should have`}: ` +
        'Calendar edit split into add/edit/delete, prefer/grant/decline and time-off limits; Allow Backup/Restore for organization editors',
    );
    if (lost.length > 0 || differences.length > 0) throw new OperationError(`the demo found a difference: ${[...lost.map((t) => t.name), ...differences.map((d) => d.login)].join(', ')}`);
    printLine(`Done: ${after.description}.`);
  } finally {
    await connection.close();
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `   ${line}`)
    .join('\n');
}
