// The Backup-Restore Utility. The original's syntax (`-UPDATE -DB "<conn>" -SCRIPT file`) is accepted
// alongside long options: `originalSyntax` (original-syntax.ts) rewrites it before the parser sees it.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import type { BackupReport } from '../../wfm/backup.ts';
import { describeSeal, requireAcceptableSeal, whatDigestsShow } from '../../wfm/backup-seal.ts';
import type { ObjectStorageOptions } from '../../wfm/backup-store.ts';
import { stepProgress, updateDatabase } from '../../wfm/database.ts';
import { isEtlScript, LATEST_ETL_RELEASE, updateEtlDatabase } from '../../wfm/etl/index.ts';
import { LATEST_RELEASE } from '../../wfm/releases/index.ts';
import { backupSealingOf, requireSealedBackupsOption } from '../backup-sealing.ts';
import { requireWfmUserIfConfigured, useObjectStorageSettings } from '../config-options.ts';
import { confirmDestructive } from '../confirmation.ts';
import { resolveTarget, withDatabase } from '../connections.ts';
import { configFileOption, connectionOptions, keyFileOption, positiveInteger, withConnectionOptions, withVolumeOptions } from '../options.ts';
import { formatBytes, formatDuration, formatTable, printJson, printLine, progressFor } from '../output.ts';
import { WFM_DATABASE_WORDING } from './dbu.ts';
import { ETL_DATABASE_WORDING } from './etl.ts';
import { parseSeconds, printSchemaChange } from './schema-change.ts';
import { counted } from '../../engine/wording.ts';

