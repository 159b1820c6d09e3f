// What the fault suite needs: a seeded random source (a failing trial can be replayed from its seed), the
// real `wfm` command stopped at a chosen moment (SIGKILL, SIGINT or SIGTERM, or its database connections cut
// on the server), and a record of every trial for docs/reliability.md.
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

export type Fault = 'SIGKILL' | 'SIGINT' | 'SIGTERM' | 'connection cut';

/** The signals a user or a service manager sends to stop a command, which it must end in order. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface Outcome {
  /** The exit code, or null when a signal ended the process without a handler. */
  code: number | null;
  /** The signal that ended the process without a handler, if one did. */
  signal: NodeJS.Signals | null;
  /** Whether the fault came before the command ended by itself. */
  interrupted: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Milliseconds from the fault to the end of the process, when the fault came before it ended. */
  stoppedMs?: number;
}

/** Runs `wfm args` and calls `fault` after `delayMs` unless it has ended by then. */
async function runWithFault(args: string[], delayMs: number, fault: (pid: number) => Promise<void>): Promise<Outcome> {
  const started = performance.now();
  const child = spawn(process.execPath, [WFM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let ended = false;
  // Once every output is read: the last line of stderr is part of what a trial checks.
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, signal) => ((ended = true), resolve([code, signal]))));
  let timer: NodeJS.Timeout | undefined;
  const due = new Promise<void>((resolve) => (timer = setTimeout(resolve, delayMs)));
  await Promise.race([exited, due]);
  clearTimeout(timer);
  const interrupted = !ended;
  const faultAt = performance.now();
  if (interrupted) await fault(child.pid as number);
  const [code, signal] = await exited;
  const ends = performance.now();
  return { code, signal, interrupted, stdout, stderr, durationMs: Math.round(ends - started), stoppedMs: interrupted ? Math.round(ends - faultAt) : undefined };
}

/** SIGKILL at `delayMs`: no handler runs, nothing is flushed, as when a machine loses power. */
export function killedAt(args: string[], delayMs: number): Promise<Outcome> {
  return runWithFault(args, delayMs, async (pid) => void process.kill(pid, 'SIGKILL'));
}

/** `signal` at `delayMs`, as a user's Ctrl-C or a service manager's stop: the command's handler runs. */
export function signalledAt(args: string[], delayMs: number, signal: StopSignal): Promise<Outcome> {
  return runWithFault(args, delayMs, async (pid) => void process.kill(pid, signal));
}

/** At `delayMs`, the server ends every session on `database` but the one that ends them, mid-transaction. */
export function cutAt(args: string[], delayMs: number, target: ConnectionTarget): Promise<Outcome> {
  return runWithFault(args, delayMs, () => cutConnections(target));
}

export async function cutConnections(target: ConnectionTarget): Promise<void> {
  if (target.engine !== 'postgres' && target.engine !== 'mysql' && target.engine !== 'mssql') throw new Error(`no connection to cut on ${target.engine}`);
  const admin = await connect(target.engine === 'mssql' ? { ...target, database: 'master' } : SERVER_URLS[target.engine]);
  try {
    if (target.engine === 'mssql') {
      const sessions = await admin.query('SELECT session_id AS id FROM sys.dm_exec_sessions WHERE database_id = DB_ID(@p1) AND session_id <> @@SPID', [target.database ?? '']);
      for (const session of sessions) await admin.execute(`KILL ${Number(session.id)}`).catch(() => undefined);
      return;
    }
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
  fault: Fault;
  engine: string;
  seed: number;
  trial: number;
  delayMs: number;
  interrupted: boolean;
  /** What the interrupted command exited with (null: killed). */
  code: number | null;
  /** Milliseconds from a stop signal to the end of the process. */
  stoppedMs?: number;
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
