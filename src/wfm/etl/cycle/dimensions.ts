// The dimensions: each WFM row (and each entry of the fixed lists) keeps the surrogate key it was first
// given, found again by its id. A row that changed is updated in place; a row gone from the WFM database,
// or marked deleted there, stays with DELETED = 1, so that facts already written keep their dimension.
import type { Connection, Row, SqlValue } from '../../../engine/dialect/types.ts';
import { stateIdOf } from './definitions.ts';
import { InputError } from '../../../engine/errors.ts';
import { PERFORMANCE_ITEMS, SCHEDULE_KINDS, scheduleKind, WORK_TYPES, listId } from './kinds.ts';
import type { Activity, Organization, ScheduleStateGroup } from './source.ts';
import { insertRows, nextKey, TENANT_KEY } from './writes.ts';

interface DimensionRow {
  id: number;
  name: string;
  /** The other columns, dimension keys already resolved. */
  values: Record<string, SqlValue>;
  deleted: boolean;
}

/** Keys by dimension table and WFM id, filled as each dimension is written. */
export type DimensionKeys = Map<string, Map<number, number>>;

type Resolve = (table: string, id: number | null) => number | null;

interface Dimension {
  table: string;
  rows(organization: Organization, key: Resolve): DimensionRow[];
}

const fixed = <T>(list: readonly T[], name: (item: T) => string, values: (item: T) => Record<string, SqlValue> = () => ({})) =>
  list.map((item, index) => ({ id: index + 1, name: name(item), values: values(item), deleted: false }));

/** In the order their references need: a dimension's keys are known before any other refers to them. */
const DIMENSIONS: readonly Dimension[] = [
  {
    table: 'WFM_BU',
    rows: (o) => o.businessUnits.map((b) => ({ id: b.id, name: b.name, values: { WFM_BU_TIME_ZONE: b.timeZone }, deleted: b.deleted })),
  },
  {
    table: 'WFM_SITE',
    rows: (o, key) => o.sites.map((s) => ({ id: s.id, name: s.name, values: { WFM_BU_KEY: key('WFM_BU', s.businessUnitId), WFM_SITE_TIME_ZONE: s.timeZone }, deleted: s.deleted })),
  },
  { table: 'WFM_TEAM', rows: (o, key) => o.teams.map((t) => ({ id: t.id, name: t.name, values: { WFM_SITE_KEY: key('WFM_SITE', t.siteId) }, deleted: false })) },
  {
    table: 'WFM_AGENT',
    rows: (o, key) =>
      o.agents.map((a) => ({
        id: a.id,
        name: a.name,
        values: { WFM_SITE_KEY: key('WFM_SITE', a.siteId), WFM_TEAM_KEY: key('WFM_TEAM', a.teamId), WFM_FIRST_NAME: a.firstName, WFM_LAST_NAME: a.lastName },
        deleted: false,
      })),
  },
  { table: 'WFM_ACTIVITY_TYPE', rows: () => fixed(WORK_TYPES, (t) => t.title) },
  {
    table: 'WFM_ACTIVITY',
    rows: (o, key) =>
      o.activities.map((a) => {
        const site = o.sites.find((s) => s.id === a.siteId);
        return {
          id: a.id,
          name: a.name,
          values: {
            WFM_ACTIVITY_TYPE_KEY: key('WFM_ACTIVITY_TYPE', workTypeId(a)),
            WFM_BU_KEY: key('WFM_BU', site?.businessUnitId ?? null),
            WFM_SITE_KEY: key('WFM_SITE', a.siteId),
            WFM_WORK_TYPE: a.workType,
          },
          deleted: a.deleted,
        };
      }),
  },
  { table: 'WFM_SSG_TYPE', rows: () => fixed(SCHEDULE_KINDS, (k) => k.title) },
  {
    table: 'WFM_SSG',
    rows: (o, key) =>
      o.groups.map((g) => ({ id: g.id, name: g.name, values: { WFM_SSG_TYPE_KEY: key('WFM_SSG_TYPE', groupKindId(g)), WFM_SITE_KEY: key('WFM_SITE', g.siteId) }, deleted: false })),
  },
  { table: 'WFM_STATE_TYPE', rows: () => fixed(SCHEDULE_KINDS, (k) => k.title) },
  { table: 'WFM_STATE', rows: (_o, key) => fixed(SCHEDULE_KINDS, (k) => k.title, (k) => ({ WFM_STATE_TYPE_KEY: key('WFM_STATE_TYPE', stateIdOf(k.kind)), WFM_STATE_CODE: k.kind })) },
  { table: 'WFM_PERF_ITEM', rows: () => fixed(PERFORMANCE_ITEMS, (i) => i.name, (i) => ({ WFM_PERF_ITEM_UNIT: i.unit })) },
];

