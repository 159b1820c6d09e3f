// The work on one batch of source rows where a sink takes encoded rows: each row through the transform a
// TransformSpec names, the rows kept encoded for the sink's bulk path and hashed as they are encoded. A
// plain function of plain values, run by a worker thread of the chunk pool (archive/chunk-worker.ts).
import { encodeBulk } from '../dialect/bulk-codecs.ts';
import type { Allocate, BulkEncoding, Row, SqlValue } from '../dialect/types.ts';
import { ContentHash } from './content-hash.ts';
import type { Transformed, TransformedBatch, TransformSpec } from './types.ts';

type TransformFactory = (context: unknown) => (row: Row) => Transformed;

/** Each module's load, once per thread. */
const modules = new Map<string, Promise<Record<string, unknown>>>();

/** The factory a spec names; only a module of this program's own files (file: URLs) is loaded. */
async function factoryOf(spec: TransformSpec): Promise<TransformFactory> {
  if (!spec.module.startsWith('file:')) throw new Error(`a row transform is loaded from a file: URL, not from ${spec.module}`);
  let loading = modules.get(spec.module);
  if (!loading) {
    loading = import(spec.module) as Promise<Record<string, unknown>>;
    modules.set(spec.module, loading);
  }
  const factory = (await loading)[spec.name];
  if (typeof factory !== 'function') throw new Error(`${spec.module} exports no row transform factory ${spec.name}`);
  return factory as TransformFactory;
}

/** Row `i` of `columns` (one array per name of `names`), keyed by column name. */
function rowAt(names: readonly string[], columns: readonly SqlValue[][], i: number): Row {
  const row: Row = {};
  for (let j = 0; j < names.length; j++) row[names[j] as string] = (columns[j] as SqlValue[])[i] ?? null;
  return row;
}

/**
 * Each row through the transform, made as it is needed and dropped once mapped, so that a batch is held
 * once as source columns and once as target columns: the target rows as one array per column (`width` of
 * them), and the rejections in the order they were met.
 */
function transformed(
  names: readonly string[],
  columns: readonly SqlValue[][],
  width: number,
  transform: (row: Row) => Transformed,
): { read: number; columns: SqlValue[][]; written: number; rejections: unknown[] } {
  const read = columns[0]?.length ?? 0;
  const mapped: SqlValue[][] = Array.from({ length: width }, () => []);
  const rejections: unknown[] = [];
  let written = 0;
  for (let i = 0; i < read; i++) {
    const result = transform(rowAt(names, columns, i));
    if (!('row' in result)) {
      rejections.push(result.rejection);
      continue;
    }
    if (result.row.length !== width) throw new Error(`a row transform made a row of ${result.row.length} values for ${width} target columns`);
    for (let j = 0; j < width; j++) (mapped[j] as SqlValue[]).push(result.row[j] ?? null);
    written++;
  }
  return { read, columns: mapped, written, rejections };
}

/**
 * The batch's rows transformed into `width` target columns, encoded in the sink's encoding and hashed from
 * the very values encoded; a batch whose every row is rejected is encoded too, as no rows.
 */
export async function transformBatch(
  spec: TransformSpec,
  names: readonly string[],
  columns: readonly SqlValue[][],
  width: number,
  encoding: BulkEncoding,
  allocate?: Allocate,
): Promise<TransformedBatch> {
  const transform = (await factoryOf(spec))(spec.context);
  const result = transformed(names, columns, width, transform);
  let hash = new ContentHash();
  const { payload, rowsDigest } = encodeBulk(encoding, result.columns, () => (hash = new ContentHash()).visitor(), allocate);
  return {
    rowsRead: result.read,
    rows: result.written,
    contentHash: hash.toString(),
    payload,
    ...(rowsDigest ? { rowsDigest: rowsDigest.toString() } : {}),
    rejections: result.rejections,
  };
}
