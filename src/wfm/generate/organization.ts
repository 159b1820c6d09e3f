// The contact center itself: business units and their sites around the world, teams, contracts, agents,
// activities and everything that describes them, with ids following those already in the database.
import type { IdCounter } from './ids.ts';
import type {
  Activity,
  ActivitySet,
  AdherenceRule,
  AgentStateCode,
  BusinessUnit,
  CatalogueEntry,
  Contract,
  DailyHours,
  MultiSiteActivity,
  Organization,
  Reason,
  ReasonCode,
  ScheduleStateGroup,
  Site,
  StateCatalogue,
  Task,
  TaskSequence,
  Team,
  User,
  WorkType,
} from './model.ts';
import { asciiLetters, personName, type UniqueNames } from './names.ts';
import { Random, Stream } from './random.ts';
import { dstPeriodsBetween, type DstRule, weekDay } from './time.ts';
import { PROFILES, type UserProfile } from './users.ts';

export interface OrganizationInput {
  seed: number;
  agents: number;
  firstDay: number;
  days: number;
  ids: IdCounter;
  names: { businessUnit: UniqueNames; site: UniqueNames; login: UniqueNames };
  /** Agent state and reason codes already in the database, with their ids: the catalogue is shared. */
  existing: { states: Map<string, number>; reasons: Map<string, number> };
}

interface SiteSpec {
  name: string;
  shortName: string;
  timeZone: string;
  standardOffset: number;
  dstRule: DstRule;
  /** Share of the agents. */
  weight: number;
  maxSeats: number | null;
  tenant: string;
  timeProfile: string;
  /** A setting left empty, for the settings check after a migration to point out. */
  missing?: 'data aggregator password' | 'wfm server';
}

interface BusinessUnitSpec {
  name: string;
  shortName: string;
  timeZone: string;
  weekStart: number;
  planningWeeks: number;
  dataAggregator: boolean;
  /** Index of the activity template its sites start with, so that the three units differ in work type. */
  firstTemplate: number;
  sites: SiteSpec[];
}

const BUSINESS_UNITS: BusinessUnitSpec[] = [
  {
    name: 'North America',
    shortName: 'NA',
    timeZone: 'America/New_York',
    weekStart: 0,
    planningWeeks: 4,
    dataAggregator: true,
    firstTemplate: 0,
    sites: [
      { name: 'New York', shortName: 'NY', timeZone: 'America/New_York', standardOffset: -300, dstRule: 'us', weight: 0.22, maxSeats: 180, tenant: 'Resources', timeProfile: 'Default' },
      { name: 'Chicago', shortName: 'CHI', timeZone: 'America/Chicago', standardOffset: -360, dstRule: 'us', weight: 0.14, maxSeats: 120, tenant: 'Resources', timeProfile: 'Default' },
      {
        name: 'Phoenix',
        shortName: 'PHX',
        timeZone: 'America/Phoenix',
        standardOffset: -420,
        dstRule: 'none',
        weight: 0.08,
        maxSeats: null,
        tenant: 'Resources',
        timeProfile: 'Mountain (no DST)',
        missing: 'data aggregator password',
      },
    ],
  },
  {
    name: 'Europe',
    shortName: 'EMEA',
    timeZone: 'Europe/London',
    weekStart: 1,
    planningWeeks: 6,
    dataAggregator: true,
    firstTemplate: 1,
    sites: [
      { name: 'London', shortName: 'LON', timeZone: 'Europe/London', standardOffset: 0, dstRule: 'eu', weight: 0.18, maxSeats: 150, tenant: 'Environment', timeProfile: 'Default' },
      { name: 'München', shortName: 'MUC', timeZone: 'Europe/Berlin', standardOffset: 60, dstRule: 'eu', weight: 0.12, maxSeats: 90, tenant: 'Environment', timeProfile: 'Default' },
    ],
  },
  {
    name: 'Asia Pacific',
    shortName: 'APAC',
    timeZone: 'Asia/Kolkata',
    weekStart: 1,
    planningWeeks: 2,
    dataAggregator: false,
    firstTemplate: 2,
    sites: [
      { name: 'Bengaluru', shortName: 'BLR', timeZone: 'Asia/Kolkata', standardOffset: 330, dstRule: 'none', weight: 0.16, maxSeats: 250, tenant: 'Resources', timeProfile: 'IST 15 min' },
      {
        name: 'Sydney',
        shortName: 'SYD',
        timeZone: 'Australia/Sydney',
        standardOffset: 600,
        dstRule: 'au',
        weight: 0.1,
        maxSeats: 60,
        tenant: 'Resources',
        timeProfile: 'Default',
        missing: 'wfm server',
      },
    ],
  },
];

