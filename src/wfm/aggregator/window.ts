// The event time a Data Aggregator accepts, judged by its own clock. An event much older than the clock is
// a replay or a source with a wrong clock: closing intervals back to it would write a row for every
// activity and every quarter hour in between. An event ending ahead of the clock has not happened yet;
// only a small skew between the clocks of the sources and of the aggregator is allowed.
import { epochSecondsOf, isoInstant, type AggregatorEvent } from './events.ts';
import { eventTime } from './store.ts';

export interface EventWindow {
  /** How long before the aggregator's clock an event may have happened (Options.MaxEventAge). */
  maxAgeSeconds: number;
  /** How far ahead of the aggregator's clock an event may end (Options.MaxClockSkew). */
  clockSkewSeconds: number;
}

/** The instants, in seconds since the epoch, between which events are accepted when the clock reads `now`. */
export function windowAt(window: EventWindow, now: number): { from: number; until: number } {
  return { from: now - window.maxAgeSeconds, until: now + window.clockSkewSeconds };
}

/** Why an event falls outside the window, naming its time and the window, or undefined when it is inside. */
export function windowProblem(event: AggregatorEvent, window: EventWindow, now: number): string | undefined {
  const { from, until } = windowAt(window, now);
  const happened = epochSecondsOf(event.type === 'interaction' ? event.offered_at : event.at) ?? 0;
  if (happened < from) {
    return (
      `${event.type === 'interaction' ? 'offered at' : 'at'} ${isoInstant(happened)}, older than the ${spanText(window.maxAgeSeconds)} the aggregator accepts ` +
      `(from ${isoInstant(from)} by its clock); to replay older events, start it with a larger --max-event-age (Options.MaxEventAge)`
    );
  }
  const ends = eventTime(event);
  if (ends > until) {
    return (
      `${event.type === 'interaction' ? 'ends at' : 'at'} ${isoInstant(ends)}, more than ${window.clockSkewSeconds} s ahead of the aggregator's clock (${isoInstant(now)}); ` +
      'check the clock of the event source (the skew allowed is --max-clock-skew, Options.MaxClockSkew)'
    );
  }
  return undefined;
}

/** A span of seconds in the largest whole unit that states it exactly: "7 days", "1 hour", "90 s". */
function spanText(seconds: number): string {
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ] as const) {
    const count = seconds / size;
    if (Number.isInteger(count) && count > 0) return `${count} ${unit}${count === 1 ? '' : 's'}`;
  }
  return `${seconds} s`;
}
