// Runs, backups and restores started from the console: each keeps its events (step states, per-table
// progress, log lines) so that a page opened late replays them, and streams new ones as server-sent events.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { ProgressEvent } from '../engine/progress.ts';

export type LiveEvent =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'step'; name: string; state: string; durationMs?: number; detail?: string }
  | { type: 'log'; text: string }
  | { type: 'end'; state: 'done' | 'failed'; text: string };

export interface LiveJob {
  id: string;
  kind: 'run' | 'rollback' | 'backup' | 'restore' | 'step two' | 'verify';
  title: string;
  startedAt: string;
  state: 'running' | 'done' | 'failed';
  /** Set once a run has its journal id. */
  runId?: string;
  events: LiveEvent[];
}

/** Events kept per job: enough for every table's last progress and every step, bounded all the same. */
const MAX_EVENTS = 5000;

export class LiveJobs {
  private readonly jobs = new Map<string, LiveJob>();
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  list(): LiveJob[] {
    return [...this.jobs.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  get(id: string): LiveJob | undefined {
    return this.jobs.get(id);
  }

  /** Starts work in the background; its events go to the job, its end or failure too. */
  start(kind: LiveJob['kind'], title: string, work: (emit: (event: LiveEvent) => void, job: LiveJob) => Promise<string>): LiveJob {
    const job: LiveJob = { id: randomUUID(), kind, title, startedAt: new Date().toISOString(), state: 'running', events: [] };
    this.jobs.set(job.id, job);
    const emit = (event: LiveEvent): void => {
      if (event.type === 'progress' && job.events.length >= MAX_EVENTS) return;
      job.events.push(event);
      this.emitter.emit(job.id, event);
    };
    work(emit, job).then(
      (text) => {
        job.state = job.state === 'failed' ? 'failed' : 'done';
        emit({ type: 'end', state: job.state, text });
      },
      (error: unknown) => {
        job.state = 'failed';
        emit({ type: 'end', state: 'failed', text: error instanceof Error ? error.message : String(error) });
      },
    );
    return job;
  }

  /** Calls `listener` for every event to come; returns how to stop listening. */
  subscribe(id: string, listener: (event: LiveEvent) => void): () => void {
    this.emitter.on(id, listener);
    return () => this.emitter.off(id, listener);
  }
}
