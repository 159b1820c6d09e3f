// Rows a caller made itself (derived from what it read elsewhere) loaded as items beside a source's own
// tables: each such item is written whole, in one chunk, so a resumed load either has it or starts it over.
import type { CopyItem, RowSource } from '../copy/index.ts';
import type { Row, SqlValue } from '../dialect/types.ts';

/** `source`, with the items named in `made` read from those rows instead, as values in the item's source columns' order. */
export function withRowsMade(source: RowSource, made: ReadonlyMap<string, readonly SqlValue[][]>): RowSource {
  const rowsOf = (item: CopyItem): Row[] | undefined =>
    made.get(item.name)?.map((values) => Object.fromEntries(item.source.columns.map((column, i) => [column, values[i] ?? null])));
  return {
    count: async (item) => made.get(item.name)?.length ?? source.count(item),
    read: (item, after, batchRows) => {
      const rows = rowsOf(item);
      if (!rows) return source.read(item, after, batchRows);
      // One chunk: after a checkpoint, every row of the item is in.
      return (async function* () {
        if (after === null && rows.length > 0) yield rows;
      })();
    },
    offer: (item) => (made.has(item.name) ? { kind: 'values' } : source.offer(item)),
    close: () => source.close(),
  };
}