/** An activity's work type as its type's id; a work type the ETL does not know is refused, naming the activity. */
function workTypeId(activity: Activity): number {
  const id = listId(WORK_TYPES, (t) => t.workType === activity.workType);
  if (id !== undefined) return id;
  throw new InputError(`activity ${activity.id} (${activity.name}) has work type "${activity.workType}", not one of ${WORK_TYPES.map((t) => t.workType).join(', ')}`);
}

/** A group's kind as its type's id; a kind the schedule does not know is refused, naming the group. */
function groupKindId(group: ScheduleStateGroup): number {
  if (scheduleKind(group.kind)) return stateIdOf(group.kind);
  throw new InputError(`schedule_state_group ${group.id} (${group.name}) has kind "${group.kind}", not one of ${SCHEDULE_KINDS.map((k) => k.kind).join(', ')}`);
}

const same = (a: SqlValue | undefined, b: SqlValue | undefined): boolean => (a === null || a === undefined ? b === null || b === undefined : String(a) === String(b));

export interface DimensionCounts {
  inserted: number;
  updated: number;
  deleted: number;
}

async function writeDimension(etl: Connection, dimension: Dimension, rows: DimensionRow[], auditKey: number, keys: DimensionKeys, counts: DimensionCounts): Promise<void> {
  const q = etl.compiler;
  const { table } = dimension;
  const keyColumn = `${table}_KEY`;
  const idColumn = `${table}_ID`;
  const existing = new Map<number, Row>((await etl.query(`SELECT * FROM ${q.quoteIdentifier(table)}`)).map((r) => [Number(r[idColumn]), r]));
  const tableKeys = new Map<number, number>();
  keys.set(table, tableKeys);
  const fresh: SqlValue[][] = [];
  let next = await nextKey(etl, table);
  const columnsOf = (row: DimensionRow): Record<string, SqlValue> => ({ [`${table}_NAME`]: row.name, ...row.values, DELETED: row.deleted ? 1 : 0 });
  const insertColumns = (row: DimensionRow) => [keyColumn, idColumn, ...Object.keys(columnsOf(row)), 'TENANT_KEY', 'CREATE_AUDIT_KEY', 'UPDATE_AUDIT_KEY'];
  let columns: string[] = [];
  for (const row of rows) {
    const found = existing.get(row.id);
    const wanted = columnsOf(row);
    if (!found) {
      tableKeys.set(row.id, next);
      columns = insertColumns(row);
      fresh.push([next++, row.id, ...Object.values(wanted), TENANT_KEY, auditKey, auditKey]);
      continue;
    }
    existing.delete(row.id);
    tableKeys.set(row.id, Number(found[keyColumn]));
    const changed = Object.entries(wanted).filter(([column, value]) => !same(found[column], value));
    if (changed.length === 0) continue;
    await updateRow(etl, table, Number(found[keyColumn]), Object.fromEntries(changed), auditKey);
    counts.updated++;
  }
  counts.inserted += await insertRows(etl, table, columns, fresh);
  for (const gone of existing.values()) {
    tableKeys.set(Number(gone[idColumn]), Number(gone[keyColumn]));
    if (Number(gone.DELETED) === 1) continue;
    await updateRow(etl, table, Number(gone[keyColumn]), { DELETED: 1 }, auditKey);
    counts.deleted++;
  }
}

async function updateRow(etl: Connection, table: string, key: number, values: Record<string, SqlValue>, auditKey: number): Promise<void> {
  const q = etl.compiler;
  const columns = [...Object.keys(values), 'UPDATE_AUDIT_KEY'];
  const sets = columns.map((c, i) => `${q.quoteIdentifier(c)} = ${q.parameter(i + 1)}`).join(', ');
  await etl.execute(`UPDATE ${q.quoteIdentifier(table)} SET ${sets} WHERE ${q.quoteIdentifier(`${table}_KEY`)} = ${q.parameter(columns.length + 1)}`, [
    ...Object.values(values),
    auditKey,
    key,
  ]);
}

/**
 * Writes every dimension the ETL database's release has (`tables`) in one transaction; returns the keys
 * the facts refer to.
 */
export async function upsertDimensions(
  etl: Connection,
  organization: Organization,
  auditKey: number,
  tables: ReadonlySet<string>,
): Promise<{ keys: DimensionKeys; counts: DimensionCounts }> {
  const keys: DimensionKeys = new Map();
  const counts: DimensionCounts = { inserted: 0, updated: 0, deleted: 0 };
  const resolve: Resolve = (table, id) => (id === null ? null : (keys.get(table)?.get(id) ?? null));
  await etl.transaction(async () => {
    for (const dimension of DIMENSIONS.filter((d) => tables.has(d.table))) await writeDimension(etl, dimension, dimension.rows(organization, resolve), auditKey, keys, counts);
  });
  return { keys, counts };
}
