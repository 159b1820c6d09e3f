// Verifying a backup without restoring it: what a restore runs before it writes anything. It reads every
// chunk, one at a time, and reports every problem it finds, each naming the part of the file it is in; a
// damaged or hostile file is described, never allowed to throw, hang or exhaust memory.
import Database from 'better-sqlite3';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ContentHash } from '../copy/content-hash.ts';
import { errorMessage } from '../errors.ts';
import { archiveDigests } from './digest.ts';
import {
  APPLICATION_ID,
  describeChunk,
  formatProblem,
  isFinished,
  keyColumnsOf,
  parseHeader,
  readHeaderRow,
  TABLES,
  type ArchiveHeader,
  type ArchiveItem,
  type HeaderRow,
  type SealRow,
} from './format.ts';
import { chunkRunner, type ChunkRunner } from './chunk-pool.ts';
import { workerThreads } from '../worker-pool.ts';
import { summaryProblem, type ChunkSummary } from './chunk-tasks.ts';
import { sealVerdict, type SealKey, type SealVerdict, type StoredSeal } from './seal.ts';
import { fileCrc, inspectFile, SQLITE_HEADER_BYTES, type FileInspection, type SqliteFileHeader } from './sqlite-file.ts';

export interface ArchiveTableReport {
  /** The archived item; a backup names its items after their tables. */
  name: string;
  table: string;
  rows: number;
  chunks: number;
  contentHash: string;
}

export interface ArchiveReport {
  ok: boolean;
  problems: string[];
  header?: ArchiveHeader;
  /** Per item, what its chunks were found to hold. */
  tables: ArchiveTableReport[];
  /** Whether every chunk's rows were decoded and hashed, or only what the chunks record was checked. */
  rowsChecked: boolean;
  /** What the file's seal says, judged with the key given; absent when the file is unfinished or unreadable. */
  seal?: SealVerdict;
}

interface ManifestEntry {
  rows: number;
  chunks: number;
  contentHash: string;
}

interface Tally {
  rows: number;
  chunks: number;
  hash: ContentHash;
}

interface ChunkRow {
  item: unknown;
  chunk_no: unknown;
  rows: unknown;
  content_hash: unknown;
  last_key: unknown;
  encoding: unknown;
  raw_bytes: unknown;
  payload_sha256: unknown;
  payload: unknown;
}

export interface VerifyOptions {
  /**
   * Whether every chunk is decoded and its rows hashed (the default). Without, the file's bytes, its
   * digests and the chunks' records are checked against the manifest, and each chunk's rows are left to
   * be checked against its records as it is read.
   */
  rows?: boolean;
  /** The key the file's seal is checked with; without, a sealed file is reported as sealed but not checked. */
  sealKey?: SealKey;
}

