// Opening the databases a command names. A password can stay off the command line: from an environment
// variable (--password-env NAME) or typed at a prompt (--password-prompt); it is never printed.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { connect, parseConnectionString, type Connection, type ConnectionTarget } from '../engine/dialect/index.ts';
import { InputError } from '../engine/errors.ts';

export interface PasswordOptions {
  passwordEnv?: string;
  passwordPrompt?: boolean;
}

export async function resolveTarget(text: string, options: PasswordOptions = {}): Promise<ConnectionTarget> {
  const target = parseConnectionString(text);
  if (target.engine === 'sqlite' || target.password !== undefined) return target;
  if (options.passwordEnv) {
    const value = process.env[options.passwordEnv];
    if (value === undefined) throw new InputError(`the environment variable ${options.passwordEnv} (from --password-env) is not set`);
    return { ...target, password: value };
  }
  if (options.passwordPrompt) return { ...target, password: await promptPassword(`password for ${target.user ?? 'the database user'}: `) };
  return target;
}

export async function openDatabase(text: string, options: PasswordOptions = {}): Promise<Connection> {
  return connect(await resolveTarget(text, options));
}

async function promptPassword(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new InputError('--password-prompt needs a terminal; use --password-env NAME instead');
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const reader = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    reader.question(question, (answer) => {
      reader.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

/** Runs fn with the connection and closes it whatever happens. */
export async function withDatabase<T>(text: string, options: PasswordOptions, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await openDatabase(text, options);
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}
