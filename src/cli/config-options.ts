// Options the Database Utility reads from the configuration, where a flag on the command line wins.
import { InputError } from '../engine/errors.ts';
import { configureObjectStorage } from '../wfm/backup-store.ts';
import type { ApplicationType } from '../wfm/config/index.ts';
import { configOf, type ConnectionOptions } from './connections.ts';

/** A 0/1 option of an application's Options section: the flag if given, else the configuration's value. */
export function flagOption(options: ConnectionOptions, flag: string | undefined, application: ApplicationType, name: string, fallback: boolean): { value: boolean; from: string } {
  if (flag !== undefined) {
    if (flag !== '0' && flag !== '1') throw new InputError(`--${kebab(name)} takes 0 or 1, not "${flag}"`);
    return { value: flag === '1', from: `--${kebab(name)} ${flag}` };
  }
  const config = configOf(options);
  const app = config?.applicationOfType(application);
  const value = config && app ? config.option(app, 'Options', name) : undefined;
  if (value === undefined || !config || !app) return { value: fallback, from: 'the default' };
  return { value: value === '1', from: `${app.name} Options.${name} = ${value} in ${config.name}` };
}

const kebab = (name: string): string => name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

/** The Database Utility's RequireWfmUser: a backup or restore must then name a WFM user. */
export function requireWfmUserIfConfigured(options: ConnectionOptions, wfmUser: string | undefined): void {
  const required = flagOption(options, undefined, 'database-utility', 'RequireWfmUser', false);
  if (required.value && wfmUser === undefined) {
    throw new InputError(`${required.from}: name the WFM user doing this with --wfm-user LOGIN (the user must hold Allow Backup/Restore)`);
  }
}

/** The Database Utility's ObjectStorage section, for s3:// backups: used where the AWS variables say nothing. */
export function useObjectStorageSettings(options: ConnectionOptions): void {
  const config = configOf(options);
  const app = config?.applicationOfType('database-utility');
  if (!config || !app) return;
  const setting = (name: string): string | undefined => config.option(app, 'ObjectStorage', name);
  configureObjectStorage({ endpoint: setting('Endpoint'), region: setting('Region'), profile: setting('Profile') });
}
