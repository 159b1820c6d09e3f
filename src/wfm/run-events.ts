// A run's event log: beside its journal, `<run>.events.jsonl` holds what happened as it happened (each
// step as it starts and ends, each table's progress, the run's messages), one JSON object a line with the
// time it was written. The journal says where a run stands; the log says how it got there, so that the
// console can follow a run started by any process, from its first second, by reading the folder.
import { appendFileSync, closeSync, openSync, readSync, statSync } from 'node:fs';
import type { ProgressEvent, ProgressListener } from '../engine/progress.ts';

/** A step as the journal records it, when it starts and when it ends. */
export interface StepEvent {
  name: string;
  state: string;
  durationMs?: number;
  detail?: string;
}

export type RunEvent =
  | { type: 'started'; at: number; text: string; estimates: Record<string, number> }
  | ({ type: 'step'; at: number } & StepEvent)
  | { type: 'progress'; at: number; event: ProgressEvent };

/** What a run tells whoever follows it. */
export interface RunListeners {
  onProgress?: ProgressListener;
  onStep?: (step: StepEvent) => void;
}

/** A table's progress is written at most this often: enough for a chart, small for a long run. */
const PROGRESS_INTERVAL_MS = 1000;

function appendEvent(file: string, event: RunEvent): void {
  appendFileSync(file, `${JSON.stringify(event)}\n`);
}

/** Writes the run's first event: what it does and how many seconds each step is expected to take. */
export function recordRunStart(file: string, text: string, estimates: Record<string, number>): void {
  appendEvent(file, { type: 'started', at: Date.now(), text, estimates });
}

/** Writes a line of the run's log that no step or table reports (what a rollback did). */
export function recordRunMessage(file: string, text: string): void {
  appendEvent(file, { type: 'progress', at: Date.now(), event: { type: 'message', text } });
}

/** Progress worth keeping: every table's end and message, a table's progress once a second at most. */
function progressRecorder(file: string): ProgressListener {
  const lastWritten = new Map<string, number>();
  return (event) => {
    if (event.type === 'table-detail' || event.type === 'step-progress') return;
    if (event.type === 'table-progress') {
      const now = Date.now();
      if (now - (lastWritten.get(event.table) ?? 0) < PROGRESS_INTERVAL_MS) return;
      lastWritten.set(event.table, now);
    }
    appendEvent(file, { type: 'progress', at: Date.now(), event });
  };
}

/** The run's options with every step and progress event also written to its event log. */
export function recordingListeners(file: string): Required<RunListeners> {
  return {
    onProgress: progressRecorder(file),
    onStep: (step) => appendEvent(file, { type: 'step', at: Date.now(), name: step.name, state: step.state, durationMs: step.durationMs, detail: step.detail }),
  };
}

/** The events written since `offset` (a byte position), and where the next read starts. A line being written waits for the next read. */
export function readRunEvents(path: string, offset = 0): { events: RunEvent[]; offset: number } {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { events: [], offset };
  }
  if (size <= offset) return { events: [], offset };
  const buffer = Buffer.alloc(size - offset);
  const file = openSync(path, 'r');
  try {
    readSync(file, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(file);
  }
  const text = buffer.toString('utf8');
  const complete = text.lastIndexOf('\n') + 1;
  const events = text
    .slice(0, complete)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as RunEvent];
      } catch {
        // A line that is not JSON was not written by a run: it tells nothing.
        return [];
      }
    });
  return { events, offset: offset + Buffer.byteLength(text.slice(0, complete)) };
}