/** Checks the whole archive; `ok` only when no problem was found. */
export async function verifyArchive(path: string, options: VerifyOptions = {}): Promise<ArchiveReport> {
  const report: ArchiveReport = { ok: false, problems: [], tables: [], rowsChecked: options.rows ?? true };
  try {
    await checkFile(path, options, report);
  } catch (error) {
    report.problems.push(`the check of ${path} stopped: ${errorMessage(error)}`);
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function checkFile(path: string, options: VerifyOptions, report: ArchiveReport): Promise<void> {
  const file = await inspectFile(path);
  if (file.kind !== 'sqlite') {
    report.problems.push(refusal(path, file));
    return;
  }
  const { header } = file;
  if (header.databaseBytes !== undefined && header.size < header.databaseBytes) {
    report.problems.push(`the file is truncated (${header.size} bytes, the database needs ${header.databaseBytes})`);
  }
  const opened = await openForCheck(path, header, report);
  if (!opened) return;
  try {
    await checkArchive(opened.db, path, header, opened.row, options, report);
  } finally {
    opened.db.close();
  }
}

/** The database and its header row, once SQLite reads it and it is an archive of a format this code reads. */
async function openForCheck(path: string, file: SqliteFileHeader, report: ArchiveReport): Promise<{ db: Database.Database; row: HeaderRow & SealRow } | undefined> {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const problem = formatProblem(db);
    if (!problem) return { db, row: readHeaderRow(db) as HeaderRow & SealRow };
    report.problems.push(`${path} ${problem}`);
  } catch (error) {
    await reportUnreadable(path, file, error, report);
  }
  db?.close();
  return undefined;
}

function refusal(path: string, file: Exclude<FileInspection, { kind: 'sqlite' }>): string {
  switch (file.kind) {
    case 'missing':
      return `${path} is not a backup file: it does not exist`;
    case 'empty':
      return `${path} is not a backup file: it is empty`;
    case 'not-sqlite':
      return `${path} is not a backup file: it is not a SQLite database`;
    case 'short':
      return `the file is truncated (${file.size} bytes, the database needs at least ${SQLITE_HEADER_BYTES})`;
  }
}

/** SQLite cannot read the file at all: it is a damaged backup if its header says it is one of ours. */
async function reportUnreadable(path: string, header: SqliteFileHeader, error: unknown, report: ArchiveReport): Promise<void> {
  if (header.applicationId !== APPLICATION_ID) {
    report.problems.push(`${path} is not a backup file: ${sqliteMessage(error)}`);
    return;
  }
  // Whether it was finished cannot be read: only a CRC that is there is checked.
  await checkCrc(path, header, false, report);
  report.problems.push(`the file is damaged: SQLite cannot read it (${sqliteMessage(error)})`);
}

function sqliteMessage(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${errorMessage(error)}` : errorMessage(error);
}

async function checkArchive(db: Database.Database, path: string, file: SqliteFileHeader, row: HeaderRow & SealRow, options: VerifyOptions, report: ArchiveReport): Promise<void> {
  const header = attempt(report, 'the header', () => parseHeader(row));
  report.header = header;
  await checkCrc(path, file, isFinished(row), report);
  checkStructure(db, report);
  if (!isFinished(row)) {
    report.problems.push('the backup is unfinished: it stopped before the end and has no manifest; run the backup again to complete it');
    return;
  }
  const digest = attempt(report, 'the manifest digest', () => checkDigests(db, row, report));
  if (digest !== undefined) checkSeal(row, digest, options.sealKey, report);
  if (header) await checkContent(db, header, options.rows ?? true, report);
}

/** Runs one check; an exception it throws becomes a problem of the named part instead of ending the check. */
function attempt<T>(report: ArchiveReport, part: string, check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    const message = errorMessage(error);
    report.problems.push(message.startsWith(part) ? message : `${part} cannot be checked: ${sqliteMessage(error)}`);
    return undefined;
  }
}

async function checkCrc(path: string, file: SqliteFileHeader, finished: boolean, report: ArchiveReport): Promise<void> {
  if (file.storedCrc === 0) {
    // Only finish() stamps a CRC: a finished archive without one stopped while finishing, or was changed.
    if (finished) report.problems.push('the file has no CRC-32: it stopped while being finished, or was changed after it was written');
    return;
  }
  const actual = await fileCrc(path);
  if (actual !== file.storedCrc) {
    report.problems.push(`the file was changed or damaged after it was written (its CRC-32 is ${hex(actual)}, it was written as ${hex(file.storedCrc)})`);
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function checkStructure(db: Database.Database, report: ArchiveReport): void {
  attempt(report, 'the database structure', () => {
    const findings = (db.pragma('quick_check(10)') as { quick_check: string }[]).map((r) => r.quick_check);
    if (findings.join() !== 'ok') report.problems.push(`the database structure is damaged (SQLite's quick check: ${findings.join('; ')})`);
  });
}

/** Compares the digests of the file as it is with those it was finished with; returns its manifest digest now. */
function checkDigests(db: Database.Database, seal: SealRow, report: ArchiveReport): string {
  const digests = archiveDigests(db);
  const parts: [string, string, unknown][] = [
    ['the header', digests.header, seal.header_sha256],
    ['the manifest', digests.manifest, seal.manifest_sha256],
    ['the list of chunks', digests.chunks, seal.chunks_sha256],
  ];
  const changed = parts.filter(([, actual, sealed]) => actual !== sealed).map(([part]) => part);
  for (const part of changed) report.problems.push(`${part} was changed after the backup was written (its sha256 does not match the manifest digest)`);
  if (changed.length === 0 && digests.digest !== seal.digest) report.problems.push('the manifest digest itself is damaged: it does not match the header, the manifest and the chunks it covers');
  return digests.digest;
}

