// The order items load in. Into tables that check their foreign keys as rows arrive, an item waits for the
// items of the tables it refers to. Where the keys are added afterwards, the tables others refer to go
// first, so that each table's keys can be checked as soon as it is loaded, then the largest items, so
// that the loading connections end together rather than one waiting for the other's last large item.
import type { CopyItem } from '../copy/index.ts';
import type { SchemaModel } from '../schema/model.ts';

export function loadOrder(schema: SchemaModel, items: readonly CopyItem[], keysAfterwards: boolean, rowsOf: (item: CopyItem) => number): CopyItem[] {
  const refersTo = (table: string): string[] =>
    schema.tables.find((t) => t.name === table)?.foreignKeys.map((fk) => fk.referencedTable).filter((t) => t !== table) ?? [];
  if (keysAfterwards) {
    const referenced = new Set(schema.tables.flatMap((t) => refersTo(t.name)));
    const isReferenced = (item: CopyItem): number => (referenced.has(item.target.table) ? 1 : 0);
    return [...items].sort((a, b) => isReferenced(b) - isReferenced(a) || rowsOf(b) - rowsOf(a)).map((item) => ({ ...item, dependsOn: [] }));
  }
  const itemsOf = (table: string): string[] => items.filter((i) => i.target.table === table).map((i) => i.name);
  return items.map((item) => ({ ...item, dependsOn: refersTo(item.target.table).flatMap(itemsOf) }));
}
