// What the CLI prints: results on stdout (plain text or --json), progress and messages on stderr.
import type { ProgressEvent, ProgressListener } from '../engine/progress.ts';
import { counted, formatDuration } from '../engine/wording.ts';

export { formatBytes, formatDuration } from '../engine/wording.ts';

/** A result as one line of JSON, so that --json output is read line by line whatever came before it. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A plain table: columns padded, numbers right-aligned. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatCount(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: (string | number)[]) =>
    r.map((c, i) => (numeric[i] ? String(c).padStart(widths[i] ?? 0) : String(c).padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Whether stderr ends in a progress line redrawn in place, with no newline after it yet. */
let progressLineOpen = false;

/** Progress redrawn in place on a terminal: the line stays open until something else is written. */
function drawProgressLine(text: string): void {
  process.stderr.write(`\r\x1b[K${text}`);
  progressLineOpen = true;
}

/** A line of progress on stderr, which closes a line drawn in place. */
function writeProgress(text: string): void {
  process.stderr.write(text);
  progressLineOpen = false;
}

/** Ends a progress line drawn in place, so that what is written next (an interruption's message) starts a line of its own. */
export function endProgressLine(): void {
  if (progressLineOpen) writeProgress('\n');
}

/**
 * How much progress a person is shown: `quiet`, only messages (warnings, what was removed); `normal`, a step
 * or phase per line, a table's line where the table took long enough to matter, the rest drawn in place on a
 * terminal; `verbose`, every table and every key, index and foreign key built.
 */
export type Volume = 'quiet' | 'normal' | 'verbose';

/** A table or step that took less than this gets no line of its own unless asked for: its phase's line or the result counts it. */
const NOTABLE_MS = 1000;
/** Without a terminal, the progress of a table being copied is written at most this often. */
const LOG_PROGRESS_EVERY_MS = 15_000;

/** The progress printer a command's --json, --quiet and --verbose ask for. */
export function progressFor(options: { json?: boolean; quiet?: boolean; verbose?: boolean }): ProgressListener {
  return progressPrinter(Boolean(options.json), options.quiet ? 'quiet' : options.verbose ? 'verbose' : 'normal');
}

/** Progress on stderr: JSON lines with --json, otherwise lines a person reads (redrawn in place on a terminal). */
export function progressPrinter(json: boolean, volume: Volume = 'normal'): ProgressListener {
  if (json) return (event) => writeProgress(`${JSON.stringify({ progress: event })}\n`);
  const tty = process.stderr.isTTY === true;
  const transient = (text: string): void => {
    if (tty && volume !== 'quiet') drawProgressLine(text);
  };
  const line = (text: string): void => writeProgress(`${tty ? '\r\x1b[K' : ''}${text}\n`);
  const steps = new Map<string, string>();
  // A table's progress is logged once it has taken a while, and then at intervals.
  let lastLogged = performance.now();
  return (event: ProgressEvent) => {
    switch (event.type) {
      case 'step-start':
        steps.set(event.step, `  step ${event.step}: ${event.description} (${counted(event.statements, 'statement')})`);
        transient(steps.get(event.step) ?? '');
        return;
      case 'step-progress':
        transient(`  step ${event.step}: ${bar(event.done / Math.max(event.total, 1))} ${event.done}/${event.total}`);
        return;
      case 'step-done': {
        // The result lists every step; a step that took long enough to matter is also told as it ends.
        const text = `${steps.get(event.step) ?? `  step ${event.step}`} in ${formatDuration(event.durationMs)}`;
        if (volume === 'verbose' || (volume === 'normal' && event.durationMs >= NOTABLE_MS)) line(text);
        else transient(text);
        return;
      }
      case 'table-progress': {
        const text = `    ${event.table}: ${tableProgress(event)}`;
        if (tty) return transient(text);
        const now = performance.now();
        if (volume === 'quiet' || now - lastLogged < LOG_PROGRESS_EVERY_MS) return;
        lastLogged = now;
        line(text);
        return;
      }
      case 'table-done': {
        lastLogged = performance.now();
        const text = `    ${event.table}: ${tableDone(event)}`;
        if (volume === 'verbose' || (volume === 'normal' && event.durationMs >= NOTABLE_MS)) line(text);
        else transient(text);
        return;
      }
      case 'table-detail': {
        const text = `    ${event.table}, ${event.text}`;
        if (volume === 'verbose') line(text);
        else transient(text);
        return;
      }
      case 'message':
        line(event.text);
        return;
    }
  };
}

function tableProgress(event: Extract<ProgressEvent, { type: 'table-progress' }>): string {
  const share = event.totalRows ? `${bar(event.rows / event.totalRows)} ` : '';
  const eta = event.etaSeconds !== undefined ? `, ETA ${formatDuration(Math.round(event.etaSeconds * 1000))}` : '';
  return `${share}${counted(event.rows, 'row')}, ${formatCount(Math.round(event.rowsPerSecond))} rows/s${eta}`;
}

/** A table's rows and time, with its rate where the rate measures something (see rowsPerSecond). */
function tableDone(event: Extract<ProgressEvent, { type: 'table-done' }>): string {
  const rate = rowsPerSecond({ rowsWritten: event.rows, seconds: event.durationMs / 1000 });
  return `${counted(event.rows, 'row')} in ${formatDuration(event.durationMs)}${typeof rate === 'number' ? ` (${formatCount(rate)} rows/s)` : ''}`;
}

function bar(share: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, share)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%`;
}

/** A table's copy rate, shown only where it measures something: below 10,000 rows it is mostly start-up. */
export function rowsPerSecond(table: { rowsWritten: number; seconds: number }): number | string {
  return table.rowsWritten >= 10_000 ? Math.round(table.rowsWritten / Math.max(table.seconds, 0.001)) : '';
}

/** A message the user must read once, such as a file the command created: on stderr, beside the results. */
export function printNotice(text: string): void {
  process.stderr.write(`wfm: ${text}\n`);
}

/** A word as a POSIX shell reads it back: quoted where it holds anything but plain path characters. */
export function shellWord(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