/** Judges the keyed seal against `digest`, the file's digest as it is now: a seal of this key that does not match is damage. */
export function checkSeal(row: StoredSeal, digest: string, key: SealKey | undefined, report: ArchiveReport): void {
  report.seal = sealVerdict(row, digest, key);
  if (report.seal.state !== 'seal-does-not-match') return;
  const what = report.seal.keyId === undefined ? 'the seal is malformed' : 'the seal does not match the file';
  report.problems.push(`${what}: the file was altered after it was sealed (its digests computed again without the key), or its seal was changed`);
}

async function checkContent(db: Database.Database, header: ArchiveHeader, rows: boolean, report: ArchiveReport): Promise<void> {
  const manifest = attempt(report, 'the manifest', () => readManifest(db, header));
  const tallies = await checkChunks(db, header, rows ? chunkRunner(workerThreads('waiting')) : undefined, report);
  for (const item of header.items) {
    const tally = tallies.get(item.name) ?? { rows: 0, chunks: 0, hash: new ContentHash() };
    report.tables.push({ name: item.name, table: item.table, rows: tally.rows, chunks: tally.chunks, contentHash: tally.hash.toString() });
    const entry = manifest?.get(item.name);
    if (manifest && !entry) report.problems.push(`the manifest has no totals for ${item.name}`);
    if (entry) compareTotals(item, entry, tally, report);
  }
}

