// Prints the fault suite's records (artifacts/faults/*.jsonl, written by `npm run test:faults`, or the folder
// given as the one argument) as the Markdown tables of docs/reliability.md: per operation, fault and engine,
// how many trials, how many the fault struck before the command ended, how those ended, and how many held.
// Processes killed and sessions cut end in failure or death; a stop signal ends a command in order, so its
// trials have a table of their own, with the longest time a command took to stop.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'];
const STOP_EXIT_CODES = [130, 143];

const directory = process.argv[2] ?? 'artifacts/faults';
const lines = readdirSync(directory)
  .filter((name) => name.endsWith('.jsonl'))
  .flatMap((name) => readFileSync(join(directory, name), 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)));
// A trial run again (an operation re-run alone) counts once, as its latest record.
const latest = new Map(lines.map((r) => [`${r.operation}|${r.fault}|${r.engine}|${r.trial}`, r]));
const records = [...latest.values()];

/** The records of each operation, fault and engine, in the order the table lists them. */
function groupsOf(selected) {
  const groups = new Map();
  for (const record of selected) {
    const key = `${record.operation}|${record.fault}|${record.engine}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(record);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `columns` are the titles of the columns between "struck mid-run" and "held", with their Markdown alignments. */
function printTable(columns, selected, describe) {
  if (selected.length === 0) return;
  console.log(`| operation | fault | engine | trials | struck mid-run | ${columns.map(([title]) => title).join(' | ')} | held |`);
  console.log(`|---|---|---|---:|---:|${columns.map(([, alignment]) => alignment).join('|')}|---:|`);
  for (const [key, trials] of groupsOf(selected)) {
    const [operation, fault, engine] = key.split('|');
    const struck = trials.filter((t) => t.interrupted);
    const held = trials.filter((t) => t.held).length;
    console.log(`| ${operation} | ${fault} | ${engine} | ${trials.length} | ${struck.length} | ${describe(struck).join(' | ')} | ${held} |`);
  }
}

/**
 * A killed process or a cut session: a failure told in a line (1, 2, or 3 where the cut ended a connection
 * being opened), a process dead, or work done before the fault told.
 */
function faultEndings(struck) {
  const failed = struck.filter((t) => t.code === 1 || t.code === 2 || t.code === 3).length;
  const killed = struck.filter((t) => t.code === null).length;
  const finished = struck.filter((t) => t.code === 0).length;
  return [`${failed} · ${killed} · ${finished}`];
}

/**
 * A stop signal: an orderly stop (130, 143), the signal's own action before Node ran any of wfm (no exit
 * code), or work done as it came; the longest stop is the most milliseconds from the signal to the exit.
 */
function signalEndings(struck) {
  const stoppedInOrder = struck.filter((t) => STOP_EXIT_CODES.includes(t.code));
  const beforeStart = struck.filter((t) => t.code === null);
  const finished = struck.filter((t) => t.code === 0).length;
  const stops = [...stoppedInOrder, ...beforeStart].map((t) => t.stoppedMs).filter((ms) => typeof ms === 'number');
  return [`${stoppedInOrder.length} · ${beforeStart.length} · ${finished}`, stops.length > 0 ? `${Math.max(...stops)} ms` : '–'];
}

const signalled = records.filter((r) => STOP_SIGNALS.includes(r.fault));
const faulted = records.filter((r) => !STOP_SIGNALS.includes(r.fault));
printTable([['of those: exited 1/2/3 · killed · finished anyway', '---']], faulted, faultEndings);
if (faulted.length > 0 && signalled.length > 0) console.log('');
printTable(
  [
    ['of those: exited 130/143 · ended before wfm began · finished anyway', '---'],
    ['longest stop', '---:'],
  ],
  signalled,
  signalEndings,
);

const seeds = [...new Set(records.map((r) => r.seed))].join(', ');
const held = records.filter((r) => r.held).length;
console.log(`\n${held} of ${records.length} trials held (seed ${seeds}).`);
for (const record of records.filter((r) => !r.held)) console.log(`- did not hold: ${record.operation}, ${record.fault} on ${record.engine}, trial ${record.trial} at ${record.delayMs} ms: ${record.detail.split('\n')[0]}`);
