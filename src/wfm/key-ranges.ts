// A table whose rows dominate a migration is copied as several items side by side, each a range of the
// first column of its source key, so that it is not the one item the other connections wait for. The
// bounds are read from the source, which the migration never changes: a resumed run splits it alike and
// each range goes on from its own checkpoint.
import type { CopyItem } from '../engine/copy/index.ts';
import type { Connection, SqlValue } from '../engine/dialect/index.ts';

/** The item's source rows as `parts` ranges of the first key column, named `<item> <i>/<parts>`; the item itself where it has fewer distinct bounds. */
export async function splitByKeyRange(source: Connection, item: CopyItem, rows: number, parts: number): Promise<CopyItem[]> {
  const column = item.source.key[0];
  if (column === undefined || parts < 2 || rows < parts) return [item];
  const bounds = await keyBounds(source, item.source.table, column, rows, parts);
  if (bounds.length === 0) return [item];
  const q = source.compiler;
  const key = q.quoteIdentifier(column);
  const ranges: { sql: string; params: SqlValue[] }[] = [
    { sql: `${key} < ${q.parameter(1)}`, params: [bounds[0] as SqlValue] },
    ...bounds.slice(1).map((upper, i) => ({ sql: `${key} >= ${q.parameter(1)} AND ${key} < ${q.parameter(2)}`, params: [bounds[i] as SqlValue, upper] })),
    { sql: `${key} >= ${q.parameter(1)}`, params: [bounds[bounds.length - 1] as SqlValue] },
  ];
  return ranges.map((where, i) => ({ ...item, name: `${item.name} ${i + 1}/${ranges.length}`, source: { ...item.source, where } }));
}

/** The first key column's value at each `parts`-th of the rows in key order, without repeats: where one range ends and the next begins. */
async function keyBounds(source: Connection, table: string, column: string, rows: number, parts: number): Promise<SqlValue[]> {
  const q = source.compiler;
  const bounds: SqlValue[] = [];
  for (let part = 1; part < parts; part++) {
    const offset = Math.floor((rows * part) / parts);
    const found = await source.query(q.firstRows(`SELECT ${q.quoteIdentifier(column)} AS bound FROM ${q.quoteIdentifier(table)} ORDER BY ${q.quoteIdentifier(column)}`, 1, offset));
    const bound = found[0]?.bound;
    if (bound === undefined || bound === null) continue;
    const previous = bounds[bounds.length - 1];
    if (bounds.length === 0 || (previous !== undefined && previous !== null && previous < bound)) bounds.push(bound);
  }
  return bounds;
}
