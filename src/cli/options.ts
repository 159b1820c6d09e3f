import { type Command, Option } from 'commander';
import { InputError } from '../engine/errors.ts';
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

export function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InputError(`${option} must be a whole number of at least 1, not "${text}"`);
  return value;
}
