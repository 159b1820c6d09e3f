// The ETL database, declared once: every table with the release that introduced it. Each release's model
// and the update steps between releases are derived from this list (releases.ts), so that creating a
// release directly and updating to it cannot drift apart.
//
// Names follow the WFM 8.5 ETL Database Reference: upper case, and short enough for Oracle 11g/12.1 (30
// characters). Every dialect quotes identifiers, so the upper case is kept as written on SQLite,
// PostgreSQL and MariaDB alike. Table names are at most 24 characters so that the index and foreign key
// names derived from them (`<table>_FK<n>`, `<table>_UQ<n>`, `<table>_IX<n>`) stay within 30.
//
// Every table has a surrogate key `<table>_KEY` (numeric(19), stored as a 64-bit integer), assigned by the
// ETL cycle. A dimension also keeps the WFM database's id (`<table>_ID`), unique, from which the cycle finds
// the same surrogate key again; a fact carries its natural key as a unique index, so a recomputed day
// replaces its rows instead of adding to them, and an index on its day for the window and the purge.
import { bigint, date, double, integer, NULLABLE, smallint, timestamp, varchar } from '../../engine/schema/builders.ts';
import type { ColumnModel } from '../../engine/schema/model.ts';
import type { EtlRelease } from './versions.ts';

export interface EtlTableDeclaration {
  name: string;
  since: EtlRelease;
  /** Every column but the surrogate key, which comes first. */
  columns: ColumnModel[];
  /** Column to the table it references (by that table's surrogate key). */
  references: Record<string, string>;
  /** The natural key: unique. */
  unique?: string[];
  /** Further indexes (not unique). */
  indexes?: string[][];
}

export const CTL_AUDIT_LOG = 'CTL_AUDIT_LOG';

const NAME = 64;
const key = (table: string, options = {}): ColumnModel => bigint(`${table}_KEY`, options);

/** What every row written by the ETL cycle carries: its tenant, and the audit entries that wrote it. */
const lineage = (): ColumnModel[] => [integer('TENANT_KEY'), bigint('CREATE_AUDIT_KEY'), bigint('UPDATE_AUDIT_KEY')];

/** A dimension row: the WFM database's id, a name, lineage, and whether the WFM row was deleted since. */
function dimension(name: string, since: EtlRelease, columns: ColumnModel[], references: Record<string, string> = {}): EtlTableDeclaration {
  return {
    name,
    since,
    columns: [integer(`${name}_ID`), varchar(`${name}_NAME`, NAME), ...columns, ...lineage(), smallint('DELETED', { default: 0 })],
    references,
    unique: [`${name}_ID`],
  };
}

/** A fact row's tail: when it was computed, the day key (yyyymmdd), lineage and the purge mark. */
const factTail = (): ColumnModel[] => [timestamp('WFM_TIMESTAMP'), integer('DATE_TIME_DAY_KEY'), ...lineage(), smallint('PURGE_FLAG', { default: 0 })];

type Level = 'AGENT' | 'TEAM' | 'SITE';

/** The dimension keys of a fact about an agent, a team or a site; an agent's team is NULL while it has none. */
function levelKeys(level: Level): { columns: ColumnModel[]; references: Record<string, string>; natural: string[] } {
  switch (level) {
    case 'AGENT':
      return {
        columns: [key('WFM_AGENT'), key('WFM_SITE'), key('WFM_TEAM', NULLABLE)],
        references: { WFM_AGENT_KEY: 'WFM_AGENT', WFM_SITE_KEY: 'WFM_SITE', WFM_TEAM_KEY: 'WFM_TEAM' },
        natural: ['WFM_AGENT_KEY'],
      };
    case 'TEAM':
      return { columns: [key('WFM_TEAM'), key('WFM_SITE')], references: { WFM_TEAM_KEY: 'WFM_TEAM', WFM_SITE_KEY: 'WFM_SITE' }, natural: ['WFM_TEAM_KEY'] };
    case 'SITE':
      return { columns: [key('WFM_SITE')], references: { WFM_SITE_KEY: 'WFM_SITE' }, natural: ['WFM_SITE_KEY'] };
  }
}

type Grain = 'DAY' | 'TIMESTEP';

/**
 * The period of a fact: a day in the site's time zone, or a 15-minute timestep (its UTC start, and the
 * site's day it falls in).
 */
function grainColumns(grain: Grain): { columns: ColumnModel[]; natural: string[]; indexed: string } {
  return grain === 'DAY'
    ? { columns: [date('WFM_DATE')], natural: ['WFM_DATE'], indexed: 'WFM_DATE' }
    : { columns: [timestamp('WFM_TIMESTEP'), date('WFM_DATE')], natural: ['WFM_TIMESTEP'], indexed: 'WFM_DATE' };
}

