// The intraday arrival curve: the share of an activity's peak volume that arrives in a 15-minute interval,
// by local time of day and day of the week. Low at night, a mid-morning and a mid-afternoon peak, a
// shoulder in the evening; Mondays busiest, weekends lower.

const INTERVALS_PER_DAY = 96;

/** Busyness of each week day, Sunday first. */
const DAY_OF_WEEK_FACTOR = [0.35, 1.1, 1.0, 0.97, 0.95, 0.9, 0.55];

const bump = (hour: number, centre: number, width: number): number => Math.exp(-(((hour - centre) / width) ** 2));

function dailyShape(): number[] {
  const raw = Array.from({ length: INTERVALS_PER_DAY }, (_, interval) => {
    const hour = (interval + 0.5) / 4;
    return 0.04 + 0.95 * bump(hour, 10.5, 1.7) + 0.8 * bump(hour, 14.75, 1.9) + 0.25 * bump(hour, 19.5, 2.2);
  });
  const peak = Math.max(...raw);
  return raw.map((value) => value / peak);
}

const SHAPE: readonly (readonly number[])[] = (() => {
  const daily = dailyShape();
  return DAY_OF_WEEK_FACTOR.map((factor) => daily.map((value) => value * factor));
})();

/** Between about 0.01 (a Sunday night) and 1.1 (a Monday mid-morning). */
export function arrivalShare(weekDay: number, minuteOfDay: number): number {
  return SHAPE[weekDay]?.[Math.floor(minuteOfDay / 15) % INTERVALS_PER_DAY] ?? 0;
}
