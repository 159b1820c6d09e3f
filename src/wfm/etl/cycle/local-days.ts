// Days in a site's time zone, daylight saving included: a local day is the span from one local midnight
// to the next, 23 or 25 hours long on the days the clocks change. Every zone's offset is a whole number
// of 15 minutes, so a local day starts on a UTC minute and on a UTC 15-minute timestep.
import { requireTimeZone } from '../../time-zones.ts';

const DAY_MS = 86_400_000;

export interface LocalDay {
  /** YYYY-MM-DD in the site's zone. */
  date: string;
  /** Its first instant, UTC milliseconds. */
  startMs: number;
  /** The next day's first instant. */
  endMs: number;
}

/** The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
function offsetMs(format: Intl.DateTimeFormat, instantMs: number): number {
  const parts = Object.fromEntries(format.formatToParts(instantMs).map((p) => [p.type, p.value]));
  const hour = Number(parts.hour) % 24;
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), hour, Number(parts.minute), Number(parts.second));
  return wall - Math.floor(instantMs / 1000) * 1000;
}

function formatter(zone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/**
 * The instant local midnight starts `date`. Two corrections find it: the offset at the first guess may
 * be the other side of a change of the clocks.
 */
function localMidnightMs(format: Intl.DateTimeFormat, date: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  let instant = wall - offsetMs(format, wall);
  instant = wall - offsetMs(format, instant);
  return instant;
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The dates from `first` to `last`, both included. */
export function datesBetween(first: string, last: string): string[] {
  const dates: string[] = [];
  for (let date = first; date <= last; date = addDays(date, 1)) dates.push(date);
  return dates;
}

/** The local days `dates` in the zone; `of` names whose zone it is when it is not one. */
export function localDays(zone: string, dates: readonly string[], of: string): LocalDay[] {
  const format = formatter(requireTimeZone(zone, of));
  return dates.map((date) => ({ date, startMs: localMidnightMs(format, date), endMs: localMidnightMs(format, addDays(date, 1)) }));
}

/** The local day holding an instant, among `days` (in order), or undefined outside them. */
export function dayOf(days: readonly LocalDay[], instantMs: number): LocalDay | undefined {
  let low = 0;
  let high = days.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const day = days[middle];
    if (!day) return undefined;
    if (instantMs < day.startMs) high = middle - 1;
    else if (instantMs >= day.endMs) low = middle + 1;
    else return day;
  }
  return undefined;
}

/** The neutral timestamp text of an instant: UTC 'YYYY-MM-DD HH:MM:SS'. */
export function timestampText(instantMs: number): string {
  return new Date(instantMs).toISOString().slice(0, 19).replace('T', ' ');
}

/** An instant from a timestamp as every dialect returns it. */
export function instantOf(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}
