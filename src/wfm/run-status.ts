// Where a run stands, from its journal and its event log: the share done and the time left, each step
// with the tables it moved, the rows per second over time and the log, and the actions its state allows.
// Any process may have written them: a run started from the console and one started with `wfm run` read
// the same.
import { readRunEvents, type RunEvent } from './run-events.ts';
import { eventLogPath, loadJournal, runStateText, type RunJournal, type StepRecord } from './run.ts';

export interface TableStatus {
  table: string;
  rows: number;
  totalRows?: number;
  rowsPerSecond: number;
  etaSeconds?: number;
  done: boolean;
}

export interface StepStatus extends StepRecord {
  estimateSeconds?: number;
  tables: TableStatus[];
}

export interface RatePoint {
  /** Seconds since the run's first event. */
  seconds: number;
  rowsPerSecond: number;
}

export interface LogLine {
  seconds: number;
  text: string;
}

export type RunAction = 'resume' | 'roll back' | 'step two' | 'verify';

export interface RunStatus {
  journal: RunJournal;
  /** The state in words (run.ts runStateText). */
  stateText: string;
  /** 0 to 100: the steps done and the rows of the step under way, weighed by the plan's estimates. */
  percent: number;
  /** Seconds left, while the run is under way and there is something to go by. */
  etaSeconds?: number;
  /** The step under way, failed or stopped. */
  currentStep?: string;
  steps: StepStatus[];
  rates: RatePoint[];
  log: LogLine[];
  actions: RunAction[];
}

/** A step counts for at least this many seconds: one the plan did not estimate still moves the bar. */
const MIN_STEP_SECONDS = 1;

function tablesByStep(events: readonly RunEvent[]): Map<string, Map<string, TableStatus>> {
  const byStep = new Map<string, Map<string, TableStatus>>();
  let step = '';
  for (const e of events) {
    if (e.type === 'step' && e.state === 'running') step = e.name;
    if (e.type !== 'progress') continue;
    const p = e.event;
    if (p.type !== 'table-progress' && p.type !== 'table-done') continue;
    const tables = byStep.get(step) ?? new Map<string, TableStatus>();
    byStep.set(step, tables);
    const known = tables.get(p.table);
    tables.set(
      p.table,
      p.type === 'table-progress'
        ? { table: p.table, rows: p.rows, totalRows: p.totalRows, rowsPerSecond: p.rowsPerSecond, etaSeconds: p.etaSeconds, done: false }
        : { table: p.table, rows: p.rows, totalRows: known?.totalRows ?? p.rows, rowsPerSecond: p.durationMs > 0 ? p.rows / (p.durationMs / 1000) : 0, done: true },
    );
  }
  return byStep;
}

/** Rows per second over time: the rows every table reached, differenced over at least a second, from 0 where rows start to move. */
export function rateSeries(events: readonly RunEvent[]): RatePoint[] {
  const first = events[0]?.at ?? 0;
  const rowsOf = new Map<string, number>();
  const points: RatePoint[] = [];
  let step = '';
  let total = 0;
  let last: { at: number; total: number } | undefined;
  for (const e of events) {
    if (e.type === 'step' && e.state === 'running') step = e.name;
    if (e.type !== 'progress' || (e.event.type !== 'table-progress' && e.event.type !== 'table-done')) continue;
    if (!last) {
      last = { at: e.at, total: 0 };
      points.push({ seconds: (e.at - first) / 1000, rowsPerSecond: 0 });
    }
    const key = `${step}/${e.event.table}`;
    total += e.event.rows - (rowsOf.get(key) ?? 0);
    rowsOf.set(key, e.event.rows);
    if (e.at - last.at < 1000) continue;
    points.push({ seconds: (e.at - first) / 1000, rowsPerSecond: Math.max(0, (total - last.total) / ((e.at - last.at) / 1000)) });
    last = { at: e.at, total };
  }
  return points;
}