function fact(
  name: string,
  since: EtlRelease,
  keys: { columns: ColumnModel[]; references: Record<string, string>; natural: string[] },
  grain: Grain,
  measures: ColumnModel[],
): EtlTableDeclaration {
  const period = grainColumns(grain);
  return {
    name,
    since,
    columns: [...keys.columns, ...period.columns, ...measures, ...factTail()],
    references: keys.references,
    unique: [...keys.natural, ...period.natural],
    indexes: [[period.indexed]],
  };
}

/** Durations are whole seconds; percentages are 0 to 100. */
const seconds = (name: string): ColumnModel => bigint(name);
const percent = (name: string): ColumnModel => double(name, NULLABLE);

const ADHERENCE = (): ColumnModel[] => [
  seconds('WFM_NON_ADHERENCE_DURATION'),
  seconds('WFM_OUT_SCH_NON_ADH_DURATION'),
  seconds('WFM_SCHEDULE_DURATION'),
  seconds('WFM_ACTUAL_WORK_DURATION'),
  percent('WFM_ADHERENCE_PERC'),
  percent('WFM_CONFORMANCE_PERC'),
];

const SCHEDULE = (): ColumnModel[] => [
  seconds('WFM_SCHEDULE_DURATION'),
  seconds('WFM_WORK_DURATION'),
  seconds('WFM_PAID_DURATION'),
  seconds('WFM_BREAK_DURATION'),
  seconds('WFM_TIME_OFF_DURATION'),
];

const PERFORMANCE = (): ColumnModel[] => [
  bigint('WFM_OFFERED'),
  bigint('WFM_HANDLED'),
  bigint('WFM_ABANDONED'),
  bigint('WFM_ANSWERED_IN_SL'),
  seconds('WFM_HANDLE_DURATION'),
  seconds('WFM_QUEUE_DURATION'),
  seconds('WFM_STAFF_DURATION'),
  double('WFM_FORECAST_VOLUME', NULLABLE),
  double('WFM_FORECAST_AHT', NULLABLE),
  double('WFM_REQUIRED_STAFF', NULLABLE),
  percent('WFM_SERVICE_LEVEL_PERC'),
];

const ACTIVITY_KEYS = { columns: [key('WFM_ACTIVITY')], references: { WFM_ACTIVITY_KEY: 'WFM_ACTIVITY' }, natural: ['WFM_ACTIVITY_KEY'] };

/** A schedule state or state group of a site, for the per-timestep durations. */
const siteAnd = (table: string) => ({
  columns: [key('WFM_SITE'), key(table)],
  references: { WFM_SITE_KEY: 'WFM_SITE', [`${table}_KEY`]: table },
  natural: ['WFM_SITE_KEY', `${table}_KEY`],
});

const CONTROL_TABLES: EtlTableDeclaration[] = [
  {
    name: CTL_AUDIT_LOG,
    since: '8.1',
    columns: [varchar('JOB_NAME', NAME), varchar('SOURCE_NAME', 255), timestamp('STARTED_AT'), timestamp('FINISHED_AT', NULLABLE), bigint('ROWS_WRITTEN', { default: 0 })],
    references: {},
  },
  {
    name: 'CTL_ETL_HISTORY',
    since: '8.1',
    columns: [
      varchar('JOB_NAME', NAME),
      timestamp('STARTED_AT'),
      timestamp('FINISHED_AT', NULLABLE),
      varchar('STATUS', 16),
      date('WINDOW_START', NULLABLE),
      date('WINDOW_END', NULLABLE),
      bigint('ROWS_WRITTEN', { default: 0 }),
      bigint('ROWS_PURGED', { default: 0 }),
      varchar('MESSAGE', 1000, NULLABLE),
      bigint('AUDIT_KEY', NULLABLE),
    ],
    references: { AUDIT_KEY: CTL_AUDIT_LOG },
    indexes: [['STARTED_AT']],
  },
];

