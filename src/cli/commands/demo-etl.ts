// The demo's last story: the updated WFM database feeds an ETL database over the demo's last week, as WFM
// Server does on its timer, and a report reads adherence by site from it.
import { join } from 'node:path';
import { connect } from '../../engine/dialect/index.ts';
import { OperationError } from '../../engine/errors.ts';
import { counted } from '../../engine/wording.ts';
import { addDays, createEtlDatabase, LATEST_ETL_RELEASE, etlReport, runEtlCycle } from '../../wfm/etl/index.ts';
import { formatDuration, formatTable, printLine } from '../output.ts';
import { DEMO_FIRST_DAY, indent, type Size } from './demo-parts.ts';

/** The demo's last days at most that the cycle covers: a week keeps the demo short at its default size. */
const REPORTED_DAYS = 7;

const hours = (seconds: number): string => (seconds / 3600).toFixed(1);

export async function etlStory(dir: string, wfmPath: string, size: Size): Promise<void> {
  const etlPath = join(dir, 'wfm-etl.db');
  printLine('Filling an ETL database from the updated WFM database, and a report from it');
  const wfm = await connect({ engine: 'sqlite', path: wfmPath, readOnly: true });
  const etl = await connect({ engine: 'sqlite', path: etlPath });
  try {
    await createEtlDatabase(etl);
    printLine(`1. wfm etl create: the ETL schema at ${LATEST_ETL_RELEASE} in ${etlPath}`);
    const started = performance.now();
    const covered = Math.min(REPORTED_DAYS, size.days);
    const today = addDays(DEMO_FIRST_DAY, size.days - covered);
    // DaysAhead takes at least 1: a one-day demo has a second, empty day in its window.
    const cycle = await runEtlCycle(wfm, etl, { today, daysBack: 0, daysAhead: Math.max(1, covered - 1), dayChunk: REPORTED_DAYS, maxPurgeChunk: 100_000 });
    const took = formatDuration(Math.round(performance.now() - started));
    printLine(`2. wfm etl run: ${counted(cycle.rowsWritten, 'fact row')} for ${cycle.window.first}..${cycle.window.last} in ${counted(cycle.chunks.length, 'transaction')}, ${took}`);
    const report = await etlReport(etl, { kind: 'adherence-site', first: cycle.window.first, last: cycle.window.last });
    const sites = report.kind === 'adherence' ? report.rows : [];
    if (sites.length === 0) throw new OperationError(`the ETL cycle gave no adherence fact for ${cycle.window.first}..${cycle.window.last}`);
    printLine(`3. Adherence by site, ${cycle.window.first}..${cycle.window.last} (read from WFM_ADH_SITE_DAY):`);
    const rows = sites.map((s) => [s.name, s.days, hours(s.scheduleSeconds), hours(s.nonAdherenceSeconds), s.adherencePercent === null ? '–' : `${s.adherencePercent.toFixed(1)}%`]);
    printLine(indent(formatTable(['site', 'days', 'scheduled h', 'out of adherence h', 'adherence'], rows)));
  } finally {
    await etl.close();
    await wfm.close();
  }
}
