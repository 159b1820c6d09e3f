import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { createDatabase, describeState, detectRelease } from '../../wfm/database.ts';
import { withDatabase } from '../connections.ts';
import { connectionOptions, positiveInteger, releaseOption, withConnectionOptions, withReleaseOption, withVolumeOptions } from '../options.ts';
import { formatDuration, formatTable, printJson, printLine, progressFor } from '../output.ts';
import { parseRelease } from './dbu.ts';
import { counted } from '../../engine/wording.ts';

export function registerGenerate(program: Command): void {
  withReleaseOption(
    withVolumeOptions(withConnectionOptions(program.command('generate'))).description(
      'fill a database with realistic, deterministic WFM data of a release (created first if the database is empty)',
    ),
    'the release of the data (6.5.104, 6.5.201, 7.6 ... 8.5.2)',
  )
    .option('--db <connection>', 'the database: empty, or already at that release')
    .option('--agents <n>', 'number of agents', '200')
    .option('--days <n>', 'days of history', '28')
    .option('--seed <n>', 'random seed: the same seed gives the same data', '1')
    .option('--json', 'machine-readable output')
    .action(async (options: { release?: string; version?: string; db?: string; agents: string; days: string; seed: string; json?: boolean }, command: Command) => {
      const release = parseRelease(releaseOption(options));
      const agents = positiveInteger(options.agents, '--agents');
      const days = positiveInteger(options.days, '--days');
      const seed = Number(options.seed);
      if (!Number.isInteger(seed)) throw new InputError(`--seed must be a whole number, not "${options.seed}"`);
      const { generate } = await import('../../wfm/generate/index.ts');
      const listener = progressFor(options);
      const started = performance.now();
      const summary = await withDatabase(options.db, connectionOptions(command), async (connection) => {
        const state = await detectRelease(connection);
        if (state.kind === 'empty') await createDatabase(connection, release);
        else if (!(state.kind === 'legacy' || state.kind === 'current') || state.release !== release) {
          throw new InputError(`${connection.description} is ${describeState(state)}; generate --release ${release} needs an empty database or one at ${release}`);
        }
        return generate(connection, release, {
          agents,
          days,
          seed,
          onProgress: listener,
        });
      });
      const durationMs = Math.round(performance.now() - started);
      const tables = Object.entries(summary.rowsPerTable).filter(([, rows]) => rows > 0);
      const total = tables.reduce((sum, [, rows]) => sum + rows, 0);
      if (options.json) {
        printJson({ release, agents, days, seed, durationMs, rows: total, tables: Object.fromEntries(tables) });
        return;
      }
      printLine(formatTable(['table', 'rows'], tables.map(([name, rows]) => [name, rows])));
      printLine();
      printLine(`${counted(total, 'row')} of ${release} data in ${formatDuration(durationMs)} (${counted(Math.round(total / Math.max(durationMs / 1000, 0.001)), 'row')}/s)`);
    });
}
