// The 6.5 encodings of days and times (legacy README, "Encodings") and the 8.5.2 ones they become.
// This runs once or twice per row of the largest tables, so it is integer arithmetic on days since
// 1970-01-01 (Howard Hinnant's civil-date algorithms) and table lookups: no Date, no parsing.

const SECONDS_PER_DAY = 86_400;
export const MINUTES_PER_DAY = 1_440;

/**
 * The years every target engine stores in a DATE and a timestamp: MariaDB's DATE and DATETIME start at
 * 1000 and end at 9999, and within them the text of a date has four digits of year, so that SQLite's
 * text sorts as time does.
 */
const FIRST_YEAR = 1000;
const LAST_YEAR = 9999;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The inverse of daysFromCivil, as YYYYMMDD. */
function compactOfDays(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10_000 + month * 100 + day;
}

/** A YYYYMMDD value that names a real calendar date a target DATE can hold. */
export function isCompactDate(value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) return false;
  const year = Math.floor(value / 10_000);
  const month = Math.floor(value / 100) % 100;
  const day = value % 100;
  return year >= FIRST_YEAR && year <= LAST_YEAR && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** The first and last day, as YYYYMMDD, and second, since 1970-01-01 UTC, that every target stores. */
export const FIRST_STORED_DATE = FIRST_YEAR * 10_000 + 101;
export const LAST_STORED_DATE = LAST_YEAR * 10_000 + 1231;
export const FIRST_STORED_SECOND = daysFromCivil(FIRST_YEAR, 1, 1) * SECONDS_PER_DAY;
export const LAST_STORED_SECOND = daysFromCivil(LAST_YEAR + 1, 1, 1) * SECONDS_PER_DAY - 1;

/** Days since 1970-01-01 of a valid YYYYMMDD. */
function daysOfCompact(compact: number): number {
  return daysFromCivil(Math.floor(compact / 10_000), Math.floor(compact / 100) % 100, compact % 100);
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** 'YYYY-MM-DD' of a valid YYYYMMDD. */
export function isoOfCompact(compact: number): string {
  return `${String(Math.floor(compact / 10_000)).padStart(4, '0')}-${pad2(Math.floor(compact / 100) % 100)}-${pad2(compact % 100)}`;
}

/** The YYYYMMDD `days` days after a valid YYYYMMDD (before it, where `days` is negative). */
export function compactDaysAfter(compact: number, days: number): number {
  return compactOfDays(daysOfCompact(compact) + days);
}

/** Seconds since 1970-01-01 UTC of a local standard time: UTC = local standard time − offset. */
export function utcSecondsOf(compactDate: number, localSeconds: number, offsetMinutes: number): number {
  return daysOfCompact(compactDate) * SECONDS_PER_DAY + localSeconds - offsetMinutes * 60;
}

let clockTexts: string[] | undefined;

/** 'HH:MM:SS' of every second of a day, built once: a lookup is cheaper than formatting per row. */
function timesOfDay(): string[] {
  clockTexts ??= Array.from({ length: SECONDS_PER_DAY }, (_, s) => `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`);
  return clockTexts;
}

/** 'YYYY-MM-DD HH:MM:SS' of a second since 1970-01-01, also past the years a target stores: for a message. */
export function timestampTextOf(seconds: number): string {
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  return `${isoOfCompact(compactOfDays(days))} ${timesOfDay()[seconds - days * SECONDS_PER_DAY]}`;
}

/**
 * Turns (YYYYMMDD, seconds after its midnight, UTC offset) into the UTC timestamp text of 8.5.2. Rows come
 * in key order, so the same local date and the same UTC date repeat: each keeps a one-entry cache, which
 * makes the usual row two comparisons, two additions and one string concatenation. One per transform:
 * transforms may run interleaved, and a shared cache would only miss.
 */
export class UtcTimestamps {
  private readonly times = timesOfDay();
  private lastCompact = Number.NaN;
  private lastLocalDays = 0;
  private lastUtcDays = Number.NaN;
  private lastDatePrefix = '';

  /** `offsetMinutes` is the PABX's standard offset: UTC = local standard time − offset. */
  of(compactDate: number, localSeconds: number, offsetMinutes: number): string {
    if (compactDate !== this.lastCompact) {
      this.lastLocalDays = daysOfCompact(compactDate);
      this.lastCompact = compactDate;
    }
    const utcSeconds = this.lastLocalDays * SECONDS_PER_DAY + localSeconds - offsetMinutes * 60;
    const utcDays = Math.floor(utcSeconds / SECONDS_PER_DAY);
    if (utcDays !== this.lastUtcDays) {
      this.lastDatePrefix = `${isoOfCompact(compactOfDays(utcDays))} `;
      this.lastUtcDays = utcDays;
    }
    return this.lastDatePrefix + this.times[utcSeconds - utcDays * SECONDS_PER_DAY];
  }
}
