// The archive as bytes: the fields of the SQLite file header it relies on, and the whole-file CRC-32 kept
// in the header's user_version field. SQLite checks its pages' structure but not their content, and a
// flipped byte in unused space goes unseen by any query; the CRC sees a change anywhere in the file.
import { open, stat } from 'node:fs/promises';
import zlib from 'node:zlib';
import { OperationError } from '../errors.ts';

export const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');
export const SQLITE_HEADER_BYTES = 100;
const PAGE_SIZE_OFFSET = 16;
const CHANGE_COUNTER_OFFSET = 24;
const PAGE_COUNT_OFFSET = 28;
/** user_version: four bytes the application owns, big-endian. */
const CRC_OFFSET = 60;
const APPLICATION_ID_OFFSET = 68;
const VERSION_VALID_FOR_OFFSET = 92;
const READ_BYTES = 4 * 1024 * 1024;

export interface SqliteFileHeader {
  size: number;
  /** Bytes the database's pages take, when the header records it reliably. */
  databaseBytes: number | undefined;
  storedCrc: number;
  applicationId: number;
}

export type FileInspection = { kind: 'missing' | 'empty' | 'not-sqlite' } | { kind: 'short'; size: number } | { kind: 'sqlite'; header: SqliteFileHeader };

/** What the file's first bytes say it is, without opening it as a database. */
export async function inspectFile(path: string): Promise<FileInspection> {
  const size = await fileSize(path);
  if (size === undefined) return { kind: 'missing' };
  if (size === 0) return { kind: 'empty' };
  const head = await readHead(path);
  if (!head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC.subarray(0, Math.min(head.length, SQLITE_MAGIC.length)))) return { kind: 'not-sqlite' };
  if (head.length < SQLITE_HEADER_BYTES) return { kind: 'short', size };
  return { kind: 'sqlite', header: parseHead(head, size) };
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(SQLITE_HEADER_BYTES);
    const { bytesRead } = await file.read(head, 0, SQLITE_HEADER_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function parseHead(head: Buffer, size: number): SqliteFileHeader {
  const rawPageSize = head.readUInt16BE(PAGE_SIZE_OFFSET);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pageCount = head.readUInt32BE(PAGE_COUNT_OFFSET);
  // The in-header page count is only kept up to date by SQLite 3.7.0 and later, which say so this way.
  const countIsValid = head.readUInt32BE(CHANGE_COUNTER_OFFSET) === head.readUInt32BE(VERSION_VALID_FOR_OFFSET) && pageCount > 0;
  return {
    size,
    databaseBytes: countIsValid ? pageSize * pageCount : undefined,
    storedCrc: head.readUInt32BE(CRC_OFFSET),
    applicationId: head.readUInt32BE(APPLICATION_ID_OFFSET),
  };
}

function crc32(data: Buffer, previous: number): number {
  // zlib.crc32 arrived in Node.js 20.15; the message beats "crc32 is not a function".
  if (typeof zlib.crc32 !== 'function') throw new OperationError(`backup files need Node.js 20.15 or later for CRC-32; this is ${process.version}`);
  return zlib.crc32(data, previous);
}

/** The CRC-32 of the whole file with the four bytes that hold it taken as zero, read in bounded pieces. */
export async function fileCrc(path: string): Promise<number> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(READ_BYTES);
    let crc = 0;
    for (let position = 0; ; ) {
      const { bytesRead } = await file.read(buffer, 0, READ_BYTES, position);
      if (bytesRead === 0) return crc;
      const piece = buffer.subarray(0, bytesRead);
      zeroCrcField(piece, position);
      crc = crc32(piece, crc);
      position += bytesRead;
    }
  } finally {
    await file.close();
  }
}

function zeroCrcField(piece: Buffer, position: number): void {
  const start = Math.max(CRC_OFFSET, position);
  const end = Math.min(CRC_OFFSET + 4, position + piece.length);
  if (start < end) piece.fill(0, start - position, end - position);
}

/** Writes the file's CRC-32 into its header: the last change made to a finished archive. */
export async function stampCrc(path: string): Promise<void> {
  const crc = await fileCrc(path);
  const file = await open(path, 'r+');
  try {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(crc);
    await file.write(bytes, 0, 4, CRC_OFFSET);
    await file.sync();
  } finally {
    await file.close();
  }
}
