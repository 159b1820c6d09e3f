// The UTC timestamps the mapping makes of local standard times must be ones every target stores: a legal
// 6.5 row on 9999-12-31 in New York is in the year 10000 in UTC, one on 1000-01-01 in Sydney in the year
// 999. Only rows within a few days of those edges can break the rule, so a check first compares the date
// with the dates far enough from them, and does the arithmetic only for the few rows near an edge.
import type { Row, SqlValue } from '../../engine/dialect/types.ts';
import { compactDaysAfter, FIRST_STORED_DATE, FIRST_STORED_SECOND, isCompactDate, LAST_STORED_DATE, LAST_STORED_SECOND, MINUTES_PER_DAY, timestampTextOf, utcSecondsOf } from './encodings.ts';
import type { InstantRule } from './rules.ts';

/** The latest local time after a date's midnight: a schedule segment may end 2880 minutes, two days, after it. */
const LATEST_LOCAL_DAYS = 2;

/** Local dates, as YYYYMMDD, strictly between which every time is stored, whatever the offset up to `largestOffsetMinutes` either way. */
export interface DatesFarFromEdges {
  after: number;
  before: number;
}

export function datesFarFromEdges(largestOffsetMinutes: number): DatesFarFromEdges {
  const margin = LATEST_LOCAL_DAYS + Math.ceil(largestOffsetMinutes / MINUTES_PER_DAY) + 1;
  return { after: compactDaysAfter(FIRST_STORED_DATE, margin), before: compactDaysAfter(LAST_STORED_DATE, -margin) };
}

/** The largest offset either way among `offsets`. */
export function largestOffset(offsets: Iterable<number>): number {
  let largest = 0;
  for (const offset of offsets) largest = Math.max(largest, Math.abs(offset));
  return largest;
}

/** '+10:00', '-05:00'. */
function offsetText(offsetMinutes: number): string {
  const size = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(size / 60))}:${pad(size % 60)}`;
}

/**
 * The reason to reject the row's times on `date` at the offset, or undefined where every target stores
 * them. A date or a time that breaks its own rule is that rule's to report, and is passed over here.
 */
export function unstoredTimesReason(rule: InstantRule, date: SqlValue, row: Row, offsetMinutes: number): string | undefined {
  if (!isCompactDate(date)) return undefined;
  for (const time of rule.times) {
    const value = row[time];
    if (typeof value !== 'number' || !Number.isInteger(value)) continue;
    const seconds = utcSecondsOf(date, value * rule.secondsPerUnit, offsetMinutes);
    if (seconds < FIRST_STORED_SECOND || seconds > LAST_STORED_SECOND) return `${rule.requirement}; ${time} ${value} at UTC${offsetText(offsetMinutes)} is ${timestampTextOf(seconds)} UTC`;
  }
  return undefined;
}
