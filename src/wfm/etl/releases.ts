// Each ETL release's schema model and the steps between releases, derived from the one declaration of
// the ETL tables (tables.ts): a release's model is every table introduced up to it; the step of a release
// creates the tables it introduced.
import { integer, NULLABLE, timestamp, varchar } from '../../engine/schema/builders.ts';
import { type SchemaModel, type TableModel, tablesInDependencyOrder } from '../../engine/schema/model.ts';
import type { Step } from '../../engine/steps/operations.ts';
import { ETL_TABLES, type EtlTableDeclaration } from './tables.ts';
import { compareEtlReleases, ETL_RELEASES, type EtlRelease } from './versions.ts';

/**
 * The ETL database's version history. Its columns are the step runner's, the same as the WFM database's
 * history table, so that one machinery records the steps of both.
 */
export const ETL_VERSION_TABLE = 'CTL_ETL_VERSION';

const VERSION_TABLE: TableModel = {
  name: ETL_VERSION_TABLE,
  columns: [varchar('version', 20), timestamp('applied_at'), varchar('checksum', 64, NULLABLE), varchar('tool_version', 32, NULLABLE), integer('duration_ms', NULLABLE)],
  primaryKey: ['version'],
  indexes: [],
  foreignKeys: [],
};

/** What each release brings: the description of its update step, and part of a creation's. */
const RELEASE_CONTENTS: Record<EtlRelease, string> = {
  '8.1': 'dimensions, schedule facts per agent, team and site, control tables',
  '8.5': 'adherence facts per agent, team and site, and performance facts per activity and site',
};

function tableModel(declaration: EtlTableDeclaration): TableModel {
  const { name } = declaration;
  const keyColumn = `${name}_KEY`;
  return {
    name,
    columns: [{ name: keyColumn, type: { kind: 'bigint' }, nullable: false }, ...structuredClone(declaration.columns)],
    primaryKey: [keyColumn],
    indexes: [
      ...(declaration.unique ? [{ name: `${name}_UQ1`, columns: declaration.unique, unique: true }] : []),
      ...(declaration.indexes ?? []).map((columns, i) => ({ name: `${name}_IX${i + 1}`, columns, unique: false })),
    ],
    foreignKeys: Object.entries(declaration.references).map(([column, target], i) => ({
      name: `${name}_FK${i + 1}`,
      columns: [column],
      referencedTable: target,
      referencedColumns: [`${target}_KEY`],
    })),
  };
}

const releasesUpTo = (release: EtlRelease): EtlRelease[] => ETL_RELEASES.filter((r) => compareEtlReleases(r, release) <= 0);

const introducedBy = (release: EtlRelease): TableModel[] => ETL_TABLES.filter((t) => t.since === release).map(tableModel);

export function etlModel(release: EtlRelease): SchemaModel {
  return { tables: [VERSION_TABLE, ...ETL_TABLES.filter((t) => compareEtlReleases(t.since, release) <= 0).map(tableModel)] };
}

/** The step that takes the ETL database of the release before `release` to it. */
function updateStep(release: EtlRelease): Step {
  const tables = tablesInDependencyOrder({ tables: introducedBy(release) });
  return { version: release, description: RELEASE_CONTENTS[release], operations: tables.map((table) => ({ kind: 'createTable', table })) };
}

/** The steps that take an ETL database at `from` to `to`. */
export function etlStepsBetween(from: EtlRelease, to: EtlRelease): Step[] {
  return ETL_RELEASES.filter((r) => compareEtlReleases(r, from) > 0 && compareEtlReleases(r, to) <= 0).map(updateStep);
}

/**
 * One step that builds a release directly: the version table first, so that a creation interrupted where
 * DDL cannot roll back is recognized as one, then every table, referenced tables first.
 */
export function etlCreationStep(release: EtlRelease): Step {
  const tables = tablesInDependencyOrder({ tables: etlModel(release).tables.filter((t) => t.name !== ETL_VERSION_TABLE) });
  return {
    version: release,
    description: `create the WFM ETL ${release} schema: ${releasesUpTo(release).map((r) => RELEASE_CONTENTS[r]).join('; ')}`,
    operations: [VERSION_TABLE, ...tables].map((table) => ({ kind: 'createTable', table })),
  };
}
