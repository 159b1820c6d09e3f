import type { Command } from 'commander';
import { flagOption } from '../config-options.ts';
import { describeTarget } from '../../engine/dialect/index.ts';
import { configOf, resolveTarget, withDatabase, type ConnectionOptions } from '../connections.ts';
import { InputError } from '../../engine/errors.ts';
import { databaseArguments, verifySettings, type SettingFinding } from '../../wfm/settings.ts';
import { connectionOptions, withConnectionOptions } from '../options.ts';
import { formatTable, printJson, printLine } from '../output.ts';
import { counted } from '../../engine/wording.ts';

export function registerVerify(program: Command): void {
  withConnectionOptions(program.command('verify'))
    .description('data: recompute the row count and content hash of every table of a 6.5 database (under the mapping) and of the 8.5.2 database it was migrated to; settings (--settings): the connections and settings the guide asks to verify')
    .option('--from <connection>', 'the 6.5 database')
    .option('--db <connection>', 'with --settings: the 8.5.2 database (or --dap NAME)')
    .option('--settings', 'check the Data Aggregator settings of business units and sites, WFM Servers, agents per site, and users')
    .option('--to <connection>', 'the 8.5.2 database (or --dap NAME)')
    .option('--allow-migrate-performance <0|1>', '0: the performance data was left for step two, do not compare it (default: the WFM Client option in --config, else 1)')
    .option('--json', 'machine-readable output')
    .action(async (options: { from?: string; to?: string; db?: string; settings?: boolean; allowMigratePerformance?: string; json?: boolean }, command: Command) => {
      const passwords = connectionOptions(command);
      if (options.settings) {
        const database = await settingsDatabaseArguments(options.db, passwords);
        printSettings(await withDatabase(options.db, passwords, (c) => verifySettings(c, database), true), Boolean(options.json));
        return;
      }
      if (options.from === undefined) throw new InputError('name the 6.5 database with --from (or check settings with --settings --db URL)');
      const { verifyMigration } = await import('../../wfm/verify.ts');
      const tables = await verifyMigration(await resolveTarget(options.from, passwords), await resolveTarget(options.to, passwords, '--to'), {
        allowMigratePerformance: flagOption(passwords, options.allowMigratePerformance, 'client', 'AllowMigratePerformance', true).value,
      });
      const different = tables.filter((t) => !t.equal);
      if (options.json) {
        printJson({ equal: different.length === 0, tables });
      } else {
        printLine(
          formatTable(
            ['6.5 table', '8.5.2 table', '6.5 rows', 'rejected', '8.5.2 rows', '6.5 hash (mapped)', '8.5.2 hash', ''],
            tables.map((t) => [t.source, t.target, t.sourceRows, t.rejected, t.targetRows, t.sourceHash.split(':')[1] ?? '', t.targetHash.split(':')[1] ?? '', t.equal ? 'equal' : 'DIFFERENT']),
          ),
        );
        printLine();
        printLine(different.length === 0 ? `all ${counted(tables.length, 'table')} equal` : `${different.length} of ${counted(tables.length, 'table')} differ: ${different.map((t) => t.target).join(', ')}`);
      }
      if (different.length > 0) process.exitCode = 1;
    });
}

/** How the fix commands name the database: by the access point it came from, or its connection and where its password came from. */
async function settingsDatabaseArguments(db: string | undefined, options: ConnectionOptions): Promise<string> {
  const name = db ?? options.dap;
  const config = configOf(options);
  if (name !== undefined && config?.databases.some((d) => d.name === name)) return databaseArguments({ description: name, accessPoint: { name, configFile: config.path } });
  const target = await resolveTarget(db, { ...options, passwordPrompt: false, passwordEnv: undefined });
  return databaseArguments({ description: describeTarget(target), passwordEnv: options.passwordEnv, passwordGiven: options.passwordPrompt === true || target.password !== undefined });
}

function printSettings(findings: SettingFinding[], json: boolean): void {
  if (json) printJson({ ok: findings.length === 0, findings });
  else if (findings.length === 0) printLine('every business unit, site and user has its settings: nothing to fix');
  else {
    printLine(formatTable(['object', 'name', 'finding', 'fix'], findings.map((f) => [f.object, f.name, f.problem, f.fix])));
    printLine();
    printLine(`${counted(findings.length, 'finding')}; each fix is a command, its capitals to be replaced by the values to set`);
  }
  if (findings.length > 0) process.exitCode = 1;
}
