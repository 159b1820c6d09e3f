// Ids continue after what the database already holds, so that generating into a database with data adds to
// it without a key conflict.
import type { Connection } from '../../engine/dialect/types.ts';

export type IdKind =
  | 'businessUnit'
  | 'site'
  | 'team'
  | 'contract'
  | 'agent'
  | 'activity'
  | 'multiSiteActivity'
  | 'activitySet'
  | 'adherenceRule'
  | 'agentState'
  | 'reason'
  | 'scheduleStateGroup'
  | 'calendarItem'
  | 'user'
  | 'role'
  | 'task'
  | 'taskSequence'
  | 'forecastScenario'
  | 'scheduleScenario';

/** Where a release keeps the ids of each kind; kinds a release does not have are left out. */
export type IdColumns = Partial<Record<IdKind, readonly [table: string, column: string]>>;

type Column = readonly [table: string, column: string];

/** Where a release keeps what a second run must not repeat (ids, unique names) or must share (catalogues). */
export interface ReleaseLayout {
  idColumns: IdColumns;
  businessUnitNames: Column;
  siteNames: Column;
  logins: Column;
  /** 8.0 and later. */
  roleNames?: Column;
  states: readonly [table: string, id: string, code: string];
  reasons: readonly [table: string, id: string, code: string];
}

export class IdCounter {
  private constructor(private readonly nextOf: Map<IdKind, number>) {}

  static async fromDatabase(connection: Connection, columns: IdColumns): Promise<IdCounter> {
    const q = connection.compiler;
    const next = new Map<IdKind, number>();
    for (const [kind, [table, column]] of Object.entries(columns) as [IdKind, readonly [string, string]][]) {
      const rows = await connection.query(`SELECT MAX(${q.quoteIdentifier(column)}) AS top FROM ${q.quoteIdentifier(table)}`);
      next.set(kind, Number(rows[0]?.top ?? 0) + 1);
    }
    return new IdCounter(next);
  }

  next(kind: IdKind): number {
    const id = this.nextOf.get(kind) ?? 1;
    this.nextOf.set(kind, id + 1);
    return id;
  }
}
