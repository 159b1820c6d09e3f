// `wfm simulate`: a seeded contact center sending its events, paced in simulated time, to a Data Aggregator
// over HTTP or, as the 6.5 aggregator did, straight into a 6.5 database.
import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type ConnectionTarget } from '../../engine/dialect/index.ts';
import { InputError, OperationError } from '../../engine/errors.ts';
import { type ProgressListener, RateMeter } from '../../engine/progress.ts';
import type { Catalog } from '../aggregator/catalog.ts';
import { formatEvent, intervalOf, isoInstant } from '../aggregator/events.ts';
import { type SentEvent, Simulation, type StateValue } from './events.ts';
import { afterLastPerformance, type LegacyDatabase, LegacyWriter, readLegacyDatabase } from './legacy-writer.ts';

export type SimulateTarget = { url: string } | { legacyDb: ConnectionTarget };

export interface SimulateOptions {
  target: SimulateTarget;
  seed: number;
  /**
   * Seconds since the epoch. Default: for a URL, now floored to 15 minutes; for a 6.5 database, the interval
   * right after the last one in its performance_data.
   */
  start?: number;
  durationSeconds: number;
  /** Interactions offered per hour over all activities at the busiest interval of the week. */
  interactionsPerHour: number;
  /** Simulated seconds per real second; Infinity (the default) sends as fast as the target takes them. */
  speed?: number;
  /** A file that receives every event sent, as JSON lines. */
  eventsOut?: string;
  onProgress?: ProgressListener;
}

export interface SimulateSummary {
  target: string;
  seed: number;
  /** ISO instants of the period [start, end). */
  start: string;
  end: string;
  /** Starts of the period's first and last 15-minute intervals. */
  firstInterval: string;
  lastInterval: string;
  eventsSent: number;
  interactions: { offered: number; handled: number; abandoned: number };
  agentStates: number;
  /** What a 6.5 target received. */
  rowsWritten?: { performance_data: number; agent_compliance: number };
  durationMs: number;
}

/** Events per POST, and per write into a 6.5 database when sending as fast as possible. */
const BATCH_EVENTS = 1000;
const PROGRESS_EVERY_MS = 1000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Waits before each new attempt at a request that failed on the network or with a 5xx. */
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];

interface Destination {
  readonly description: string;
  readonly catalog: Catalog;
  defaultStart(): Promise<number>;
  begin(period: Period, simulation: Simulation): void;
  /** `clock`: the simulated time up to which every event has now been delivered. */
  deliver(events: readonly SentEvent[], clock: number): Promise<void>;
  finish(): Promise<SimulateSummary['rowsWritten']>;
  close(): Promise<void>;
}

interface Period {
  start: number;
  end: number;
}

