// The fixed lists the ETL dimensions hold apart from the WFM database's rows, declared once: the kinds of
// a schedule segment (master_schedule.kind, schedule_state_group.kind) with how each counts in the
// schedule facts, the activities' work types, and the performance items.

export interface ScheduleKind {
  kind: string;
  title: string;
  /** Counted as scheduled time (adherence is measured in it); a day off is not. */
  scheduled: boolean;
  paid: boolean;
  /** Counted in the break duration. */
  pause: boolean;
  timeOff: boolean;
}

export const SCHEDULE_KINDS: readonly ScheduleKind[] = [
  { kind: 'work', title: 'Work', scheduled: true, paid: true, pause: false, timeOff: false },
  { kind: 'break', title: 'Break', scheduled: true, paid: true, pause: true, timeOff: false },
  { kind: 'meal', title: 'Meal', scheduled: true, paid: false, pause: true, timeOff: false },
  { kind: 'time_off', title: 'Time off', scheduled: true, paid: true, pause: false, timeOff: true },
  { kind: 'day_off', title: 'Day off', scheduled: false, paid: false, pause: false, timeOff: false },
  { kind: 'exception', title: 'Exception', scheduled: true, paid: true, pause: false, timeOff: false },
];

/** The kind whose schedule state group says which actual states are work. */
export const WORK_KIND = 'work';

export const WORK_TYPES: readonly { workType: string; title: string }[] = [
  { workType: 'immediate', title: 'Immediate' },
  { workType: 'deferred', title: 'Deferred' },
  { workType: 'fixed_staff', title: 'Fixed staff' },
];

export const PERFORMANCE_ITEMS: readonly { name: string; unit: string }[] = [
  { name: 'Offered', unit: 'contacts' },
  { name: 'Handled', unit: 'contacts' },
  { name: 'Abandoned', unit: 'contacts' },
  { name: 'Answered in service level', unit: 'contacts' },
  { name: 'Handle time', unit: 'seconds' },
  { name: 'Queue time', unit: 'seconds' },
  { name: 'Staff time', unit: 'seconds' },
  { name: 'Forecast volume', unit: 'contacts' },
  { name: 'Forecast handle time', unit: 'seconds' },
  { name: 'Required staff', unit: 'agents' },
  { name: 'Service level', unit: 'percent' },
];

/** The id a fixed list's row carries in its dimension: its place in the list, from 1. */
export function listId<T>(list: readonly T[], match: (item: T) => boolean): number | undefined {
  const index = list.findIndex(match);
  return index < 0 ? undefined : index + 1;
}

export function scheduleKind(kind: string): ScheduleKind | undefined {
  return SCHEDULE_KINDS.find((k) => k.kind === kind);
}