/** A unit closed during the history: soft-deleted with its site and activity, still referenced by history. */
const CLOSED_BUSINESS_UNIT: BusinessUnitSpec = {
  name: 'América Latina',
  shortName: 'LATAM',
  timeZone: 'America/Sao_Paulo',
  weekStart: 0,
  planningWeeks: 4,
  dataAggregator: false,
  firstTemplate: 0,
  sites: [
    { name: 'São Paulo', shortName: 'SAO', timeZone: 'America/Sao_Paulo', standardOffset: -180, dstRule: 'none', weight: 0, maxSeats: 40, tenant: 'Resources', timeProfile: 'Default' },
  ],
};

type WeekHours = (DailyHours | null)[];
type ShiftPattern = 'day' | 'evening' | 'night';

const daily = (opens: number, closes: number): WeekHours => Array.from({ length: 7 }, () => ({ opens, closes }));
const weekdays = (opens: number, closes: number, weekend: DailyHours | null = null): WeekHours =>
  Array.from({ length: 7 }, (_, day) => (day === 0 || day === 6 ? weekend : { opens, closes }));
const mondayToSaturday = (opens: number, closes: number): WeekHours => Array.from({ length: 7 }, (_, day) => (day === 0 ? null : { opens, closes }));
const h = (hours: number): number => hours * 60;

interface ActivityTemplate {
  name: string;
  workType: WorkType;
  hours: WeekHours;
  serviceLevel: readonly [seconds: number, percent: number] | null;
  aht: readonly [min: number, max: number];
  minStaff: number;
  maxStaff: number | null;
}

const TEMPLATES: ActivityTemplate[] = [
  { name: 'Customer Service', workType: 'immediate', hours: daily(0, h(24)), serviceLevel: [20, 80], aht: [240, 360], minStaff: 1, maxStaff: null },
  { name: 'E-mail', workType: 'deferred', hours: weekdays(h(8), h(18)), serviceLevel: [14_400, 90], aht: [300, 600], minStaff: 0, maxStaff: 20 },
  { name: 'Back Office', workType: 'fixed_staff', hours: weekdays(h(9), h(17)), serviceLevel: null, aht: [900, 1500], minStaff: 2, maxStaff: 10 },
  { name: 'Sales', workType: 'immediate', hours: mondayToSaturday(h(8), h(20)), serviceLevel: [30, 80], aht: [300, 480], minStaff: 1, maxStaff: null },
  { name: 'Chat', workType: 'immediate', hours: daily(h(8), h(24)), serviceLevel: [30, 85], aht: [420, 720], minStaff: 0, maxStaff: 30 },
  {
    name: 'Technical Support',
    workType: 'immediate',
    hours: weekdays(h(7), h(22), { opens: h(9), closes: h(17) }),
    serviceLevel: [60, 70],
    aht: [480, 900],
    minStaff: 1,
    maxStaff: null,
  },
  { name: 'Social Media', workType: 'deferred', hours: daily(h(7), h(23)), serviceLevel: [3600, 90], aht: [180, 420], minStaff: 0, maxStaff: 8 },
  { name: 'Billing', workType: 'immediate', hours: weekdays(h(8), h(18)), serviceLevel: [30, 80], aht: [300, 540], minStaff: 1, maxStaff: null },
  { name: "Customers' Escalations", workType: 'immediate', hours: weekdays(h(9), h(17.5)), serviceLevel: [45, 75], aht: [600, 1200], minStaff: 1, maxStaff: 6 },
  { name: 'Après-vente', workType: 'immediate', hours: mondayToSaturday(h(9), h(18)), serviceLevel: [40, 80], aht: [300, 600], minStaff: 0, maxStaff: null },
  { name: 'Claims', workType: 'deferred', hours: weekdays(h(8), h(16)), serviceLevel: [28_800, 95], aht: [600, 1200], minStaff: 0, maxStaff: 12 },
  { name: 'Training', workType: 'fixed_staff', hours: weekdays(h(10), h(16)), serviceLevel: null, aht: [1800, 3600], minStaff: 0, maxStaff: 15 },
  { name: 'VIP Line ', workType: 'immediate', hours: daily(h(7), h(23)), serviceLevel: [10, 90], aht: [300, 600], minStaff: 1, maxStaff: 4 },
  { name: 'Retention', workType: 'immediate', hours: weekdays(h(9), h(19)), serviceLevel: [30, 80], aht: [420, 720], minStaff: 0, maxStaff: null },
];

