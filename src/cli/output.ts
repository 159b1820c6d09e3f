// What the CLI prints: results on stdout (plain text or --json), progress and messages on stderr.
import type { ProgressEvent, ProgressListener } from '../engine/progress.ts';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
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

/** Progress on stderr: JSON lines with --json, otherwise lines a person reads (redrawn in place on a terminal). */
export function progressPrinter(json: boolean): ProgressListener {
  const tty = process.stderr.isTTY === true && !json;
  let lastDraw = 0;
  return (event: ProgressEvent) => {
    if (json) {
      writeProgress(`${JSON.stringify({ progress: event })}\n`);
      return;
    }
    switch (event.type) {
      case 'step-start':
        writeProgress(`  step ${event.step}: ${event.description} (${event.statements} statements)\n`);
        return;
      case 'step-progress':
        if (tty) drawProgressLine(`    ${bar(event.done / Math.max(event.total, 1))} ${event.done}/${event.total}`);
        return;
      case 'step-done':
        writeProgress(`${tty ? '\r\x1b[K' : ''}  step ${event.step} done in ${formatDuration(event.durationMs)}\n`);
        return;
      case 'table-progress': {
        const now = performance.now();
        if (!tty && now - lastDraw < 2000) return;
        lastDraw = now;
        const share = event.totalRows ? event.rows / event.totalRows : undefined;
        const eta = event.etaSeconds !== undefined ? `, ETA ${formatDuration(Math.round(event.etaSeconds * 1000))}` : '';
        const text = `    ${event.table}: ${share !== undefined ? `${bar(share)} ` : ''}${formatCount(event.rows)} rows, ${formatCount(Math.round(event.rowsPerSecond))} rows/s${eta}`;
        if (tty) drawProgressLine(text);
        else writeProgress(`${text}\n`);
        return;
      }
      case 'table-done':
        writeProgress(`${tty ? '\r\x1b[K' : ''}    ${event.table}: ${formatCount(event.rows)} rows in ${formatDuration(event.durationMs)}\n`);
        return;
      case 'message':
        writeProgress(`${event.text}\n`);
        return;
    }
  };
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