function readScript(file: string): { text: string; file: string } {
  try {
    return { text: readFileSync(file, 'utf8'), file };
  } catch (error) {
    throw new InputError(`cannot read the script ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function registerBru(program: Command): void {
  const bru = program
    .command('bru')
    .description('the Backup-Restore Utility; also as the original: -BACKUP|-RESTORE -DB "<conn>" -FILE f [-TABLES a,b], -VERIFY -FILE f, -UPDATE -DB "<conn>" [-SCRIPT f]');
  registerBackupRestore(bru);
  withVolumeOptions(withConnectionOptions(bru.command('update')))
    .description('update a database to the latest release; an empty database is created at it (with an ETL script: its ETL tables)')
    .option('--db <connection>', 'the database')
    .option('--script <file>', 'a script from wfm schema script: run only if it holds the needed steps unchanged')
    .option('--wait <seconds>', 'wait this long for another update of the same database to finish', '0')
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; script?: string; wait: string; json?: boolean }, command: Command) => {
      const script = options.script ? readScript(options.script) : undefined;
      const change = { script, lockWaitMs: parseSeconds(options.wait) * 1000, progress: stepProgress(progressFor(options)) };
      if (script && isEtlScript(script.text)) {
        const result = await withDatabase(options.db, connectionOptions(command), (connection) =>
          updateEtlDatabase(connection, LATEST_ETL_RELEASE, { ...change, createWhenAbsent: true }),
        );
        printSchemaChange(result, Boolean(options.json), ETL_DATABASE_WORDING);
        return;
      }
      const result = await withDatabase(options.db, connectionOptions(command), (connection) =>
        updateDatabase(connection, LATEST_RELEASE, { ...change, createWhenEmpty: true }),
      );
      printSchemaChange(result, Boolean(options.json), WFM_DATABASE_WORDING);
    });
}

const MIB = 1024 * 1024;

/** --segment-size and --part-size in bytes, where either is given. */
function objectStorageOptions(options: { segmentSize?: string; partSize?: string }): ObjectStorageOptions | undefined {
  if (options.segmentSize === undefined && options.partSize === undefined) return undefined;
  const bytes = (text: string | undefined, option: string): number | undefined => (text === undefined ? undefined : positiveInteger(text, option) * MIB);
  return { segmentBytes: bytes(options.segmentSize, '--segment-size'), partBytes: bytes(options.partSize, '--part-size') };
}

export function registerBackupRestore(bru: Command): void {
  withVolumeOptions(withConnectionOptions(bru.command('backup')))
    .description('back up a WFM database (any release, any engine) into one file, from one snapshot while it is in use')
    .option('--db <connection>', 'the database to back up')
    .requiredOption('--file <file>', 'the backup file to write, or s3://bucket/key for object storage')
    .option('--segment-size <MiB>', 'with s3://: the local space a segment takes before it is uploaded (two at most at once; default 64)')
    .option('--part-size <MiB>', 'with s3://: the size of each part of the upload, 5 to 5120 (default 32; 10,000 parts at most)')
    .option('--wfm-user <login>', 'the WFM user doing this; must hold Allow Backup/Restore')
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; file: string; segmentSize?: string; partSize?: string; wfmUser?: string; json?: boolean }, command: Command) => {
      requireWfmUserIfConfigured(connectionOptions(command), options.wfmUser);
      const sealing = backupSealingOf(command, 'seal');
      useObjectStorageSettings(connectionOptions(command));
      const { backupDatabase } = await import('../../wfm/backup.ts');
      const result = await backupDatabase(await resolveTarget(options.db, connectionOptions(command)), options.file, {
        objectStorage: objectStorageOptions(options),
        wfmUser: options.wfmUser,
        onProgress: progressFor(options),
        sealing,
      });
      const rows = result.tables.reduce((sum, t) => sum + t.rows, 0);
      if (options.json) printJson({ ...result, rows });
      else {
        printLine(`${result.release} (${result.engine}) backed up to ${result.file}: ${counted(result.tables.length, 'table')}, ${counted(rows, 'row')}, ${formatBytes(result.bytes)} in ${formatDuration(Math.round(result.seconds * 1000))}`);
        if (result.leftOut.length > 0) printLine(`not backed up, not WFM ${result.release} tables: ${result.leftOut.join(', ')}`);
        printLine(result.seal.state === 'not-sealed' ? 'not sealed: no key file (give --key-file to seal backups)' : `sealed by the key file (key id ${result.seal.keyId})`);
      }
    });
  withVolumeOptions(withConnectionOptions(bru.command('restore')))
    .description('restore a backup into any engine, every row checked before it is written; into an empty database unless --replace')
    .option('--db <connection>', 'the database to restore into (created if absent)')
    .requiredOption('--file <file>', 'the backup file, or s3://bucket/key')
    .option('--tables <names>', 'restore only these tables (comma-separated)')
    .option('--replace', 'replace what the database holds (with --tables: those tables’ rows); says what it removes and asks')
    .option('--yes', 'with --replace: replace without asking (for scripts); the statement of what is removed is still printed')
    .option('--wfm-user <login>', 'the WFM user doing this; must hold Allow Backup/Restore')
    .addOption(requireSealedBackupsOption())
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; file: string; tables?: string; replace?: boolean; yes?: boolean; wfmUser?: string; json?: boolean }, command: Command) => {
      requireWfmUserIfConfigured(connectionOptions(command), options.wfmUser);
      const sealing = backupSealingOf(command, 'check');
      useObjectStorageSettings(connectionOptions(command));
      // A file the option does not take is refused before the target is looked at or anything is asked.
      requireAcceptableSeal(options.file, sealing);
      const [{ restoreDatabase }, { restoreStatement }] = await Promise.all([import('../../wfm/backup.ts'), import('../../wfm/destructive.ts')]);
      const target = await resolveTarget(options.db, connectionOptions(command));
      const tables = options.tables?.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
      if (options.replace) await confirmDestructive(await restoreStatement(options.file, target, tables, sealing), options.yes);
      const result = await restoreDatabase(options.file, target, {
        tables,
        replace: options.replace,
        wfmUser: options.wfmUser,
        onProgress: progressFor(options),
        sealing,
      });
      const failed = result.tables.filter((t) => !t.verified);
      if (options.json) printJson(result);
      else {
        const checkedBy = { 'rows-digest': "the server's digest of the rows", 'content-hash': 'rows read back and hashed' };
        printLine(formatTable(['table', 'rows', 'verified', 'checked by'], result.tables.map((t) => [t.table, t.rows, t.verified ? 'yes' : 'NO', checkedBy[t.checkedBy]])));
        printLine();
        const ms = (seconds: number): string => formatDuration(Math.round(seconds * 1000));
        const { check, load, finish } = result.phases;
        printLine(`${result.file} (${result.release}) restored: ${counted(result.tables.length, 'table')} in ${ms(result.seconds)}`);
        printLine(`  file checked in ${ms(check)}, rows loaded with each table's keys, indexes and foreign keys in ${ms(load)}, the last tables checked in ${ms(finish)}`);
        if (result.leftAlone.length > 0) printLine(`left as they were, not WFM tables: ${result.leftAlone.join(', ')}`);
        printLine(`seal: ${describeSeal(result.seal)}`);
      }
      if (failed.length > 0) {
        process.stderr.write(`wfm: ${failed.map((t) => t.table).join(', ')} do not hold exactly the rows of the backup\n`);
        process.exitCode = 1;
      }
    });
  bru
    .command('verify')
    .description('check a backup file whole without restoring it: every chunk, the manifest, the file checksum')
    .requiredOption('--file <file>', 'the backup file, or s3://bucket/key')
    .addOption(configFileOption())
    .addOption(keyFileOption())
    .addOption(requireSealedBackupsOption())
    .option('--json', 'machine-readable output')
    .action(async (options: { file: string; config?: string; json?: boolean }, command: Command) => {
      useObjectStorageSettings(options);
      const { verifyBackup } = await import('../../wfm/backup.ts');
      const report = await verifyBackup(options.file, backupSealingOf(command, 'check'));
      if (options.json) printJson(report);
      else printVerifyReport(options.file, report);
      if (!report.ok) process.exitCode = 1;
    });
}

function printVerifyReport(file: string, report: BackupReport): void {
  if (report.problems.length === 0 && report.header) {
    const rows = report.tables.reduce((sum, t) => sum + t.rows, 0);
    printLine(`${file}: a backup of WFM ${report.header.release} (${report.header.engine}), written ${report.header.createdAt} by wfm-migrate ${report.header.toolVersion}`);
    printLine(`intact: ${counted(report.tables.length, 'table')}, ${counted(rows, 'row')}, every chunk and the manifest checked`);
  } else {
    printLine(`${file} is damaged or not a backup:`);
    for (const problem of report.problems) printLine(`  ${problem}`);
  }
  if (report.seal) printLine(`seal: ${describeSeal(report.seal)}`);
  if (report.notAcceptable) printLine(`not acceptable under ${report.notAcceptable}`);
  else if (report.ok) printLine(whatDigestsShow(report.seal));
}
