import { type Command, Option } from 'commander';
import type { PasswordOptions } from './connections.ts';

/** How a command that opens databases gets a password that is not in the connection string. */
export function withPasswordOptions(command: Command): Command {
  return command
    .addOption(new Option('--password-env <name>', 'read the database password from this environment variable'))
    .addOption(new Option('--password-prompt', 'ask for the database password on the terminal'));
}

export function passwordOptions(command: Command): PasswordOptions {
  return command.opts<PasswordOptions>();
}