export async function simulate(options: SimulateOptions): Promise<SimulateSummary> {
  checkOptions(options);
  const started = performance.now();
  const destination = 'url' in options.target ? await httpDestination(options.target.url) : await legacyDestination(options.target.legacyDb);
  try {
    const start = options.start ?? (await destination.defaultStart());
    const period = { start, end: start + options.durationSeconds };
    const simulation = new Simulation({ catalog: destination.catalog, seed: options.seed, interactionsPerHour: options.interactionsPerHour });
    destination.begin(period, simulation);
    options.onProgress?.({
      type: 'message',
      text: `simulating ${isoInstant(period.start)} to ${isoInstant(period.end)} into ${destination.description}: ${destination.catalog.activities.length} activities, ${destination.catalog.agents.length} agents`,
    });
    const counts = await send(destination, simulation, period, options);
    const rowsWritten = await destination.finish();
    return {
      target: destination.description,
      seed: options.seed,
      start: isoInstant(period.start),
      end: isoInstant(period.end),
      firstInterval: isoInstant(intervalOf(period.start)),
      lastInterval: isoInstant(intervalOf(period.end - 1)),
      ...counts,
      ...(rowsWritten ? { rowsWritten } : {}),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await destination.close();
  }
}

function checkOptions(options: SimulateOptions): void {
  if (!Number.isSafeInteger(options.seed)) throw new InputError(`the seed must be a whole number, not ${options.seed}`);
  if (options.start !== undefined && !Number.isSafeInteger(options.start)) throw new InputError(`the start must be whole seconds since the epoch, not ${options.start}`);
  if (!Number.isSafeInteger(options.durationSeconds) || options.durationSeconds < 1) throw new InputError(`the duration must be a whole number of seconds of at least 1, not ${options.durationSeconds}`);
  if (!(options.interactionsPerHour > 0) || !Number.isFinite(options.interactionsPerHour)) {
    throw new InputError(`the rate must be a number of interactions per hour above 0, not ${options.interactionsPerHour}`);
  }
  if (options.speed !== undefined && !(options.speed > 0)) throw new InputError(`the speed must be above 0 simulated seconds per real second, not ${options.speed}`);
}

type Counts = Pick<SimulateSummary, 'eventsSent' | 'interactions' | 'agentStates'>;

/** Sends the events in order, each no sooner than its simulated time allows at the chosen speed. */
async function send(destination: Destination, simulation: Simulation, period: Period, options: SimulateOptions): Promise<Counts> {
  const speed = options.speed ?? Number.POSITIVE_INFINITY;
  const out = options.eventsOut ? await openEventsOut(options.eventsOut) : undefined;
  const delivery = new Delivery(destination, period.start, out, options.onProgress);
  const realStart = performance.now();
  const simulatedNow = (): number => period.start + ((performance.now() - realStart) / 1000) * speed;
  try {
    for (const sent of simulation.events(period.start, period.end)) {
      // Interactions still going on at the end are sent at the end rather than waited for.
      const waitMs = realStart + ((Math.min(sent.sentAt, period.end) - period.start) / speed) * 1000 - performance.now();
      if (waitMs > 0) {
        // The target hears of everything so far before the pause, as it would from a live source.
        await delivery.flush(Math.max(delivery.clock, simulatedNow()));
        await sleep(waitMs);
      }
      await delivery.add(sent);
    }
    return await delivery.finish();
  } finally {
    await out?.close();
  }
}

/** Events on their way: batched, delivered, copied to the events file, counted and reported. */
class Delivery {
  private batch: SentEvent[] = [];
  private readonly counts: Counts = { eventsSent: 0, interactions: { offered: 0, handled: 0, abandoned: 0 }, agentStates: 0 };
  private readonly meter = new RateMeter('events');
  private lastProgress = 0;

  constructor(
    private readonly destination: Destination,
    /** Simulated time up to which every event has been handed to the delivery. */
    public clock: number,
    private readonly out: EventsOut | undefined,
    private readonly onProgress: ProgressListener | undefined,
  ) {}

  async add(sent: SentEvent): Promise<void> {
    this.batch.push(sent);
    this.clock = sent.sentAt;
    if (this.batch.length >= BATCH_EVENTS) await this.flush(this.clock);
  }

  async flush(clock: number): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    await this.destination.deliver(batch, clock);
    if (this.out && batch.length > 0) await this.out.write(batch.map((sent) => `${formatEvent(sent.event)}\n`).join(''));
    this.tally(batch);
    if (this.onProgress && performance.now() - this.lastProgress >= PROGRESS_EVERY_MS) {
      this.lastProgress = performance.now();
      this.onProgress(this.meter.event(this.counts.eventsSent));
    }
  }

  async finish(): Promise<Counts> {
    await this.flush(this.clock);
    this.onProgress?.(this.meter.done(this.counts.eventsSent));
    return this.counts;
  }

  private tally(batch: readonly SentEvent[]): void {
    for (const { event } of batch) {
      this.counts.eventsSent++;
      if (event.type === 'agent_state') {
        this.counts.agentStates++;
        continue;
      }
      this.counts.interactions.offered++;
      this.counts.interactions[event.outcome]++;
    }
  }
}

