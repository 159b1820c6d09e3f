// The contract between the 6.5 mapping and the copy that runs it: per legacy table, what to read, what it
// becomes in 8.5.2, and a transform that either maps a row or says which documented encoding it breaks.
import type { Row, SqlValue } from '../../engine/dialect/types.ts';
import type { LegacyRelease } from '../releases/versions.ts';
import type { RightCode } from './rights.ts';

/** A legacy row the migration cannot take, and why: it names the row, the column and the value. */
export interface Rejection {
  table: string;
  /** The legacy key, e.g. "activity_id=3, perf_date=20230230, interval_no=5". */
  key: string;
  column: string;
  value: string;
  /** What the documented encoding requires. */
  reason: string;
}

export type Mapped = { row: SqlValue[] } | { rejection: Rejection };

/** The keys a reference may point to: the rows a parent table holds, and those of them that migrate. */
export interface ParentKeys {
  present: ReadonlySet<SqlValue>;
  /** Present and not rejected: a child of a rejected row would break the target's foreign key. */
  migrating: ReadonlySet<SqlValue>;
}

/** Whose PABX's standard time a row is in (README: the PABX in the employee's or activity's own row). */
export type OffsetOwner = 'pabx' | 'activity' | 'employee';

/** A supervisor as the users and roles are derived from it. */
export interface LegacySupervisor {
  id: number;
  login: string;
  fullName: string;
  timeZone: string | null;
  disabled: number;
  rights: readonly RightCode[];
}

/** What the transforms need from the small tables, read once before the copy. */
export interface LegacyContext {
  readonly release: LegacyRelease;
  /** pabx.utc_offset_min of each migrating PABX, and through it of each migrating activity and employee. */
  readonly utcOffsets: Readonly<Record<OffsetOwner, ReadonlyMap<SqlValue, number>>>;
  /** Per referenced legacy table (virtual_pabx, pabx, activity, employee, ...). */
  readonly parents: ReadonlyMap<string, ParentKeys>;
  /** Supervisors whose rows and rights are valid; the others are in supervisorRejections. */
  readonly supervisors: readonly LegacySupervisor[];
  readonly supervisorRejections: readonly Rejection[];
  /**
   * The rows whose text no target stores as it is, found from the source's bytes (unstorableTextKey): the
   * copy reads those bytes as replacement characters and could not tell them from real ones.
   */
  readonly unstorableText: ReadonlyMap<string, Rejection>;
}

export interface TableMapping {
  /** Legacy table, e.g. 'performance_data'. */
  source: string;
  /** 8.5.2 table, e.g. 'activity_performance'. */
  target: string;
  /** Columns to SELECT: 6.5.104 lacks some. */
  sourceColumns(release: LegacyRelease): string[];
  /** The legacy primary key: the copy reads in this order and checkpoints on it. */
  sourceKey: string[];
  /** The order of the values in Mapped.row. */
  targetColumns: string[];
  /** Performance Data (AllowMigratePerformance): performance_data and agent_compliance. */
  performance: boolean;
  /** The row holds the source columns by name. */
  transform(context: LegacyContext): (row: Row) => Mapped;
}
