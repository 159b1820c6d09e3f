// The demo's first story: a two-step migration of a 6.5 database, with performance data collected all the
// way through, first by the 6.5 Data Aggregator and then by the 8.5.2 one, and no interval left out.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type ConnectionTarget } from '../../engine/dialect/index.ts';
import { OperationError } from '../../engine/errors.ts';
import type { ProgressListener } from '../../engine/progress.ts';
import { Aggregator, epochOfTimestamp, timestampOf } from '../../wfm/aggregator/index.ts';
import { ConfigFile } from '../../wfm/config/index.ts';
import { databaseInfo } from '../../wfm/database.ts';
import { migrateLegacy } from '../../wfm/migrate.ts';
import { migratePerformance, type PerformanceMigrationResult } from '../../wfm/migrate-performance.ts';
import { simulate, type SimulateSummary, afterLastPerformance } from '../../wfm/simulate/index.ts';
import { closedThrough, performanceTimeline } from '../../wfm/timeline.ts';
import { verifyMigration } from '../../wfm/verify.ts';
import { formatBytes, formatCount, formatDuration, formatTable, printLine, rowsPerSecond } from '../output.ts';
import { contentHashes, generated, indent, type Size } from './demo-parts.ts';
import { counted } from '../../engine/wording.ts';

const HOUR = 3600;
const SEED = 7;

/** Interactions per hour at the busiest time: about one every minute per ten agents. */
const rateFor = (size: Size): number => Math.max(600, size.agents * 6);

const when = (epoch: number): string => timestampOf(epoch).slice(0, 16);

function configText(legacyPath: string, targetPath: string): string {
  return [
    '# The demo installation: the 6.5 database, the new 8.5.2 one, and the WFM Client option of the two steps.',
    'databases:',
    `  wfm65:\n    connection: "sqlite:${legacyPath}"`,
    `  wfm852:\n    connection: "sqlite:${targetPath}"`,
    'applications:',
    '  WFM Client:\n    type: client\n    release: 8.5.2\n    connections: [wfm852]\n    options:\n      Options:\n        AllowMigratePerformance: 0',
    '  WFM Data Aggregator:\n    type: data-aggregator\n    release: 8.5.2\n    connections: [wfm852]',
    '',
  ].join('\n');
}

function performanceTable(result: PerformanceMigrationResult): string {
  return indent(
    formatTable(
      ['6.5 table', '8.5.2 table', 'read', 'inserted', 'updated', 'unchanged', 'conflicts', 'verified'],
      result.tables.map((t) => [t.source, t.target, t.rowsRead, t.inserted, t.updated, t.unchanged, t.conflicts, t.verified ? 'yes' : 'NO']),
    ),
  );
}

