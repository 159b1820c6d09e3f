// `wfm config`: reads and changes the options of the applications in wfm.yaml, as an administrator does in
// the Configuration Server, and stores a database access point's password protected with the key file.
import { Command, Option } from 'commander';
import { InputError } from '../../engine/errors.ts';
import { KNOWN_OPTIONS, ConfigFile, splitOptionPath } from '../../wfm/config/index.ts';
import { loadKey, protect } from '../../wfm/secrets.ts';
import { DEFAULT_KEY_FILE, promptPassword } from '../connections.ts';
import { formatTable, printJson, printLine, printNotice } from '../output.ts';

const configOption = (): Option => new Option('--config <file>', 'the configuration file').env('WFM_CONFIG').default('wfm.yaml');

async function passwordToStore(point: string, variable: string | undefined): Promise<string> {
  if (variable === undefined) {
    if (!process.stdin.isTTY) throw new InputError(`wfm config set-password asks for the password of ${point} on a terminal; elsewhere give it with --password-env VARIABLE`);
    return promptPassword(`password of ${point}: `);
  }
  const value = process.env[variable];
  if (value === undefined || value === '') throw new InputError(`the environment variable ${variable} (from --password-env) is not set; set it to the password of ${point}`);
  return value;
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description('read and change the options of the applications in wfm.yaml');
  config
    .command('get')
    .description('print an option of an application (its value, or the default when it is not set)')
    .argument('<application>', 'the application’s name, or its type when there is one of that type')
    .argument('<option>', 'SECTION.OPTION, such as Options.AllowMigratePerformance')
    .addOption(configOption())
    .option('--json', 'machine-readable output')
    .action((applicationName: string, path: string, options: { config: string; json?: boolean }) => {
      const file = ConfigFile.load(options.config);
      const application = file.application(applicationName);
      const { section, name } = splitOptionPath(path);
      const set = application.options[section]?.[name];
      const value = file.option(application, section, name);
      if (options.json) printJson({ application: application.name, section, option: name, value: value ?? null, set: set !== undefined });
      else if (value === undefined) throw new InputError(`${application.name} has no option ${section}.${name} in ${file.name}; set it with wfm config set "${application.name}" ${section}.${name} VALUE`);
      else if (set !== undefined) printLine(value);
      else printLine(value === '' ? '(not set; no default)' : `${value} (not set; the default)`);
    });
  config
    .command('set')
    .description('set an option of an application, creating it if needed; the file keeps its comments')
    .argument('<application>', 'the application’s name, or its type when there is one of that type')
    .argument('<option>', 'SECTION.OPTION, such as Options.AllowMigratePerformance')
    .argument('<value>', 'the new value')
    .addOption(configOption())
    .action((applicationName: string, path: string, value: string, options: { config: string }) => {
      const file = ConfigFile.load(options.config);
      const application = file.application(applicationName);
      const { section, name } = splitOptionPath(path);
      const before = application.options[section]?.[name];
      file.setOption(application, section, name, value);
      printLine(`${application.name} ${section}.${name} = ${value}${before === undefined ? ' (created)' : before === value ? ' (unchanged)' : ` (was ${before})`}`);
    });
  config
    .command('set-password')
    .description('store the password of a database access point protected (AES-256-GCM, key in --key-file) in place of passwordEnv')
    .argument('<database>', 'the database access point')
    .option('--password-env <variable>', 'read the password from this environment variable (otherwise it is asked on the terminal)')
    .option('--key-file <file>', 'the key that protects stored passwords (created on first use, owner-only)', DEFAULT_KEY_FILE)
    .addOption(configOption())
    .action(async (name: string, options: { config: string; passwordEnv?: string; keyFile: string }) => {
      const file = ConfigFile.load(options.config);
      const point = file.database(name);
      const secret = await passwordToStore(name, options.passwordEnv);
      file.setPassword(point, protect(secret, loadKey(options.keyFile, true, printNotice)));
      printLine(`database ${name}: password stored protected in ${file.name} (opened with the key file ${options.keyFile})`);
    });
  config
    .command('show')
    .description('the database access points and the applications with their release and options')
    .addOption(configOption())
    .option('--json', 'machine-readable output')
    .action((options: { config: string; json?: boolean }) => {
      const file = ConfigFile.load(options.config);
      if (options.json) {
        printJson({ databases: file.databases.map((d) => ({ name: d.name, connection: d.connection, passwordEnv: d.passwordEnv ?? null })), applications: file.applications });
        return;
      }
      printLine(formatTable(['database', 'connection'], file.databases.map((d) => [d.name, d.connection])));
      printLine();
      const rows = file.applications.flatMap((a) => {
        const known = KNOWN_OPTIONS.filter((o) => o.application === a.type).map((o) => `${o.section}.${o.name}`);
        const set = Object.entries(a.options).flatMap(([section, values]) => Object.keys(values).map((name) => `${section}.${name}`));
        const paths = [...new Set([...set, ...known])];
        return (paths.length > 0 ? paths : ['']).map((path, i) => {
          const value = path === '' ? '' : (file.option(a, ...splitPair(path)) ?? '');
          return i === 0 ? [a.name, a.type, a.release ?? '', a.connections.join(', '), path, value] : ['', '', '', '', path, value];
        });
      });
      printLine(formatTable(['application', 'type', 'release', 'connections', 'option', 'value'], rows));
    });
}

const splitPair = (path: string): [string, string] => {
  const { section, name } = splitOptionPath(path);
  return [section, name];
};
