// Keyset ranges: "every row whose key comes after this one", in SQL every engine plans as an index range.
import type { QueryCompiler, SqlValue } from '../dialect/types.ts';

export interface SqlFragment {
  sql: string;
  params: SqlValue[];
}

/**
 * (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ..., led by k1 >= v1 so that the first key column bounds an
 * index range on engines that do not plan row-value comparisons well. Parameters are numbered from
 * `firstParameter`.
 */
export function keyAfter(q: QueryCompiler, key: readonly string[], last: readonly SqlValue[], firstParameter: number): SqlFragment {
  const params: SqlValue[] = [];
  const next = (value: SqlValue): string => {
    params.push(value);
    return q.parameter(firstParameter + params.length - 1);
  };
  const column = (i: number): string => q.quoteIdentifier(key[i] ?? '');
  const value = (i: number): SqlValue => last[i] ?? null;
  const lead = `${column(0)} >= ${next(value(0))}`;
  const alternatives = key.map((_, i) => {
    const equal = key.slice(0, i).map((__, j) => `${column(j)} = ${next(value(j))}`);
    return `(${[...equal, `${column(i)} > ${next(value(i))}`].join(' AND ')})`;
  });
  return { sql: `${lead} AND (${alternatives.join(' OR ')})`, params };
}
