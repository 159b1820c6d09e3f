// `wfm etl run` and `wfm etl serve`: the ETL cycle once, or on the timer of WFM Server's [ETL] options.
// The options come from the WFM Server application in the configuration, flags laid over them, each
// checked against its documented range.
import type { Command } from 'commander';
import type { Connection } from '../../engine/dialect/index.ts';
import { errorMessage } from '../../engine/errors.ts';
import { InterruptedError, whileStoppable } from '../../engine/interruption.ts';
import type { ProgressListener } from '../../engine/progress.ts';
import { calendarDate, type EtlCycleOptions, type EtlCycleResult, ETL_NUMBER_OPTIONS, ETL_SECTION, parseEtlOptions, PURGE_DATE_OPTION, runEtlCycle } from '../../wfm/etl/index.ts';
import { configOf, openDatabase, type ConnectionOptions } from '../connections.ts';
import { connectionOptions, withConnectionOptions, withVolumeOptions } from '../options.ts';
import { printJson, printLine, progressFor } from '../output.ts';
import { parseSeconds } from './schema-change.ts';

interface CycleFlags {
  from?: string;
  to?: string;
  app?: string;
  today?: string;
  wait: string;
  json?: boolean;
  [flag: string]: string | boolean | undefined;
}

/** The flag of an [ETL] option: DayChunk is --day-chunk, ETLTimeout --etl-timeout. */
const flagOf = (name: string): string => name.replace(/^ETL/, 'Etl').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The configuration's [ETL] section of the WFM Server application, then the flags over it. */
function cycleOptions(flags: CycleFlags, connection: ConnectionOptions): EtlCycleOptions {
  const config = configOf(connection);
  const app = config ? (flags.app ? config.application(flags.app) : config.applicationOfType('server')) : undefined;
  const texts: Record<string, string | undefined> = { ...(app?.options[ETL_SECTION] ?? {}) };
  for (const name of [...ETL_NUMBER_OPTIONS.map((o) => o.name), PURGE_DATE_OPTION]) {
    const value = flags[camel(flagOf(name))];
    if (typeof value === 'string') texts[name] = value;
  }
  const from = app && config ? `${app.name} [${ETL_SECTION}] in ${config.name} (or its flag)` : 'the option';
  return parseEtlOptions(texts, from);
}

function withCycleOptions(command: Command): Command {
  withVolumeOptions(withConnectionOptions(command))
    .requiredOption('--from <connection>', 'the WFM database (a connection string, or a database access point of the configuration)')
    .requiredOption('--to <connection>', 'the ETL database (wfm etl create made it; it may be the WFM database itself)')
    .option('--app <name>', 'the WFM Server application whose [ETL] options to use (default: the configuration’s server application)')
    .option('--today <date>', 'the day the window is counted from, YYYY-MM-DD (default: today, UTC)')
    .option('--wait <seconds>', 'wait this long for another cycle or change of the ETL database to end', '0')
    .option('--json', 'progress as JSON lines on stderr, the result as JSON on stdout');
  for (const option of ETL_NUMBER_OPTIONS) {
    command.option(`--${flagOf(option.name)} <n>`, `${option.name}, ${option.minimum} to ${option.maximum}${option.fallback === undefined ? '' : ` (default ${option.fallback})`}`);
  }
  return command.option(`--${flagOf(PURGE_DATE_OPTION)} <date>`, `${PURGE_DATE_OPTION}: purge facts of days before this date, YYYY-MM-DD (wins over --purge-days-back)`);
}

async function withBoth<T>(flags: CycleFlags, options: ConnectionOptions, fn: (wfm: Connection, etl: Connection) => Promise<T>): Promise<T> {
  const wfm = await openDatabase(flags.from, options, true);
  try {
    const etl = await openDatabase(flags.to, options);
    try {
      return await fn(wfm, etl);
    } finally {
      await etl.close();
    }
  } finally {
    await wfm.close();
  }
}

function cycle(flags: CycleFlags, options: EtlCycleOptions, progress: ProgressListener, connection: ConnectionOptions): Promise<EtlCycleResult> {
  const today = flags.today === undefined ? undefined : calendarDate(flags.today, '--today');
  return withBoth(flags, connection, (wfm, etl) => whileStoppable(() => runEtlCycle(wfm, etl, { ...options, today, progress, lockWaitMs: parseSeconds(flags.wait) * 1000 })));
}

function printResult(result: EtlCycleResult, json: boolean): void {
  if (json) {
    printJson(result);
    return;
  }
  printLine(`ETL cycle ${result.historyKey} COMPLETED: window ${result.window.first}..${result.window.last}, ${result.rowsWritten} fact rows written in ${result.chunks.length} transaction${result.chunks.length === 1 ? '' : 's'}, ${result.rowsPurged} purged`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function registerEtlCycle(etl: Command): void {
  withCycleOptions(etl.command('run'))
    .description('one ETL cycle: dimensions, the facts of the window DaysBack..DaysAhead, then the purge')
    .action(async (flags: CycleFlags, command: Command) => {
      const connection = connectionOptions(command);
      const json = Boolean(flags.json);
      printResult(await cycle(flags, cycleOptions(flags, connection), progressFor(flags), connection), json);
    });
  withCycleOptions(etl.command('serve'))
    .description('the ETL cycle every ETLTimeout minutes (negative: the first at start; 0: disabled), until stopped')
    .action(async (flags: CycleFlags, command: Command) => {
      const connection = connectionOptions(command);
      const options = cycleOptions(flags, connection);
      const json = Boolean(flags.json);
      const progress = progressFor(flags);
      if (options.etlTimeout === 0) {
        progress({ type: 'message', text: 'the ETL cycle is disabled (ETLTimeout = 0): nothing to serve' });
        return;
      }
      const periodMs = Math.abs(options.etlTimeout) * 60_000;
      if (options.etlTimeout > 0) await sleep(periodMs);
      for (;;) {
        try {
          printResult(await cycle(flags, options, progress, connection), json);
        } catch (error) {
          // A failed cycle is recorded in CTL_ETL_HISTORY; the service goes on and the next one recomputes the window.
          if (error instanceof InterruptedError) throw error;
          progress({ type: 'message', text: `ETL cycle FAILED: ${errorMessage(error)}; the next cycle runs in ${Math.abs(options.etlTimeout)} minutes` });
        }
        await sleep(periodMs);
      }
    });
}
