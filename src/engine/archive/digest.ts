// The manifest digest: sha256 over the canonical JSON of {"header", "manifest", "chunks"}, where chunks
// lists every chunk's metadata with its payload's sha256, so that one value vouches for every byte of rows.
// The same text is hashed part by part as well, so that a mismatch can name the part that changed.
import { createHash, type Hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalJson, TABLES } from './format.ts';

interface ArchiveDigests {
  header: string;
  manifest: string;
  chunks: string;
  digest: string;
}

type Writer = (text: string) => void;

export function archiveDigests(db: Database.Database): ArchiveDigests {
  const all = createHash('sha256');
  const header = hashPart(all, '{"header":', (write) => write(canonicalJson(headerRows(db))));
  const manifest = hashPart(all, ',"manifest":', (write) => write(canonicalJson(manifestRows(db))));
  const chunks = hashPart(all, ',"chunks":', (write) => writeChunkList(db, write));
  all.update('}');
  return { header, manifest, chunks, digest: all.digest('hex') };
}

function hashPart(all: Hash, prefix: string, feed: (write: Writer) => void): string {
  const own = createHash('sha256');
  all.update(prefix);
  feed((text) => {
    own.update(text);
    all.update(text);
  });
  return own.digest('hex');
}

/** The header as stored, without the seal: the text before it is parsed, so any change counts. */
function headerRows(db: Database.Database): unknown[] {
  return db.prepare(`SELECT format, format_version, release, engine, tool_version, created_at, schema_json, items_json FROM ${TABLES.header}`).all();
}

function manifestRows(db: Database.Database): unknown[] {
  return db.prepare(`SELECT item, table_name, rows, chunks, content_hash FROM ${TABLES.manifest} ORDER BY item`).raw().all();
}

/** Streamed: an archive may hold many thousands of chunks. */
function writeChunkList(db: Database.Database, write: Writer): void {
  const chunks = db
    .prepare(`SELECT item, chunk_no, rows, content_hash, last_key, encoding, raw_bytes, payload_sha256 FROM ${TABLES.chunk} ORDER BY item, chunk_no`)
    .raw()
    .iterate();
  let separator = '[';
  for (const chunk of chunks) {
    write(separator + canonicalJson(chunk));
    separator = ',';
  }
  write(separator === '[' ? '[]' : ']');
}
