// Days, local clocks and their encodings. A day is a whole number of days since 1970-01-01; instants are
// minutes (or seconds) since 1970-01-01 00:00 UTC. Daylight saving follows fixed rules written here rather
// than the runtime's time zone data, so the same seed gives the same rows on every machine and Node release.

export const MINUTES_PER_DAY = 1440;
export const SECONDS_PER_DAY = 86_400;

/** The day of a 'YYYY-MM-DD' text, or undefined when it is not a real date of that form. */
export function dayOfIsoDate(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const day = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 86_400_000;
  return Number.isInteger(day) && isoDate(day) === text ? day : undefined;
}

interface CivilDate {
  year: number;
  month: number;
  dayOfMonth: number;
}

function civil(day: number): CivilDate {
  const date = new Date(day * 86_400_000);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, dayOfMonth: date.getUTCDate() };
}

const pad2 = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const two = (n: number): string => pad2[n] ?? String(n);

// Rows come day after day, so one remembered day turns almost every conversion into a comparison.
let cachedDay = Number.NaN;
let cachedIso = '';

/** 'YYYY-MM-DD', the date encoding of 7.6 and later. */
export function isoDate(day: number): string {
  if (day !== cachedDay) {
    const { year, month, dayOfMonth } = civil(day);
    cachedIso = `${year}-${two(month)}-${two(dayOfMonth)}`;
    cachedDay = day;
  }
  return cachedIso;
}

let cachedCompactDay = Number.NaN;
let cachedCompact = 0;

/** YYYYMMDD as a number, the date encoding of 6.5. */
export function compactDate(day: number): number {
  if (day !== cachedCompactDay) {
    const { year, month, dayOfMonth } = civil(day);
    cachedCompact = year * 10_000 + month * 100 + dayOfMonth;
    cachedCompactDay = day;
  }
  return cachedCompact;
}

/** 0 = Sunday .. 6 = Saturday, as both 6.5 and 7.6 number week days. */
export function weekDay(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function yearOf(day: number): number {
  return civil(day).year;
}

/** 'YYYY-MM-DD HH:MM:SS' of an instant in seconds since the epoch, UTC. */
export function timestampText(epochSecond: number): string {
  const day = Math.floor(epochSecond / SECONDS_PER_DAY);
  const second = epochSecond - day * SECONDS_PER_DAY;
  const hours = Math.floor(second / 3600);
  const minutes = Math.floor((second % 3600) / 60);
  return `${isoDate(day)} ${two(hours)}:${two(minutes)}:${two(second % 60)}`;
}

export type DstRule = 'none' | 'us' | 'eu' | 'au';

/** One daylight saving period of a site, keyed by the year it starts in; instants in minutes UTC. */
export interface DstPeriod {
  year: number;
  startsAt: number;
  endsAt: number;
  shiftMinutes: number;
}

const firstOfMonth = (year: number, month: number): number => Date.UTC(year, month - 1, 1) / 86_400_000;

function nthSunday(year: number, month: number, n: number): number {
  const first = firstOfMonth(year, month);
  return first + ((7 - weekDay(first)) % 7) + (n - 1) * 7;
}

function lastSunday(year: number, month: number): number {
  const last = firstOfMonth(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1) - 1;
  return last - weekDay(last);
}

/**
 * The period that starts in `year`. US: second Sunday of March 02:00 to first Sunday of November 02:00
 * daylight time; EU: last Sunday of March to last Sunday of October, 01:00 UTC; Australia (southern
 * hemisphere, so it ends the next year): first Sunday of October 02:00 to first Sunday of April 03:00 daylight.
 */
export function dstPeriod(rule: DstRule, standardOffset: number, year: number): DstPeriod | undefined {
  const at = (day: number, minuteUtc: number): number => day * MINUTES_PER_DAY + minuteUtc;
  switch (rule) {
    case 'none':
      return undefined;
    case 'us':
      return { year, startsAt: at(nthSunday(year, 3, 2), 120 - standardOffset), endsAt: at(nthSunday(year, 11, 1), 60 - standardOffset), shiftMinutes: 60 };
    case 'eu':
      return { year, startsAt: at(lastSunday(year, 3), 60), endsAt: at(lastSunday(year, 10), 60), shiftMinutes: 60 };
    case 'au':
      return { year, startsAt: at(nthSunday(year, 10, 1), 120 - standardOffset), endsAt: at(nthSunday(year + 1, 4, 1), 120 - standardOffset), shiftMinutes: 60 };
  }
}

/** Every period starting in a year of the history, and the one before if it reaches into the history. */
export function dstPeriodsBetween(rule: DstRule, standardOffset: number, firstDay: number, endDay: number): DstPeriod[] {
  const periods: DstPeriod[] = [];
  const firstYear = yearOf(firstDay);
  for (let year = firstYear - 1; year <= yearOf(endDay - 1); year++) {
    const period = dstPeriod(rule, standardOffset, year);
    if (period && (year >= firstYear || period.endsAt > firstDay * MINUTES_PER_DAY)) periods.push(period);
  }
  return periods;
}

/** A site's local time of day, as one release's encoding counts it. */
export interface Clock {
  /** Local minutes since the epoch of an instant in minutes UTC. */
  local(utcMinute: number): number;
  /** The instant of a local time; only asked for times that are not skipped or repeated by a change of clock. */
  utc(localMinute: number): number;
}

/** 6.5: the PABX's standard time, never shifted for daylight saving. */
export function standardClock(standardOffset: number): Clock {
  return { local: (utc) => utc + standardOffset, utc: (local) => local - standardOffset };
}

/** 7.6 and later: the wall clock at the site, standard time plus the daylight saving shift when it applies. */
export function wallClock(standardOffset: number, periods: readonly DstPeriod[]): Clock {
  const shiftAt = (utc: number): number => {
    for (const period of periods) if (utc >= period.startsAt && utc < period.endsAt) return period.shiftMinutes;
    return 0;
  };
  return {
    local: (utc) => utc + standardOffset + shiftAt(utc),
    utc: (local) => {
      const standard = local - standardOffset;
      for (const period of periods) {
        const daylight = standard - period.shiftMinutes;
        if (daylight >= period.startsAt && daylight < period.endsAt) return daylight;
      }
      return standard;
    },
  };
}
