// The ETL database: create and update its schema, and run the ETL cycle that fills it, once (`etl run`) or
// on WFM Server's timer (`etl serve`).
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { createEtlDatabase, describeEtlState, ETL_RELEASES, type EtlRelease, type EtlState, isEtlRelease, LATEST_ETL_RELEASE, updateEtlDatabase } from '../../wfm/etl/index.ts';
import { registerEtlCycle } from './etl-cycle.ts';
import { registerCreateAndUpdate, type SchemaChangeWording } from './schema-change.ts';

export function parseEtlRelease(text: string): EtlRelease {
  if (!isEtlRelease(text)) throw new InputError(`"${text}" is not a release of the ETL database; use one of ${ETL_RELEASES.join(', ')}`);
  return text;
}

/** How `etl create|update` and `bru -UPDATE` with an ETL script tell what they changed. */
export const ETL_DATABASE_WORDING: SchemaChangeWording<EtlState> = {
  subject: 'the ETL database',
  headline: (result, summary) => `${result.from.kind === 'absent' ? 'the database' : describeEtlState(result.from)} now holds a WFM ETL database at release ${result.to} (${summary}):`,
};

export function registerEtl(program: Command): void {
  const etl = program.command('etl').description('the WFM ETL database that reporting reads: its schema at every release, and the cycle that fills it');
  registerCreateAndUpdate<EtlRelease, EtlRelease, EtlState>(etl, {
    create: {
      description: 'create the ETL tables of a release in a database that has none (a database of its own, or the WFM database)',
      database: 'the database',
      release: { description: `the ETL release to create (${ETL_RELEASES.join(', ')})`, default: LATEST_ETL_RELEASE, parse: parseEtlRelease },
      change: createEtlDatabase,
    },
    update: {
      description: 'update an ETL database in place, step by step, keeping every row',
      database: 'the database holding the ETL tables',
      release: { description: 'the ETL release to reach', default: LATEST_ETL_RELEASE, parse: parseEtlRelease },
      change: updateEtlDatabase,
      waitsFor: 'another change of the same database',
    },
    wording: ETL_DATABASE_WORDING,
  });
  registerEtlCycle(etl);
}
