// `wfm web`: the console, on localhost unless told otherwise.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { knownOption, optionValueProblem, type KnownOption } from '../../wfm/config/index.ts';
import type { ConsoleOptions } from '../../web/server.ts';
import { configOf, resolveTarget } from '../connections.ts';
import { connectionOptions, withConnectionOptions } from '../options.ts';
import { printLine } from '../output.ts';

export function registerWeb(program: Command): void {
  withConnectionOptions(program.command('web'))
    .description('the console: follow plans, runs, backups and restores live, read the verification report, fix Organization and Users settings, read reports from an ETL database')
    .option('--db <connection>', 'the database to work on (default: the WFM Web application’s connection)')
    .option('--etl <connection>', 'an ETL database the Reports page reads, besides the configuration’s access points')
    .option('--port <port>', 'the HTTP port (default: WFM Web Options.Port, 7320; 0 picks a free one)')
    .option('--host <address>', 'the address to listen on; anything but localhost exposes the console to the network', '127.0.0.1')
    .option('--runs-dir <dir>', 'where runs keep their journals', 'wfm-runs')
    .option('--backup-dir <dir>', 'the folder of backups the console lists and writes (default: WFM Web Options.BackupDirectory, or the current folder)')
    .action(async (flags: { db?: string; etl?: string; port?: string; host: string; runsDir: string; backupDir?: string; keyFile: string }, command: Command) => {
      const connection = connectionOptions(command);
      const config = configOf(connection);
      const web = config?.applicationOfType('web');
      const databaseText = flags.db ?? connection.dap ?? web?.connections[0];
      if (databaseText === undefined) throw new InputError('name the database: --db CONNECTION, or --config wfm.yaml with a WFM Web application that has a connection');
      const option = (name: string): string | undefined => (config && web ? config.option(web, 'Options', name) : undefined);
      const adminToken = option('AdminToken');
      const viewerToken = option('ViewerToken');
      const tokens: ConsoleOptions['tokens'] = [];
      if (adminToken) tokens.push({ token: adminToken, role: 'administrator' });
      if (viewerToken) tokens.push({ token: viewerToken, role: 'viewer' });
      const oneTime = adminToken ? undefined : randomBytes(24).toString('base64url');
      if (oneTime) tokens.push({ token: oneTime, role: 'administrator', oneTime: true });
      const backupOption = knownOption('web', 'Options', 'BackupDirectory') as KnownOption;
      const backupDirectory = flags.backupDir ?? option('BackupDirectory') ?? backupOption.fallback;
      const backupProblem = optionValueProblem(backupOption, backupDirectory);
      if (backupProblem) throw new InputError(`--backup-dir ${backupProblem}`);
      const resolve = (text: string) => resolveTarget(text, { ...connection, dap: undefined });
      const accessPoint = config?.databases.some((d) => d.name === databaseText) ? databaseText : undefined;
      const etl = flags.etl === undefined ? undefined : await resolve(flags.etl);
      // The web server and its plugins load only when the console starts, not for help or another command.
      const { buildConsole } = await import('../../web/server.ts');
      const app = buildConsole({ database: await resolve(databaseText), etl, config, accessPoint, tokens, runsDirectory: flags.runsDir, backupDirectory, keyFile: flags.keyFile, resolve });
      const portOption = knownOption('web', 'Options', 'Port') as KnownOption;
      const port = flags.port ?? option('Port') ?? portOption.fallback;
      const problem = optionValueProblem(portOption, port);
      if (problem) throw new InputError(`--port ${problem}, not "${port}"`);
      const address = await app.listen({ port: Number(port), host: flags.host });
      const base = address.replace('[::1]', 'localhost');
      printLine(oneTime ? `console at ${base}; sign in once as administrator: ${base}/sign-in?token=${oneTime}` : `console at ${base}; sign in with the WFM Web AdminToken`);
      await new Promise<void>((resolveStop) => {
        const stop = (): void => void app.close().then(() => resolveStop());
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
