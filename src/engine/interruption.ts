// A stop asked for from outside the work (the user's Ctrl-C, a service manager's SIGTERM). Work that can
// stop in order registers while it runs and checks for the stop where everything it did is committed; it
// then ends with an InterruptedError that says what was kept. Work that cannot is simply ended.
export type StopSignalName = 'SIGINT' | 'SIGTERM';

const SIGNAL_NUMBERS: Record<StopSignalName, number> = { SIGINT: 2, SIGTERM: 15 };

/** 128 plus the signal's number: what a shell reports for a command that a signal ended. */
export function exitCodeForSignal(signal: StopSignalName): number {
  return 128 + SIGNAL_NUMBERS[signal];
}

export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  readonly exitCode: number;

  /** `nextCommand`: the command that goes on from here, where it is not the interrupted command itself. */
  constructor(
    readonly signal: StopSignalName,
    message: string,
    readonly nextCommand?: string,
  ) {
    super(message);
    this.exitCode = exitCodeForSignal(signal);
  }
}

/** What a piece of work that stops in order tells the one place that handles signals. */
export interface StoppableWork {
  /** The command that goes on from where the work stops, where it is not the interrupted command itself. */
  nextCommand?: string;
  /** Records, synchronously, that the work ends at once (a second signal): the process exits right after. */
  endedAtOnce?(signal: StopSignalName): void;
}

let requested: StopSignalName | undefined;
const running = new Set<StoppableWork>();

/** Asks the running work to stop at its next safe point; returns whether any work that stops in order is running. */
export function requestStop(signal: StopSignalName): boolean {
  requested ??= signal;
  return running.size > 0;
}

/** The signal that asked for a stop, if one did. */
export function stopRequested(): StopSignalName | undefined {
  return requested;
}

/** Throws an InterruptedError once a stop was asked for: called only where what was done so far is committed. */
export function throwIfStopRequested(kept: () => string): void {
  if (requested) throw new InterruptedError(requested, `interrupted (${requested}): ${kept()}`);
}

/** Runs `work` registered as work that stops in order: while it runs, a first signal waits for its next safe point. */
export async function whileStoppable<T>(work: () => Promise<T>, registration: StoppableWork = {}): Promise<T> {
  // A registration of its own, even where two pieces of work share one: each is removed once.
  const entry = { ...registration };
  running.add(entry);
  try {
    return await work();
  } finally {
    running.delete(entry);
  }
}

/** The process ends now: every running work records it; returns the command that goes on, the innermost work's. */
export function endAtOnce(signal: StopSignalName): string | undefined {
  let next: string | undefined;
  for (const work of running) {
    work.endedAtOnce?.(signal);
    next = work.nextCommand ?? next;
  }
  return next;
}
