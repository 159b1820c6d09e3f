// The Database Utility: create and update in place (migrate arrives with the 6.5 mapping).
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { createDatabase, type DatabaseState, describeState, updateDatabase } from '../../wfm/database.ts';
import { type CurrentRelease, isCurrentRelease, isRelease, LATEST_RELEASE, type Release, ALL_RELEASES, CURRENT_RELEASES } from '../../wfm/releases/index.ts';
import { registerMigrate } from './migrate.ts';
import { registerMigratePerformance } from './migrate-performance.ts';
import { registerCreateAndUpdate, type SchemaChangeWording } from './schema-change.ts';

export function parseRelease(text: string): Release {
  if (!isRelease(text)) throw new InputError(`unknown release "${text}"; this tool knows ${ALL_RELEASES.join(', ')}`);
  return text;
}

export function parseCurrentRelease(text: string): CurrentRelease {
  if (!isCurrentRelease(text)) throw new InputError(`"${text}" is not a release a database can be updated to; use one of ${CURRENT_RELEASES.join(', ')}`);
  return text;
}

/** How `dbu create|update` and `bru -UPDATE` tell what they changed in the WFM database. */
export const WFM_DATABASE_WORDING: SchemaChangeWording<DatabaseState> = {
  subject: 'the database',
  headline: (result, summary) => `${describeState(result.from)} is now at ${result.to} (${summary}):`,
};

export function registerDbu(program: Command): void {
  const dbu = program.command('dbu').description('the Database Utility: create, update in place, migrate 6.5, migrate performance data');
  registerCreateAndUpdate<Release, CurrentRelease, DatabaseState>(dbu, {
    create: {
      description: 'create the WFM schema of a release in an empty database',
      database: 'the empty database',
      release: { description: `the release to create (${ALL_RELEASES.join(', ')})`, default: LATEST_RELEASE, parse: parseRelease },
      change: createDatabase,
    },
    update: {
      description: 'update a 7.6 or later database in place, step by step, keeping every row',
      database: 'the database to update',
      release: { description: 'the release to reach', default: LATEST_RELEASE, parse: parseCurrentRelease },
      change: updateDatabase,
      waitsFor: 'another update of the same database',
    },
    wording: WFM_DATABASE_WORDING,
  });
  registerMigrate(dbu);
  registerMigratePerformance(dbu);
}