interface EventsOut {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

async function openEventsOut(path: string): Promise<EventsOut> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'w');
  } catch (error) {
    throw new InputError(`cannot write the events file ${path}: ${(error as Error).message}`);
  }
  return {
    write: async (text) => {
      await handle.write(text);
    },
    close: () => handle.close(),
  };
}

// ---- A Data Aggregator over HTTP ----

async function httpDestination(url: string): Promise<Destination> {
  const base = url.replace(/\/+$/, '');
  const catalog = catalogOf(await request(`${base}/catalog`, { method: 'GET' }, 'the catalog'), base);
  return {
    description: base,
    catalog,
    defaultStart: async () => intervalOf(Math.floor(Date.now() / 1000)),
    begin: () => undefined,
    deliver: async (events) => {
      if (events.length === 0) return;
      const body = events.map((sent) => `${formatEvent(sent.event)}\n`).join('');
      await request(`${base}/events`, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body }, `a batch of ${events.length} events`);
    },
    finish: async () => undefined,
    close: async () => undefined,
  };
}

/**
 * One request, tried again after a network error or a 5xx (every event carries its id, so a batch the
 * aggregator did take before failing is not counted twice); a 4xx is the sender's fault and is final.
 */
async function request(url: string, init: RequestInit, what: string): Promise<string> {
  let failure = '';
  for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
    if (attempt > 0) await sleep(RETRY_DELAYS_MS[attempt - 1] ?? 0);
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      failure = networkFailure(error);
      continue;
    }
    const text = await response.text();
    if (response.ok) return text;
    if (response.status < 500) throw new OperationError(`${init.method} ${url} refused ${what} with HTTP ${response.status}: ${text.trim() || response.statusText}`);
    failure = `HTTP ${response.status}: ${text.trim() || response.statusText}`;
  }
  throw new OperationError(`${init.method} ${url} (${what}) failed ${RETRY_DELAYS_MS.length + 1} times, the last with ${failure}; is the Data Aggregator running there?`);
}

function networkFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

function catalogOf(text: string, base: string): Catalog {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OperationError(`${base}/catalog did not answer JSON: is ${base} a Data Aggregator?`);
  }
  const record = value as Partial<Record<keyof Catalog, unknown>> | null;
  const keys: (keyof Catalog)[] = ['activities', 'agents', 'agent_states', 'reasons'];
  const missing = keys.filter((key) => !Array.isArray(record?.[key]));
  if (missing.length > 0) throw new OperationError(`${base}/catalog answered JSON without ${missing.join(', ')}: is ${base} a Data Aggregator?`);
  return value as Catalog;
}

// ---- A 6.5 database, as the old aggregator wrote it ----

async function legacyDestination(target: ConnectionTarget): Promise<Destination> {
  const connection = await connect(target);
  let database: LegacyDatabase;
  try {
    database = await readLegacyDatabase(connection);
  } catch (error) {
    await connection.close();
    throw error;
  }
  let writer: LegacyWriter | undefined;
  const started = (): LegacyWriter => {
    if (!writer) throw new Error('the 6.5 writer is used before the period is known');
    return writer;
  };
  return {
    description: `${connection.description} (${database.release})`,
    catalog: database.catalog,
    defaultStart: async () => (await afterLastPerformance(connection)) ?? intervalOf(Math.floor(Date.now() / 1000)),
    begin: (period, simulation) => {
      writer = new LegacyWriter(connection, database, period, statesAt(simulation, database.catalog, period.start));
    },
    deliver: async (events, clock) => {
      const target = started();
      for (const sent of events) target.add(sent.event);
      await target.flush(clock);
    },
    finish: async () => {
      const summary = await started().finish();
      return { performance_data: summary.performanceRows, agent_compliance: summary.complianceRows };
    },
    close: () => connection.close(),
  };
}

function statesAt(simulation: Simulation, catalog: Catalog, at: number): Map<number, StateValue> {
  const states = new Map<number, StateValue>();
  for (const agent of catalog.agents) {
    const state = simulation.stateBefore(agent.id, at);
    if (state) states.set(agent.id, state);
  }
  return states;
}
export { afterLastPerformance } from './legacy-writer.ts';
