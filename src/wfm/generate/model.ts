// The generated contact center, in current WFM terms, before any release encodes it. Only the organization
// is held in memory (thousands of objects at most); history is recomputed from it day by day.
import type { UserProfile } from './users.ts';
import type { DstPeriod } from './time.ts';

export type WorkType = 'immediate' | 'deferred' | 'fixed_staff';
export type ScheduleKind = 'work' | 'break' | 'meal' | 'time_off' | 'day_off' | 'exception';
export type CalendarKind = 'time_off' | 'day_off' | 'shift_preference' | 'exception';
export type CalendarStatus = 'preferred' | 'granted' | 'declined';

export const WORK_TYPES: readonly WorkType[] = ['immediate', 'deferred', 'fixed_staff'];
export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['work', 'break', 'meal', 'time_off', 'day_off', 'exception'];
export const CALENDAR_KINDS: readonly CalendarKind[] = ['time_off', 'day_off', 'shift_preference', 'exception'];
export const CALENDAR_STATUSES: readonly CalendarStatus[] = ['preferred', 'granted', 'declined'];

export interface DataAggregatorSettings {
  name: string;
  tenant: string;
  password: string | null;
  timeProfile: string;
}

export interface BusinessUnit {
  id: number;
  name: string;
  shortName: string;
  timeZone: string;
  weekStart: number;
  deleted: boolean;
  dataAggregator: DataAggregatorSettings | null;
}

export interface Site {
  id: number;
  businessUnit: BusinessUnit;
  name: string;
  shortName: string;
  timeZone: string;
  /** Minutes from UTC in standard time (New York: -300). */
  standardOffset: number;
  dstPeriods: DstPeriod[];
  maxSeats: number | null;
  switchName: string;
  dataAggregator: DataAggregatorSettings | null;
  wfmServerName: string | null;
  deleted: boolean;
  planningStartDay: number;
  planningWeeks: number;
  timeOffAllowance: number;
}

export interface Team {
  id: number;
  site: Site;
  name: string;
}

export interface Contract {
  id: number;
  site: Site;
  name: string;
  minPaidMinutesWeek: number;
  maxPaidMinutesWeek: number;
  unpaidMinutesDay: number;
  maxDaysWeek: number;
  /** Length of a shift, unpaid meal included. */
  shiftMinutes: number;
}

/** Opening hours of one week day, local minutes; closes may be 1440. Open all day: 0 to 1440. */
export interface DailyHours {
  opens: number;
  closes: number;
}

export interface Activity {
  id: number;
  /** Position among the activities of this run, which keys its random streams. */
  index: number;
  site: Site;
  name: string;
  workType: WorkType;
  serviceLevelSeconds: number | null;
  serviceLevelPercent: number | null;
  minStaff: number;
  maxStaff: number | null;
  deleted: boolean;
  /** Sunday first; null = closed that day. */
  hours: (DailyHours | null)[];
  /** Expected interactions in the busiest interval of a Monday. */
  peakVolume: number;
  ahtSeconds: number;
  /** The first day without history: the day a deleted activity was retired, else the end of the history. */
  historyEndDay: number;
}

export interface Skill {
  activity: Activity;
  level: number;
}

export interface Agent {
  id: number;
  /**
   * Position among the agents of this run. It keys the agent's random streams, so a second run into the same
   * database repeats the same days under new ids; the first agents carry one Calendar item of each kind and status.
   */
  index: number;
  site: Site;
  team: Team;
  contract: Contract;
  firstName: string;
  lastName: string;
  email: string | null;
  switchLogin: string;
  place: string;
  hireDay: number;
  terminationDay: number | null;
  hourlyWage: number;
  rank: number;
  /** The first skill is the primary activity. */
  skills: Skill[];
  /** Sunday first. */
  workDays: boolean[];
  /** Local minute the agent's shifts usually start at. */
  usualStart: number;
}

export interface MultiSiteActivity {
  id: number;
  businessUnit: BusinessUnit;
  name: string;
  members: Activity[];
}

export interface ActivitySet {
  id: number;
  site: Site;
  name: string;
  members: Activity[];
}

export interface AdherenceRule {
  id: number;
  site: Site;
  name: string;
  thresholdSeconds: number;
  startGraceSeconds: number;
  endGraceSeconds: number;
}

/** A catalogue entry (agent state, reason) that a previous run may already have written. */
export interface CatalogueEntry {
  id: number;
  code: string;
  name: string;
  isNew: boolean;
}

export type AgentStateCode = 'LOGGED_OUT' | 'READY' | 'NOT_READY' | 'TALKING' | 'ACW' | 'DIALING' | 'WORK_ITEM';
export type ReasonCode = 'BREAK' | 'LUNCH' | 'TRAINING' | 'MEETING' | 'PERSONAL' | 'SYSTEM' | 'BACK_OFFICE' | 'UNKNOWN';

export type AgentState = CatalogueEntry;

export interface Reason extends CatalogueEntry {
  agentState: AgentState | null;
}

export interface StateCatalogue {
  states: Record<AgentStateCode, AgentState>;
  reasons: Record<ReasonCode, Reason>;
}

export interface ScheduleStateGroup {
  id: number;
  site: Site;
  name: string;
  kind: ScheduleKind;
  states: { state: AgentState; reason: Reason | null }[];
}

export interface Task {
  id: number;
  site: Site;
  activity: Activity | null;
  name: string;
  durationMinutes: number;
}

export interface TaskSequence {
  id: number;
  site: Site;
  name: string;
  tasks: Task[];
}

export interface User {
  id: number;
  login: string;
  fullName: string;
  timeZone: string | null;
  disabled: boolean;
  profile: UserProfile;
  /** Empty: every site. */
  sites: Site[];
  builderName: string | null;
}

export interface Organization {
  seed: number;
  firstDay: number;
  /** The first day after the history. */
  endDay: number;
  businessUnits: BusinessUnit[];
  sites: Site[];
  teams: Team[];
  contracts: Contract[];
  activities: Activity[];
  agents: Agent[];
  multiSiteActivities: MultiSiteActivity[];
  activitySets: ActivitySet[];
  adherenceRules: AdherenceRule[];
  catalogue: StateCatalogue;
  scheduleStateGroups: ScheduleStateGroup[];
  tasks: Task[];
  taskSequences: TaskSequence[];
  users: User[];
}
