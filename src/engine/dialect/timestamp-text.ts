// A neutral timestamp's text, 'YYYY-MM-DD HH:MM:SS', written as bytes from its seconds since 1970-01-01
// UTC. Rows come day after day: the date's bytes are made once a day and copied, the time's are digits.
export const TIMESTAMP_TEXT_LENGTH = 19;

const COLON = 58;
const DASH = 45;
const SPACE = 32;
const DIGIT_ZERO = 48;
const digit = (n: number): number => DIGIT_ZERO + n;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a date, or undefined where that is no date from year 1000 on. */
export function epochDayOf(year: number, month: number, dayOfMonth: number): number | undefined {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (year < 1000 || month < 1 || month > 12 || dayOfMonth < 1) return undefined;
  if (dayOfMonth > (DAYS_IN_MONTH[month - 1] as number) + (month === 2 && leap ? 1 : 0)) return undefined;
  return Date.UTC(year, month - 1, dayOfMonth) / 86_400_000;
}

/** The number written by `count` ASCII digits at `at`, or -1 where one is not a digit. */
function digitsAt(bytes: Uint8Array, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = (bytes[i] as number) - DIGIT_ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Seconds since 1970-01-01 UTC of the neutral timestamp written in bytes[start, end), or undefined where
 * that is not one that writes back as the same text (no such date, a year before 1000, hour 24).
 */
export function timestampSecondsAt(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (end - start !== TIMESTAMP_TEXT_LENGTH) return undefined;
  if (bytes[start + 4] !== DASH || bytes[start + 7] !== DASH || bytes[start + 10] !== SPACE || bytes[start + 13] !== COLON || bytes[start + 16] !== COLON) return undefined;
  const hours = digitsAt(bytes, start + 11, 2);
  const minutes = digitsAt(bytes, start + 14, 2);
  const seconds = digitsAt(bytes, start + 17, 2);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59) return undefined;
  const day = epochDayAt(bytes, start);
  return day === undefined ? undefined : day * 86_400 + hours * 3600 + minutes * 60 + seconds;
}

const TEXT_BYTES = new Uint8Array(TIMESTAMP_TEXT_LENGTH);

/** Seconds since 1970-01-01 UTC of a neutral timestamp's text, or undefined as timestampSecondsAt says. */
export function timestampSeconds(text: string): number | undefined {
  if (text.length !== TIMESTAMP_TEXT_LENGTH) return undefined;
  for (let i = 0; i < TIMESTAMP_TEXT_LENGTH; i++) {
    const code = text.charCodeAt(i);
    // Beyond ASCII no character spells a digit or a separator (and one byte could not hold it).
    if (code > 0x7f) return undefined;
    TEXT_BYTES[i] = code;
  }
  return timestampSecondsAt(TEXT_BYTES, 0, TIMESTAMP_TEXT_LENGTH);
}

// Rows come day after day: the last date read is kept with its day.
let lastDate = -1;
let lastDay: number | undefined;

function epochDayAt(bytes: Uint8Array, start: number): number | undefined {
  const year = digitsAt(bytes, start, 4);
  const month = digitsAt(bytes, start + 5, 2);
  const dayOfMonth = digitsAt(bytes, start + 8, 2);
  if (year < 0 || month < 0 || dayOfMonth < 0) return undefined;
  const date = year * 10_000 + month * 100 + dayOfMonth;
  if (date !== lastDate) {
    lastDate = date;
    lastDay = epochDayOf(year, month, dayOfMonth);
  }
  return lastDay;
}

export class TimestampTextWriter {
  private day = Number.NaN;
  private readonly date = Buffer.alloc(11);

  /** Writes the text of the timestamp `seconds` into `buffer` at `at`. */
  write(buffer: Uint8Array, at: number, seconds: number): void {
    const today = Math.floor(seconds / 86_400);
    if (today !== this.day) {
      this.day = today;
      this.date.write(`${new Date(today * 86_400_000).toISOString().slice(0, 10)} `, 'latin1');
    }
    // The time of day fits 32 bits: its digits come by multiplications, not divisions of doubles.
    const second = (seconds - today * 86_400) | 0;
    const hours = (second / 3600) | 0;
    const minutes = ((second - hours * 3600) / 60) | 0;
    const rest = second - hours * 3600 - minutes * 60;
    const date = this.date;
    for (let i = 0; i < 11; i++) buffer[at + i] = date[i] as number;
    const hourTens = (hours / 10) | 0;
    const minuteTens = (minutes / 10) | 0;
    const secondTens = (rest / 10) | 0;
    buffer[at + 11] = digit(hourTens);
    buffer[at + 12] = digit(hours - hourTens * 10);
    buffer[at + 13] = COLON;
    buffer[at + 14] = digit(minuteTens);
    buffer[at + 15] = digit(minutes - minuteTens * 10);
    buffer[at + 16] = COLON;
    buffer[at + 17] = digit(secondTens);
    buffer[at + 18] = digit(rest - secondTens * 10);
  }
}
