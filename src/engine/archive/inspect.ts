// A quick look at an archive: what its header says and whether it was finished, read without reading its
// chunks. It is what a list of backups can afford for every file on every view; it tells a complete file
// from an unfinished, damaged or foreign one, but only a verification (verify.ts) vouches for the bytes
// and the rows.
import Database from 'better-sqlite3';
import { errorMessage } from '../errors.ts';
import { APPLICATION_ID, formatProblem, isFinished, parseHeader, readHeaderRow, TABLES, type ArchiveHeader } from './format.ts';
import { sealClaim, type SealKey, type SealVerdict } from './seal.ts';
import { inspectFile } from './sqlite-file.ts';

export type ArchiveFileState = 'complete' | 'unfinished' | 'damaged' | 'not an archive';

export interface ArchiveInspection {
  state: ArchiveFileState;
  /** The file's size in bytes. */
  bytes: number;
  /** Why it is not complete; absent for a complete archive. */
  problem?: string;
  /** The header, once it parses. */
  header?: ArchiveHeader;
  /** The rows the manifest counts, for a complete archive. */
  rows?: number;
  /** What a complete archive's seal claims, judged by the key given but not checked against its digest. */
  claimedSeal?: SealVerdict;
}

const NOT_SQLITE = { missing: 'it is not there', empty: 'it is empty', 'not-sqlite': 'it is not a SQLite file' } as const;

/**
 * The file's header bytes and its header row: an archive is `complete` when it was finished,
 * stamped with its CRC-32 and is as long as SQLite says it must be. Its CRC, digests and chunks are not
 * read: that is what `verifyArchive` is for.
 */
export async function inspectArchive(path: string, sealKey?: SealKey): Promise<ArchiveInspection> {
  const file = await inspectFile(path);
  if (file.kind === 'short') return { state: 'damaged', bytes: file.size, problem: 'it is truncated' };
  if (file.kind !== 'sqlite') return { state: 'not an archive', bytes: 0, problem: NOT_SQLITE[file.kind] };
  const { header } = file;
  // The application id is set as an archive is created: a SQLite file without it is someone else's database.
  if (header.applicationId !== APPLICATION_ID) return { state: 'not an archive', bytes: header.size, problem: 'it is a SQLite database, not a backup' };
  if (header.databaseBytes !== undefined && header.size < header.databaseBytes) {
    return { state: 'damaged', bytes: header.size, problem: `it is truncated (${header.size} bytes of ${header.databaseBytes})` };
  }
  try {
    return inspectOpened(path, header.size, header.storedCrc, sealKey);
  } catch (error) {
    return { state: 'damaged', bytes: header.size, problem: `SQLite cannot read it (${errorMessage(error)})` };
  }
}

function inspectOpened(path: string, bytes: number, storedCrc: number, sealKey: SealKey | undefined): ArchiveInspection {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const problem = formatProblem(db);
    if (problem) return { state: 'not an archive', bytes, problem: problem.replace(/^is /, 'it is ') };
    const row = readHeaderRow(db);
    if (!row) return { state: 'damaged', bytes, problem: 'its header is empty' };
    let header: ArchiveHeader;
    try {
      header = parseHeader(row);
    } catch (error) {
      return { state: 'damaged', bytes, problem: errorMessage(error) };
    }
    if (!isFinished(row)) return { state: 'unfinished', bytes, header, problem: 'it stopped before it was finished' };
    if (storedCrc === 0) return { state: 'damaged', bytes, header, problem: 'it has no CRC-32: it stopped while being finished, or was changed since' };
    return { state: 'complete', bytes, header, rows: manifestRows(db), claimedSeal: sealClaim(row, sealKey) };
  } finally {
    db.close();
  }
}

function manifestRows(db: Database.Database): number {
  const row = db.prepare(`SELECT COALESCE(SUM(rows), 0) AS n FROM ${TABLES.manifest}`).get() as { n: unknown };
  return Number(row.n);
}
