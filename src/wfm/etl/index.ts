// The ETL database's public module: its releases, creating and updating it, recognizing it, and its
// reviewable script.
export { createEtlDatabase, describeEtlState, detectEtlRelease, type EtlChangeResult, type EtlState, updateEtlDatabase } from './database.ts';
export { ETL_SCRIPT_FILES, etlScript, isEtlScript } from './script.ts';
export { compareEtlReleases, ETL_RELEASES, type EtlRelease, isEtlRelease, LATEST_ETL_RELEASE } from './versions.ts';