function readManifest(db: Database.Database, header: ArchiveHeader): Map<string, ManifestEntry> {
  const entries = new Map<string, ManifestEntry>();
  for (const row of db.prepare(`SELECT item, rows, chunks, content_hash FROM ${TABLES.manifest}`).all() as Record<string, unknown>[]) {
    const { item, rows, chunks, content_hash: contentHash } = row;
    if (typeof item !== 'string' || !header.items.some((i) => i.name === item)) throw new Error(`the manifest has totals for ${String(item)}, which the header does not list`);
    if (!isCount(rows) || !isCount(chunks) || typeof contentHash !== 'string') throw new Error(`the manifest's totals for ${item} are malformed`);
    entries.set(item, { rows, chunks, contentHash });
  }
  return entries;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function compareTotals(item: ArchiveItem, entry: ManifestEntry, tally: Tally, report: ArchiveReport): void {
  const owner = item.name === item.table ? `table ${item.table}` : `item ${item.name}`;
  if (entry.chunks !== tally.chunks) report.problems.push(`the manifest counts ${entry.chunks} chunks of ${owner}, the file holds ${tally.chunks}`);
  if (entry.rows !== tally.rows) report.problems.push(`the manifest counts ${entry.rows} rows of ${owner}, its chunks hold ${tally.rows}`);
  if (entry.contentHash !== tally.hash.toString()) report.problems.push(`the manifest's content hash of ${owner} is ${entry.contentHash}, its rows hash to ${tally.hash.toString()}`);
}

/** A chunk read from the file, its summary on its way from a worker. */
interface ChunkInFlight {
  item: ArchiveItem;
  chunk: ChunkRow;
  summary: Promise<{ summary: ChunkSummary } | { error: string }>;
}

/**
 * Every chunk in order, a few on their way at a time (decoded and hashed by the runner, in worker threads
 * where there are cores for them; taken as they record themselves without one); returns what each item's
 * chunks were found to hold.
 */
async function checkChunks(db: Database.Database, header: ArchiveHeader, runner: ChunkRunner | undefined, report: ArchiveReport): Promise<Map<string, Tally>> {
  const items = new Map(header.items.map((i) => [i.name, i]));
  const tallies = new Map<string, Tally>();
  const strangers = new Set<string>();
  const window = runner?.window ?? 1;
  const inFlight: ChunkInFlight[] = [];
  let last = 'the first chunk';
  const settleFirst = async (): Promise<void> => {
    const first = inFlight.shift() as ChunkInFlight;
    const tally = tallies.get(first.item.name) ?? { rows: 0, chunks: 0, hash: new ContentHash() };
    tallies.set(first.item.name, tally);
    last = checkChunk(first.item, first.chunk, await first.summary, tally, report);
  };
  try {
    const payload = runner ? 'payload' : 'NULL AS payload';
    const chunks = db.prepare(`SELECT item, chunk_no, rows, content_hash, last_key, encoding, raw_bytes, payload_sha256, ${payload} FROM ${TABLES.chunk} ORDER BY item, chunk_no`).iterate() as Iterable<ChunkRow>;
    for (const chunk of chunks) {
      const item = items.get(String(chunk.item));
      if (!item) {
        strangers.add(String(chunk.item));
        continue;
      }
      inFlight.push({ item, chunk: { ...chunk, payload: null }, summary: summaryOf(runner, item, chunk) });
      // Other work (a progress display, a server) goes on while a large archive is read.
      if (inFlight.length >= window) await settleFirst();
      else await nextTurn();
    }
    while (inFlight.length > 0) await settleFirst();
  } catch (error) {
    report.problems.push(`the chunks after ${last} cannot be read: the file is damaged (${sqliteMessage(error)})`);
  } finally {
    await runner?.close();
  }
  for (const name of strangers) report.problems.push(`the file holds chunks of ${name}, which the header does not list`);
  return tallies;
}

function summaryOf(runner: ChunkRunner | undefined, item: ArchiveItem, chunk: ChunkRow): ChunkInFlight['summary'] {
  if (!runner) return Promise.resolve(recordedSummary(chunk));
  const stored = { encoding: chunk.encoding, rows: chunk.rows, rawBytes: chunk.raw_bytes, payloadSha256: chunk.payload_sha256, payload: chunk.payload };
  return runner.summarize(stored, item.columns.length, keyColumnsOf(item)).then(
    (summary) => ({ summary }),
    (error: unknown) => ({ error: errorMessage(error) }),
  );
}

/** What the chunk records of its rows, where it is well formed. */
function recordedSummary(chunk: ChunkRow): Awaited<ChunkInFlight['summary']> {
  if (!isCount(chunk.rows)) return { error: 'its row count is malformed' };
  const hash = typeof chunk.content_hash === 'string' ? parsedHash(chunk.content_hash) : undefined;
  if (!hash || hash.rows !== chunk.rows) return { error: `its content hash ${String(chunk.content_hash)} is malformed or counts other rows than its ${chunk.rows}` };
  // The last key is taken as recorded: reading the chunk compares it with its rows.
  return { summary: { rows: chunk.rows, contentHash: chunk.content_hash as string, lastKey: chunk.last_key as string | undefined } };
}

function parsedHash(text: string): ContentHash | undefined {
  try {
    return ContentHash.parse(text);
  } catch {
    return undefined;
  }
}

/** Checks one chunk against its summary and adds it to its item's tally; returns the chunk's name. */
function checkChunk(item: ArchiveItem, chunk: ChunkRow, found: Awaited<ChunkInFlight['summary']>, tally: Tally, report: ArchiveReport): string {
  const expectedNo = tally.chunks + 1;
  const recordedRows = isCount(chunk.rows) ? chunk.rows : 0;
  const name = describeChunk(item, expectedNo, tally.rows + 1, recordedRows);
  if (chunk.chunk_no !== expectedNo) report.problems.push(`${name} is numbered ${String(chunk.chunk_no)}: a chunk is missing or out of place`);
  const problem = 'error' in found ? found.error : summaryProblem({ contentHash: chunk.content_hash, lastKey: chunk.last_key }, found.summary);
  if (problem === undefined && 'summary' in found) {
    tally.hash.merge(ContentHash.parse(found.summary.contentHash));
    tally.rows += found.summary.rows;
  } else {
    report.problems.push(`${name}: ${problem}`);
    // The totals go on with what the chunk claims, so that the manifest is compared with the rest.
    tally.hash.merge(recordedHash(chunk));
    tally.rows += recordedRows;
  }
  tally.chunks++;
  return name;
}

function recordedHash(chunk: ChunkRow): ContentHash {
  return parsedHash(String(chunk.content_hash)) ?? new ContentHash();
}
