// `wfm org set` and `wfm user set`: the settings the guide asks to verify after a migration, changed from
// the command line. A Data Aggregator password comes from an environment variable or a prompt, is never
// echoed, and is stored protected with the key file.
import type { Command } from 'commander';
import { describeRefusal, InputError } from '../../engine/errors.ts';
import { loadKey } from '../../wfm/secrets.ts';
import { setOrganization, setUser, type OrganizationSettings } from '../../wfm/settings.ts';
import { promptPassword, withDatabase } from '../connections.ts';
import { connectionOptions, positiveInteger, withConnectionOptions } from '../options.ts';
import { printLine, printNotice } from '../output.ts';

interface OrgFlags {
  db?: string;
  businessUnit?: string;
  site?: string;
  timeZone?: string;
  dataAggregator?: string;
  tenant?: string;
  daPasswordEnv?: string;
  daPasswordPrompt?: boolean;
  timeProfile?: string;
  wfmServer?: string;
  assignAgents?: string;
  keyFile: string;
}

async function daPassword(flags: OrgFlags): Promise<string | undefined> {
  if (flags.daPasswordEnv) {
    const value = process.env[flags.daPasswordEnv];
    if (value === undefined) throw new InputError(`the environment variable ${flags.daPasswordEnv} (from --da-password-env) is not set`);
    return value;
  }
  return flags.daPasswordPrompt ? promptPassword('Data Aggregator password: ') : undefined;
}

/** Settings the database refused (too long, out of range) are bad input, told with the object they were for. */
async function refusedAsInput<T>(object: string, change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    const refusal = describeRefusal(error);
    if (refusal === undefined) throw error;
    throw new InputError(`${object}: the database refused the settings given (${refusal}); nothing was changed`);
  }
}

export function registerSettings(program: Command): void {
  const org = program.command('org').description('the Organization settings the guide asks to verify after a migration');
  withConnectionOptions(org.command('set'))
    .description('set the time zone, Data Aggregator name, tenant, password and time profile of a business unit or site, the WFM Server of a site, or assign agents to a site')
    .option('--db <connection>', 'the 8.5.2 database (or --dap NAME)')
    .option('--business-unit <name>', 'the business unit to change')
    .option('--site <name>', 'the site to change')
    .option('--time-zone <zone>', 'its time zone, such as Europe/Paris')
    .option('--data-aggregator <name>', 'the Data Aggregator application')
    .option('--tenant <tenant>', 'the Data Aggregator tenant')
    .option('--da-password-env <variable>', 'read the Data Aggregator password from this environment variable')
    .option('--da-password-prompt', 'type the Data Aggregator password at a prompt')
    .option('--time-profile <profile>', 'the Data Aggregator time profile')
    .option('--wfm-server <name>', 'the WFM Server of the site')
    .option('--assign-agents <ids>', 'assign these agents (comma-separated ids) to the site')
    .action(async (flags: OrgFlags, command: Command) => {
      if ((flags.site === undefined) === (flags.businessUnit === undefined)) throw new InputError('name one object: --site NAME or --business-unit NAME');
      const secret = await daPassword(flags);
      const settings: OrganizationSettings = {
        timeZone: flags.timeZone,
        dataAggregator: flags.dataAggregator,
        tenant: flags.tenant,
        password: secret === undefined ? undefined : { secret, key: loadKey(flags.keyFile, true, printNotice) },
        timeProfile: flags.timeProfile,
        wfmServer: flags.wfmServer,
        assignAgents: flags.assignAgents?.split(',').map((id) => positiveInteger(id.trim(), '--assign-agents')),
      };
      const object = flags.site !== undefined ? 'site' : 'business unit';
      const name = (flags.site ?? flags.businessUnit) as string;
      const changed = await refusedAsInput(`${object} "${name}"`, () =>
        withDatabase(flags.db, connectionOptions(command), (connection) => setOrganization(connection, object, name, settings)),
      );
      for (const line of changed) printLine(line);
    });
  const user = program.command('user').description('the Users settings the guide asks to verify after a migration');
  withConnectionOptions(user.command('set'))
    .description('set the time zone, WFM Builder and role of a WFM user')
    .option('--db <connection>', 'the 8.5.2 database (or --dap NAME)')
    .requiredOption('--login <login>', 'the user')
    .option('--time-zone <zone>', 'the user’s time zone, such as Europe/Paris')
    .option('--builder <name>', 'the WFM Builder the user works with')
    .option('--role <name>', 'the user’s role')
    .action(async (flags: { db?: string; login: string; timeZone?: string; builder?: string; role?: string }, command: Command) => {
      const changed = await refusedAsInput(`user "${flags.login}"`, () =>
        withDatabase(flags.db, connectionOptions(command), (connection) => setUser(connection, flags.login, { timeZone: flags.timeZone, builder: flags.builder, role: flags.role })),
      );
      for (const line of changed) printLine(line);
    });
}
