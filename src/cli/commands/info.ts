import type { Command } from 'commander';
import type { Connection } from '../../engine/dialect/types.ts';
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
      const { describeEtlState } = await import('../../wfm/etl/index.ts');
      const { info, etl } = await withDatabase(options.db, connectionOptions(command), databaseAndEtlInfo, true);
      if (options.json) {
        const etlRelease = etl.kind === 'current' ? etl.release : etl.kind === 'newer' ? etl.version : null;
        printJson({ ...info, release: 'release' in info.state ? info.state.release : info.state.kind === 'newer' ? info.state.version : null, etl: { ...etl, release: etlRelease } });
        return;
      }
      printLine(`database  ${info.database}`);
      printLine(`engine    ${info.engine}`);
      printLine(`release   ${releaseLine(info.description, info.state.kind, describeEtlState(etl), etl.kind)}`);
      printLine(`size      ${formatBytes(info.sizeBytes)}`);
      if (info.tables.length > 0) {
        printLine();
        printLine(formatTable(['table', 'rows'], info.tables.map((t) => [t.name, t.rows])));
      }
    });
}

async function databaseAndEtlInfo(connection: Connection) {
  const { detectEtlRelease } = await import('../../wfm/etl/index.ts');
  return { info: await databaseInfo(connection), etl: await detectEtlRelease(connection) };
}

/**
 * A database holding only ETL tables is named as an ETL database; one holding the WFM tables and the ETL
 * tables as both.
 */
function releaseLine(wfm: string, wfmKind: string, etl: string, etlKind: string): string {
  if (etlKind === 'absent') return wfm;
  if (wfmKind === 'not-wfm') return etl;
  return `${wfm}; it also holds ${etl}`;
}