/** The item at `index`, which the caller knows exists. */
function itemAt<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index} among ${items.length}`);
  return item;
}

const templateNamed = (name: string): ActivityTemplate => itemAt(TEMPLATES, TEMPLATES.findIndex((t) => t.name === name));
const RETIRED_TEMPLATE: ActivityTemplate = { ...templateNamed('Billing'), name: 'Legacy Billing' };
const CLOSED_SITE_TEMPLATE: ActivityTemplate = { ...templateNamed('Sales'), name: 'Atendimento ao Cliente' };

/** About one activity per ten agents, at least six, and one per site so every agent has work. */
const MIN_ACTIVITIES = 6;
const AGENTS_PER_ACTIVITY = 10;
const AGENTS_PER_TEAM = 12;
/** More users than profiles, so that users share roles even in a small run. */
const MIN_USERS = 12;
const AGENTS_PER_USER = 20;

interface ContractSpec {
  name: string;
  minPaid: number;
  maxPaid: number;
  unpaid: number;
  days: number;
  shift: number;
  weight: number;
}

const CONTRACTS: ContractSpec[] = [
  { name: 'Full-time 40h', minPaid: 2400, maxPaid: 2400, unpaid: 30, days: 5, shift: 510, weight: 65 },
  { name: 'Part-time 30h', minPaid: 1440, maxPaid: 1800, unpaid: 30, days: 5, shift: 390, weight: 20 },
  { name: 'Part-time 20h', minPaid: 1000, maxPaid: 1200, unpaid: 0, days: 4, shift: 300, weight: 10 },
  { name: 'Weekend 24h', minPaid: 1200, maxPaid: 1440, unpaid: 30, days: 3, shift: 510, weight: 5 },
];

const TEAM_NAMES = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot', 'Golf', 'Hotel', 'India', 'Juliett', 'Kilo', 'Lima'];

const STATES: Record<AgentStateCode, string> = {
  LOGGED_OUT: 'Logged Out',
  READY: 'Ready',
  NOT_READY: 'Not Ready',
  TALKING: 'Talking',
  ACW: 'After Call Work',
  DIALING: 'Dialing',
  WORK_ITEM: 'Processing a work item',
};

/** Aux codes are what agents key in on the phone: short numbers. */
const REASONS: Record<ReasonCode, { code: string; name: string; state: AgentStateCode | null }> = {
  BREAK: { code: '10', name: 'Break', state: 'NOT_READY' },
  LUNCH: { code: '11', name: 'Lunch / meal', state: 'NOT_READY' },
  TRAINING: { code: '20', name: 'Training & coaching', state: 'NOT_READY' },
  MEETING: { code: '21', name: 'Team meeting', state: 'NOT_READY' },
  PERSONAL: { code: '30', name: 'Personal — «private»', state: 'NOT_READY' },
  SYSTEM: { code: '40', name: 'System issue', state: 'NOT_READY' },
  BACK_OFFICE: { code: '50', name: 'Back-office work', state: 'WORK_ITEM' },
  UNKNOWN: { code: '99', name: 'Unknown (not configured)', state: null },
};

/** Whole numbers proportional to the weights, summing to the total (largest remainders). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  const order = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  const missing = total - counts.reduce((a, b) => a + b, 0);
  for (let k = 0; k < missing; k++) {
    const index = itemAt(order, k % order.length).index;
    counts[index] = itemAt(counts, index) + 1;
  }
  return counts;
}

class OrganizationBuilder {
  private readonly random: Random;
  private readonly endDay: number;
  readonly org: Organization;

  constructor(private readonly input: OrganizationInput) {
    this.random = new Random(input.seed, Stream.organization);
    this.endDay = input.firstDay + input.days;
    this.org = {
      seed: input.seed,
      firstDay: input.firstDay,
      endDay: this.endDay,
      businessUnits: [],
      sites: [],
      teams: [],
      contracts: [],
      activities: [],
      agents: [],
      multiSiteActivities: [],
      activitySets: [],
      adherenceRules: [],
      catalogue: this.catalogue(),
      scheduleStateGroups: [],
      tasks: [],
      taskSequences: [],
      users: [],
    };
  }

  build(): Organization {
    const activeSites: Site[] = [];
    const weights: number[] = [];
    const firstTemplates: number[] = [];
    for (const spec of BUSINESS_UNITS) {
      const unit = this.businessUnit(spec, false);
      for (const siteSpec of spec.sites) {
        activeSites.push(this.site(unit, spec, siteSpec, false));
        weights.push(siteSpec.weight);
        firstTemplates.push(spec.firstTemplate);
      }
    }
    const siteCounts = apportion(this.input.agents, weights);
    this.activities(activeSites, siteCounts, firstTemplates);
    for (const [index, site] of activeSites.entries()) this.staff(site, siteCounts[index] ?? 0);
    this.closedBusinessUnit();
    this.retiredActivity(activeSites[0]);
    this.peakVolumes();
    for (const unit of this.org.businessUnits) this.multiSiteActivities(unit);
    for (const site of activeSites) this.sitePolicies(site);
    this.users(activeSites);
    return this.org;
  }

  private businessUnit(spec: BusinessUnitSpec, deleted: boolean): BusinessUnit {
    const unit: BusinessUnit = {
      id: this.input.ids.next('businessUnit'),
      name: this.input.names.businessUnit.claim(spec.name),
      shortName: spec.shortName,
      timeZone: spec.timeZone,
      weekStart: spec.weekStart,
      deleted,
      dataAggregator: spec.dataAggregator ? { name: `DA_${spec.shortName}`, tenant: 'Resources', password: `da-${spec.shortName.toLowerCase()}-secret`, timeProfile: 'Default' } : null,
    };
    this.org.businessUnits.push(unit);
    return unit;
  }

  private site(unit: BusinessUnit, unitSpec: BusinessUnitSpec, spec: SiteSpec, deleted: boolean): Site {
    const { firstDay } = this.input;
    const site: Site = {
      id: this.input.ids.next('site'),
      businessUnit: unit,
      name: this.input.names.site.claim(spec.name),
      shortName: spec.shortName,
      timeZone: spec.timeZone,
      standardOffset: spec.standardOffset,
      dstPeriods: dstPeriodsBetween(spec.dstRule, spec.standardOffset, firstDay, this.endDay),
      maxSeats: spec.maxSeats,
      switchName: `SIP_Switch_${spec.shortName}`,
      dataAggregator: {
        name: `DA_${spec.shortName}`,
        tenant: spec.tenant,
        password: spec.missing === 'data aggregator password' ? null : `pw-${spec.shortName.toLowerCase()}-${this.random.int(1000, 9999)}`,
        timeProfile: spec.timeProfile,
      },
      wfmServerName: spec.missing === 'wfm server' ? null : `WFMServer_${unitSpec.shortName}`,
      deleted,
      planningStartDay: firstDay - ((weekDay(firstDay) - unitSpec.weekStart + 7) % 7),
      planningWeeks: unitSpec.planningWeeks,
      timeOffAllowance: 1,
    };
    this.org.sites.push(site);
    return site;
  }

  private catalogue(): StateCatalogue {
    const entry = (code: string, name: string, existing: Map<string, number>, kind: 'agentState' | 'reason'): CatalogueEntry => {
      const id = existing.get(code);
      return id === undefined ? { id: this.input.ids.next(kind), code, name, isNew: true } : { id, code, name, isNew: false };
    };
    const states = Object.fromEntries(
      (Object.entries(STATES) as [AgentStateCode, string][]).map(([code, name]) => [code, entry(code, name, this.input.existing.states, 'agentState')]),
    ) as StateCatalogue['states'];
    const reasons = Object.fromEntries(
      (Object.entries(REASONS) as [ReasonCode, (typeof REASONS)[ReasonCode]][]).map(([key, spec]): [ReasonCode, Reason] => [
        key,
        { ...entry(spec.code, spec.name, this.input.existing.reasons, 'reason'), agentState: spec.state ? states[spec.state] : null },
      ]),
    ) as StateCatalogue['reasons'];
    return { states, reasons };
  }

  private activities(sites: Site[], agentsPerSite: number[], firstTemplates: number[]): void {
    const total = Math.max(MIN_ACTIVITIES, Math.round(this.input.agents / AGENTS_PER_ACTIVITY), sites.length);
    const perSite = apportion(total - sites.length, agentsPerSite.some((n) => n > 0) ? agentsPerSite : sites.map(() => 1)).map((n) => n + 1);
    for (const [index, site] of sites.entries()) {
      const first = firstTemplates[index] ?? 0;
      for (let k = 0; k < (perSite[index] ?? 1); k++) {
        const template = itemAt(TEMPLATES, (first + k) % TEMPLATES.length);
        const round = Math.floor(k / TEMPLATES.length);
        this.activity(site, template, round === 0 ? template.name : `${template.name.trimEnd()} ${round + 1}`, this.endDay);
      }
    }
  }

  private activity(site: Site, template: ActivityTemplate, name: string, historyEndDay: number, deleted = false): Activity {
    const activity: Activity = {
      id: this.input.ids.next('activity'),
      index: this.org.activities.length,
      site,
      name,
      workType: template.workType,
      serviceLevelSeconds: template.serviceLevel?.[0] ?? null,
      serviceLevelPercent: template.serviceLevel?.[1] ?? null,
      minStaff: template.minStaff,
      maxStaff: template.maxStaff,
      deleted,
      hours: template.hours,
      peakVolume: 0,
      ahtSeconds: this.random.int(template.aht[0], template.aht[1]),
      historyEndDay,
    };
    this.org.activities.push(activity);
    return activity;
  }

  /** Activities retired part-way through the history keep it for the first part. */
  private retirementDay(share: number): number {
    return this.input.firstDay + Math.max(1, Math.floor(this.input.days * share));
  }

  private retiredActivity(site: Site | undefined): void {
    if (!site) return;
    const retired = this.activity(site, RETIRED_TEMPLATE, RETIRED_TEMPLATE.name, this.retirementDay(0.4), true);
    const agents = this.org.agents.filter((a) => a.site === site);
    for (const agent of agents.filter((_, i) => i % 3 === 0)) agent.skills.push({ activity: retired, level: this.random.int(3, 9) });
  }

  private closedBusinessUnit(): void {
    const unit = this.businessUnit(CLOSED_BUSINESS_UNIT, true);
    const [spec] = CLOSED_BUSINESS_UNIT.sites;
    if (!spec) return;
    const site = this.site(unit, CLOSED_BUSINESS_UNIT, spec, true);
    this.teams(site, 1);
    this.contracts(site);
    this.activity(site, CLOSED_SITE_TEMPLATE, CLOSED_SITE_TEMPLATE.name, this.retirementDay(0.5), true);
  }

  private teams(site: Site, count: number): Team[] {
    const teams = Array.from({ length: count }, (_, k) => ({
      id: this.input.ids.next('team'),
      site,
      name: `${site.shortName} ${TEAM_NAMES[k % TEAM_NAMES.length]}${k >= TEAM_NAMES.length ? ` ${Math.floor(k / TEAM_NAMES.length) + 1}` : ''}`,
    }));
    this.org.teams.push(...teams);
    return teams;
  }

  private contracts(site: Site): Contract[] {
    const contracts = CONTRACTS.map((spec) => ({
      id: this.input.ids.next('contract'),
      site,
      name: spec.name,
      minPaidMinutesWeek: spec.minPaid,
      maxPaidMinutesWeek: spec.maxPaid,
      unpaidMinutesDay: spec.unpaid,
      maxDaysWeek: spec.days,
      shiftMinutes: spec.shift,
    }));
    this.org.contracts.push(...contracts);
    return contracts;
  }

  private staff(site: Site, count: number): void {
    const teams = this.teams(site, Math.max(1, Math.ceil(count / AGENTS_PER_TEAM)));
    const contracts = this.contracts(site);
    const activities = this.org.activities.filter((a) => a.site === site);
    site.timeOffAllowance = Math.max(1, Math.round(count * 0.08));
    for (let k = 0; k < count; k++) this.agent(site, itemAt(teams, k % teams.length), contracts, activities);
  }

  private agent(site: Site, team: Team, contracts: Contract[], activities: Activity[]): void {
    const id = this.input.ids.next('agent');
    const random = new Random(this.input.seed, Stream.agent, this.org.agents.length);
    const contract = random.weighted(contracts.map((c, i) => [c, CONTRACTS[i]?.weight ?? 1] as const));
    const roundTheClock = activities.filter((a) => a.hours.every((d) => d?.opens === 0 && d.closes === 1440));
    const pattern = random.weighted<ShiftPattern>([
      ['day', 65],
      ['evening', 25],
      ['night', roundTheClock.length > 0 ? 10 : 0],
    ]);
    const primary = pattern === 'night' ? random.pick(roundTheClock) : random.pick(activities);
    const secondary = activities.filter((a) => a !== primary && random.chance(0.35)).slice(0, 2);
    // The second agent always has the name every migration must carry unchanged: accent, quote, trailing space.
    const { first, last } = this.org.agents.length === 1 ? { first: 'Siobhán', last: "O'Brien " } : personName(random);
    const { firstDay, days } = this.input;
    const localPart = [asciiLetters(first), asciiLetters(last)].filter((part) => part.length > 0).join('.') || 'agent';
    this.org.agents.push({
      id,
      index: this.org.agents.length,
      site,
      team,
      contract,
      firstName: first,
      lastName: last,
      email: random.chance(0.9) ? `${localPart}.${id}@contact-center.example` : null,
      switchLogin: String(700_000 + id),
      place: `${site.shortName}-${String(id).padStart(5, '0')}`,
      hireDay: firstDay - random.int(20, 3650),
      terminationDay: days > 2 && random.chance(0.04) ? firstDay + random.int(1, days - 1) : null,
      hourlyWage: Math.round(random.float(14, 34) * 100) / 100,
      rank: random.int(0, 5),
      skills: [primary, ...secondary].map((activity) => ({ activity, level: random.int(1, 10) })),
      workDays: workDays(random, contract, primary),
      usualStart: usualStart(random, pattern, contract, primary),
    });
  }

  private peakVolumes(): void {
    const primaryAgents = new Map<Activity, number>();
    for (const agent of this.org.agents) {
      const primary = agent.skills[0]?.activity;
      if (primary) primaryAgents.set(primary, (primaryAgents.get(primary) ?? 0) + 1);
    }
    for (const activity of this.org.activities) {
      const agents = primaryAgents.get(activity) ?? 0;
      const capacity = (agents * 900 * 0.55) / activity.ahtSeconds;
      activity.peakVolume = Math.round(Math.max(this.random.float(2, 8), capacity * this.random.float(0.8, 1.2)) * 10) / 10;
    }
  }

  private multiSiteActivities(unit: BusinessUnit): void {
    const byName = new Map<string, Activity[]>();
    for (const activity of this.org.activities) {
      if (activity.site.businessUnit !== unit || activity.deleted) continue;
      byName.set(activity.name, [...(byName.get(activity.name) ?? []), activity]);
    }
    for (const [name, members] of byName) {
      if (members.length < 2) continue;
      const multiSite: MultiSiteActivity = { id: this.input.ids.next('multiSiteActivity'), businessUnit: unit, name: `${name.trimEnd()} (${unit.shortName})`, members };
      this.org.multiSiteActivities.push(multiSite);
    }
  }

  private sitePolicies(site: Site): void {
    const activities = this.org.activities.filter((a) => a.site === site && !a.deleted);
    const voice = activities.filter((a) => a.workType === 'immediate');
    const other = activities.filter((a) => a.workType !== 'immediate');
    const sets: [string, Activity[]][] = [
      ['Voice & chat', voice],
      ['Back office & e-mail', other],
    ];
    for (const [name, members] of sets) {
      if (members.length > 0) this.org.activitySets.push({ id: this.input.ids.next('activitySet'), site, name, members } satisfies ActivitySet);
    }
    const rules: [string, number, number, number][] = [
      ['Standard', 300, 120, 120],
      ['Strict — Sales & Billing', 60, 0, 0],
      ['Relaxed (back office)', 900, 300, 300],
    ];
    for (const [name, threshold, startGrace, endGrace] of rules) {
      this.org.adherenceRules.push({
        id: this.input.ids.next('adherenceRule'),
        site,
        name,
        thresholdSeconds: threshold,
        startGraceSeconds: startGrace,
        endGraceSeconds: endGrace,
      } satisfies AdherenceRule);
    }
    this.scheduleStateGroups(site);
    this.tasks(site, activities);
  }

  private scheduleStateGroups(site: Site): void {
    const { states, reasons } = this.org.catalogue;
    const groups: [ScheduleStateGroup['kind'], string, ScheduleStateGroup['states']][] = [
      ['work', 'Working', [states.READY, states.TALKING, states.ACW, states.DIALING, states.WORK_ITEM].map((state) => ({ state, reason: null }))],
      ['break', 'On break', [{ state: states.NOT_READY, reason: reasons.BREAK }]],
      ['meal', 'Meal', [{ state: states.NOT_READY, reason: reasons.LUNCH }, { state: states.LOGGED_OUT, reason: null }]],
      ['time_off', 'Time off', [{ state: states.LOGGED_OUT, reason: null }]],
      ['day_off', 'Day off', [{ state: states.LOGGED_OUT, reason: null }]],
      ['exception', 'Exception (training, meetings)', [{ state: states.NOT_READY, reason: reasons.TRAINING }]],
    ];
    for (const [kind, name, members] of groups) {
      this.org.scheduleStateGroups.push({ id: this.input.ids.next('scheduleStateGroup'), site, name, kind, states: members });
    }
  }

  private tasks(site: Site, activities: Activity[]): void {
    const task = (name: string, activity: Activity | undefined, durationMinutes: number): Task => ({
      id: this.input.ids.next('task'),
      site,
      activity: activity ?? null,
      name,
      durationMinutes,
    });
    const callback = task('Callback follow-up', activities.find((a) => a.workType === 'immediate'), 15);
    const backlog = task('E-mail backlog', activities.find((a) => a.workType === 'deferred'), 30);
    const review = task('Quality review', undefined, 60);
    this.org.tasks.push(callback, backlog, review);
    const sequences: [string, Task[]][] = [
      ['Morning routine', [review, callback]],
      ['Closing', [backlog]],
    ];
    for (const [name, tasks] of sequences) this.org.taskSequences.push({ id: this.input.ids.next('taskSequence'), site, name, tasks } satisfies TaskSequence);
  }

  private users(sites: Site[]): void {
    const random = new Random(this.input.seed, Stream.users);
    const count = Math.max(MIN_USERS, Math.round(this.input.agents / AGENTS_PER_USER));
    // Every profile appears at least once, whatever the size.
    const fixed: UserProfile[] = [
      PROFILES.administrator,
      PROFILES.noAccess,
      PROFILES.planner,
      PROFILES.supervisor,
      PROFILES.readOnly,
      PROFILES.calendarClerk,
      PROFILES.organizationManager,
      PROFILES.reports,
    ];
    for (let k = 0; k < count; k++) {
      const profile =
        fixed[k] ??
        random.weighted<UserProfile>([
          [PROFILES.supervisor, 35],
          [PROFILES.planner, 25],
          [PROFILES.readOnly, 15],
          [PROFILES.reports, 10],
          [PROFILES.administrator, 5],
          [PROFILES.calendarClerk, 5],
          [PROFILES.organizationManager, 5],
        ]);
      this.org.users.push(this.user(random, profile, sites, k));
    }
  }

  private user(random: Random, profile: UserProfile, sites: Site[], index: number): User {
    const isFirst = index === 0;
    const { first, last } = personName(random);
    const login = isFirst ? 'wfm.admin' : `${asciiLetters(first).slice(0, 1)}${asciiLetters(last)}` || 'user';
    const siteAccess = this.siteAccess(random, profile, sites);
    const unit = random.pick(this.org.businessUnits.filter((u) => !u.deleted));
    return {
      id: this.input.ids.next('user'),
      login: this.input.names.login.claim(login, String),
      fullName: isFirst ? 'WFM Administrator' : `${first} ${last}`,
      timeZone: siteAccess.length > 0 || random.chance(0.4) ? null : unit.timeZone,
      // The third user is a disabled planner, so every run has one; a few others are disabled too.
      disabled: index === 2 || (index > 2 && random.chance(0.08)),
      profile,
      sites: siteAccess,
      builderName: random.chance(0.85) ? `WFMBuilder_${unit.shortName}` : null,
    };
  }

  private siteAccess(random: Random, profile: UserProfile, sites: Site[]): Site[] {
    if (sites.length === 0) return [];
    switch (profile) {
      case PROFILES.supervisor:
      case PROFILES.calendarClerk:
        return [random.pick(sites)];
      case PROFILES.planner: {
        const unit = random.pick(sites).businessUnit;
        return random.chance(0.5) ? sites.filter((s) => s.businessUnit === unit) : [];
      }
      case PROFILES.readOnly:
        return random.chance(0.3) ? [random.pick(sites)] : [];
      default:
        return [];
    }
  }
}

function workDays(random: Random, contract: Contract, primary: Activity): boolean[] {
  const open = primary.hours.map((day) => day !== null);
  if (contract.maxDaysWeek === 3) return [true, false, false, false, false, true, true].map((works, day) => works && open[day] === true);
  const firstDay = random.weighted([
    [1, 70],
    [2, 15],
    [0, 15],
  ]);
  const wanted = Array.from({ length: 7 }, (_, day) => (day - firstDay + 7) % 7 < contract.maxDaysWeek);
  const days = wanted.map((works, day) => works && open[day] === true);
  return days.some(Boolean) ? days : open;
}

function usualStart(random: Random, pattern: ShiftPattern, contract: Contract, primary: Activity): number {
  const quarter = { day: random.int(24, 40), evening: random.int(48, 60), night: random.int(84, 92) }[pattern];
  const hours = primary.hours.find((day) => day !== null);
  if (!hours || pattern === 'night') return quarter * 15;
  const latest = Math.max(hours.opens, hours.closes - contract.shiftMinutes);
  return Math.min(Math.max(quarter * 15, hours.opens), latest);
}

export function buildOrganization(input: OrganizationInput): Organization {
  return new OrganizationBuilder(input).build();
}
