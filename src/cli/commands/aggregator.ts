// `wfm aggregator`: the Data Aggregator as a long-running service. Its settings come from its application
// in wfm.yaml (database, port, spool directory, when to close an interval, the event times it accepts), or
// from flags.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { knownOption } from '../../wfm/config/index.ts';
import { parseEventLines, Aggregator, type AggregatorOptions } from '../../wfm/aggregator/index.ts';
import { configOf, resolveTarget, type ConnectionOptions } from '../connections.ts';
import { connectionOptions, withConnectionOptions } from '../options.ts';
import { printLine } from '../output.ts';
import { counted } from '../../engine/wording.ts';

interface AggregatorFlags {
  app?: string;
  db?: string;
  port?: string;
  host: string;
  spoolDir?: string;
  closeAfter?: string;
  maxEventAge?: string;
  maxClockSkew?: string;
  name?: string;
  stdin?: boolean;
  json?: boolean;
}

function numberOption(text: string, what: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < minimum) throw new InputError(`${what} must be a number of at least ${minimum}, not "${text}"`);
  return value;
}

const fallback = (name: string): string => knownOption('data-aggregator', 'Options', name)?.fallback ?? '';

/** The flags first, then the application's options in the configuration, then the defaults. */
async function aggregatorOptions(flags: AggregatorFlags, connection: ConnectionOptions): Promise<AggregatorOptions> {
  const config = configOf(connection);
  const app = config?.application(flags.app ?? 'data-aggregator');
  const option = (name: string): string => (config && app ? config.option(app, 'Options', name) : undefined) ?? fallback(name);
  const database = flags.db ?? connection.dap ?? app?.connections[0];
  if (database === undefined) {
    throw new InputError(app ? `${app.name} has no connections in ${config?.name}; add its database access point, or give --db` : 'name the database: --db CONNECTION, or --config wfm.yaml');
  }
  return {
    name: flags.name ?? app?.name ?? 'Data Aggregator',
    release: app?.release ?? '8.5.2',
    target: await resolveTarget(database, connection),
    spoolDirectory: flags.spoolDir ?? option('SpoolDirectory'),
    port: numberOption(flags.port ?? option('Port'), 'the port', 0),
    host: flags.host,
    closeAfterSeconds: numberOption(flags.closeAfter ?? option('CloseIntervalAfter'), 'the close-after seconds', 1),
    heartbeatSeconds: numberOption(option('HeartbeatSeconds'), 'the heartbeat seconds', 1),
    maxEventAgeSeconds: numberOption(flags.maxEventAge ?? option('MaxEventAge'), 'the maximum event age in seconds', 1),
    clockSkewSeconds: numberOption(flags.maxClockSkew ?? option('MaxClockSkew'), 'the maximum clock skew in seconds', 1),
  };
}

/** Events on stdin, a batch every few hundred lines; a line that is not an event is reported and skipped. */
async function readStdin(aggregator: Aggregator, log: (line: string) => void): Promise<void> {
  let batch: { number: number; text: string }[] = [];
  let lineNumber = 0;
  const submit = async (): Promise<void> => {
    let lines = batch.filter((line) => {
      const problem = parseEventLines(line.text).errors[0];
      if (problem) log(`stdin line ${line.number}: ${problem.reason}; that event was not accepted`);
      return !problem;
    });
    batch = [];
    while (lines.length > 0) {
      const result = await aggregator.receive(lines.map((l) => l.text).join('\n'));
      if (!('errors' in result)) return;
      const refused = new Set(result.errors.map((e) => e.line - 1));
      for (const error of result.errors) log(`stdin line ${lines[error.line - 1]?.number}: ${error.reason}; that event was not accepted`);
      lines = lines.filter((_, i) => !refused.has(i));
    }
  };
  for await (const text of createInterface({ input: process.stdin })) {
    lineNumber++;
    if (text.trim() !== '') batch.push({ number: lineNumber, text });
    if (batch.length >= 500) await submit();
  }
  await submit();
}

export function registerAggregator(program: Command): void {
  withConnectionOptions(program.command('aggregator'))
    .description('the Data Aggregator: collects interaction and agent-state events into an 8.5.2 database, spooling while it is away')
    .option('--app <name>', 'its application in the configuration (default: the data-aggregator one)')
    .option('--db <connection>', 'the 8.5.2 database (default: the application’s connection)')
    .option('--port <port>', 'HTTP port for POST /events (default: Options.Port, 7310; 0 picks a free one)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--spool-dir <dir>', 'where events wait for the database (default: Options.SpoolDirectory)')
    .option('--close-after <seconds>', 'close an interval this long after its end, in event time (default: Options.CloseIntervalAfter)')
    .option('--max-event-age <seconds>', 'refuse events that happened longer ago by this machine’s clock; raise it to replay history (default: Options.MaxEventAge, 604800 = 7 days)')
    .option('--max-clock-skew <seconds>', 'refuse events that end further ahead of this machine’s clock (default: Options.MaxClockSkew, 300)')
    .option('--name <name>', 'the name it registers under (default: the application’s name)')
    .option('--stdin', 'also read events as JSON lines from stdin; stop when it ends')
    .option('--json', 'status lines as JSON')
    .action(async (flags: AggregatorFlags, command: Command) => {
      const log = (line: string): void => {
        process.stderr.write(flags.json ? `${JSON.stringify({ at: new Date().toISOString(), message: line })}\n` : `${line}\n`);
      };
      const aggregator = await Aggregator.start({ ...(await aggregatorOptions(flags, connectionOptions(command))), log });
      printLine(flags.json ? JSON.stringify({ url: aggregator.url }) : `listening on ${aggregator.url}`);
      const stop = (): void => void aggregator.stop();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      if (flags.stdin) void readStdin(aggregator, log).then(stop);
      await aggregator.done;
      const status = aggregator.status();
      log(`${status.name}: ${counted(status.applied, 'event')} applied, ${status.duplicates} already counted, ${status.refused} refused, ${status.spooledEvents} still spooled`);
    });
}
