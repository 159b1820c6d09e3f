// The performance timeline of an 8.5.2 database: for a period, whether every activity has its row for
// every 15-minute interval, and which intervals the Data Aggregator collected and which were migrated.
// After a two-step migration this is the proof that no interval was left uncollected.
import type { Connection } from '../engine/dialect/types.ts';
import { INTERVAL_SECONDS } from './aggregator/events.ts';
import { epochOfTimestamp, timestampOf } from './aggregator/store.ts';

export interface Timeline {
  /** Seconds since the epoch: [from, until). */
  from: number;
  until: number;
  activities: number;
  intervals: number;
  /** Intervals the new aggregator collected; the others hold migrated 6.5 data. */
  aggregatorIntervals: number;
  /** (activity, interval) pairs with no row. */
  missing: { activityId: number; intervalStart: string }[];
}

export async function performanceTimeline(connection: Connection, from: number, until: number): Promise<Timeline> {
  const q = connection.compiler;
  const range = [timestampOf(from), timestampOf(until)];
  const activities = (await connection.query('SELECT id FROM activity WHERE deleted = 0 ORDER BY id')).map((r) => Number(r.id));
  const present = new Set(
    (await connection.query(`SELECT activity_id, interval_start FROM activity_performance WHERE interval_start >= ${q.parameter(1)} AND interval_start < ${q.parameter(2)}`, range)).map(
      (r) => `${Number(r.activity_id)}@${epochOfTimestamp(r.interval_start)}`,
    ),
  );
  const [owned] = await connection.query(`SELECT COUNT(*) AS n FROM aggregator_interval WHERE interval_start >= ${q.parameter(1)} AND interval_start < ${q.parameter(2)}`, range);
  const missing: Timeline['missing'] = [];
  for (let interval = from; interval < until; interval += INTERVAL_SECONDS) {
    for (const activityId of activities) if (!present.has(`${activityId}@${interval}`)) missing.push({ activityId, intervalStart: timestampOf(interval) });
  }
  return { from, until, activities: activities.length, intervals: Math.max(0, Math.ceil((until - from) / INTERVAL_SECONDS)), aggregatorIntervals: Number(owned?.n ?? 0), missing };
}

/** The end of the last interval the aggregator closed: up to there, every activity has all its rows. */
export async function closedThrough(connection: Connection): Promise<number | undefined> {
  const [row] = await connection.query('SELECT MAX(interval_start) AS last FROM aggregator_interval WHERE closed_at IS NOT NULL');
  return row?.last === null || row?.last === undefined ? undefined : epochOfTimestamp(row.last) + INTERVAL_SECONDS;
}
