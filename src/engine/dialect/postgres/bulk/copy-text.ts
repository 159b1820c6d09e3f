// COPY's text format, written and read without a connection: the driver streams it to and from the
// server, and a worker thread can make it from a chunk's columns while the main thread talks to the database.
import pg from 'pg';
import { isValues, isWholeNumber, lengthOf, valuesOf } from '../../bulk-column.ts';
import { TIMESTAMP_TEXT_LENGTH, TimestampTextWriter, timestampSecondsAt } from '../../timestamp-text.ts';
import type { BulkColumn, SqlValue, ValueVisitor } from '../../types.ts';
import { neutralTimestamp } from '../introspector.ts';

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const SPECIAL = /[\\\t\n\r]/g;

/** A value in COPY's text format, where backslash, tab, newline and carriage return are special. */
export function copyField(value: SqlValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'string') return value.replace(SPECIAL, (c) => COPY_ESCAPES[c] ?? c);
  // bytea's hex form '\x..', its backslash doubled for COPY.
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  // String(-0) is '0': a double's sign would be lost.
  return Object.is(value, -0) ? '-0' : String(value);
}

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;
const DIGIT_ZERO = 48;
const MINUS = 45;

/** Writes the whole number's ASCII digits, after a '-' if negative, into `bytes` at `at`; returns the offset past them. */
export function writeDigits(bytes: Uint8Array, at: number, value: number): number {
  let n = value;
  if (n < 0) {
    bytes[at++] = MINUS;
    n = -n;
  }
  // Most numbers fit 32 bits, where dividing by ten is a multiplication, not a division of doubles.
  if (n <= INT32_MAX) return writeSmallDigits(bytes, at, n | 0);
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    bytes[i] = DIGIT_ZERO + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

const INT32_MAX = 0x7fff_ffff;

function writeSmallDigits(bytes: Uint8Array, at: number, n: number): number {
  let end = at + 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) end++;
  for (let i = end - 1; i >= at; i--) {
    const next = (n / 10) | 0;
    bytes[i] = DIGIT_ZERO + n - next * 10;
    n = next;
  }
  return end;
}

/**
 * COPY text written byte by byte into one growing buffer: no string is made for a whole number or for
 * plain ASCII text, which are most values, so a chunk of many rows leaves little for the collector.
 */
export class CopyTextWriter {
  private buffer: Buffer;
  private at = 0;

  constructor(bytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, bytes));
  }

  get length(): number {
    return this.at;
  }

  row(values: readonly SqlValue[]): void {
    for (let j = 0; j < values.length; j++) {
      if (j > 0) this.byte(TAB);
      this.value(values[j] as SqlValue);
    }
    this.byte(NEWLINE);
  }

  value(value: SqlValue): void {
    if (value === null) this.ascii('\\N');
    else if (typeof value === 'string') this.text(value);
    else if (isWholeNumber(value)) this.integer(value);
    else this.utf8(copyField(value));
  }

  /** Writes the value and shows it to the visitor, from the bytes written wherever they spell it. */
  visitedValue(value: SqlValue, visitor: ValueVisitor): void {
    const start = this.at;
    if (value === null) {
      this.ascii('\\N');
      visitor.null();
    } else if (typeof value === 'string') {
      if (this.text(value)) visitor.asciiText(this.buffer, start, this.at);
      else visitor.value(value);
    } else if (isWholeNumber(value)) {
      this.visitedInteger(value, visitor);
    } else {
      this.utf8(copyField(value));
      visitor.value(value);
    }
  }

  visitedInteger(value: number, visitor: ValueVisitor): void {
    const start = this.at;
    this.integer(value);
    visitor.wholeNumber(this.buffer, start, this.at);
  }

  /** Writes the neutral text of the timestamp `seconds` and shows it to the visitor. */
  visitedTimestamp(seconds: number, timestamps: TimestampTextWriter, visitor: ValueVisitor): void {
    this.room(TIMESTAMP_TEXT_LENGTH);
    timestamps.write(this.buffer, this.at, seconds);
    this.at += TIMESTAMP_TEXT_LENGTH;
    visitor.asciiText(this.buffer, this.at - TIMESTAMP_TEXT_LENGTH, this.at);
  }

  byte(code: number): void {
    this.room(1);
    this.buffer[this.at++] = code;
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.at);
  }

  private integer(value: number): void {
    this.room(17);
    this.at = writeDigits(this.buffer, this.at, value);
  }

  /**
   * Plain ASCII is copied code by code; anything to escape or beyond ASCII goes through copyField and
   * UTF-8. Says whether the bytes written are the text itself.
   */
  private text(value: string): boolean {
    this.room(value.length);
    const buffer = this.buffer;
    const start = this.at;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80 || code === BACKSLASH || code === TAB || code === NEWLINE || code === 13) {
        this.at = start;
        this.utf8(copyField(value));
        return false;
      }
      buffer[start + i] = code;
    }
    this.at = start + value.length;
    return true;
  }

  private ascii(text: string): void {
    this.room(text.length);
    this.at += this.buffer.write(text, this.at, 'latin1');
  }

  private utf8(text: string): void {
    this.room(3 * text.length);
    this.at += this.buffer.write(text, this.at, 'utf8');
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}

