// The sealing an installation applies where no command line says otherwise (the console): its key file,
// when it exists, seals backups and checks seals, and its Database Utility's RequireSealedBackups decides
// which files a restore takes, as `wfm bru` applies them without --key-file and --require-sealed-backups.
import { existsSync } from 'node:fs';
import { backupSealKey, type BackupSealing } from './backup-seal.ts';
import type { ConfigFile } from './config/index.ts';
import { loadKey } from './secrets.ts';

/** Where the configuration's Database Utility sets RequireSealedBackups = 1, or undefined when it does not. */
function sealedBackupsRequiredBy(config: ConfigFile | undefined): string | undefined {
  const utility = config?.applicationOfType('database-utility');
  if (!config || !utility) return undefined;
  const value = config.option(utility, 'Options', 'RequireSealedBackups');
  return value === '1' ? `${utility.name} Options.RequireSealedBackups = 1 in ${config.name}` : undefined;
}

/**
 * The sealing of an installation that keeps its key file at `keyFile`, as `wfm bru` applies it without
 * --key-file: backups sealed and seals checked with the key file when it exists, RequireSealedBackups from
 * the configuration.
 */
export function installationSealing(keyFile: string, config: ConfigFile | undefined): BackupSealing {
  return { key: existsSync(keyFile) ? backupSealKey(loadKey(keyFile, false)) : undefined, requiredBy: sealedBackupsRequiredBy(config) };
}
