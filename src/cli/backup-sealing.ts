// How `bru backup`, `verify` and `restore`, `run`, `rollback` and `demo` seal and check backups: with the
// installation's key file, the one --key-file names or the default one when it exists, and under the
// Database Utility's RequireSealedBackups, from --require-sealed-backups or the configuration.
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError } from '../engine/errors.ts';
import { backupSealKey, type BackupSealing, type SealKey } from '../wfm/backup-seal.ts';
import { loadKey } from '../wfm/secrets.ts';
import { flagOption } from './config-options.ts';
import { DEFAULT_KEY_FILE, type ConnectionOptions } from './connections.ts';
import { printNotice } from './output.ts';

/** What the command does with the seal: write it, or check it. */
type SealUse = 'seal' | 'check';

/** --require-sealed-backups, for the commands that restore or verify a backup. */
export function requireSealedBackupsOption(): Option {
  return new Option('--require-sealed-backups <0|1>', '1: only a backup sealed by this key file is accepted (default: the Database Utility option RequireSealedBackups in --config, else 0)');
}

/** The sealing of a command, from its --key-file, --require-sealed-backups and --config. */
export function backupSealingOf(command: Command, use: SealUse): BackupSealing {
  const options = command.opts<ConnectionOptions & { requireSealedBackups?: string }>();
  const required = flagOption(options, options.requireSealedBackups, 'database-utility', 'RequireSealedBackups', false);
  const given = command.getOptionValueSource('keyFile') !== 'default';
  const key = keyFileKey(options.keyFile ?? DEFAULT_KEY_FILE, given, use);
  return { key: key && backupSealKey(key), requiredBy: required.value ? required.from : undefined };
}

/** The seal key of the default key file when it exists: a command with no --key-file seals with it or not at all. */
export function defaultSealKey(): SealKey | undefined {
  const key = keyFileKey(DEFAULT_KEY_FILE, false, 'check');
  return key && backupSealKey(key);
}

/**
 * The key of the key file: the default one only when it exists (no key file, no seal); one given must
 * exist to check a seal, and a backup creates it, owner-only, saying so.
 */
function keyFileKey(path: string, given: boolean, use: SealUse): Buffer | undefined {
  if (!given && !existsSync(path)) return undefined;
  if (use === 'seal') return loadKey(path, true, printNotice);
  if (!existsSync(path)) throw new InputError(`the key file ${path} does not exist; give the key file the backup was sealed with (--key-file)`);
  return loadKey(path, false);
}
