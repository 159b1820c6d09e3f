// Rejections as a report lists them: by table, then by the legacy key in its own order (3 before 10),
// then by column. The key text alone would sort 10 before 3, so the key's values travel with it.
import type { Row, SqlValue } from '../../engine/dialect/types.ts';
import { requireSourceKey } from './legacy-tables.ts';
import type { Rejection } from './types.ts';

export interface Finding {
  rejection: Rejection;
  keyValues: SqlValue[];
}

export function findingOf(rejection: Rejection, row: Row): Finding {
  return { rejection, keyValues: requireSourceKey(rejection.table).map((column) => row[column] ?? null) };
}

/** NULL first, then numbers by value, then text by code unit. */
function compareValues(a: SqlValue, b: SqlValue): number {
  if (a === b) return 0;
  if (a === null || b === null) return a === null ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number' || typeof b === 'number') return typeof a === 'number' ? -1 : 1;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareFindings(a: Finding, b: Finding): number {
  if (a.rejection.table !== b.rejection.table) return a.rejection.table < b.rejection.table ? -1 : 1;
  for (let i = 0; i < a.keyValues.length; i++) {
    const order = compareValues(a.keyValues[i] ?? null, b.keyValues[i] ?? null);
    if (order !== 0) return order;
  }
  return a.rejection.column < b.rejection.column ? -1 : a.rejection.column > b.rejection.column ? 1 : 0;
}

export function sortedRejections(findings: readonly Finding[]): Rejection[] {
  return [...findings].sort(compareFindings).map((f) => f.rejection);
}
