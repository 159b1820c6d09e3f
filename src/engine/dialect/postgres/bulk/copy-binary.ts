// COPY's binary format, written without a connection: PostgreSQL takes a chunk in it for much less than
// its text, which the server parses field by field (a timestamp's text most of all). A value is written
// as its column's type stores it, so the writer needs the target's types, and writes only chunks whose
// every value has a binary form equal to it; any other chunk goes as text.
import { isValues, lengthOf } from '../../bulk-column.ts';
import { writeDigits } from './copy-text.ts';
import { epochDayOf, TIMESTAMP_TEXT_LENGTH, TimestampTextWriter, timestampSeconds } from '../../timestamp-text.ts';
import type { Allocate, BulkColumn, RowBytesListener, SqlValue, ValueVisitor } from '../../types.ts';

/** The column types written in binary: those whose binary form holds exactly what the neutral value says. */
const BINARY_TYPES = ['int2', 'int4', 'int8', 'float8', 'text', 'varchar', 'bpchar', 'timestamptz', 'date', 'bytea'] as const;

export type BinaryColumnType = (typeof BINARY_TYPES)[number];

/** The columns' types (pg_type's names) as binary column types, or undefined where one has none here. */
export function binaryColumnTypes(typeNames: readonly (string | undefined)[]): BinaryColumnType[] | undefined {
  const known = typeNames.filter((name): name is BinaryColumnType => (BINARY_TYPES as readonly (string | undefined)[]).includes(name));
  return known.length === typeNames.length ? known : undefined;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** The signature, then no flags and no header extension. */
const HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
const TRAILER = -1;
const NULL_LENGTH = -1;

/** Whether the payload is COPY's binary format (its first bytes are the signature no COPY text starts with). */
export function isCopyBinary(payload: Buffer): boolean {
  return payload.length >= SIGNATURE.length && payload.compare(SIGNATURE, 0, SIGNATURE.length, 0, SIGNATURE.length) === 0;
}

const SECONDS_1970_TO_2000 = 946_684_800;
const DAYS_1970_TO_2000 = 10_957;
const TWO_TO_32 = 0x1_0000_0000;
const INT2 = { min: -0x8000, max: 0x7fff };
const INT4 = { min: -0x8000_0000, max: 0x7fff_ffff };
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A value with no binary form equal to it in its column: the chunk is written as text instead. */
class NoBinaryForm extends Error {}

/** Days since 2000-01-01 of a neutral date, as a date column stores it. */
function dateDays(text: string): number {
  const match = ISO_DATE.exec(text);
  const day = match ? epochDayOf(Number(match[1]), Number(match[2]), Number(match[3])) : undefined;
  if (day === undefined) throw new NoBinaryForm();
  return day - DAYS_1970_TO_2000;
}

/** The most a field other than a text or a blob takes: its length and eight bytes. */
const FIXED_FIELD_BYTES = 12;

/**
 * COPY binary written into one growing buffer, with the text a hash reads of a value made beside it.
 * Room for a row's fixed-size fields is made once per row; a text or a blob makes its own, and again
 * that of the row's fixed-size fields, which may come after it.
 */
class CopyBinaryWriter {
  private buffer: Buffer;
  private view: DataView;
  private at = 0;
  /** Where the row being written starts. */
  private rowStart = 0;
  /** The room the fixed-size fields of a row take at most. */
  private rowBytes = 0;
  /** The digits of a whole number or the text of a timestamp, for the visitor. */
  private readonly scratch = Buffer.alloc(32);
  private readonly timestamps = new TimestampTextWriter();

  constructor(
    bytes: number,
    private readonly visitor: ValueVisitor,
    allocate: Allocate,
  ) {
    this.buffer = allocate(Math.max(1024, bytes));
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
    this.bytes(HEADER);
  }

  result(): Buffer {
    this.room(2);
    this.view.setInt16(this.at, TRAILER);
    return this.buffer.subarray(0, this.at + 2);
  }

  row(width: number): void {
    this.rowStart = this.at;
    this.rowBytes = 2 + width * FIXED_FIELD_BYTES;
    this.room(this.rowBytes);
    this.view.setInt16(this.at, width);
    this.at += 2;
  }

  /** Shows the bytes of the row just written. */
  endRow(onRow: RowBytesListener | undefined): void {
    onRow?.(this.buffer, this.rowStart, this.at);
  }

  null(): void {
    this.view.setInt32(this.at, NULL_LENGTH);
    this.at += 4;
    this.visitor.null();
  }

  wholeNumber(value: number, type: BinaryColumnType): void {
    if (type === 'float8') this.float8(value);
    else this.integer(value, type);
    this.visitor.wholeNumber(this.scratch, 0, writeDigits(this.scratch, 0, value));
  }

  timestamp(seconds: number, type: BinaryColumnType): void {
    if (type !== 'timestamptz') throw new NoBinaryForm();
    this.micros(seconds);
    this.timestamps.write(this.scratch, 0, seconds);
    this.visitor.asciiText(this.scratch, 0, TIMESTAMP_TEXT_LENGTH);
  }

  value(value: SqlValue, type: BinaryColumnType): void {
    if (value === null) return this.null();
    if (typeof value === 'string') return this.textValue(value, type);
    if (typeof value === 'number') {
      if (type === 'float8') this.float8(value);
      else this.integer(value, type);
    } else if (typeof value === 'bigint' && type === 'int8') {
      this.view.setInt32(this.at, 8);
      this.view.setBigInt64(this.at + 4, value);
      this.at += 12;
    } else if (Buffer.isBuffer(value) && type === 'bytea') {
      this.view.setInt32(this.at, value.length);
      this.at += 4;
      this.bytes(value);
    } else {
      throw new NoBinaryForm();
    }
    this.visitor.value(value);
  }

  private textValue(value: string, type: BinaryColumnType): void {
    if (type === 'timestamptz') {
      const seconds = timestampSeconds(value);
      if (seconds === undefined) throw new NoBinaryForm();
      this.micros(seconds);
    } else if (type === 'date') {
      this.view.setInt32(this.at, 4);
      this.view.setInt32(this.at + 4, dateDays(value));
      this.at += 8;
    } else if (type === 'text' || type === 'varchar' || type === 'bpchar') {
      if (this.text(value)) return;
    } else {
      throw new NoBinaryForm();
    }
    this.visitor.value(value);
  }

  /** Writes the text with its length; plain ASCII is shown to the visitor as its bytes, and true returned. */
  private text(value: string): boolean {
    this.room(4 + 3 * value.length + this.rowBytes);
    const lengthAt = this.at;
    const start = lengthAt + 4;
    const buffer = this.buffer;
    let ascii = true;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) {
        ascii = false;
        break;
      }
      buffer[start + i] = code;
    }
    const end = ascii ? start + value.length : start + buffer.write(value, start, 'utf8');
    this.view.setInt32(lengthAt, end - start);
    this.at = end;
    if (ascii) this.visitor.asciiText(buffer, start, end);
    return ascii;
  }

  private integer(value: number, type: BinaryColumnType): void {
    if (!Number.isSafeInteger(value)) throw new NoBinaryForm();
    const view = this.view;
    const at = this.at;
    if (type === 'int4' && value >= INT4.min && value <= INT4.max) {
      view.setInt32(at, 4);
      view.setInt32(at + 4, value);
      this.at = at + 8;
    } else if (type === 'int8') {
      view.setInt32(at, 8);
      this.int64(at + 4, value);
      this.at = at + 12;
    } else if (type === 'int2' && value >= INT2.min && value <= INT2.max) {
      view.setInt32(at, 2);
      view.setInt16(at + 4, value);
      this.at = at + 6;
    } else {
      throw new NoBinaryForm();
    }
  }

  private float8(value: number): void {
    this.view.setInt32(this.at, 8);
    this.view.setFloat64(this.at + 4, value);
    this.at += 12;
  }

  /** A timestamp's seconds since 1970 as the microseconds since 2000 that timestamptz holds. */
  private micros(seconds: number): void {
    this.view.setInt32(this.at, 8);
    this.int64(this.at + 4, (seconds - SECONDS_1970_TO_2000) * 1_000_000);
    this.at += 12;
  }

  /** A safe integer as 64 bits: the high word carries the sign, the low word is what is left. */
  private int64(at: number, value: number): void {
    const high = Math.floor(value / TWO_TO_32);
    this.view.setInt32(at, high);
    this.view.setUint32(at + 4, value - high * TWO_TO_32);
  }

  private bytes(bytes: Uint8Array): void {
    this.room(bytes.length + this.rowBytes);
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }
}