function logLines(events: readonly RunEvent[]): LogLine[] {
  const first = events[0]?.at ?? 0;
  return events.flatMap((e): LogLine[] => {
    const seconds = (e.at - first) / 1000;
    if (e.type === 'started') return [{ seconds, text: e.text }];
    if (e.type === 'step') return [{ seconds, text: e.state === 'running' ? `${e.name}: started` : `${e.name}: ${e.state}${e.detail ? `: ${e.detail}` : ''}` }];
    return e.event.type === 'message' ? [{ seconds, text: e.event.text }] : [];
  });
}

/** The share of a step done: its tables' rows against their totals, or half of it while nothing is counted. */
function shareOfStep(step: StepStatus): number {
  const counted = step.tables.filter((t) => t.totalRows !== undefined && t.totalRows > 0);
  if (counted.length === 0) return 0.5;
  const total = counted.reduce((sum, t) => sum + (t.totalRows ?? 0), 0);
  return Math.min(1, counted.reduce((sum, t) => sum + Math.min(t.rows, t.totalRows ?? 0), 0) / total);
}

/** The seconds a step under way still needs: by its tables' rates where they tell, else by the plan. */
function secondsLeftIn(step: StepStatus, now: number): number {
  const running = step.tables.filter((t) => !t.done && t.etaSeconds !== undefined);
  if (running.length > 0) return Math.max(...running.map((t) => t.etaSeconds ?? 0));
  const elapsed = step.startedAt ? (now - Date.parse(step.startedAt)) / 1000 : 0;
  return Math.max(0, Math.max(step.estimateSeconds ?? 0, MIN_STEP_SECONDS) - elapsed);
}

function actionsFor(journal: RunJournal): RunAction[] {
  const actions: RunAction[] = [];
  if (journal.state === 'failed' || journal.state === 'interrupted') actions.push('resume');
  if (journal.state !== 'running' && journal.state !== 'rolled back') actions.push('roll back');
  if (journal.state === 'done' && journal.twoStep) actions.push('step two');
  if (journal.state === 'done' && journal.to !== null) actions.push('verify');
  return actions;
}

/** Where a run stands, from its journal and its event log as they are now. */
export function runStatus(journal: RunJournal, events: readonly RunEvent[], now = Date.now()): RunStatus {
  const estimates = events.find((e): e is Extract<RunEvent, { type: 'started' }> => e.type === 'started')?.estimates ?? {};
  const tables = tablesByStep(events);
  const steps: StepStatus[] = journal.steps.map((step) => ({ ...step, estimateSeconds: estimates[step.name], tables: [...(tables.get(step.name)?.values() ?? [])] }));
  const current = steps.find((s) => s.state !== 'done' && s.state !== 'pending');
  const weight = (s: StepStatus): number => Math.max(s.estimateSeconds ?? 0, MIN_STEP_SECONDS);
  const total = steps.reduce((sum, s) => sum + weight(s), 0);
  const done = steps.filter((s) => s.state === 'done').reduce((sum, s) => sum + weight(s), 0) + (current?.state === 'running' ? weight(current) * shareOfStep(current) : 0);
  const underWay = journal.state === 'running' && current?.state === 'running';
  const etaSeconds = underWay ? secondsLeftIn(current, now) + steps.filter((s) => s.state === 'pending').reduce((sum, s) => sum + weight(s), 0) : undefined;
  return {
    journal,
    stateText: runStateText(journal),
    percent: journal.state === 'done' ? 100 : Math.round((100 * done) / Math.max(total, 1)),
    etaSeconds,
    currentStep: current?.name,
    steps,
    rates: rateSeries(events),
    log: logLines(events),
    actions: actionsFor(journal),
  };
}

/**
 * Follows a run of the runs folder: each call says where it stands now, reading only what its event log
 * gained since the call before.
 */
export function runFollower(runsDirectory: string, runId: string): () => RunStatus {
  const id = loadJournal(runsDirectory, runId).runId;
  const path = eventLogPath(runsDirectory, id);
  const events: RunEvent[] = [];
  let offset = 0;
  return () => {
    const read = readRunEvents(path, offset);
    events.push(...read.events);
    offset = read.offset;
    return runStatus(loadJournal(runsDirectory, id), events);
  };
}