const DIMENSIONS: EtlTableDeclaration[] = [
  dimension('WFM_BU', '8.1', [varchar('WFM_BU_TIME_ZONE', NAME)]),
  dimension('WFM_SITE', '8.1', [key('WFM_BU'), varchar('WFM_SITE_TIME_ZONE', NAME)], { WFM_BU_KEY: 'WFM_BU' }),
  dimension('WFM_TEAM', '8.1', [key('WFM_SITE')], { WFM_SITE_KEY: 'WFM_SITE' }),
  dimension('WFM_AGENT', '8.1', [key('WFM_SITE'), key('WFM_TEAM', NULLABLE), varchar('WFM_FIRST_NAME', NAME), varchar('WFM_LAST_NAME', NAME)], {
    WFM_SITE_KEY: 'WFM_SITE',
    WFM_TEAM_KEY: 'WFM_TEAM',
  }),
  dimension('WFM_ACTIVITY_TYPE', '8.1', []),
  dimension('WFM_ACTIVITY', '8.1', [key('WFM_ACTIVITY_TYPE'), key('WFM_BU'), key('WFM_SITE', NULLABLE), varchar('WFM_WORK_TYPE', 16, NULLABLE)], {
    WFM_ACTIVITY_TYPE_KEY: 'WFM_ACTIVITY_TYPE',
    WFM_BU_KEY: 'WFM_BU',
    WFM_SITE_KEY: 'WFM_SITE',
  }),
  dimension('WFM_SSG_TYPE', '8.1', []),
  dimension('WFM_SSG', '8.1', [key('WFM_SSG_TYPE'), key('WFM_SITE')], { WFM_SSG_TYPE_KEY: 'WFM_SSG_TYPE', WFM_SITE_KEY: 'WFM_SITE' }),
  dimension('WFM_STATE_TYPE', '8.1', []),
  dimension('WFM_STATE', '8.1', [key('WFM_STATE_TYPE'), varchar('WFM_STATE_CODE', 32, NULLABLE)], { WFM_STATE_TYPE_KEY: 'WFM_STATE_TYPE' }),
  dimension('WFM_PERF_ITEM', '8.5', [varchar('WFM_PERF_ITEM_UNIT', 16)]),
];

const SCHEDULE_FACTS: EtlTableDeclaration[] = [
  ...(['AGENT', 'TEAM', 'SITE'] as const).flatMap((level) => [
    fact(`WFM_SCH_${level}_DAY`, '8.1', levelKeys(level), 'DAY', SCHEDULE()),
    fact(`WFM_SCH_${level}_TIMESTEP`, '8.1', levelKeys(level), 'TIMESTEP', SCHEDULE()),
  ]),
  {
    name: 'WFM_SCH_AGENT_STATE',
    since: '8.1',
    columns: [
      ...levelKeys('AGENT').columns,
      key('WFM_STATE'),
      key('WFM_ACTIVITY', NULLABLE),
      timestamp('WFM_START_TIME'),
      timestamp('WFM_END_TIME'),
      date('WFM_DATE'),
      seconds('WFM_DURATION'),
      ...factTail(),
    ],
    references: { ...levelKeys('AGENT').references, WFM_STATE_KEY: 'WFM_STATE', WFM_ACTIVITY_KEY: 'WFM_ACTIVITY' },
    unique: ['WFM_AGENT_KEY', 'WFM_START_TIME'],
    indexes: [['WFM_DATE']],
  },
  fact('WFM_SCH_STATE_TIMESTEP', '8.1', siteAnd('WFM_STATE'), 'TIMESTEP', [seconds('WFM_DURATION')]),
  fact('WFM_SCH_SSG_TIMESTEP', '8.1', siteAnd('WFM_SSG'), 'TIMESTEP', [seconds('WFM_DURATION')]),
];

const ADHERENCE_FACTS: EtlTableDeclaration[] = (['AGENT', 'TEAM', 'SITE'] as const).flatMap((level) => [
  fact(`WFM_ADH_${level}_DAY`, '8.5', levelKeys(level), 'DAY', ADHERENCE()),
  fact(`WFM_ADH_${level}_TIMESTEP`, '8.5', levelKeys(level), 'TIMESTEP', ADHERENCE()),
]);

const PERFORMANCE_FACTS: EtlTableDeclaration[] = [
  fact('WFM_PERF_ACT_DAY', '8.5', ACTIVITY_KEYS, 'DAY', PERFORMANCE()),
  fact('WFM_PERF_ACT_TIMESTEP', '8.5', ACTIVITY_KEYS, 'TIMESTEP', PERFORMANCE()),
  fact('WFM_PERF_SITE_DAY', '8.5', levelKeys('SITE'), 'DAY', PERFORMANCE()),
  fact('WFM_PERF_SITE_TIMESTEP', '8.5', levelKeys('SITE'), 'TIMESTEP', PERFORMANCE()),
];

export const ETL_TABLES: readonly EtlTableDeclaration[] = [
  ...CONTROL_TABLES,
  ...DIMENSIONS,
  ...SCHEDULE_FACTS,
  ...ADHERENCE_FACTS,
  ...PERFORMANCE_FACTS,
];
