import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { epochSecondsOf } from '../../wfm/aggregator/index.ts';
import { simulate, type SimulateSummary, type SimulateTarget } from '../../wfm/simulate/index.ts';
import { resolveTarget } from '../connections.ts';
import { connectionOptions, withConnectionOptions, withVolumeOptions } from '../options.ts';
import { formatCount, formatDuration, printJson, printLine, progressFor } from '../output.ts';

interface SimulateFlags {
  url?: string;
  legacyDb?: string;
  seed: string;
  start?: string;
  duration: string;
  rate: string;
  speed: string;
  eventsOut?: string;
  json?: boolean;
}

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

export function registerSimulate(program: Command): void {
  withVolumeOptions(withConnectionOptions(program.command('simulate')))
    .description('send realistic, seeded interactions and agent states to a Data Aggregator (--url), or write them into a 6.5 database as its aggregator did (--legacy-db)')
    .option('--url <url>', 'the Data Aggregator: its catalog is read from <url>/catalog and events are posted to <url>/events')
    .option('--legacy-db <connection>', 'a 6.5.104 or 6.5.201 database (or its access point with --config), written as the 6.5 Data Aggregator wrote performance_data and agent_compliance')
    .option('--seed <n>', 'random seed: the same seed sends the same events for the same intervals', '1')
    .option('--start <instant>', 'ISO 8601 instant with a zone, e.g. 2026-11-20T08:15:00Z (default: now, floored to 15 minutes; with --legacy-db, right after its last performance interval)')
    .option('--duration <time>', 'simulated time, e.g. 2h, 90m or 3600s', '1h')
    .option('--rate <n>', 'interactions offered per hour over all activities at the busiest time of the week', '600')
    .option('--speed <n|max>', 'simulated seconds per real second: 1 is real time, max sends as fast as the target takes them', '1')
    .option('--events-out <file>', 'also write every event sent to this file, as JSON lines')
    .option('--json', 'machine-readable output')
    .action(async (flags: SimulateFlags, command: Command) => {
      const target = await targetOf(flags, command);
      const summary = await simulate({
        target,
        seed: wholeNumber(flags.seed, '--seed'),
        start: flags.start === undefined ? undefined : instant(flags.start),
        durationSeconds: duration(flags.duration),
        interactionsPerHour: rate(flags.rate),
        speed: speed(flags.speed),
        eventsOut: flags.eventsOut,
        onProgress: progressFor(flags),
      });
      if (flags.json) printJson(summary);
      else printSummary(summary);
    });
}

async function targetOf(flags: SimulateFlags, command: Command): Promise<SimulateTarget> {
  const connection = connectionOptions(command);
  const legacy = flags.legacyDb ?? connection.dap;
  if ((flags.url === undefined) === (legacy === undefined)) {
    throw new InputError('give one of --url URL (a Data Aggregator) and --legacy-db CONNECTION (a 6.5 database, or --config wfm.yaml --dap NAME)');
  }
  if (legacy !== undefined) return { legacyDb: await resolveTarget(flags.legacyDb, connection) };
  const url = flags.url as string;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`--url must be an http or https URL such as http://localhost:8081, not "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InputError(`--url must be an http or https URL such as http://localhost:8081, not "${url}"`);
  return { url };
}

function wholeNumber(text: string, option: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value)) throw new InputError(`${option} must be a whole number, not "${text}"`);
  return value;
}

function instant(text: string): number {
  const value = epochSecondsOf(text);
  if (value === undefined) throw new InputError(`--start must be an ISO 8601 instant with a zone, such as 2026-11-20T08:15:00Z, not "${text}"`);
  return value;
}

function duration(text: string): number {
  const match = /^(\d+)([hms])$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] as string] ?? 0) : 0;
  if (seconds < 1) throw new InputError(`--duration must be a number of hours, minutes or seconds above 0, such as 2h, 90m or 3600s, not "${text}"`);
  return seconds;
}

function rate(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InputError(`--rate must be a number of interactions per hour above 0, such as 600, not "${text}"`);
  return value;
}

function speed(text: string): number {
  if (text.trim().toLowerCase() === 'max') return Number.POSITIVE_INFINITY;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new InputError(`--speed must be a number of simulated seconds per real second above 0 (1 is real time), or max, not "${text}"`);
  }
  return value;
}

function printSummary(summary: SimulateSummary): void {
  const { interactions } = summary;
  printLine(`${summary.start} to ${summary.end} (seed ${summary.seed}) into ${summary.target}`);
  printLine(`  events sent   ${formatCount(summary.eventsSent)}`);
  printLine(`  interactions  ${formatCount(interactions.offered)} offered, ${formatCount(interactions.handled)} handled, ${formatCount(interactions.abandoned)} abandoned`);
  printLine(`  agent states  ${formatCount(summary.agentStates)}`);
  if (summary.rowsWritten) {
    printLine(`  rows written  performance_data ${formatCount(summary.rowsWritten.performance_data)}, agent_compliance ${formatCount(summary.rowsWritten.agent_compliance)}`);
  }
  printLine(`  took          ${formatDuration(summary.durationMs)}`);
}
