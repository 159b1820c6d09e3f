// `wfm demo`: the whole story on the embedded SQLite default, with nothing to set up. The story and all it
// runs load only when the demo starts, not with the help of every command.
import type { Command } from 'commander';
import { positiveInteger } from '../options.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the story on SQLite: a two-step migration of 6.5 with a live Data Aggregator, verified; a backup restored; a 7.6 database updated in place, then an ETL cycle and an adherence report')
    .option('--dir <folder>', 'where to put the demo databases (default: a new temporary folder, removed afterwards)')
    .option('--agents <n>', 'agents in the generated databases', '300')
    .option('--days <n>', 'days of history', '28')
    .action(async (options: { dir?: string; agents: string; days: string }) => {
      const size = { agents: positiveInteger(options.agents, '--agents'), days: positiveInteger(options.days, '--days') };
      const { tellDemo } = await import('./demo-story.ts');
      await tellDemo(options.dir, size);
    });
}
