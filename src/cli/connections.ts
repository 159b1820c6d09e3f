// Opening the databases a command names: by connection string, or by the name of a database access point
// of the configuration. A password can stay off the command line: from an environment variable
// (--password-env NAME, or the access point's passwordEnv), stored protected in the configuration (opened
// with --key-file) or typed at a prompt (--password-prompt); it is never printed.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { connect, parseConnectionString, type Connection, type ConnectionTarget } from '../engine/dialect/index.ts';
import { InputError } from '../engine/errors.ts';
import { ConfigFile } from '../wfm/config/index.ts';
import { loadKey, reveal } from '../wfm/secrets.ts';

export interface ConnectionOptions {
  config?: string;
  dap?: string;
  passwordEnv?: string;
  passwordPrompt?: boolean;
  /** The key that opens passwords stored protected. */
  keyFile?: string;
}

/** Where the key that protects stored passwords is, unless --key-file says otherwise. */
export const DEFAULT_KEY_FILE = 'wfm-secret.key';

interface ResolvedText {
  text: string;
  passwordEnv?: string;
  /** The access point whose password is stored protected, and that password. */
  stored?: { point: string; password: string };
}

/** The configuration the command was given, if any. */
export function configOf(options: ConnectionOptions): ConfigFile | undefined {
  return options.config ? ConfigFile.load(options.config) : undefined;
}

/** A connection string, or an access point's name when a configuration is given; --dap when text is absent. */
function connectionText(text: string | undefined, options: ConnectionOptions, flag: string): ResolvedText {
  const config = configOf(options);
  const name = text ?? options.dap;
  if (name === undefined) throw new InputError(`name the database: ${flag} CONNECTION, or --config wfm.yaml --dap NAME`);
  if (!config) {
    if (text === undefined) throw new InputError(`--dap ${name} needs the configuration that defines it: --config wfm.yaml (or WFM_CONFIG)`);
    return { text };
  }
  if (text !== undefined && !config.databases.some((d) => d.name === text)) return { text };
  const point = config.database(name);
  return { text: point.connection, passwordEnv: point.passwordEnv, stored: point.password === undefined ? undefined : { point: point.name, password: point.password } };
}

function storedPassword(stored: { point: string; password: string }, keyFile: string): string {
  const key = loadKey(keyFile, false);
  try {
    return reveal(stored.password, key);
  } catch {
    throw new InputError(`the password of the database access point ${stored.point} does not open with the key file ${keyFile}; give the key file it was stored with (--key-file), or store it again: wfm config set-password ${stored.point}`);
  }
}

function environmentPassword(variable: string, target: ConnectionTarget): string {
  const value = process.env[variable];
  if (value === undefined) throw new InputError(`the environment variable ${variable} (which holds the password of ${target.database ?? 'the database'}) is not set`);
  return value;
}

/** `flag` names the option that gives the database, for the message when none is given. */
export async function resolveTarget(text: string | undefined, options: ConnectionOptions = {}, flag = '--db'): Promise<ConnectionTarget> {
  const resolved = connectionText(text, options, flag);
  const target = parseConnectionString(resolved.text);
  if (target.engine === 'sqlite' || target.password !== undefined) return target;
  if (options.passwordEnv) return { ...target, password: environmentPassword(options.passwordEnv, target) };
  if (resolved.stored) return { ...target, password: storedPassword(resolved.stored, options.keyFile ?? DEFAULT_KEY_FILE) };
  if (resolved.passwordEnv) return { ...target, password: environmentPassword(resolved.passwordEnv, target) };
  if (options.passwordPrompt) return { ...target, password: await promptPassword(`password for ${target.user ?? 'the database user'}: `) };
  return target;
}

/** `readOnly`: the command only reads, so the database is neither created nor changed. */
export async function openDatabase(text: string | undefined, options: ConnectionOptions = {}, readOnly = false): Promise<Connection> {
  return connect({ ...(await resolveTarget(text, options)), readOnly });
}

/** A secret typed at the terminal, not echoed. */
export async function promptPassword(question: string): Promise<string> {
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
export async function withDatabase<T>(text: string | undefined, options: ConnectionOptions, fn: (connection: Connection) => Promise<T>, readOnly = false): Promise<T> {
  const connection = await openDatabase(text, options, readOnly);
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}
