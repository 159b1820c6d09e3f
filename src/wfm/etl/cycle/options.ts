// WFM Server's [ETL] options, declared once with their documented ranges and defaults: the configuration,
// the command line and the ETL cycle all read them through here, so a value out of range is refused with
// the same message wherever it comes from.
import { InputError } from '../../../engine/errors.ts';

export interface EtlCycleOptions {
  /** Minutes between cycles; negative: the first cycle runs at start; 0: the service is disabled. */
  etlTimeout: number;
  /** Days recomputed per transaction. */
  dayChunk: number;
  /** Days before today in the window. */
  daysBack: number;
  /** Days after today in the window. */
  daysAhead: number;
  /** Rows deleted per purge transaction. */
  maxPurgeChunk: number;
  /** Facts of days before this date are purged; wins over purgeDaysBack. */
  purgeDate?: string;
  /** Facts of days before today minus this many days are purged. */
  purgeDaysBack?: number;
}

export interface WholeNumberOption {
  name: string;
  key: keyof EtlCycleOptions;
  minimum: number;
  maximum: number;
  fallback?: number;
  description: string;
}

/** The whole-number options with their documented ranges; an option without a fallback is unset when absent. */
export const ETL_NUMBER_OPTIONS: readonly WholeNumberOption[] = [
  {
    name: 'ETLTimeout',
    key: 'etlTimeout',
    minimum: -525_600,
    maximum: 525_600,
    fallback: 180,
    description: 'minutes between ETL cycles (wfm etl serve); negative: the first cycle runs at start; 0: the ETL service is disabled',
  },
  { name: 'DayChunk', key: 'dayChunk', minimum: 1, maximum: 31, fallback: 7, description: 'days of facts recomputed per transaction' },
  { name: 'DaysBack', key: 'daysBack', minimum: 0, maximum: 365, fallback: 14, description: 'days before today that each ETL cycle recomputes' },
  { name: 'DaysAhead', key: 'daysAhead', minimum: 1, maximum: 365, fallback: 14, description: 'days after today that each ETL cycle recomputes' },
  { name: 'MaxPurgeChunk', key: 'maxPurgeChunk', minimum: 1, maximum: 10_000_000, fallback: 100_000, description: 'fact rows deleted per purge transaction' },
  { name: 'PurgeDaysBack', key: 'purgeDaysBack', minimum: 0, maximum: 36_500, description: 'after each cycle, purge the facts of days before today minus this many days (unset: no purge)' },
];

export const PURGE_DATE_OPTION = 'PurgeDate';

export const PURGE_DATE_DESCRIPTION = 'after each cycle, purge the facts of days before this date, YYYY-MM-DD; wins over PurgeDaysBack';

/** The section of the WFM Server application that holds these options. */
export const ETL_SECTION = 'ETL';

/** The option names as they are given: ETLTimeout, DayChunk, ... PurgeDate. */
export const ETL_OPTION_NAMES: readonly string[] = [...ETL_NUMBER_OPTIONS.map((o) => o.name), PURGE_DATE_OPTION];

/** Why a text is not a whole number in the range, or undefined when it is. */
export function wholeNumberProblem(range: { minimum: number; maximum: number }, text: string): string | undefined {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(value) && value >= range.minimum && value <= range.maximum ? undefined : `takes a whole number from ${range.minimum} to ${range.maximum}`;
}

/** `from` names where the value came from (the configuration's section, or a flag) for the message. */
function wholeNumber(option: WholeNumberOption, text: string, from: string): number {
  const problem = wholeNumberProblem(option, text);
  if (problem) throw new InputError(`${from} ${option.name} ${problem}, not "${text}"`);
  return Number(text);
}

/** Why a text is not a calendar date YYYY-MM-DD that exists, or undefined when it is. */
export function calendarDateProblem(text: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const day = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  return day && !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text.trim() ? undefined : 'takes a date YYYY-MM-DD';
}

/** A calendar date YYYY-MM-DD that exists. */
export function calendarDate(text: string, what: string): string {
  const problem = calendarDateProblem(text);
  if (problem) throw new InputError(`${what} ${problem}, not "${text}"`);
  return text.trim();
}

/**
 * The options from their texts by name (the configuration's [ETL] section with flags laid over it), each
 * checked against its range; absent ones take their defaults.
 */
export function parseEtlOptions(texts: Readonly<Record<string, string | undefined>>, from: string): EtlCycleOptions {
  const unknown = Object.keys(texts).filter((name) => !ETL_OPTION_NAMES.includes(name));
  if (unknown.length > 0) throw new InputError(`${from} has no option ${unknown.join(', ')}; the [${ETL_SECTION}] options are ${ETL_OPTION_NAMES.join(', ')}`);
  const value = (key: keyof EtlCycleOptions): number | undefined => {
    const option = ETL_NUMBER_OPTIONS.find((o) => o.key === key);
    const text = option && texts[option.name];
    if (!option) return undefined;
    return text === undefined || text.trim() === '' ? option.fallback : wholeNumber(option, text, from);
  };
  const required = (key: keyof EtlCycleOptions): number => value(key) ?? Number.NaN;
  const options: EtlCycleOptions = {
    etlTimeout: required('etlTimeout'),
    dayChunk: required('dayChunk'),
    daysBack: required('daysBack'),
    daysAhead: required('daysAhead'),
    maxPurgeChunk: required('maxPurgeChunk'),
  };
  const purgeDaysBack = value('purgeDaysBack');
  if (purgeDaysBack !== undefined) options.purgeDaysBack = purgeDaysBack;
  const purgeDate = texts[PURGE_DATE_OPTION];
  if (purgeDate !== undefined && purgeDate.trim() !== '') options.purgeDate = calendarDate(purgeDate, `${from} ${PURGE_DATE_OPTION}`);
  return options;
}
