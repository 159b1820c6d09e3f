// The bulk codecs of every dialect, registered where encodeBulk and decodeBulk look them up: loaded where
// rows are encoded or decoded away from the connection that named the encoding (a worker thread), so the
// neutral codec registry in dialect/ imports no dialect folder.
let loaded: Promise<unknown> | undefined;

export async function loadBulkCodecs(): Promise<void> {
  loaded ??= Promise.all([import('./dialect/postgres/bulk/codecs.ts')]);
  await loaded;
}
