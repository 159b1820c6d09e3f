import type { Row } from './types.ts';

/** Rows gathered into arrays of at most `size`: how a driver that yields single rows streams batches. */
export async function* batches(rows: Iterable<Row> | AsyncIterable<Row>, size: number): AsyncIterable<Row[]> {
  let batch: Row[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
