// The performance facts: per activity and per site, per 15-minute timestep (UTC-aligned) and per local
// day of the activity's site. An interval of activity_performance, master_forecast or staffing counts in
// the timestep its start falls in. Counts and durations are sums; the forecast handle time is the mean of
// the intervals' handle times weighted by their volumes; the required staff of a timestep is the mean of
// its activity's intervals (a site's adds up its activities'), and of a day its highest timestep; the
// service level is the share of offered contacts answered within the service level.
import type { SqlValue } from '../../../engine/dialect/types.ts';
import { type FactRow, type FactRows, type KeyOf, TIMESTEP_MS } from './definitions.ts';
import { dayOf, type LocalDay, timestampText } from './local-days.ts';
import type { Organization, WindowInput } from './source.ts';

interface Performance {
  offered: number;
  handled: number;
  abandoned: number;
  answered: number;
  handle: number;
  queue: number;
  staff: number;
  volume: number;
  /** Volume times handle time, summed: the weighted mean's numerator. */
  volumeHandle: number;
  forecastIntervals: number;
  requiredSum: number;
  requiredIntervals: number;
  /** The required staff once settled for the period (a timestep's mean, a sum over activities, a day's highest). */
  required: number | null;
}

const empty = (): Performance => ({
  offered: 0,
  handled: 0,
  abandoned: 0,
  answered: 0,
  handle: 0,
  queue: 0,
  staff: 0,
  volume: 0,
  volumeHandle: 0,
  forecastIntervals: 0,
  requiredSum: 0,
  requiredIntervals: 0,
  required: null,
});

/** Adds `b` into `a`; the required staff combines by `required` (sum across activities, max across timesteps). */
function combine(a: Performance, b: Performance, required: 'sum' | 'max'): void {
  a.offered += b.offered;
  a.handled += b.handled;
  a.abandoned += b.abandoned;
  a.answered += b.answered;
  a.handle += b.handle;
  a.queue += b.queue;
  a.staff += b.staff;
  a.volume += b.volume;
  a.volumeHandle += b.volumeHandle;
  a.forecastIntervals += b.forecastIntervals;
  if (b.required !== null) a.required = a.required === null ? b.required : required === 'sum' ? a.required + b.required : Math.max(a.required, b.required);
}

function measures(p: Performance): Record<string, SqlValue> {
  return {
    WFM_OFFERED: p.offered,
    WFM_HANDLED: p.handled,
    WFM_ABANDONED: p.abandoned,
    WFM_ANSWERED_IN_SL: p.answered,
    WFM_HANDLE_DURATION: p.handle,
    WFM_QUEUE_DURATION: p.queue,
    WFM_STAFF_DURATION: p.staff,
    WFM_FORECAST_VOLUME: p.forecastIntervals > 0 ? p.volume : null,
    WFM_FORECAST_AHT: p.volume > 0 ? p.volumeHandle / p.volume : null,
    WFM_REQUIRED_STAFF: p.required,
    WFM_SERVICE_LEVEL_PERC: p.offered > 0 ? (100 * p.answered) / p.offered : null,
  };
}

type Cells = Map<string, { keys: Record<string, SqlValue>; date: string; performance: Performance }>;

function cell(cells: Cells, keys: Record<string, SqlValue>, date: string): Performance {
  const id = JSON.stringify(keys);
  let entry = cells.get(id);
  if (!entry) {
    entry = { keys, date, performance: empty() };
    cells.set(id, entry);
  }
  return entry.performance;
}

const rowsOf = (cells: Cells): FactRow[] => [...cells.values()].map((e) => ({ date: e.date, values: { ...e.keys, ...measures(e.performance) } }));

/** The activity timesteps: every interval that starts in one of the window's local days of the activity's site. */
function activityTimesteps(organization: Organization, input: WindowInput, daysOfSite: Map<number, LocalDay[]>, keyOf: KeyOf): Cells {
  const siteOf = new Map(organization.activities.map((a) => [a.id, a.siteId]));
  const cells: Cells = new Map();
  const at = (activityId: number, startMs: number): Performance | undefined => {
    const siteId = siteOf.get(activityId);
    const timestep = Math.floor(startMs / TIMESTEP_MS) * TIMESTEP_MS;
    const day = siteId === undefined ? undefined : dayOf(daysOfSite.get(siteId) ?? [], timestep);
    if (!day) return undefined;
    return cell(cells, { WFM_ACTIVITY_KEY: keyOf('WFM_ACTIVITY', activityId), WFM_TIMESTEP: timestampText(timestep), WFM_DATE: day.date }, day.date);
  };
  for (const row of input.performance) {
    const p = at(row.activityId, row.startMs);
    if (!p) continue;
    p.offered += row.offered;
    p.handled += row.handled;
    p.abandoned += row.abandoned;
    p.answered += row.answeredInServiceLevel;
    p.handle += row.handleSeconds;
    p.queue += row.queueSeconds;
    p.staff += row.staffSeconds;
  }
  for (const row of input.forecast) {
    const p = at(row.activityId, row.startMs);
    if (!p) continue;
    p.volume += row.volume;
    p.volumeHandle += row.volume * row.ahtSeconds;
    p.forecastIntervals++;
  }
  for (const row of input.staffing) {
    const p = at(row.activityId, row.startMs);
    if (!p) continue;
    p.requiredSum += row.requiredStaff;
    p.requiredIntervals++;
    p.required = p.requiredSum / p.requiredIntervals;
  }
  return cells;
}

/** The performance facts of the window, by table. */
export function performanceFacts(organization: Organization, input: WindowInput, daysOfSite: Map<number, LocalDay[]>, keyOf: KeyOf): FactRows {
  const siteKeyOf = new Map(organization.activities.map((a) => [keyOf('WFM_ACTIVITY', a.id), keyOf('WFM_SITE', a.siteId)]));
  const activitySteps = activityTimesteps(organization, input, daysOfSite, keyOf);
  const activityDays: Cells = new Map();
  const siteSteps: Cells = new Map();
  for (const { keys, date, performance } of activitySteps.values()) {
    combine(cell(activityDays, { WFM_ACTIVITY_KEY: keys.WFM_ACTIVITY_KEY ?? null, WFM_DATE: date }, date), performance, 'max');
    const site = { WFM_SITE_KEY: siteKeyOf.get(Number(keys.WFM_ACTIVITY_KEY)) ?? null, WFM_TIMESTEP: keys.WFM_TIMESTEP ?? null, WFM_DATE: date };
    combine(cell(siteSteps, site, date), performance, 'sum');
  }
  const siteDays: Cells = new Map();
  for (const { keys, date, performance } of siteSteps.values()) combine(cell(siteDays, { WFM_SITE_KEY: keys.WFM_SITE_KEY ?? null, WFM_DATE: date }, date), performance, 'max');
  return new Map([
    ['WFM_PERF_ACT_TIMESTEP', rowsOf(activitySteps)],
    ['WFM_PERF_ACT_DAY', rowsOf(activityDays)],
    ['WFM_PERF_SITE_TIMESTEP', rowsOf(siteSteps)],
    ['WFM_PERF_SITE_DAY', rowsOf(siteDays)],
  ]);
}
