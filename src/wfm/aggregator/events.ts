// The events a Data Aggregator receives, one JSON object per line: an interaction that ended (offered,
// then handled or abandoned) and an agent's change of state. Every event carries an id unique to it, which
// makes a resent or replayed event harmless. Times are ISO 8601 instants with a zone ('Z' or an offset).
import { timestampText } from '../generate/time.ts';

export interface InteractionEvent {
  type: 'interaction';
  id: string;
  activity_id: number;
  /** When the interaction was offered: its 15-minute interval is the one it counts in. */
  offered_at: string;
  outcome: 'handled' | 'abandoned';
  /** Seconds waited before being answered or abandoning. */
  queue_seconds: number;
  /** Talk and wrap-up seconds; 0 for an abandoned interaction. */
  handle_seconds: number;
}

export interface AgentStateEvent {
  type: 'agent_state';
  id: string;
  agent_id: number;
  /** When the agent entered the state; the state lasts until the agent's next state event. */
  at: string;
  agent_state_id: number;
  reason_id: number | null;
}

export type AggregatorEvent = InteractionEvent | AgentStateEvent;

export const MAX_EVENT_ID_LENGTH = 120;
export const INTERVAL_SECONDS = 900;

/** Why a line is not an event, naming the field. */
export class EventFormatError extends Error {
  override readonly name = 'EventFormatError';
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Seconds since 1970-01-01 UTC of an ISO 8601 instant with a zone, or undefined when it is not one. */
export function epochSecondsOf(text: string): number | undefined {
  if (!ISO_INSTANT.test(text) || !isCalendarDate(text.slice(0, 10))) return undefined;
  const millis = Date.parse(text);
  return Number.isFinite(millis) ? Math.floor(millis / 1000) : undefined;
}

/** Date.parse takes 2026-02-30 for March 2: a day the month does not have is refused instead. */
function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

/** 'YYYY-MM-DDTHH:MM:SSZ', the form every event time takes. */
export function isoInstant(epochSecond: number): string {
  return `${timestampText(epochSecond).replace(' ', 'T')}Z`;
}

/** The start, in seconds since the epoch, of the 15-minute interval holding an instant. */
export function intervalOf(epochSeconds: number): number {
  return Math.floor(epochSeconds / INTERVAL_SECONDS) * INTERVAL_SECONDS;
}

function field(record: Record<string, unknown>, name: string): unknown {
  if (!(name in record)) throw new EventFormatError(`"${name}" is missing`);
  return record[name];
}

function wholeNumber(record: Record<string, unknown>, name: string, minimum: number): number {
  const value = field(record, name);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    throw new EventFormatError(`"${name}" must be a whole number of at least ${minimum}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function instant(record: Record<string, unknown>, name: string): string {
  const value = field(record, name);
  if (typeof value !== 'string' || epochSecondsOf(value) === undefined) {
    throw new EventFormatError(`"${name}" must be an ISO 8601 instant with a zone, such as 2026-11-20T08:15:00Z, not ${JSON.stringify(value)}`);
  }
  return value;
}

function eventId(record: Record<string, unknown>): string {
  const value = field(record, 'id');
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_EVENT_ID_LENGTH) {
    throw new EventFormatError(`"id" must be a text of 1 to ${MAX_EVENT_ID_LENGTH} characters, not ${JSON.stringify(value)}`);
  }
  return value;
}

function interaction(record: Record<string, unknown>): InteractionEvent {
  const outcome = field(record, 'outcome');
  if (outcome !== 'handled' && outcome !== 'abandoned') throw new EventFormatError(`"outcome" must be "handled" or "abandoned", not ${JSON.stringify(outcome)}`);
  const event: InteractionEvent = {
    type: 'interaction',
    id: eventId(record),
    activity_id: wholeNumber(record, 'activity_id', 1),
    offered_at: instant(record, 'offered_at'),
    outcome,
    queue_seconds: wholeNumber(record, 'queue_seconds', 0),
    handle_seconds: wholeNumber(record, 'handle_seconds', 0),
  };
  if (outcome === 'abandoned' && event.handle_seconds !== 0) throw new EventFormatError('"handle_seconds" must be 0 for an abandoned interaction');
  return event;
}

function agentState(record: Record<string, unknown>): AgentStateEvent {
  return {
    type: 'agent_state',
    id: eventId(record),
    agent_id: wholeNumber(record, 'agent_id', 1),
    at: instant(record, 'at'),
    agent_state_id: wholeNumber(record, 'agent_state_id', 1),
    reason_id: field(record, 'reason_id') === null ? null : wholeNumber(record, 'reason_id', 1),
  };
}

/** One line of JSON as an event; throws EventFormatError naming what is wrong. */
export function parseEvent(line: string): AggregatorEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new EventFormatError('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EventFormatError('not a JSON object');
  const record = value as Record<string, unknown>;
  if (record.type === 'interaction') return interaction(record);
  if (record.type === 'agent_state') return agentState(record);
  throw new EventFormatError(`"type" must be "interaction" or "agent_state", not ${JSON.stringify(record.type)}`);
}

export interface ParsedBatch {
  events: AggregatorEvent[];
  /** Line numbers (from 1) and reasons of the lines that are not events. */
  errors: { line: number; reason: string }[];
}

/** JSON lines as events; blank lines are skipped. The whole batch is judged before any of it is used. */
export function parseEventLines(text: string): ParsedBatch {
  const events: AggregatorEvent[] = [];
  const errors: { line: number; reason: string }[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      events.push(parseEvent(line));
    } catch (error) {
      if (!(error instanceof EventFormatError)) throw error;
      errors.push({ line: index + 1, reason: error.message });
    }
  });
  return { events, errors };
}

export function formatEvent(event: AggregatorEvent): string {
  return JSON.stringify(event);
}
