// The Backup-Restore Utility. The original's syntax (`-UPDATE -DB "<conn>" -SCRIPT file`) is accepted
// alongside long options: `originalSyntax` rewrites it before the parser sees it.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { stepProgress, updateDatabase } from '../../wfm/database.ts';
import { LATEST_RELEASE } from '../../wfm/releases/versions.ts';
import { withDatabase } from '../connections.ts';
import { passwordOptions, withPasswordOptions } from '../options.ts';
import { progressPrinter } from '../output.ts';
import { parseSeconds, printChange } from './dbu.ts';

const ORIGINAL_ACTIONS: Record<string, string> = { '-UPDATE': 'update', '-BACKUP': 'backup', '-RESTORE': 'restore', '-VERIFY': 'verify' };
const ORIGINAL_OPTIONS: Record<string, string> = { '-DB': '--db', '-SCRIPT': '--script', '-FILE': '--file', '-TABLES': '--tables' };

/** `wfm bru -UPDATE -DB x -SCRIPT f` becomes `wfm bru update --db x --script f`; anything else is left alone. */
export function originalSyntax(argv: readonly string[]): string[] {
  const at = argv.indexOf('bru');
  if (at < 0) return [...argv];
  const rest = argv.slice(at + 1);
  const action = rest.find((a) => ORIGINAL_ACTIONS[a.toUpperCase()]);
  if (!action) return [...argv];
  const translated = rest.filter((a) => a !== action).map((a) => ORIGINAL_OPTIONS[a.toUpperCase()] ?? a);
  return [...argv.slice(0, at + 1), ORIGINAL_ACTIONS[action.toUpperCase()] ?? action, ...translated];
}

function readScript(file: string): { text: string; file: string } {
  try {
    return { text: readFileSync(file, 'utf8'), file };
  } catch (error) {
    throw new InputError(`cannot read the script ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function registerBru(program: Command): void {
  const bru = program
    .command('bru')
    .description('the Backup-Restore Utility (also as the original: -UPDATE -DB "<conn>" [-SCRIPT file])');
  withPasswordOptions(bru.command('update'))
    .description('update a database to the latest release; an empty database is created at it')
    .requiredOption('--db <connection>', 'the database')
    .option('--script <file>', 'a script from wfm schema script: run only if it holds the needed steps unchanged')
    .option('--wait <seconds>', 'wait this long for another update of the same database to finish', '0')
    .option('--json', 'machine-readable output')
    .action(async (options: { db: string; script?: string; wait: string; json?: boolean }, command: Command) => {
      const script = options.script ? readScript(options.script) : undefined;
      const result = await withDatabase(options.db, passwordOptions(command), (connection) =>
        updateDatabase(connection, LATEST_RELEASE, {
          createWhenEmpty: true,
          script,
          lockWaitMs: parseSeconds(options.wait) * 1000,
          progress: stepProgress(progressPrinter(Boolean(options.json))),
        }),
      );
      printChange(result, Boolean(options.json));
    });
}
