// `wfm dbu migrate`: a 6.5 database into a new 8.5.2 database.
import type { Command } from 'commander';
import { flagOption } from '../config-options.ts';
import { resolveTarget } from '../connections.ts';
import { connectionOptions, positiveInteger, withConnectionOptions, withVolumeOptions } from '../options.ts';
import { formatCount, rowsPerSecond, formatDuration, formatTable, printJson, printLine, progressFor } from '../output.ts';
import { counted } from '../../engine/wording.ts';

export function registerMigrate(dbu: Command): void {
  withVolumeOptions(withConnectionOptions(dbu.command('migrate')))
    .description('migrate a 6.5 database (6.5.104 or 6.5.201) into a new 8.5.2 database; the source is only read')
    .requiredOption('--from <connection>', 'the 6.5 database')
    .option('--to <connection>', 'the new database: absent or empty, or partly migrated with --resume (or --dap NAME)')
    .option('--allow-migrate-performance <0|1>', 'AllowMigratePerformance: 0 leaves performance data for step two (default: the WFM Client option in --config, else 1)')
    .option('--reject-file <file>', 'write rows that break the 6.5 encodings here (JSON lines) and migrate the rest')
    .option('--resume', 'finish a migration that was interrupted, from its checkpoints')
    .option('--chunk-rows <n>', 'rows per chunk: the unit of a transaction, a checkpoint and a hash', '50000')
    .option('--json', 'machine-readable output')
    .action(async (options: { from: string; to?: string; allowMigratePerformance?: string; rejectFile?: string; resume?: boolean; chunkRows: string; json?: boolean }, command: Command) => {
      const { migrateLegacy } = await import('../../wfm/migrate.ts');
      const passwords = connectionOptions(command);
      const allow = flagOption(passwords, options.allowMigratePerformance, 'client', 'AllowMigratePerformance', true);
      const result = await migrateLegacy(await resolveTarget(options.from, passwords), await resolveTarget(options.to, passwords, '--to'), {
        allowMigratePerformance: allow.value,
        rejectFile: options.rejectFile,
        resume: options.resume,
        chunkRows: positiveInteger(options.chunkRows, '--chunk-rows'),
        onProgress: progressFor(options),
      });
      const unverified = result.tables.filter((t) => !t.verified);
      if (options.json) {
        printJson({ release: result.release, seconds: result.seconds, phases: result.phases, tables: result.tables, rejected: result.rejections.length, rejectFile: options.rejectFile ?? null });
      } else {
        printLine(
          formatTable(
            ['6.5 table', '8.5.2 table', 'read', 'written', 'rejected', 'seconds', 'rows/s', 'verified'],
            result.tables.map((t) => [t.source, t.target, t.rowsRead, t.rowsWritten, t.rowsRejected, t.seconds.toFixed(2), rowsPerSecond(t), t.verified ? 'yes' : 'NO']),
          ),
        );
        const written = result.tables.reduce((sum, t) => sum + t.rowsWritten, 0);
        printLine();
        printLine(`${result.release} migrated to 8.5.2: ${counted(written, 'row')} in ${formatDuration(Math.round(result.seconds * 1000))}` +
          (result.rejections.length > 0 ? `; ${formatCount(result.rejections.length)} rejected rows written to ${options.rejectFile}` : ''));
      }
      if (unverified.length > 0) {
        process.stderr.write(`wfm: ${unverified.map((t) => t.target).join(', ')} do not hold exactly the rows written to them\n`);
        process.exitCode = 1;
      }
    });
}
