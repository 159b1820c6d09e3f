import type { Command } from 'commander';
import { verifyMigration } from '../../wfm/verify.ts';
import { flagOption } from '../config-options.ts';
import { resolveTarget } from '../connections.ts';
import { connectionOptions, withConnectionOptions } from '../options.ts';
import { formatTable, printJson, printLine } from '../output.ts';

export function registerVerify(program: Command): void {
  withConnectionOptions(program.command('verify'))
    .description('recompute the row count and content hash of every table of a 6.5 database (under the mapping) and of the 8.5.2 database it was migrated to')
    .requiredOption('--from <connection>', 'the 6.5 database')
    .option('--to <connection>', 'the 8.5.2 database (or --dap NAME)')
    .option('--allow-migrate-performance <0|1>', '0: the performance data was left for step two, do not compare it (default: the WFM Client option in --config, else 1)')
    .option('--json', 'machine-readable output')
    .action(async (options: { from: string; to?: string; allowMigratePerformance?: string; json?: boolean }, command: Command) => {
      const passwords = connectionOptions(command);
      const tables = await verifyMigration(await resolveTarget(options.from, passwords), await resolveTarget(options.to, passwords, '--to'), {
        allowMigratePerformance: flagOption(passwords, options.allowMigratePerformance, 'client', 'AllowMigratePerformance', true).value,
      });
      const different = tables.filter((t) => !t.equal);
      if (options.json) {
        printJson({ equal: different.length === 0, tables });
      } else {
        printLine(
          formatTable(
            ['6.5 table', '8.5.2 table', '6.5 rows', 'rejected', '8.5.2 rows', '6.5 hash (mapped)', '8.5.2 hash', ''],
            tables.map((t) => [t.source, t.target, t.sourceRows, t.rejected, t.targetRows, t.sourceHash.split(':')[1] ?? '', t.targetHash.split(':')[1] ?? '', t.equal ? 'equal' : 'DIFFERENT']),
          ),
        );
        printLine();
        printLine(different.length === 0 ? `all ${tables.length} tables equal` : `${different.length} of ${tables.length} tables differ: ${different.map((t) => t.target).join(', ')}`);
      }
      if (different.length > 0) process.exitCode = 1;
    });
}
