// Every release this tool knows: the schema model of each current release (7.6's tables with the later
// steps applied) and the steps between two releases.
import { type SchemaModel, tablesInDependencyOrder } from '../../engine/schema/model.ts';
import { modelAfter, type Step } from '../../engine/steps/operations.ts';
import { RELEASE_STEPS } from './steps.ts';
import { compareReleases, type CurrentRelease } from './versions.ts';

export const HISTORY_TABLE = 'wm_db_version';

export function releaseModel(release: CurrentRelease): SchemaModel {
  return modelAfter(RELEASE_STEPS.filter((s) => compareReleases(s.version, release) <= 0));
}

/** The steps that take a database at `from` to `to`. */
export function stepsBetween(from: CurrentRelease, to: CurrentRelease): Step[] {
  return RELEASE_STEPS.filter((s) => compareReleases(s.version, from) > 0 && compareReleases(s.version, to) <= 0);
}

/**
 * One step that builds a release directly: the history table first, so that a creation interrupted where
 * DDL cannot roll back is recognized as one, then every table of the model, parents first.
 */
export function creationStep(release: CurrentRelease): Step {
  const tables = tablesInDependencyOrder(releaseModel(release));
  const ordered = [...tables.filter((t) => t.name === HISTORY_TABLE), ...tables.filter((t) => t.name !== HISTORY_TABLE)];
  return {
    version: release,
    description: `create the WFM ${release} schema`,
    operations: ordered.map((table) => ({ kind: 'createTable', table })),
  };
}

export { RELEASE_STEPS } from './steps.ts';
export * from './versions.ts';
