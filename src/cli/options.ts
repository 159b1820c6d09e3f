import { type Command, Option } from 'commander';
import { InputError } from '../engine/errors.ts';
import { DEFAULT_KEY_FILE, type ConnectionOptions } from './connections.ts';

/**
 * How a command that opens databases finds them: a connection string, or a database access point of the
 * configuration (--config FILE --dap NAME); and a password that is not in the connection string.
 */
export function withConnectionOptions(command: Command): Command {
  return command
    .addOption(configFileOption())
    .addOption(new Option('--dap <name>', 'the database access point of the configuration to open (instead of --db)'))
    .addOption(new Option('--password-env <name>', 'read the database password from this environment variable'))
    .addOption(new Option('--password-prompt', 'ask for the database password on the terminal'))
    .addOption(keyFileOption());
}

/** --config: the configuration whose access points and options a command reads. */
export function configFileOption(): Option {
  return new Option('--config <file>', 'the configuration (wfm.yaml) whose database access points and options to use').env('WFM_CONFIG');
}

/** --key-file: the installation's key, which protects stored passwords and seals backups. */
export function keyFileOption(): Option {
  return new Option('--key-file <file>', 'the key that protects stored passwords and seals backups (created on first use, owner-only)').default(DEFAULT_KEY_FILE);
}

export function connectionOptions(command: Command): ConnectionOptions {
  return command.opts<ConnectionOptions>();
}

export function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InputError(`${option} must be a whole number of at least 1, not "${text}"`);
  return value;
}

/** --quiet and --verbose, for a command that shows progress (see Volume in output.ts). */
export function withVolumeOptions(command: Command): Command {
  return command
    .addOption(new Option('--quiet', 'print only warnings and the result').conflicts('verbose'))
    .addOption(new Option('--verbose', 'print every table, key, index and foreign key as it is done'));
}

/**
 * --release, the WFM release a command creates or fills; --version, its name before, is still read (hidden)
 * so that scripts written for it keep working, but `wfm --version` is the tool's own version.
 */
export function withReleaseOption(command: Command, description: string, defaultRelease?: string): Command {
  const release = new Option('--release <release>', description);
  return command.addOption(defaultRelease === undefined ? release : release.default(defaultRelease)).addOption(new Option('--version <release>').hideHelp());
}

/** The release --release (or the older --version) names; bad input when neither does. */
export function releaseOption(options: { release?: string; version?: string }): string {
  const release = options.version ?? options.release;
  if (release === undefined) throw new InputError('name the release: --release R (6.5.104, 6.5.201, 7.6 ... 8.5.2)');
  return release;
}
