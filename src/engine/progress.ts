// Progress of long work, as events any front end can render: a terminal bar, JSON lines, server-sent events.

export type ProgressEvent =
  | { type: 'step-start'; step: string; description: string; statements: number }
  | { type: 'step-progress'; step: string; done: number; total: number }
  | { type: 'step-done'; step: string; durationMs: number }
  | { type: 'table-progress'; table: string; rows: number; totalRows?: number; rowsPerSecond: number; etaSeconds?: number }
  | { type: 'table-done'; table: string; rows: number; durationMs: number }
  /** Work on a table once its rows are in (a key, an index, a foreign key's check): shown only when asked for. */
  | { type: 'table-detail'; table: string; text: string }
  | { type: 'message'; text: string };

export type ProgressListener = (event: ProgressEvent) => void;

/** Rows-per-second and ETA for one table, from the rows counted so far. */
export class RateMeter {
  private readonly started = performance.now();

  /** `startRows`: rows already done before this run (a resumed copy), not counted in the rate. */
  constructor(
    readonly table: string,
    readonly totalRows?: number,
    readonly startRows = 0,
  ) {}

  event(rows: number): ProgressEvent {
    const seconds = Math.max((performance.now() - this.started) / 1000, 1e-6);
    const rowsPerSecond = (rows - this.startRows) / seconds;
    const etaSeconds = this.totalRows !== undefined && rowsPerSecond > 0 ? Math.max(0, (this.totalRows - rows) / rowsPerSecond) : undefined;
    return { type: 'table-progress', table: this.table, rows, totalRows: this.totalRows, rowsPerSecond, etaSeconds };
  }

  done(rows: number): ProgressEvent {
    return { type: 'table-done', table: this.table, rows, durationMs: Math.round(performance.now() - this.started) };
  }
}
