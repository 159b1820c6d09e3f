// A checkpoint as a sink stores it, in a row of its own table: the counts every sink stores alike, beside
// the key (each sink encodes it its own way), the item and the time it was written.
import { ContentHash } from './content-hash.ts';
import type { SqlValue } from '../dialect/types.ts';
import type { Checkpoint } from './types.ts';

/** The columns of a checkpoint's counts, in the order countsOf gives their values. */
export const COUNT_COLUMNS = ['rows_read', 'rows_written', 'rows_rejected', 'chunks', 'content_hash', 'done'] as const;

/** The values of COUNT_COLUMNS for a checkpoint. */
export function countsOf(checkpoint: Checkpoint): (number | string)[] {
  return [checkpoint.rowsRead, checkpoint.rowsWritten, checkpoint.rowsRejected, checkpoint.chunks, checkpoint.contentHash, checkpoint.done ? 1 : 0];
}

/** The values of COUNT_COLUMNS for an item that has not started. */
export function startingCounts(): (number | string)[] {
  return [0, 0, 0, 0, new ContentHash().toString(), 0];
}

/** `column = <parameter>` for each count column, the parameters made by `parameter` from `first` on. */
export function countAssignments(parameter: (position: number) => string, first: number): string {
  return COUNT_COLUMNS.map((column, i) => `${column} = ${parameter(first + i)}`).join(', ');
}

/** A stored row's counts (driver values of any type) as the checkpoint after `lastKey`. */
export function checkpointOf(row: Record<string, unknown>, lastKey: SqlValue[] | null): Checkpoint {
  return {
    lastKey,
    rowsRead: Number(row.rows_read),
    rowsWritten: Number(row.rows_written),
    rowsRejected: Number(row.rows_rejected),
    chunks: Number(row.chunks),
    contentHash: String(row.content_hash),
    done: Number(row.done) === 1,
  };
}
