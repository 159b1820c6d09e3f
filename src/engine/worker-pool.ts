// CPU work spread over worker threads: a machine's second core hashes, compresses and decodes chunks
// while the first one talks to the database. Tasks are functions a worker module exports by name; a
// caller gets each result back as a promise, and keeps as many tasks on their way as the memory it
// allows them.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SqlValue } from './dialect/types.ts';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/**
 * A worker module named as it is in src/ (`./chunk-worker.ts`), found beside `base`, the module that starts
 * it: compiled JavaScript when the process runs the build, the TypeScript source otherwise.
 */
export function workerModule(name: string, base: string): URL {
  const url = new URL(name, base);
  if (base.endsWith('.js')) url.pathname = url.pathname.replace(/\.ts$/, '.js');
  return url;
}

/** The workers load their module as the process loaded its own: compiled, or through tsx as bin/wfm.js does. */
function bootstrap(moduleUrl: URL): string {
  if (moduleUrl.pathname.endsWith('.js')) return `import(${JSON.stringify(moduleUrl.href)})`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
}

/**
 * Threads worth starting, two at most: beside a busy main thread one per other core (none on a single
 * core, where they would only take turns); beside a main thread that mostly waits for them, one per core.
 */
export function workerThreads(mainThread: 'busy' | 'waiting' = 'busy'): number {
  const cores = availableParallelism();
  return Math.min(2, Math.max(0, mainThread === 'busy' ? cores - 1 : cores));
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;
  private failure: Error | undefined;
  private closed: Promise<void> | undefined;
  /** Called when the last task on its way is settled, once the pool is closing. */
  private drained: (() => void) | undefined;

  constructor(moduleUrl: URL, size: number) {
    for (let i = 0; i < size; i++) this.workers.push(this.start(moduleUrl));
  }

  /** Runs `task(...args)` in the next worker. */
  async run<T>(task: string, args: unknown[]): Promise<T> {
    if (this.closed) throw new Error('the worker pool is closed');
    if (this.failure) throw this.failure;
    const worker = this.workers[this.turn++ % this.workers.length];
    if (!worker) throw new Error('the worker pool has no workers');
    const id = this.nextId++;
    const result = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    worker.postMessage({ id, task, args });
    return result;
  }

  /**
   * Hands the memory of a buffer a task made, and that the caller is done with, to a worker to write a later
   * result into (recycledOrNew): memory moved back and forth instead of made and collected in each thread.
   */
  recycle(buffer: Buffer): void {
    const memory = buffer.buffer as ArrayBuffer;
    const worker = this.workers[this.turn % Math.max(1, this.workers.length)];
    if (!worker || memory.byteLength < MIN_RECYCLED_BYTES) return;
    worker.postMessage({ spare: memory }, [memory]);
  }

  /**
   * Stops the workers once the tasks on their way are done (each is bounded: one chunk). A worker stopped
   * in the middle of one can take the process down with it: Node aborts on a zlib handle that a task was
   * making when its thread was stopped ("close before init").
   */
  close(): Promise<void> {
    return (this.closed ??= this.stop());
  }

  private async stop(): Promise<void> {
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.failWaiting(new Error('the worker pool is closed'));
  }

  private start(moduleUrl: URL): Worker {
    const worker = new Worker(bootstrap(moduleUrl), { eval: true });
    // A pool left open never keeps the process alive; its tasks are awaited by whoever started them.
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.failWaiting(error));
    worker.on('exit', (code) => {
      // Stopped by close(), a thread exits with code 1.
      if (code !== 0 && !this.closed) this.failWaiting(new Error(`a worker thread stopped with exit code ${code}`));
    });
    return worker;
  }

  private settle(reply: Reply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.error !== undefined) pending.reject(new Error(reply.error));
    else pending.resolve(reply.result);
    this.notifyDrained();
  }

  private failWaiting(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.notifyDrained();
  }

  private notifyDrained(): void {
    if (this.pending.size > 0 || !this.drained) return;
    this.drained();
    this.drained = undefined;
  }
}

/** A value as it was before it crossed between threads: a Buffer crosses as a plain Uint8Array. */
export function asBuffer<T>(value: T): T | Buffer {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

/** Columns whose binary values are Buffers again, after crossing between threads. */
export function withBuffers(columns: SqlValue[][]): SqlValue[][] {
  for (const column of columns) for (let i = 0; i < column.length; i++) column[i] = asBuffer(column[i] as SqlValue);
  return columns;
}

/** Smaller memory is not worth a message: a new buffer of it costs less. */
const MIN_RECYCLED_BYTES = 64 * 1024;
/** Memory a worker keeps for later results at most: what a pool's window of chunks in flight gives back. */
const MAX_SPARES = 4;
/** Memory given back to this worker thread (WorkerPool.recycle). */
const spares: ArrayBuffer[] = [];

/** A buffer over all of a spare of at least `bytes` bytes, where this thread was given one, else a new one. */
export function recycledOrNew(bytes: number): Buffer {
  const at = spares.findIndex((memory) => memory.byteLength >= bytes);
  return at < 0 ? Buffer.allocUnsafe(bytes) : Buffer.from(spares.splice(at, 1)[0] as ArrayBuffer);
}

function keepSpare(memory: ArrayBuffer): void {
  spares.push(memory);
  if (spares.length > MAX_SPARES) spares.shift();
}

/** Answers a pool's messages in a worker module with the module's own task functions. */
export async function serveTasks(tasks: Record<string, (...args: never[]) => unknown>): Promise<void> {
  const { parentPort } = await import('node:worker_threads');
  if (!parentPort) throw new Error('serveTasks runs in a worker thread');
  const port = parentPort;
  port.on('message', async ({ id, task, args, spare }: { id: number; task: string; args: never[]; spare?: ArrayBuffer }) => {
    if (spare) return keepSpare(spare);
    const fn = tasks[task];
    try {
      if (!fn) throw new Error(`no task ${task}`);
      const result = await fn(...args);
      const transfer = transferables(result);
      port.postMessage({ id, result }, transfer);
    } catch (error) {
      port.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
}

/**
 * Buffers a result holds at its top level, handed over to the main thread instead of copied: a task
 * returns buffers it made and keeps nothing of them, so the memory of one that is not Node's shared pool
 * (a buffer written to and then cut to its length, as the bulk writers' are) goes with it whole.
 */
function transferables(result: unknown): ArrayBuffer[] {
  if (typeof result !== 'object' || result === null) return [];
  return Object.values(result).filter(ownsItsMemory).map((b) => b.buffer as ArrayBuffer);
}

function ownsItsMemory(value: unknown): value is Buffer {
  return Buffer.isBuffer(value) && ((value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) || value.buffer.byteLength > Buffer.poolSize);
}
