// Prints the fault suite's records (artifacts/faults/*.jsonl, written by `npm run test:faults`) as the
// Markdown table of docs/reliability.md: per operation, fault and engine, how many trials, how many the
// fault struck before the command ended, how those ended, and how many held.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const directory = 'artifacts/faults';
const lines = readdirSync(directory)
  .filter((name) => name.endsWith('.jsonl'))
  .flatMap((name) => readFileSync(join(directory, name), 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)));
// A trial run again (an operation re-run alone) counts once, as its latest record.
const latest = new Map(lines.map((r) => [`${r.operation}|${r.fault}|${r.engine}|${r.trial}`, r]));
const records = [...latest.values()];

const groups = new Map();
for (const record of records) {
  const key = `${record.operation}|${record.fault}|${record.engine}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(record);
}

const seeds = [...new Set(records.map((r) => r.seed))].join(', ');
console.log(`| operation | fault | engine | trials | struck mid-run | of those: exited 1/2 · killed · finished anyway | held |`);
console.log(`|---|---|---|---:|---:|---|---:|`);
for (const [key, trials] of [...groups.entries()].sort()) {
  const [operation, fault, engine] = key.split('|');
  const struck = trials.filter((t) => t.interrupted);
  const failed = struck.filter((t) => t.code === 1 || t.code === 2).length;
  const killed = struck.filter((t) => t.code === null).length;
  const finished = struck.filter((t) => t.code === 0).length;
  const held = trials.filter((t) => t.held).length;
  console.log(`| ${operation} | ${fault} | ${engine} | ${trials.length} | ${struck.length} | ${failed} · ${killed} · ${finished} | ${held} |`);
}
const held = records.filter((r) => r.held).length;
console.log(`\n${held} of ${records.length} trials held (seed ${seeds}).`);
for (const record of records.filter((r) => !r.held)) console.log(`- did not hold: ${record.operation}, ${record.fault} on ${record.engine}, trial ${record.trial} at ${record.delayMs} ms: ${record.detail.split('\n')[0]}`);
