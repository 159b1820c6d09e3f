// How one 8.5.2 column is made from a legacy row: the vocabulary the table mappings are declared in. Each
// value says which legacy columns it reads and compiles, once per transform, into a function of the row.
// A row reaching these functions has passed its table's rules, so the encodings here are known to be valid.
import type { Row, SqlValue } from '../../engine/dialect/types.ts';
import { isoOfCompact, MINUTES_PER_DAY, UtcTimestamps } from './encodings.ts';
import { hasColumn } from './legacy-tables.ts';
import type { LegacyContext, OffsetOwner } from './types.ts';

export interface ColumnScope {
  context: LegacyContext;
  /** The legacy table the row comes from. */
  table: string;
}

export interface ColumnValue {
  /** Legacy columns read; those the release lacks are left out of the SELECT and read as NULL. */
  reads: readonly string[];
  compile(scope: ColumnScope): (row: Row) => SqlValue;
}

const alwaysNull = (): SqlValue => null;

/** The legacy value as it is: ids, numbers, names and text arrive unchanged. NULL where the release has no such column. */
export function copy(column: string): ColumnValue {
  return {
    reads: [column],
    compile: ({ context, table }) => (hasColumn(context.release, table, column) ? (row) => row[column] ?? null : alwaysNull),
  };
}

/** 6.5 has no such setting. */
export const NOT_IN_6_5: ColumnValue = { reads: [], compile: () => alwaysNull };

/** A one-letter code in its current term. */
export function code(column: string, terms: Readonly<Record<string, string>>): ColumnValue {
  return { reads: [column], compile: () => (row) => terms[row[column] as string] ?? null };
}

/** YYYYMMDD as 'YYYY-MM-DD'; NULL stays NULL. */
export function day(column: string): ColumnValue {
  return {
    reads: [column],
    compile: () => {
      let lastCompact: SqlValue = null;
      let lastIso: SqlValue = null;
      return (row) => {
        const compact = row[column] ?? null;
        if (compact !== lastCompact) {
          lastIso = compact === null ? null : isoOfCompact(compact as number);
          lastCompact = compact;
        }
        return lastIso;
      };
    },
  };
}

interface LocalTime {
  /** The YYYYMMDD column, in the PABX's standard time. */
  date: string;
  /** The column counting time after that date's midnight, and how many seconds one of its units is. */
  time: string;
  secondsPerUnit: number;
  /** Whose PABX the time is in; the row holds its id as `<owner>_id`. */
  owner: OffsetOwner;
}

/** A local standard date and time as the UTC timestamp of 8.5.2: never shifted for daylight saving. */
function utc({ date, time, secondsPerUnit, owner }: LocalTime): ColumnValue {
  const ownerColumn = `${owner}_id`;
  return {
    reads: [date, time, ownerColumn],
    compile: ({ context, table }) => {
      const offsets = context.utcOffsets[owner];
      const timestamps = new UtcTimestamps();
      return (row) => {
        const offset = offsets.get(row[ownerColumn] ?? null);
        // The table's reference rule admits only owners that migrate, and each of those has an offset.
        if (offset === undefined) throw new Error(`${table}: no UTC offset for ${ownerColumn}=${String(row[ownerColumn])}`);
        return timestamps.of(row[date] as number, (row[time] as number) * secondsPerUnit, offset);
      };
    },
  };
}

/** interval_no n starts at minute 15n of its date. */
export const intervalStart = (date: string, owner: OffsetOwner): ColumnValue => utc({ date, time: 'interval_no', secondsPerUnit: 900, owner });
export const minuteInstant = (date: string, time: string, owner: OffsetOwner): ColumnValue => utc({ date, time, secondsPerUnit: 60, owner });
export const secondInstant = (date: string, time: string, owner: OffsetOwner): ColumnValue => utc({ date, time, secondsPerUnit: 1, owner });

/** 6.5 writes a day open around the clock as 0 to 0; the current releases as 0 to 1440. */
export function closesMinute(open: string, close: string): ColumnValue {
  return {
    reads: [open, close],
    compile: () => (row) => (row[open] === 0 && row[close] === 0 ? MINUTES_PER_DAY : (row[close] ?? null)),
  };
}
