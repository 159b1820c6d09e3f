// The applications a WFM installation configures, and the options this suite reads from them, declared
// once. An option not listed here may still be set (the Configuration Server lets an administrator create
// any option); a listed one is checked against its values wherever it is read or set. WFM Server's [ETL]
// options are declared with the ETL cycle, which reads them, and listed here from there.
import { calendarDateProblem, ETL_NUMBER_OPTIONS, ETL_SECTION, PURGE_DATE_DESCRIPTION, PURGE_DATE_OPTION, wholeNumberProblem } from '../etl/cycle/options.ts';

export const APPLICATION_TYPES = ['client', 'data-aggregator', 'server', 'web', 'database-utility'] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];

/** How each type is called in the guide, for messages. */
export const APPLICATION_TITLES: Record<ApplicationType, string> = {
  client: 'WFM Client',
  'data-aggregator': 'WFM Data Aggregator',
  server: 'WFM Server',
  web: 'WFM Web',
  'database-utility': 'WFM Database Utility',
};

export interface KnownOption {
  application: ApplicationType;
  section: string;
  name: string;
  /** The values the option accepts: a list, a kind of value, or a range of whole numbers. */
  values: readonly string[] | 'port' | 'path' | 'seconds' | 'text' | 'date' | { minimum: number; maximum: number };
  /** The value when the option is absent; empty where an absent option means "not set". */
  fallback: string;
  description: string;
}

const ETL_OPTIONS: readonly KnownOption[] = [
  ...ETL_NUMBER_OPTIONS.map((o): KnownOption => ({
    application: 'server',
    section: ETL_SECTION,
    name: o.name,
    values: { minimum: o.minimum, maximum: o.maximum },
    fallback: o.fallback === undefined ? '' : String(o.fallback),
    description: o.description,
  })),
  { application: 'server', section: ETL_SECTION, name: PURGE_DATE_OPTION, values: 'date', fallback: '', description: PURGE_DATE_DESCRIPTION },
];

export const KNOWN_OPTIONS: readonly KnownOption[] = [
  {
    application: 'client',
    section: 'Options',
    name: 'AllowMigratePerformance',
    values: ['0', '1'],
    fallback: '1',
    description: '0: `wfm dbu migrate` leaves performance data for step two; 1: it migrates performance data, and `wfm dbu migrate-performance` is allowed',
  },
  {
    application: 'database-utility',
    section: 'Options',
    name: 'RequireWfmUser',
    values: ['0', '1'],
    fallback: '0',
    description: '1: backups and restores must name a WFM user (--wfm-user) who holds Allow Backup/Restore',
  },
  {
    application: 'database-utility',
    section: 'Options',
    name: 'RequireSealedBackups',
    values: ['0', '1'],
    fallback: '0',
    description: '1: a restore takes only a backup sealed by this key file (--key-file), verify reports any other as not acceptable, and a backup needs the key file to seal it',
  },
  {
    application: 'database-utility',
    section: 'ObjectStorage',
    name: 'Endpoint',
    values: 'text',
    fallback: '',
    description: 'the endpoint of an S3-compatible store (MinIO, Ceph) for s3:// backups, where AWS_ENDPOINT_URL is not set; an IP address or localhost is addressed by path',
  },
  { application: 'database-utility', section: 'ObjectStorage', name: 'Region', values: 'text', fallback: '', description: 'the region of s3:// backups, where AWS_REGION is not set' },
  {
    application: 'database-utility',
    section: 'ObjectStorage',
    name: 'Profile',
    values: 'text',
    fallback: '',
    description: 'the profile of the AWS shared config and credentials files that s3:// backups use, where AWS_PROFILE is not set; keys stay in those files',
  },
  {
    application: 'web',
    section: 'Options',
    name: 'Maintenance',
    values: ['0', '1'],
    fallback: '0',
    description: '1: the console shows its "under construction" page to everyone but an administrator (set and cleared by wfm run)',
  },
  { application: 'web', section: 'Options', name: 'AdminToken', values: 'text', fallback: '', description: 'signs an administrator in to the console (wfm web); keep this file readable by its owner only' },
  { application: 'web', section: 'Options', name: 'ViewerToken', values: 'text', fallback: '', description: 'signs a viewer in to the console: pages only, and the maintenance page while a run is on' },
  {
    application: 'web',
    section: 'Options',
    name: 'BackupDirectory',
    values: 'path',
    fallback: '.',
    description: 'the folder the console lists on its Backup & restore page and writes new backups into (wfm web --backup-dir wins)',
  },
  { application: 'web', section: 'Options', name: 'Port', values: 'port', fallback: '7320', description: 'the console’s HTTP port' },
  { application: 'data-aggregator', section: 'Options', name: 'Port', values: 'port', fallback: '7310', description: 'the HTTP port events are posted to' },
  { application: 'data-aggregator', section: 'Options', name: 'SpoolDirectory', values: 'path', fallback: 'wfm-aggregator-spool', description: 'where events wait until the database takes them' },
  {
    application: 'data-aggregator',
    section: 'Options',
    name: 'CloseIntervalAfter',
    values: 'seconds',
    fallback: '1800',
    description: 'seconds after its end (in event time) that an interval is closed: every activity gets its row',
  },
  {
    application: 'data-aggregator',
    section: 'Options',
    name: 'MaxEventAge',
    values: 'seconds',
    fallback: '604800',
    description: 'seconds before the aggregator’s clock an event may have happened (7 days); an older one is refused with the batch. Raise it only to replay history',
  },
  {
    application: 'data-aggregator',
    section: 'Options',
    name: 'MaxClockSkew',
    values: 'seconds',
    fallback: '300',
    description: 'seconds ahead of the aggregator’s clock an event may end (the clocks of its sources may run fast); a later one is refused with the batch',
  },
  { application: 'data-aggregator', section: 'Options', name: 'HeartbeatSeconds', values: 'seconds', fallback: '5', description: 'how often the aggregator records that it is alive' },
  ...ETL_OPTIONS,
];

export function knownOption(application: ApplicationType, section: string, name: string): KnownOption | undefined {
  return KNOWN_OPTIONS.find((o) => o.application === application && o.section === section && o.name === name);
}

/** Why a value does not fit a known option, or undefined when it does. */
export function optionValueProblem(option: KnownOption, value: string): string | undefined {
  if (Array.isArray(option.values)) return option.values.includes(value) ? undefined : `takes ${option.values.join(' or ')}`;
  if (typeof option.values === 'object' && 'minimum' in option.values) return wholeNumberProblem(option.values, value);
  if (option.values === 'date') return calendarDateProblem(value);
  if (option.values === 'port') {
    const port = Number(value);
    return Number.isInteger(port) && port >= 0 && port <= 65_535 ? undefined : 'takes a port number from 0 to 65535';
  }
  if (option.values === 'seconds') {
    const seconds = Number(value);
    return Number.isFinite(seconds) && seconds > 0 ? undefined : 'takes a number of seconds above 0';
  }
  return value.trim() === '' ? `takes ${option.values === 'path' ? 'a path' : 'a text'}` : undefined;
}
