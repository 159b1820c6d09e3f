// `wfm generate`: realistic, deterministic synthetic WFM data at any release, into a database whose schema
// the caller has created. Data already there stays: new ids follow the largest ones and names are made
// unique, so generating twice doubles the data (the same people and history again, under new keys). The
// same seed, options and starting state give the same rows.
import type { Connection } from '../../engine/dialect/types.ts';
import { InputError } from '../../engine/errors.ts';
import { lockDatabase } from '../database.ts';
import { isLegacyRelease, type Release } from '../releases/versions.ts';
import { currentLayout, writeCurrent } from './current.ts';
import { IdCounter } from './ids.ts';
import { LEGACY_LAYOUT, writeLegacy } from './legacy-6.5.ts';
import type { Organization } from './model.ts';
import { UniqueNames } from './names.ts';
import { buildOrganization } from './organization.ts';
import { existingCodes, existingValues, TableSink } from './sink.ts';
import { dayOfIsoDate } from './time.ts';
import type { ProgressListener } from '../../engine/progress.ts';

export interface GenerateOptions {
  /** About this many agents, spread over the sites. */
  agents: number;
  /** Days of history. */
  days: number;
  seed: number;
  /** First day of the history, YYYY-MM-DD; default 2024-01-01. */
  startDate?: string;
  /** Rows written so far to a table, now and then while it is written and once when it is done. */
  /** Per table: rows written, rate and (never known in advance) no ETA. */
  onProgress?: ProgressListener;
}

export interface GenerateSummary {
  release: Release;
  rowsPerTable: Record<string, number>;
  totalRows: number;
}

const DEFAULT_START_DATE = '2024-01-01';

/** The first day of the history, once the options are known to be usable. */
function firstDayOf(options: GenerateOptions): number {
  for (const [name, value] of [
    ['agents', options.agents],
    ['days', options.days],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InputError(`${name} must be a whole number of at least 1, not ${value}`);
  }
  if (!Number.isSafeInteger(options.seed)) throw new InputError(`the seed must be a whole number, not ${options.seed}`);
  const startDate = options.startDate ?? DEFAULT_START_DATE;
  const firstDay = dayOfIsoDate(startDate);
  if (firstDay === undefined) throw new InputError(`the start date must be a date of the form YYYY-MM-DD, not "${startDate}"`);
  return firstDay;
}

const names = async (connection: Connection, [table, column]: readonly [string, string]): Promise<UniqueNames> => new UniqueNames(await existingValues(connection, table, column));

export async function generate(connection: Connection, release: Release, options: GenerateOptions): Promise<GenerateSummary> {
  const firstDay = firstDayOf(options);
  const lock = await lockDatabase(connection, 'wfm generate');
  try {
    return await generateFrom(connection, release, options, firstDay);
  } finally {
    await lock.release();
  }
}

async function generateFrom(connection: Connection, release: Release, options: GenerateOptions, firstDay: number): Promise<GenerateSummary> {
  const layout = isLegacyRelease(release) ? LEGACY_LAYOUT : currentLayout(release);
  const sink = await TableSink.open(connection, options.onProgress);
  sink.requireTables([...Object.values(layout.idColumns), layout.businessUnitNames, layout.siteNames, layout.logins, layout.states, layout.reasons].map(([table]) => table));
  const ids = await IdCounter.fromDatabase(connection, layout.idColumns);
  const org: Organization = buildOrganization({
    seed: options.seed,
    agents: options.agents,
    firstDay,
    days: options.days,
    ids,
    names: {
      businessUnit: await names(connection, layout.businessUnitNames),
      site: await names(connection, layout.siteNames),
      login: await names(connection, layout.logins),
    },
    existing: {
      states: await existingCodes(connection, ...layout.states),
      reasons: await existingCodes(connection, ...layout.reasons),
    },
  });
  if (isLegacyRelease(release)) {
    await writeLegacy({ connection, sink, org, release, ids });
  } else {
    const roleNames = layout.roleNames ? await names(connection, layout.roleNames) : new UniqueNames([]);
    await writeCurrent({ sink, org, release, ids, roleNames });
  }
  const totalRows = Object.values(sink.rowsPerTable).reduce((sum, rows) => sum + rows, 0);
  return { release, rowsPerTable: sink.rowsPerTable, totalRows };
}
