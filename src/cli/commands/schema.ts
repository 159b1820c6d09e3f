import type { Command } from 'commander';
import { dialectFor } from '../../engine/dialect/index.ts';
import { InputError } from '../../engine/errors.ts';
import type { EngineName } from '../../engine/dialect/connection-string.ts';
import { TOOL_VERSION } from '../../wfm/database.ts';
import { creationStep, stepsBetween, compareReleases, LATEST_RELEASE } from '../../wfm/releases/index.ts';
import { renderScript } from '../../wfm/script.ts';
import { printLine } from '../output.ts';
import { parseCurrentRelease } from './dbu.ts';

const DIALECTS: Record<string, EngineName> = { sqlite: 'sqlite', postgres: 'postgres', postgresql: 'postgres', mysql: 'mysql', mariadb: 'mysql' };

export function registerSchema(program: Command): void {
  const schema = program.command('schema').description('the WFM schema as SQL a DBA can review');
  schema
    .command('script')
    .description('print the SQL that creates a release (no --from) or updates one release to another')
    .requiredOption('--dialect <engine>', 'sqlite, postgres or mysql (MariaDB)')
    .option('--from <release>', 'the release the database is at (omit to create)')
    .option('--to <release>', 'the release to reach', LATEST_RELEASE)
    .action(async (options: { dialect: string; from?: string; to: string }) => {
      const engine = DIALECTS[options.dialect.toLowerCase()];
      if (!engine) throw new InputError(`unknown dialect "${options.dialect}"; use sqlite, postgres or mysql`);
      const dialect = await dialectFor(engine);
      const to = parseCurrentRelease(options.to);
      const from = options.from === undefined ? undefined : parseCurrentRelease(options.from);
      if (from && compareReleases(from, to) > 0) throw new InputError(`--from ${from} is later than --to ${to}`);
      const steps = from ? stepsBetween(from, to) : [creationStep(to)];
      const header = [
        `WFM schema script for ${engine}: ${from ? `update ${from} to ${to}` : `create ${to}`}`,
        `written by wfm-migrate ${TOOL_VERSION}`,
        'Run it with: wfm bru -UPDATE -DB "<connection>" -SCRIPT <this file>',
        'Each step is checked against its checksum before it runs; a changed step is refused.',
      ];
      process.stdout.write(renderScript(dialect.compiler, steps, header));
      if (steps.length === 0) printLine(`-- nothing to do: ${from} is ${to}`);
    });
}
