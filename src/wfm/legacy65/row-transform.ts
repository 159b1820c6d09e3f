// The 6.5 mapping as worker threads load it: a copy item's transform described by plain data (the legacy
// table and the loaded context, its maps and sets as arrays), which this module's factory makes into the
// very transform mappings.ts gives on the main thread. A worker thread of the copy imports this module by
// its URL; nothing here reads a database.
import type { TransformSpec } from '../../engine/copy/index.ts';
import type { Row, SqlValue } from '../../engine/dialect/types.ts';
import type { LegacyRelease } from '../releases/versions.ts';
import { requireMapping } from './mappings.ts';
import type { LegacyContext, LegacySupervisor, Mapped, OffsetOwner, Rejection } from './types.ts';

/** The loaded legacy context as plain data: what a worker thread can be sent. */
export interface LegacyContextData {
  release: LegacyRelease;
  utcOffsets: Record<OffsetOwner, [SqlValue, number][]>;
  parents: [string, { present: SqlValue[]; migrating: SqlValue[] }][];
  supervisors: LegacySupervisor[];
  supervisorRejections: Rejection[];
  unstorableText: [string, Rejection][];
}

/** What the factory makes a transform of: the legacy table whose rows it maps, and the context. */
export interface LegacyTransformData {
  source: string;
  context: LegacyContextData;
}

const OFFSET_OWNERS: readonly OffsetOwner[] = ['pabx', 'activity', 'employee'];

export function legacyContextData(context: LegacyContext): LegacyContextData {
  return {
    release: context.release,
    utcOffsets: { pabx: [...context.utcOffsets.pabx], activity: [...context.utcOffsets.activity], employee: [...context.utcOffsets.employee] },
    parents: [...context.parents].map(([table, keys]) => [table, { present: [...keys.present], migrating: [...keys.migrating] }]),
    supervisors: [...context.supervisors],
    supervisorRejections: [...context.supervisorRejections],
    unstorableText: [...context.unstorableText],
  };
}

export function legacyContextOf(data: LegacyContextData): LegacyContext {
  const utcOffsets = Object.fromEntries(OFFSET_OWNERS.map((owner) => [owner, new Map(data.utcOffsets[owner])])) as Record<OffsetOwner, Map<SqlValue, number>>;
  return {
    release: data.release,
    utcOffsets,
    parents: new Map(data.parents.map(([table, keys]) => [table, { present: new Set(keys.present), migrating: new Set(keys.migrating) }])),
    supervisors: data.supervisors,
    supervisorRejections: data.supervisorRejections,
    unstorableText: new Map(data.unstorableText),
  };
}

/** The factory a TransformSpec names: the mapping of the legacy table, over the context the data holds. */
export function legacyRowTransform(data: LegacyTransformData): (row: Row) => Mapped {
  return requireMapping(data.source).transform(legacyContextOf(data.context));
}

/** The spec of the mapping of `source`, over a context already made plain data (once for every item). */
export function legacyTransformSpec(source: string, context: LegacyContextData): TransformSpec {
  const data: LegacyTransformData = { source, context };
  return { module: import.meta.url, name: legacyRowTransform.name, context: data };
}