/**
 * The rows held by `columns` (all of one length) in COPY's binary format for columns of `types`, each row
 * shown to the visitor as it is written, and its bytes to onRow; undefined, with only part of the rows
 * shown, where a value has no binary form equal to it in its column. The memory written into comes from
 * `allocate` (memory given back by an earlier chunk, where there is some).
 */
export function copyBinaryOfColumns(
  columns: readonly BulkColumn[],
  types: readonly BinaryColumnType[],
  visitor: ValueVisitor,
  onRow?: RowBytesListener,
  allocate: Allocate = Buffer.allocUnsafe,
): Buffer | undefined {
  const rows = lengthOf(columns[0]);
  const writer = new CopyBinaryWriter(rows * (2 + columns.length * FIXED_FIELD_BYTES), visitor, allocate);
  try {
    for (let i = 0; i < rows; i++) {
      visitor.startRow();
      writer.row(columns.length);
      for (let j = 0; j < columns.length; j++) {
        const column = columns[j] as BulkColumn;
        const type = types[j] as BinaryColumnType;
        if (isValues(column)) writer.value(column[i] as SqlValue, type);
        else if (column.kind === 'whole-numbers') writer.wholeNumber(column.values[i] as number, type);
        else writer.timestamp(column.values[i] as number, type);
      }
      visitor.endRow();
      writer.endRow(onRow);
    }
  } catch (error) {
    if (error instanceof NoBinaryForm) return undefined;
    throw error;
  }
  return writer.result();
}
