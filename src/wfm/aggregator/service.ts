// The Data Aggregator service. Events come in over HTTP (POST /events, JSON lines) or on stdin; a batch
// is checked whole, spooled to disk, and only then acknowledged. One loop moves spooled batches into the
// database, one transaction each, and records the aggregator's heartbeat. While the database cannot be
// reached, or is in maintenance, batches wait in the spool; nothing is lost and nothing is counted twice.
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { connect, type Connection, type ConnectionTarget } from '../../engine/dialect/index.ts';
import { errorMessage, InputError } from '../../engine/errors.ts';
import { describeState, detectRelease } from '../database.ts';
import { knownOption } from '../config/applications.ts';
import { loadCatalog, type Catalog } from './catalog.ts';
import { formatEvent, INTERVAL_SECONDS, intervalOf, isoInstant, parseEventLines, type AggregatorEvent } from './events.ts';
import { applyEvents, closeIntervals, eventTime, latestCollectedInterval, maintenanceMode, memoryProblem, recordHeartbeat, referenceProblem, type ClosingBounds, type ClosingPass } from './store.ts';
import { Spool, type Segment } from './spool.ts';
import { windowAt, windowProblem, type EventWindow } from './window.ts';
import { counted } from '../../engine/wording.ts';

export interface AggregatorOptions {
  /** The application's name: how the component table and the migration procedure know it. */
  name: string;
  release: string;
  target: ConnectionTarget;
  spoolDirectory: string;
  /** 0 picks a free port. */
  port: number;
  host: string;
  closeAfterSeconds: number;
  heartbeatSeconds: number;
  /** How long before its clock an event may have happened; a replay of older history must raise it. Default: Options.MaxEventAge. */
  maxEventAgeSeconds?: number;
  /** How far ahead of its clock an event may end. Default: Options.MaxClockSkew. */
  clockSkewSeconds?: number;
  /** Events per database transaction. */
  batchEvents?: number;
  /** A line for the operator (state changes, batches applied). */
  log?: (line: string) => void;
}

export type AggregatorState = 'starting' | 'collecting' | 'maintenance' | 'database unreachable' | 'stopping' | 'stopped';

export interface AggregatorStatus {
  name: string;
  state: AggregatorState;
  url: string;
  received: number;
  applied: number;
  duplicates: number;
  refused: number;
  spooledEvents: number;
  intervalsClosed: number;
  latestEventTime: string | null;
  /** The event times accepted now, by the aggregator's clock. */
  acceptedEvents: { from: string; until: string };
  /** Intervals still due to be closed while a backlog is closed pass by pass, or null once caught up. */
  closing: { from: string; through: string; intervalsLeft: number } | null;
  lastError: string | null;
}

/** The database is reachable but is not one the aggregator can write into: waiting would not help. */
class WrongDatabaseError extends InputError {}