export async function twoStepStory(dir: string, size: Size, listener: ProgressListener): Promise<ConnectionTarget> {
  const legacyPath = join(dir, 'wfm-6.5.201.db');
  const targetPath = join(dir, 'wfm-8.5.2.db');
  const from: ConnectionTarget = { engine: 'sqlite', path: legacyPath };
  const to: ConnectionTarget = { engine: 'sqlite', path: targetPath };
  const configPath = join(dir, 'wfm.yaml');
  writeFileSync(configPath, configText(legacyPath, targetPath));
  const config = ConfigFile.load(configPath);
  const client = config.application('WFM Client');

  printLine('Two-step migration of WFM 6.5 to 8.5.2, with performance data collected all the way through');
  const source = await generated(legacyPath, '6.5.201', size, listener);
  const info = await databaseInfo(source);
  const cutOverBase = (await afterLastPerformance(source)) as number;
  await source.close();
  printLine(`1. A WFM 6.5.201 database (${legacyPath}): ${counted(size.agents, 'agent')}, ${counted(size.days, 'day')} of history, ${counted(info.tables.reduce((s, t) => s + t.rows, 0), 'row')}, ${formatBytes(info.sizeBytes)}`);

  const rate = rateFor(size);
  const legacySimulation = (start: number, hours: number, file: string): Promise<SimulateSummary> =>
    simulate({ target: { legacyDb: from }, seed: SEED, start, durationSeconds: hours * HOUR, interactionsPerHour: rate, eventsOut: file });
  const before = await legacySimulation(cutOverBase, 2, join(dir, 'events-6.5-aggregator-1.jsonl'));
  printLine(`2. The 6.5 Data Aggregator keeps collecting: ${when(cutOverBase)} to ${when(cutOverBase + 2 * HOUR)} UTC, ${formatCount(before.interactions.offered)} interactions written into 6.5`);

  const reader = await connect({ ...from, readOnly: true });
  const hashesBefore = await contentHashes(reader);
  await reader.close();
  const allowStepOne = config.option(client, 'Options', 'AllowMigratePerformance') === '1';
  const stepOne = await migrateLegacy(from, to, { allowMigratePerformance: allowStepOne, onProgress: listener });
  const probe = await connect({ ...from, readOnly: true });
  const hashesAfter = await contentHashes(probe);
  await probe.close();
  const touched = [...hashesBefore].filter(([table, hash]) => hashesAfter.get(table) !== hash).map(([table]) => table);
  printLine(`3. Step one (${configPath}: WFM Client Options.AllowMigratePerformance = 0): wfm dbu migrate, everything but the performance data:`);
  printLine(indent(formatTable(['6.5 table', '8.5.2 table', 'rows', 'rows/s', 'verified'], stepOne.tables.map((t) => [t.source, t.target, t.rowsWritten, rowsPerSecond(t), t.verified ? 'yes' : 'NO']))));
  printLine(`   ${counted(stepOne.tables.reduce((s, t) => s + t.rowsWritten, 0), 'row')} in ${formatDuration(Math.round(stepOne.seconds * 1000))}; the 6.5 database was only read (${touched.length === 0 ? 'every table hashes as before' : `${touched.join(', ')} changed`})`);

  const cutOver = cutOverBase + 2 * HOUR;
  const newEvents = join(dir, 'events-8.5.2-aggregator.jsonl');
  const aggregator = await Aggregator.start({
    name: 'WFM Data Aggregator',
    release: '8.5.2',
    target: to,
    spoolDirectory: mkdtempSync(join(dir, 'spool-')),
    port: 0,
    host: '127.0.0.1',
    closeAfterSeconds: 1800,
    heartbeatSeconds: 1,
    // The story's history is generated in the past: the aggregator is told to accept events from the cut-over on.
    maxEventAgeSeconds: Math.floor(Date.now() / 1000) - cutOver + HOUR,
  });
  const url = aggregator.url;
  let live: SimulateSummary;
  try {
    [live] = await Promise.all([
      simulate({ target: { url: aggregator.url }, seed: SEED, start: cutOver, durationSeconds: 3 * HOUR, interactionsPerHour: rate, eventsOut: newEvents }),
      legacySimulation(cutOver, 1, join(dir, 'events-6.5-aggregator-2.jsonl')),
    ]);
    if (!(await aggregator.drain(60_000))) throw new OperationError('the demo’s Data Aggregator did not take its events within a minute');
  } finally {
    await aggregator.stop();
  }
  const status = aggregator.status();
  printLine(
    `4. The 8.5.2 Data Aggregator starts (${url}, registered with a heartbeat); wfm simulate sends it ${when(cutOver)} to ${when(cutOver + 3 * HOUR)} live: ` +
      `${counted(status.applied, 'event')}, ${formatCount(live.interactions.offered)} interactions, ${counted(status.intervalsClosed, 'interval')} closed. The 6.5 aggregator keeps collecting its first hour too.`,
  );

  config.setOption(client, 'Options', 'AllowMigratePerformance', '1');
  const stepTwo = await migratePerformance(from, to, { conflict: 'keep-target', onProgress: listener });
  printLine('5. Step two (AllowMigratePerformance = 1): wfm dbu migrate-performance; 6.5 rows of intervals the new aggregator collected are kept out and reported:');
  printLine(performanceTable(stepTwo));
  const lastHour = await legacySimulation(cutOver + HOUR, 1, join(dir, 'events-6.5-aggregator-3.jsonl'));
  const catchUp = await migratePerformance(from, to, { conflict: 'keep-target', onProgress: listener });
  printLine(`6. The 6.5 aggregator collects one more hour (${formatCount(lastHour.interactions.offered)} interactions) before it is shut down; the catch-up run reads only from where step two ended:`);
  printLine(performanceTable(catchUp));

  const verification = await verifyMigration(from, to, { allowMigratePerformance: false });
  const differing = verification.filter((t) => !t.equal);
  const target = await connect({ ...to, readOnly: true });
  try {
    const until = (await closedThrough(target)) ?? cutOver;
    const timeline = await performanceTimeline(target, cutOverBase, until);
    const [offered] = await target.query(`SELECT SUM(offered) AS n FROM activity_performance WHERE interval_start >= ${target.compiler.parameter(1)}`, [timestampOf(cutOverBase)]);
    const sent = before.interactions.offered + live.interactions.offered;
    const [first] = await target.query('SELECT MIN(interval_start) AS first FROM activity_performance');
    printLine(`7. wfm verify: ${differing.length === 0 ? `all ${counted(verification.length, 'table')} of step one equal` : `${counted(differing.length, 'table')} differ`}; performance timeline from ${when(cutOverBase)} to ${when(until)}:`);
    // A catch-up reads the last day of the previous run again: count each kept-out row once.
    const conflicts = new Set([...stepTwo.conflicts, ...catchUp.conflicts].map((c) => `${c.table} ${c.key}`)).size;
    printLine(
      indent(
        formatTable(
          ['from', 'to', 'collected by', 'in 8.5.2'],
          [
            [when(epochOfTimestamp(first?.first ?? null)), when(cutOverBase), '6.5 history', 'migrated in step two'],
            [when(cutOverBase), when(cutOver), '6.5 aggregator', 'migrated in step two'],
            [when(cutOver), when(cutOver + 2 * HOUR), '6.5 and 8.5.2 aggregators', `the 8.5.2 aggregator's rows; ${formatCount(conflicts)} 6.5 rows kept out`],
            [when(cutOver + 2 * HOUR), when(until), '8.5.2 aggregator', 'collected live'],
          ],
        ),
      ),
    );
    printLine(
      `   ${timeline.activities} activities × ${counted(timeline.intervals, 'interval')}: ${timeline.missing.length === 0 ? 'every interval present exactly once' : `${timeline.missing.length} missing`}; ` +
        `${formatCount(Number(offered?.n ?? 0))} interactions offered in the database = ${formatCount(sent)} sent`,
    );
    if (differing.length > 0 || touched.length > 0 || timeline.missing.length > 0 || Number(offered?.n ?? 0) !== sent || [...stepTwo.tables, ...catchUp.tables].some((t) => !t.verified)) {
      throw new OperationError(`the demo found a difference in the two-step migration: ${[...differing.map((t) => t.target), ...touched].join(', ') || 'see above'}`);
    }
  } finally {
    await target.close();
  }
  return to;
}