/**
 * The rows held by `columns` (all of one length) as COPY text, each row shown to the visitor as it is
 * written: a hash taken by the visitor is the hash of what is sent.
 */
export function copyTextOfColumns(columns: readonly BulkColumn[], visitor: ValueVisitor): Buffer {
  const rows = lengthOf(columns[0]);
  const writer = new CopyTextWriter(rows * columns.length * 8);
  const timestamps = new TimestampTextWriter();
  for (let i = 0; i < rows; i++) {
    visitor.startRow();
    for (let j = 0; j < columns.length; j++) {
      if (j > 0) writer.byte(TAB);
      const column = columns[j] as BulkColumn;
      if (isValues(column)) writer.visitedValue(column[i] as SqlValue, visitor);
      else if (column.kind === 'whole-numbers') writer.visitedInteger(column.values[i] as number, visitor);
      else writer.visitedTimestamp(column.values[i] as number, timestamps, visitor);
    }
    writer.byte(NEWLINE);
    visitor.endRow();
  }
  return writer.result();
}

const COPY_UNESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** A field of COPY's text format as the text the type's output function wrote. */
function unescapeCopy(field: string): string {
  return field.replace(/\\(.)/gs, (_, c: string) => COPY_UNESCAPES[c] ?? c);
}

/** A field of COPY text as its value, through the parser of its column's type. */
export function copyValue(field: string, parse: (text: string) => SqlValue): SqlValue {
  return field === '\\N' ? null : parse(field.includes('\\') ? unescapeCopy(field) : field);
}

/**
 * How a column's text becomes its value: a whole number's digits are String() of the value, a text's are
 * the value, a UTC timestamp's are the value and '+00'; any other goes through its parser.
 */
export type CopyFieldKind = 'whole-number' | 'text' | 'utc-timestamp' | 'parsed';

export interface CopyFieldReader {
  kind: CopyFieldKind;
  parse(text: string): SqlValue;
}

