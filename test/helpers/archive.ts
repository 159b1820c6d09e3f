// Backups altered as someone who knows the format would alter them: the change made, then every digest and
// the file's CRC made to match again, so that only reading the rows can tell.
import Database from 'better-sqlite3';
import { archiveDigests } from '../../src/engine/archive/digest.ts';
import { parseHeader, readHeaderRow, TABLES } from '../../src/engine/archive/format.ts';
import { decodeColumns, encodeColumns, isEncoding } from '../../src/engine/archive/payload.ts';
import { stampCrc } from '../../src/engine/archive/sqlite-file.ts';

/** Changes the archive at `path`, then seals it again. */
export async function resealArchive(path: string, change: (db: Database.Database) => void): Promise<void> {
  const db = new Database(path);
  try {
    change(db);
    const digests = archiveDigests(db);
    db.prepare(`UPDATE ${TABLES.header} SET header_sha256 = ?, manifest_sha256 = ?, chunks_sha256 = ?, digest = ?`).run(digests.header, digests.manifest, digests.chunks, digests.digest);
  } finally {
    db.close();
  }
  await stampCrc(path);
}

interface ChunkRow {
  item: string;
  chunk_no: number;
  rows: number;
  encoding: string;
  raw_bytes: number;
  payload: Buffer;
}

/**
 * Changes one value of the largest chunk's last row and stores the chunk again with a payload sha256 that
 * matches, keeping the content hash it records; returns the chunk's item and number.
 */
export function changeOneValue(db: Database.Database): { item: string; chunkNo: number } {
  const chunk = db.prepare(`SELECT item, chunk_no, rows, encoding, raw_bytes, payload FROM ${TABLES.chunk} ORDER BY rows DESC, item LIMIT 1`).get() as ChunkRow;
  const item = parseHeader(readHeaderRow(db) as NonNullable<ReturnType<typeof readHeaderRow>>).items.find((i) => i.name === chunk.item);
  if (!item || !isEncoding(chunk.encoding)) throw new Error(`the chunk of ${chunk.item} cannot be read`);
  const columns = decodeColumns({ encoding: chunk.encoding, rawBytes: chunk.raw_bytes, payload: chunk.payload }, item.columns.length, chunk.rows);
  const last = columns[columns.length - 1] as unknown[];
  last[chunk.rows - 1] = last[chunk.rows - 1] === null ? 'changed' : null;
  const encoded = encodeColumns(columns as Parameters<typeof encodeColumns>[0]);
  db.prepare(`UPDATE ${TABLES.chunk} SET encoding = ?, raw_bytes = ?, payload = ?, payload_sha256 = ? WHERE item = ? AND chunk_no = ?`).run(
    encoded.encoding,
    encoded.rawBytes,
    encoded.payload,
    encoded.sha256,
    chunk.item,
    chunk.chunk_no,
  );
  return { item: chunk.item, chunkNo: chunk.chunk_no };
}
