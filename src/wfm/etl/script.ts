// The ETL database's reviewable script (the original's WFM_ETL_<engine>.sql). It has the form of the WFM
// database's script, so `bru -UPDATE -SCRIPT` checks it the same way; its first line says it is an ETL
// script, which is how `bru -UPDATE` knows to update the ETL tables of the database it is given.
import type { EngineName } from '../../engine/dialect/connection-string.ts';
import type { QueryCompiler } from '../../engine/dialect/types.ts';
import { TOOL_VERSION } from '../database.ts';
import { renderScript } from '../script.ts';
import { etlCreationStep, etlStepsBetween } from './releases.ts';
import type { EtlRelease } from './versions.ts';

const ETL_SCRIPT_TITLE = 'WFM ETL schema script';

/** The original's file name for each engine's script, where this tool writes one by default. */
export const ETL_SCRIPT_FILES: Record<EngineName, string> = {
  sqlite: 'WFM_ETL_SQLITE.sql',
  postgres: 'WFM_ETL_PGSQL.sql',
  mysql: 'WFM_ETL_MYSQL.sql',
  mssql: 'WFM_ETL_MSQL.sql',
  oracle: 'WFM_ETL_ORA.sql',
};

export function etlScript(compiler: QueryCompiler, engine: EngineName, to: EtlRelease, from?: EtlRelease): string {
  const steps = from ? etlStepsBetween(from, to) : [etlCreationStep(to)];
  const header = [
    `${ETL_SCRIPT_TITLE} for ${engine}: ${from ? `update ${from} to ${to}` : `create ${to}`}`,
    `written by wfm-migrate ${TOOL_VERSION}`,
    `Run it with: wfm bru -UPDATE -DB "<ETL database>" -SCRIPT ${ETL_SCRIPT_FILES[engine]}`,
    'Each step is checked against its checksum before it runs; a changed step is refused.',
  ];
  return renderScript(compiler, steps, header);
}

export function isEtlScript(text: string): boolean {
  return text.trimStart().startsWith(`-- ${ETL_SCRIPT_TITLE} `);
}
