import type { Command } from 'commander';
import { databaseInfo } from '../../wfm/database.ts';
import { withDatabase } from '../connections.ts';
import { formatBytes, formatTable, printJson, printLine } from '../output.ts';
import { connectionOptions, withConnectionOptions } from '../options.ts';

export function registerInfo(program: Command): void {
  withConnectionOptions(program.command('info'))
    .description('engine, release, size and row counts of a database')
    .option('--db <connection>', 'the database (URL or "<engine>;<server>;<database>;<user>;<password>")')
    .option('--json', 'machine-readable output')
    .action(async (options: { db?: string; json?: boolean }, command: Command) => {
      const info = await withDatabase(options.db, connectionOptions(command), databaseInfo, true);
      if (options.json) {
        printJson({ ...info, release: 'release' in info.state ? info.state.release : info.state.kind === 'newer' ? info.state.version : null });
        return;
      }
      printLine(`database  ${info.database}`);
      printLine(`engine    ${info.engine}`);
      printLine(`release   ${info.description}`);
      printLine(`size      ${formatBytes(info.sizeBytes)}`);
      if (info.tables.length > 0) {
        printLine();
        printLine(formatTable(['table', 'rows'], info.tables.map((t) => [t.name, t.rows])));
      }
    });
}
