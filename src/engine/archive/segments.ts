// The archive as one stream of bytes, for stores that take a stream and read back byte ranges (object
// storage): a sequence of segments, each a finished archive file of its own holding a bounded share of the
// chunks (every item listed, most with no chunk), then an index in JSON and a fixed footer. The writer
// never needs more than a segment or two on disk; a reader finds the index from the footer and reads a
// segment at a time. Every segment is checked as a local archive is, and the index ties them together.
import { createHash } from 'node:crypto';
import { ContentHash } from '../copy/content-hash.ts';
import { canonicalJson, FORMAT_NAME, parseHeader, headerRowOf, type ArchiveHeader } from './format.ts';
import type { StoredSeal } from './seal.ts';

export const SEGMENTS_FORMAT = `${FORMAT_NAME}-segments`;
export const SEGMENTS_FORMAT_VERSION = 1;
const FOOTER_MAGIC = Buffer.from('WFMSEG01', 'latin1');
const SHA256_BYTES = 32;
/** Magic, the index's length (64-bit, big-endian), the index's SHA-256. */
export const FOOTER_BYTES = FOOTER_MAGIC.length + 8 + SHA256_BYTES;
/** An index longer than this is not one a backup writes: it lists a few hundred bytes per segment. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/** What one segment holds of one item: its chunks there, their rows and their content hash. */
export interface SegmentItem {
  name: string;
  chunks: number;
  rows: number;
  contentHash: string;
}

export interface SegmentEntry {
  offset: number;
  bytes: number;
  sha256: string;
  /** The items with at least one chunk in the segment. */
  items: SegmentItem[];
}

export interface SegmentIndex {
  format: string;
  formatVersion: number;
  header: ArchiveHeader;
  segments: SegmentEntry[];
  /** Each item's totals over every segment. */
  totals: SegmentItem[];
  /**
   * The keyed seal of the whole backup, over indexDigest: the index names every segment's SHA-256, so a
   * segment dropped, added or changed with the index made to agree breaks it.
   */
  seal?: StoredSeal;
}

/** The digest a segmented backup's seal is made over: its index as written, but for the seal itself. */
export function indexDigest(index: SegmentIndex): string {
  const { seal: _seal, ...sealed } = index;
  return createHash('sha256').update(canonicalJson({ ...sealed, header: headerRowOf(index.header) })).digest('hex');
}

/** The index followed by the footer that finds it: the last bytes of the stream. */
export function indexBytes(index: SegmentIndex): Buffer {
  const body = Buffer.from(canonicalJson({ ...index, header: headerRowOf(index.header) }), 'utf8');
  const footer = Buffer.alloc(FOOTER_BYTES);
  FOOTER_MAGIC.copy(footer, 0);
  footer.writeBigUInt64BE(BigInt(body.length), FOOTER_MAGIC.length);
  createHash('sha256').update(body).digest().copy(footer, FOOTER_MAGIC.length + 8);
  return Buffer.concat([body, footer]);
}

/** Where the index is, read from the footer of a stream of `size` bytes; throws saying why it is not one. */
export function indexLocation(footer: Buffer, size: number): { offset: number; bytes: number; sha256: Buffer } {
  if (footer.length !== FOOTER_BYTES || !footer.subarray(0, FOOTER_MAGIC.length).equals(FOOTER_MAGIC)) throw new Error('it does not end with the footer of a segmented backup');
  const bytes = Number(footer.readBigUInt64BE(FOOTER_MAGIC.length));
  if (bytes <= 0 || bytes > MAX_INDEX_BYTES || bytes > size - FOOTER_BYTES) throw new Error(`its footer gives an index of ${bytes} bytes, which it cannot hold`);
  return { offset: size - FOOTER_BYTES - bytes, bytes, sha256: footer.subarray(FOOTER_MAGIC.length + 8) };
}

/**
 * The index read from its bytes, checked: its digest, its header as a local archive's is, and segments
 * that follow one another from the start to the index with consistent totals.
 */