export type ReceiveResult = { accepted: number } | { errors: { line: number; reason: string }[] };

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const POLL_MS = 250;
const MAX_BACKOFF_MS = 5000;
/** Intervals closed per pass at most (a day); the status answers between passes. */
const CLOSE_INTERVALS_PER_PASS = 96;
/** Rows a pass writes at most: every interval closed writes a row per activity, so a large site closes fewer per pass. */
const CLOSE_ROWS_PER_PASS = 20_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Aggregator {
  private state: AggregatorState = 'starting';
  private connection: Connection | undefined;
  private catalog: Catalog | undefined;
  private latestEventTime = 0;
  /** The latest event time of the batches taken, applied or still spooled: what the event memory counts back from. */
  private latestAcceptedTime = 0;
  private closing: ClosingPass['left'];
  /** Whether a pass has run since the start: a backlog the last run left resumes before any event arrives. */
  private closingResumed = false;
  private readonly window: EventWindow;
  private lastHeartbeat = 0;
  private readonly startedAt = Math.floor(Date.now() / 1000);
  private readonly counts = { received: 0, applied: 0, duplicates: 0, refused: 0, intervalsClosed: 0 };
  private lastError: string | null = null;
  private stopping = false;
  private fatal: InputError | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private server: Server | undefined;
  private readonly spool: Spool;

  private constructor(private readonly options: AggregatorOptions) {
    this.spool = new Spool(options.spoolDirectory);
    this.window = {
      maxAgeSeconds: options.maxEventAgeSeconds ?? Number(knownOption('data-aggregator', 'Options', 'MaxEventAge')?.fallback),
      clockSkewSeconds: options.clockSkewSeconds ?? Number(knownOption('data-aggregator', 'Options', 'MaxClockSkew')?.fallback),
    };
  }

  /** Starts the HTTP listener and the loop; the database may still be away, the spool takes the events. */
  static async start(options: AggregatorOptions): Promise<Aggregator> {
    const aggregator = new Aggregator(options);
    await aggregator.listen();
    aggregator.loop = aggregator.run();
    return aggregator;
  }

  get url(): string {
    const address = this.server?.address();
    return address && typeof address === 'object' ? `http://${this.options.host}:${address.port}` : '';
  }

  status(): AggregatorStatus {
    const accepted = windowAt(this.window, Math.floor(Date.now() / 1000));
    return {
      name: this.options.name,
      state: this.state,
      url: this.url,
      ...this.counts,
      spooledEvents: this.spool.pendingEvents(),
      latestEventTime: this.latestEventTime > 0 ? new Date(this.latestEventTime * 1000).toISOString() : null,
      acceptedEvents: { from: isoInstant(accepted.from), until: isoInstant(accepted.until) },
      closing: this.closing ? { from: isoInstant(this.closing.from), through: isoInstant(this.closing.through), intervalsLeft: this.closing.intervals } : null,
      lastError: this.lastError,
    };
  }

  /** Checks a batch of JSON lines whole; spools it and answers only once it is on disk. */
  async receive(text: string): Promise<ReceiveResult> {
    const parsed = parseEventLines(text);
    if (parsed.errors.length > 0) return { errors: parsed.errors };
    const untimely = this.timeErrors(parsed.events, text);
    if (untimely.length > 0) return { errors: untimely };
    const unknown = await this.referenceErrors(parsed.events, text);
    if (unknown.length > 0) return { errors: unknown };
    this.spool.append(parsed.events);
    this.counts.received += parsed.events.length;
    this.latestAcceptedTime = parsed.events.reduce((max, e) => Math.max(max, eventTime(e)), this.latestAcceptedTime);
    this.wake?.();
    return { accepted: parsed.events.length };
  }

  /** Resolves once every spooled event has reached the database and closing has caught up (or after timeoutMs). */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.spool.pendingSegments() > 0 || this.closing) {
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
    return true;
  }

  /** Stops taking events, moves what the spool holds into the database if it can, and says goodbye. */
  async stop(): Promise<void> {
    if (this.stopping) return this.loop;
    this.stopping = true;
    this.setState('stopping');
    this.wake?.();
    await this.loop;
  }

  private setState(state: AggregatorState, detail?: string): void {
    if (state === this.state && detail === undefined) return;
    this.state = state;
    this.options.log?.(`${this.options.name}: ${state}${detail ? ` (${detail})` : ''}`);
  }

  /**
   * Events outside the window of event time, or older than the event memory counts back from the latest
   * event taken (this batch's included): refused now rather than after the batch was acknowledged.
   */
  private timeErrors(events: readonly AggregatorEvent[], text: string): { line: number; reason: string }[] {
    const now = Math.floor(Date.now() / 1000);
    const outside = events.map((e) => windowProblem(e, this.window, now));
    const latest = events.reduce((max, e, i) => (outside[i] === undefined ? Math.max(max, eventTime(e)) : max), Math.max(this.latestAcceptedTime, this.latestEventTime));
    return problemLines(text, events.map((e, i) => outside[i] ?? memoryProblem(e, latest)));
  }

  private async referenceErrors(events: readonly AggregatorEvent[], text: string): Promise<{ line: number; reason: string }[]> {
    if (!this.catalog) return [];
    let problems = events.map((e) => referenceProblem(this.catalog as Catalog, e));
    if (problems.some((p) => p) && this.connection) {
      // The organization may have changed since the catalog was read.
      this.catalog = await loadCatalog(this.connection).catch(() => this.catalog);
      problems = events.map((e) => referenceProblem(this.catalog as Catalog, e));
    }
    return problemLines(text, problems);
  }

  private async listen(): Promise<void> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => reply(response, 500, { error: errorMessage(error) }));
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new InputError(`port ${this.options.port} on ${this.options.host} is in use; give the aggregator another port (--port, or Options.Port)`) : error),
      );
      this.server?.listen(this.options.port, this.options.host, () => resolve());
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/status') return reply(response, 200, this.status());
    if (request.method === 'GET' && path === '/catalog') {
      return this.catalog ? reply(response, 200, this.catalog) : reply(response, 503, { error: 'the aggregator has not reached its database yet; try again shortly' });
    }
    if (path !== '/events') return reply(response, 404, { error: `no ${request.method} ${path}; the aggregator serves POST /events, GET /status and GET /catalog` });
    if (request.method !== 'POST') return reply(response, 405, { error: 'send events with POST /events' });
    if (this.stopping) return reply(response, 503, { error: 'the aggregator is stopping; send the events again to its successor' });
    const body = await readBody(request);
    if (body === undefined) return reply(response, 413, { error: `a batch may hold at most ${MAX_BODY_BYTES} bytes; send smaller batches` });
    const result = await this.receive(body);
    if ('errors' in result) {
      const first = result.errors[0];
      return reply(response, 400, { error: `line ${first?.line}: ${first?.reason}; nothing of this batch was accepted`, errors: result.errors });
    }
    return reply(response, 202, result);
  }

  private async run(): Promise<void> {
    let backoff = POLL_MS;
    while (!this.stopping) {
      try {
        await this.connectIfNeeded();
        await this.heartbeatIfDue(false);
        if (await maintenanceMode(this.connectionOrThrow())) {
          this.setState('maintenance', `${counted(this.spool.pendingEvents(), 'event')} spooled`);
          await this.idle(POLL_MS * 4);
          continue;
        }
        if (!this.stopping) this.setState('collecting');
        backoff = POLL_MS;
        const flushed = await this.flushOnce();
        if (!flushed && (this.closing || !this.closingResumed)) await this.closeOnce();
        // Between passes the HTTP listener answers /status and takes events, even on a synchronous driver.
        await this.idle(flushed || this.closing ? 0 : POLL_MS);
      } catch (error) {
        if (error instanceof WrongDatabaseError) {
          this.fatal = error;
          break;
        }
        await this.lostDatabase(error);
        await this.idle(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
    await this.finish();
    if (this.fatal) throw this.fatal;
  }

  /** Resolves when the aggregator has stopped; rejects if it cannot work with its database at all. */
  get done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** On the way out: whatever the database will take now, then the heartbeat says stopped. */
  private async finish(): Promise<void> {
    this.stopping = true;
    await new Promise<void>((resolve) => (this.server?.listening ? this.server.close(() => resolve()) : resolve()));
    try {
      await this.connectIfNeeded();
      if (!(await maintenanceMode(this.connectionOrThrow()))) while (await this.flushOnce());
      this.state = 'stopped';
      await this.heartbeatIfDue(true);
    } catch (error) {
      this.lastError = errorMessage(error);
    }
    const left = this.spool.pendingEvents();
    this.setState('stopped', left > 0 ? `${counted(left, 'event')} stay in ${this.options.spoolDirectory} for the next start` : 'nothing left in the spool');
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
  }

  private async idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private connectionOrThrow(): Connection {
    if (!this.connection) throw new Error('not connected');
    return this.connection;
  }

  private async connectIfNeeded(): Promise<void> {
    if (this.connection) return;
    const connection = await connect(this.options.target);
    try {
      const state = await detectRelease(connection);
      if (state.kind !== 'current' || state.release !== '8.5.2') {
        throw new WrongDatabaseError(`${connection.description} is ${describeState(state)}; the Data Aggregator writes into an 8.5.2 database`);
      }
      this.catalog = await loadCatalog(connection);
      this.latestEventTime = Math.max(this.latestEventTime, await latestCollectedInterval(connection));
    } catch (error) {
      await connection.close();
      throw error;
    }
    this.connection = connection;
    this.lastError = null;
  }

  private async lostDatabase(error: unknown): Promise<void> {
    this.lastError = errorMessage(error);
    this.setState('database unreachable', `${this.lastError}; spooling to ${this.options.spoolDirectory}`);
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
  }

  private async heartbeatIfDue(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastHeartbeat < this.options.heartbeatSeconds * 1000) return;
    await recordHeartbeat(this.connectionOrThrow(), {
      name: this.options.name,
      kind: 'data-aggregator',
      release: this.options.release,
      host: hostname(),
      pid: process.pid,
      endpoint: this.url || null,
      startedAt: this.startedAt,
      state: this.state === 'stopped' ? 'stopped' : this.state === 'maintenance' ? 'spooling' : 'collecting',
    });
    this.lastHeartbeat = now;
  }

  /** Moves the oldest spooled batches into the database; false when the spool was empty. */
  private async flushOnce(): Promise<boolean> {
    const segments = this.spool.oldest(this.options.batchEvents ?? 5000);
    if (segments.length === 0) return false;
    const connection = this.connectionOrThrow();
    const events = segments.flatMap((s: Segment) => s.events);
    if (events.some((e) => this.catalog && referenceProblem(this.catalog, e))) this.catalog = await loadCatalog(connection);
    const result = await applyEvents(connection, this.options.name, events, this.catalog as Catalog, this.latestEventTime);
    this.latestEventTime = result.latestEventTime;
    this.recordRefused(result.refused);
    this.counts.applied += result.applied;
    this.counts.duplicates += result.duplicates;
    const closed = await this.closeOnce();
    this.spool.remove(segments);
    this.options.log?.(
      `${this.options.name}: ${counted(result.applied, 'event')} applied` +
        (result.duplicates > 0 ? `, ${result.duplicates} already counted` : '') +
        (result.refused.length > 0 ? `, ${result.refused.length} refused` : '') +
        (closed > 0 ? `, ${counted(closed, 'interval')} closed` : '') +
        `; ${this.spool.pendingEvents()} waiting`,
    );
    return true;
  }

  /**
   * One bounded pass of closing: intervals that ended a CloseIntervalAfter before the latest event time and
   * before real time, none of them empty before the window. Returns how many were closed.
   */
  private async closeOnce(): Promise<number> {
    const pass = await closeIntervals(this.connectionOrThrow(), this.options.name, this.latestEventTime, this.closingBounds());
    this.counts.intervalsClosed += pass.closed;
    this.closing = pass.left;
    this.closingResumed = true;
    if (pass.left) this.options.log?.(`${this.options.name}: closing intervals, ${pass.left.intervals} left from ${isoInstant(pass.left.from)} through ${isoInstant(pass.left.through)}`);
    return pass.closed;
  }

  private closingBounds(): ClosingBounds {
    const now = Math.floor(Date.now() / 1000);
    return {
      through: Math.min(intervalOf(this.latestEventTime - this.options.closeAfterSeconds), intervalOf(now)) - INTERVAL_SECONDS,
      notBefore: intervalOf(windowAt(this.window, now).from),
      maxIntervals: Math.max(1, Math.min(CLOSE_INTERVALS_PER_PASS, Math.floor(CLOSE_ROWS_PER_PASS / Math.max(1, this.catalog?.activities.length ?? 0)))),
    };
  }

  /** Refused events go to refused.jsonl beside the spool, each with its reason: none disappears. */
  private recordRefused(refused: { event: AggregatorEvent; reason: string }[]): void {
    if (refused.length === 0) return;
    this.counts.refused += refused.length;
    appendFileSync(join(this.options.spoolDirectory, 'refused.jsonl'), refused.map((r) => `${JSON.stringify({ reason: r.reason, event: JSON.parse(formatEvent(r.event)) })}\n`).join(''));
  }
}

/** The problems of a batch's events, where there are any, as the numbers of their lines in the batch. */
function problemLines(text: string, problems: readonly (string | undefined)[]): { line: number; reason: string }[] {
  const lines = text.split('\n').flatMap((l, i) => (l.trim() === '' ? [] : [i + 1]));
  return problems.flatMap((reason, i) => (reason === undefined ? [] : [{ line: lines[i] ?? i + 1, reason }]));
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body)}\n`);
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