const OID = { int2: 21, int4: 23, int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

function parseInt8(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

const identity = (text: string): string => text;

// pg's defaults turn dates and timestamps into local-time Date objects and int8/numeric into strings;
// int2 and int4 are read with Number, which gives what its parseInt gives, faster.
const NEUTRAL_PARSERS = new Map<number, (text: string) => SqlValue>([
  [OID.int2, Number],
  [OID.int4, Number],
  [OID.int8, parseInt8],
  [OID.numeric, Number],
  [OID.date, identity],
  [OID.timestamp, identity],
  [OID.timestamptz, neutralTimestamp],
]);

const TEXT_OIDS = { text: 25, varchar: 1043, bpchar: 1042 } as const;

/** The types whose COPY text is, byte for byte, what hashing their neutral value reads. */
const FIELD_KINDS = new Map<number, CopyFieldKind>([
  [OID.int2, 'whole-number'],
  [OID.int4, 'whole-number'],
  [OID.int8, 'whole-number'],
  [TEXT_OIDS.text, 'text'],
  [TEXT_OIDS.varchar, 'text'],
  [TEXT_OIDS.bpchar, 'text'],
  [OID.date, 'text'],
  [OID.timestamp, 'text'],
  [OID.timestamptz, 'utc-timestamp'],
]);

/** How a field of the type with this OID is read: pg's own parser where no neutral one is set. */
export function copyFieldReader(oid: number): CopyFieldReader {
  return { kind: FIELD_KINDS.get(oid) ?? 'parsed', parse: NEUTRAL_PARSERS.get(oid) ?? (pg.types.getTypeParser(oid, 'text') as (text: string) => SqlValue) };
}

const UTC_SUFFIX = [43, 48, 48]; // +00
const LETTER_N = 78;

/**
 * Hands the values of whole lines of COPY data (without the last newline) to the visitor and returns the
 * number of rows: plain ASCII fields as their bytes, without a string made for them.
 */
export function visitCopyLines(data: Buffer, fields: readonly CopyFieldReader[], visitor: ValueVisitor): number {
  const length = data.length;
  const last = fields.length - 1;
  let rows = 0;
  for (let at = 0; at <= length; rows++) {
    visitor.startRow();
    for (let j = 0; j <= last; j++) {
      let end = at;
      let plain = true;
      for (; end < length; end++) {
        const code = data[end] as number;
        if (code === TAB || code === NEWLINE) break;
        if (code >= 0x80 || code === BACKSLASH) plain = false;
      }
      const tab = end < length && data[end] === TAB;
      if (j < last && !tab) throw new Error(`COPY sent a row of fewer fields than the ${fields.length} columns of the query`);
      if (j === last && tab) throw new Error(`COPY sent a row of more fields than the ${fields.length} columns of the query`);
      visitField(data, at, end, plain, fields[j] as CopyFieldReader, visitor);
      at = end + 1;
    }
    visitor.endRow();
  }
  return rows;
}

function visitField(data: Buffer, start: number, end: number, plain: boolean, field: CopyFieldReader, visitor: ValueVisitor): void {
  if (end - start === 2 && data[start] === BACKSLASH && data[start + 1] === LETTER_N) return visitor.null();
  if (plain && field.kind === 'whole-number') return visitor.wholeNumber(data, start, end);
  if (plain && field.kind === 'text') return visitor.asciiText(data, start, end);
  if (plain && field.kind === 'utc-timestamp' && endsWithUtc(data, end)) return visitor.asciiText(data, start, end - 3);
  visitor.value(copyValue(data.toString('utf8', start, end), field.parse));
}

function endsWithUtc(data: Buffer, end: number): boolean {
  return data[end - 3] === UTC_SUFFIX[0] && data[end - 2] === UTC_SUFFIX[1] && data[end - 1] === UTC_SUFFIX[2];
}

/**
 * A column being read: whole numbers and UTC timestamps as numbers for as long as every value is one,
 * which spares a value made per field and, for a timestamp, a text read back into seconds to store it.
 */
class ColumnBuilder {
  private numbers: Float64Array | undefined;
  private values: SqlValue[] = [];
  private count = 0;

  constructor(
    private readonly kind: 'whole-numbers' | 'timestamps' | undefined,
    rows: number,
  ) {
    if (kind) this.numbers = new Float64Array(rows);
  }

  get heldAsTimestamps(): boolean {
    return this.kind === 'timestamps' && this.numbers !== undefined;
  }

  /** A whole number, in a column of whole numbers. */
  number(value: number): void {
    if (this.numbers) this.numbers[this.count++] = value;
    else this.values.push(value);
  }

  /** A timestamp's seconds, while heldAsTimestamps. */
  timestamp(seconds: number): void {
    (this.numbers as Float64Array)[this.count++] = seconds;
  }

  value(value: SqlValue): void {
    if (this.numbers) this.becomeValues();
    this.values.push(value);
  }

  column(): BulkColumn {
    if (!this.numbers || !this.kind) return this.values;
    return { kind: this.kind, values: this.numbers.subarray(0, this.count) };
  }

  private becomeValues(): void {
    this.values = valuesOf({ kind: this.kind as 'whole-numbers' | 'timestamps', values: (this.numbers as Float64Array).subarray(0, this.count) });
    this.numbers = undefined;
  }
}

const HELD_AS_NUMBERS: Partial<Record<CopyFieldKind, 'whole-numbers' | 'timestamps'>> = { 'whole-number': 'whole-numbers', 'utc-timestamp': 'timestamps' };

/**
 * The values of the `rows` whole lines of COPY data, column by column, as the fields' readers make them
 * (whole numbers and UTC timestamps held as numbers where a whole column is), each row shown to the
 * visitor from its bytes as it is read.
 */
export function copyColumns(data: Buffer, fields: readonly CopyFieldReader[], rows: number, visitor: ValueVisitor): BulkColumn[] {
  const builders = fields.map((field) => new ColumnBuilder(HELD_AS_NUMBERS[field.kind], rows));
  // Buffer's own latin1Slice, without the checks of toString around it: called for most fields.
  const latin1 = (data as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice.bind(data);
  let j = 0;
  const next = (): ColumnBuilder => builders[j++] as ColumnBuilder;
  const found = visitCopyLines(data, fields, {
    startRow: () => {
      j = 0;
      visitor.startRow();
    },
    null: () => {
      next().value(null);
      visitor.null();
    },
    wholeNumber: (bytes, start, end) => {
      if (end - start <= SAFE_DIGITS) next().number(wholeNumberAt(data, start, end));
      else next().value(parseInt8(latin1(start, end)));
      visitor.wholeNumber(bytes, start, end);
    },
    asciiText: (bytes, start, end) => {
      const builder = next();
      const seconds = builder.heldAsTimestamps ? timestampSecondsAt(bytes, start, end) : undefined;
      if (seconds === undefined) builder.value(latin1(start, end));
      else builder.timestamp(seconds);
      visitor.asciiText(bytes, start, end);
    },
    value: (value) => {
      next().value(value);
      visitor.value(value);
    },
    endRow: () => visitor.endRow(),
  });
  if (found !== rows) throw new Error(`the COPY text holds ${found} rows, not the ${rows} of its batch`);
  return builders.map((builder) => builder.column());
}

/** Up to 15 digits, with a sign, always make a safe integer. */
const SAFE_DIGITS = 15;

/** The whole number written in ASCII digits, after a '-' if negative, between start and end. */
function wholeNumberAt(data: Buffer, start: number, end: number): number {
  const negative = data[start] === MINUS;
  let value = 0;
  for (let i = negative ? start + 1 : start; i < end; i++) value = value * 10 + (data[i] as number) - DIGIT_ZERO;
  return negative ? 0 - value : value;
}