export function parseIndex(body: Buffer, location: { offset: number; sha256: Buffer }): SegmentIndex {
  if (!createHash('sha256').update(body).digest().equals(location.sha256)) throw new Error('its index was changed or damaged (its SHA-256 does not match the footer)');
  const value = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (value.format !== SEGMENTS_FORMAT || value.formatVersion !== SEGMENTS_FORMAT_VERSION) throw new Error(`its index is not of format ${SEGMENTS_FORMAT} ${SEGMENTS_FORMAT_VERSION}`);
  const header = parseHeader(value.header as Parameters<typeof parseHeader>[0]);
  const names = new Set(header.items.map((i) => i.name));
  const segments = requireList(value.segments, 'segments').map((s, i) => segmentEntryOf(s, i, names));
  let next = 0;
  for (const [i, segment] of segments.entries()) {
    if (segment.offset !== next) throw new Error(`its segment ${i + 1} starts at byte ${segment.offset}, not where the one before ends (${next})`);
    next += segment.bytes;
  }
  if (next !== location.offset) throw new Error(`its segments end at byte ${next}, the index starts at ${location.offset}`);
  const totals = requireList(value.totals, 'totals').map((t) => segmentItemOf(t, names));
  const merged = totalsOf(segments.flatMap((s) => s.items));
  if (canonicalJson(sortedByName(totals)) !== canonicalJson(sortedByName(header.items.map((i) => merged.get(i.name) ?? emptyTotals(i.name))))) {
    throw new Error("its index's totals are not the sum of its segments'");
  }
  return { format: SEGMENTS_FORMAT, formatVersion: SEGMENTS_FORMAT_VERSION, header, segments, totals, ...storedSealOf(value.seal) };
}

export function emptyTotals(name: string): SegmentItem {
  return { name, chunks: 0, rows: 0, contentHash: new ContentHash().toString() };
}

/** Each item's totals over the given per-segment records: chunk and row counts added, content hashes merged. */
export function totalsOf(items: readonly SegmentItem[]): Map<string, SegmentItem> {
  const totals = new Map<string, SegmentItem>();
  for (const item of items) {
    const sum = totals.get(item.name) ?? emptyTotals(item.name);
    const hash = ContentHash.parse(sum.contentHash);
    hash.merge(ContentHash.parse(item.contentHash));
    totals.set(item.name, { name: item.name, chunks: sum.chunks + item.chunks, rows: sum.rows + item.rows, contentHash: hash.toString() });
  }
  return totals;
}

function sortedByName(items: SegmentItem[]): SegmentItem[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function requireList(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`its index's ${what} are not a list`);
  return value;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function segmentEntryOf(value: unknown, position: number, names: ReadonlySet<string>): SegmentEntry {
  const entry = value as Record<string, unknown>;
  if (typeof entry !== 'object' || entry === null || !isCount(entry.offset) || !isCount(entry.bytes) || entry.bytes === 0 || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
    throw new Error(`its index's segment ${position + 1} is malformed`);
  }
  return { offset: entry.offset, bytes: entry.bytes, sha256: entry.sha256, items: requireList(entry.items, `segment ${position + 1} items`).map((i) => segmentItemOf(i, names)) };
}

function segmentItemOf(value: unknown, names: ReadonlySet<string>): SegmentItem {
  const item = value as Record<string, unknown>;
  if (typeof item !== 'object' || item === null || typeof item.name !== 'string' || !names.has(item.name)) throw new Error(`its index names an item its header does not list`);
  if (!isCount(item.chunks) || !isCount(item.rows) || typeof item.contentHash !== 'string') throw new Error(`its index's totals of ${item.name} are malformed`);
  return { name: item.name, chunks: item.chunks, rows: item.rows, contentHash: item.contentHash };
}

/** The index's seal as stored, its fields left for the seal's own check to judge; no seal when there is none. */
function storedSealOf(value: unknown): { seal?: StoredSeal } {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) return { seal: { seal_key_id: value, seal_hmac: value } };
  const seal = value as Record<string, unknown>;
  return { seal: { seal_key_id: seal.seal_key_id, seal_hmac: seal.seal_hmac } };
}
