// The ETL database's public module: its releases, creating and updating it, recognizing it, its
// reviewable script, and the cycle that fills it.
export { createEtlDatabase, describeEtlState, detectEtlRelease, type EtlChangeResult, type EtlState, updateEtlDatabase } from './database.ts';
export { ETL_SCRIPT_FILES, etlScript, isEtlScript } from './script.ts';
export { compareEtlReleases, ETL_RELEASES, type EtlRelease, isEtlRelease, LATEST_ETL_RELEASE } from './versions.ts';
export { type EtlCycleResult, type EtlCycleRun, factTables, runEtlCycle } from './cycle/cycle.ts';
export { calendarDate, type EtlCycleOptions, ETL_NUMBER_OPTIONS, ETL_OPTION_NAMES, ETL_SECTION, parseEtlOptions, PURGE_DATE_OPTION } from './cycle/options.ts';
export {
  type ActivityPerformanceRow,
  type AdherenceRow,
  etlReport,
  type EtlReport,
  isReportKind,
  MAX_REPORT_DAYS,
  parseReportRequest,
  readEtlReport,
  REPORT_KINDS,
  REPORT_TITLES,
  type ReportKind,
  type ReportRequest,
} from './reports.ts';
export { addDays } from './cycle/local-days.ts';
