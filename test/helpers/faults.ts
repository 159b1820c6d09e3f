// What the fault suite needs: a seeded random source (a failing trial can be replayed from its seed), the
// real `wfm` command stopped at a chosen moment (SIGKILL, or its database connections cut on the server),
// and a record of every trial for docs/reliability.md.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect, type ConnectionTarget } from '../../src/engine/dialect/index.ts';
import { SERVER_URLS } from './databases.ts';

const WFM = fileURLToPath(new URL('../../bin/wfm.js', import.meta.url));
const RECORDS = fileURLToPath(new URL('../../artifacts/faults/', import.meta.url));

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Outcome {
  /** The exit code, or undefined when the fault ended it. */
  code: number | null;
  /** Whether the fault came before the command ended by itself. */
  interrupted: boolean;
  stderr: string;
  durationMs: number;
}

/** Runs `wfm args` and calls `fault` after `delayMs` unless it has ended by then. */
async function runWithFault(args: string[], delayMs: number, fault: (pid: number) => Promise<void>): Promise<Outcome> {
  const started = performance.now();
  const child = spawn(process.execPath, [WFM, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let ended = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => ((ended = true), resolve(code))));
  let timer: NodeJS.Timeout | undefined;
  const due = new Promise<void>((resolve) => (timer = setTimeout(resolve, delayMs)));
  await Promise.race([exited, due]);
  clearTimeout(timer);
  const interrupted = !ended;
  if (interrupted) await fault(child.pid as number);
  const code = await exited;
  return { code, interrupted, stderr, durationMs: Math.round(performance.now() - started) };
}

/** SIGKILL at `delayMs`: no handler runs, nothing is flushed, as when a machine loses power. */
export function killedAt(args: string[], delayMs: number): Promise<Outcome> {
  return runWithFault(args, delayMs, async (pid) => void process.kill(pid, 'SIGKILL'));
}

/** At `delayMs`, the server ends every session on `database` but the one that ends them, mid-transaction. */
export function cutAt(args: string[], delayMs: number, target: ConnectionTarget): Promise<Outcome> {
  return runWithFault(args, delayMs, () => cutConnections(target));
}

export async function cutConnections(target: ConnectionTarget): Promise<void> {
  if (target.engine !== 'postgres' && target.engine !== 'mysql') throw new Error(`no connection to cut on ${target.engine}`);
  const admin = await connect(SERVER_URLS[target.engine]);
  try {
    if (target.engine === 'postgres') {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [target.database ?? '']);
      return;
    }
    const sessions = await admin.query('SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()', [target.database ?? '']);
    for (const session of sessions) await admin.execute(`KILL CONNECTION ${Number(session.id)}`).catch(() => undefined);
  } finally {
    await admin.close();
  }
}

export interface TrialRecord {
  operation: string;
  fault: 'SIGKILL' | 'connection cut';
  engine: string;
  seed: number;
  trial: number;
  delayMs: number;
  interrupted: boolean;
  /** What the interrupted command exited with (null: killed). */
  code: number | null;
  /** Whether the run afterwards completed and the data verified. */
  held: boolean;
  detail: string;
}

const recordFile = (operation: string): string => `${RECORDS}${operation.replaceAll(' ', '-')}.jsonl`;

/** One JSON line per trial in artifacts/faults/, where docs/reliability.md's figures come from. */
export function record(trial: TrialRecord): void {
  mkdirSync(RECORDS, { recursive: true });
  appendFileSync(recordFile(trial.operation), `${JSON.stringify(trial)}\n`);
}

/** A run's records replace the last run's, for the operations it runs. */
export function clearRecords(operations: readonly string[]): void {
  for (const operation of operations) rmSync(recordFile(operation), { force: true });
}
