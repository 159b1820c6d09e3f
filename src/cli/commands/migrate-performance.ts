// `wfm dbu migrate-performance`: step two of a two-step migration, allowed once AllowMigratePerformance = 1.
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import type { ConflictPolicy } from '../../wfm/migrate-performance.ts';
import { flagOption } from '../config-options.ts';
import { confirmDestructive } from '../confirmation.ts';
import { resolveTarget } from '../connections.ts';
import { connectionOptions, positiveInteger, withConnectionOptions, withVolumeOptions } from '../options.ts';
import { formatCount, formatDuration, formatTable, printJson, printLine, progressFor } from '../output.ts';
import { counted } from '../../engine/wording.ts';

interface Flags {
  from: string;
  to?: string;
  conflict: string;
  since?: string;
  until?: string;
  conflictFile?: string;
  rejectFile?: string;
  allowMigratePerformance?: string;
  chunkRows: string;
  yes?: boolean;
  json?: boolean;
}

function parsePolicy(text: string, policies: readonly ConflictPolicy[]): ConflictPolicy {
  if ((policies as readonly string[]).includes(text)) return text as ConflictPolicy;
  throw new InputError(`--conflict takes ${policies.join(', ')}, not "${text}"`);
}

const day = (value: number | null): string => (value === null ? 'the start' : `${String(value).slice(0, 4)}-${String(value).slice(4, 6)}-${String(value).slice(6)}`);

export function registerMigratePerformance(dbu: Command): void {
  withVolumeOptions(withConnectionOptions(dbu.command('migrate-performance')))
    .description('step two: merge the 6.5 performance data into the 8.5.2 database the new Data Aggregator collects into; run again to catch up')
    .requiredOption('--from <connection>', 'the 6.5 database of step one')
    .option('--to <connection>', 'the 8.5.2 database step one created (or --dap NAME)')
    .option('--conflict <policy>', 'a 6.5 row whose target row the performance migration did not write (the new aggregator’s, an import, a correction): keep-target (keep the target’s), overwrite, or fail before writing', 'keep-target')
    .option('--since <day>', 'read 6.5 data from this day (YYYY-MM-DD); default: where the last run ended')
    .option('--until <day>', 'read 6.5 data up to this day (YYYY-MM-DD)')
    .option('--conflict-file <file>', 'write every conflict here (JSON lines)')
    .option('--reject-file <file>', 'write 6.5 rows that break the documented encodings here (JSON lines)')
    .option('--allow-migrate-performance <0|1>', 'AllowMigratePerformance (default: the WFM Client option in --config, else 1)')
    .option('--chunk-rows <n>', 'rows per chunk: the unit of a transaction and of the read-back', '50000')
    .option('--yes', 'with --conflict overwrite: write over without asking (for scripts); the statement is still printed')
    .option('--json', 'machine-readable output')
    .action(async (flags: Flags, command: Command) => {
      const connection = connectionOptions(command);
      const allowed = flagOption(connection, flags.allowMigratePerformance, 'client', 'AllowMigratePerformance', true);
      if (!allowed.value) {
        throw new InputError(
          `migrating performance data is not allowed while AllowMigratePerformance = 0 (${allowed.from}); when step one is done and the new Data Aggregator collects, ` +
            'set it to 1 in the WFM Client application’s Options section: wfm config set "WFM Client" Options.AllowMigratePerformance 1',
        );
      }
      const [{ overwriteStatement }, { writeJsonLines }, { CONFLICT_POLICIES, migratePerformance }] = await Promise.all([
        import('../../wfm/destructive.ts'),
        import('../../wfm/migrate.ts'),
        import('../../wfm/migrate-performance.ts'),
      ]);
      const policy = parsePolicy(flags.conflict, CONFLICT_POLICIES);
      const from = await resolveTarget(flags.from, connection);
      const to = await resolveTarget(flags.to, connection, '--to');
      if (policy === 'overwrite') await confirmDestructive(await overwriteStatement(to), flags.yes);
      const result = await migratePerformance(from, to, {
        conflict: policy,
        since: flags.since,
        until: flags.until,
        chunkRows: positiveInteger(flags.chunkRows, '--chunk-rows'),
        onProgress: progressFor(flags),
      });
      if (flags.conflictFile) writeJsonLines(flags.conflictFile, result.conflicts);
      if (flags.rejectFile) writeJsonLines(flags.rejectFile, result.rejections);
      if (flags.json) printJson({ ...result, conflicts: result.conflicts.length, conflictList: result.conflicts.slice(0, 1000), rejections: result.rejections });
      else {
        printLine(
          formatTable(
            ['6.5 table', '8.5.2 table', 'from', 'read', 'inserted', 'updated', 'unchanged', 'conflicts', 'rejected', 'verified'],
            result.tables.map((t) => [t.source, t.target, day(t.fromDay), t.rowsRead, t.inserted, t.updated, t.unchanged, t.conflicts, t.rejected, t.verified ? 'yes' : 'NO']),
          ),
        );
        for (const c of result.conflicts.slice(0, 10)) printLine(`  conflict: ${c.table} ${c.key}: ${c.resolution} (${c.reason})`);
        if (result.conflicts.length > 10) printLine(`  ... ${formatCount(result.conflicts.length - 10)} more${flags.conflictFile ? ` in ${flags.conflictFile}` : ' (--conflict-file lists them all)'}`);
        printLine();
        printLine(
          `run ${result.runId}: ${counted(result.tables.reduce((s, t) => s + t.inserted + t.updated, 0), 'row')} of ${result.release} performance data written, ` +
            `${counted(result.conflicts.length, 'conflict')} (${result.policy}) in ${formatDuration(Math.round(result.seconds * 1000))}; run it again to catch up with what the 6.5 aggregator collects meanwhile`,
        );
      }
      if (result.rejections.length > 0) {
        process.stderr.write(`wfm: ${result.rejections.length} rows of 6.5 performance data break the documented encodings and were not migrated${flags.rejectFile ? `; see ${flags.rejectFile}` : ' (--reject-file lists them)'}\n`);
        process.exitCode = 1;
      }
      if (result.tables.some((t) => !t.verified)) {
        process.stderr.write(`wfm: ${result.tables.filter((t) => !t.verified).map((t) => t.target).join(', ')} do not hold what this run wrote\n`);
        process.exitCode = 1;
      }
    });
}
