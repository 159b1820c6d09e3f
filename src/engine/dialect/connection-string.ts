// Parses the connection strings users give: URLs (sqlite:path, postgres://..., mysql://..., mssql://...,
// oracle://...) and the original utility's form "<engine>;<server>;<database>;<user>;<password>"
// ("oracle;<database>;<user>;<password>", "sqlite;<path>"). The password never reaches a message.
import { InputError } from '../errors.ts';

export type EngineName = 'sqlite' | 'postgres' | 'mysql' | 'mssql' | 'oracle';

export interface ConnectionTarget {
  engine: EngineName;
  /** SQLite: the file path (or ':memory:'). */
  path?: string;
  host?: string;
  port?: number;
  /** A named instance of the server (host\\instance), found through the server's browser service instead of a port. */
  instance?: string;
  /** Driver settings from a URL's query (?encrypt=true): each dialect reads those it knows and refuses others. */
  settings?: Readonly<Record<string, string>>;
  database?: string;
  /** The schema the session's tables are in, where it is not the one the server gives the user by default. */
  schema?: string;
  user?: string;
  password?: string;
  /** Open for reading only: the session refuses every write (the source of a migration or backup). */
  readOnly?: boolean;
}

const ENGINE_ALIASES: Record<string, EngineName> = {
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  postgres: 'postgres',
  postgresql: 'postgres',
  pgsql: 'postgres',
  pg: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  mssql: 'mssql',
  sqlserver: 'mssql',
  oracle: 'oracle',
};

const DEFAULT_PORTS: Partial<Record<EngineName, number>> = { postgres: 5432, mysql: 3306, mssql: 1433, oracle: 1521 };

const EXAMPLES =
  'use a URL such as sqlite:wfm.db, postgres://user@host:5432/wfm or mysql://user@host:3306/wfm, ' +
  'or the form "<engine>;<server>;<database>;<user>;<password>"';

export function parseConnectionString(text: string): ConnectionTarget {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`the connection string is empty; ${EXAMPLES}`);
  const scheme = /^([a-z0-9]+):/i.exec(trimmed)?.[1]?.toLowerCase();
  // A URL may hold a ';' (in its password): it is a URL when it starts like one.
  const engine = scheme === undefined ? undefined : engineNamed(scheme);
  if (engine) return parseUrl(trimmed, engine);
  if (trimmed.includes(';')) return parseOriginalForm(trimmed);
  throw new InputError(`"${describeUnparsed(trimmed)}" is not a connection string; ${EXAMPLES}`);
}

/** Only the aliases themselves: "constructor" or "__proto__" name no engine. */
function engineNamed(name: string): EngineName | undefined {
  return Object.hasOwn(ENGINE_ALIASES, name) ? ENGINE_ALIASES[name] : undefined;
}

function decoded(text: string, part: string, engine: EngineName, url: URL): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InputError(`the ${part} in the ${engine} URL "${redactUrl(url)}" has a malformed %-escape; write a % as %25`);
  }
}

function parseUrl(text: string, engine: EngineName): ConnectionTarget {
  if (engine === 'sqlite') {
    const path = text.replace(/^[a-z0-9]+:(\/\/)?/i, '');
    if (path === '') throw new InputError(`the SQLite connection string "${text}" names no file; use sqlite:path/to/wfm.db`);
    return { engine, path };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`"${describeUnparsed(text)}" is not a valid ${engine} URL; ${EXAMPLES}`);
  }
  const database = decoded(url.pathname.replace(/^\//, ''), 'database name', engine, url);
  if (!url.hostname) throw new InputError(`the ${engine} URL "${redactUrl(url)}" names no server`);
  if (!database) throw new InputError(`the ${engine} URL "${redactUrl(url)}" names no database; add /<database> after the server`);
  // A URL's host cannot hold host\\instance: a named instance is given as ?instance=NAME.
  const { instance, ...settings } = Object.fromEntries(url.searchParams);
  return withDefaults({
    engine,
    host: url.hostname,
    ...(instance ? { instance } : {}),
    port: url.port ? parsePort(url.port, text) : undefined,
    database,
    user: url.username ? decoded(url.username, 'user name', engine, url) : undefined,
    password: url.password ? decoded(url.password, 'password', engine, url) : undefined,
    ...(Object.keys(settings).length > 0 ? { settings } : {}),
  });
}

function parseOriginalForm(text: string): ConnectionTarget {
  const parts = text.split(';');
  const engine = engineNamed((parts[0] ?? '').trim().toLowerCase());
  if (!engine) {
    throw new InputError(
      `unknown database engine "${(parts[0] ?? '').trim()}" in the connection string; ` +
        `use one of sqlite, postgres, mysql, mariadb, mssql, oracle`,
    );
  }
  const fields = parts.slice(1);
  if (engine === 'sqlite') {
    if (fields.length !== 1 || !fields[0]) throw new InputError('a SQLite connection string is "sqlite;<path>"');
    return { engine, path: fields[0] };
  }
  if (engine === 'oracle') {
    if (fields.length < 2 || fields.length > 3 || !fields[0]) {
      throw new InputError('an Oracle connection string is "oracle;<database>;<user>;<password>"');
    }
    return withDefaults({ engine, database: fields[0], user: fields[1] || undefined, password: fields[2] || undefined });
  }
  if (fields.length < 3 || fields.length > 4 || !fields[0] || !fields[1]) {
    throw new InputError(`a ${engine} connection string is "${parts[0]};<server>;<database>;<user>;<password>"`);
  }
  const [server = '', database = '', user, password] = fields;
  const [address = '', port] = server.split(/[:,]/);
  // SQL Server's host\instance names an instance of the server by name.
  const [host = '', instance] = address.split('\\');
  return withDefaults({
    engine,
    host,
    ...(instance ? { instance } : {}),
    port: port ? parsePort(port, server) : undefined,
    database,
    user: user || undefined,
    password: password || undefined,
  });
}

function parsePort(port: string, context: string): number {
  const value = Number(port);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new InputError(`"${port}" in "${describeUnparsed(context)}" is not a port number (1 to 65535)`);
  }
  return value;
}

/** A named instance without a port is found by name: it takes no default port. */
function withDefaults(target: ConnectionTarget): ConnectionTarget {
  return { ...target, port: target.port ?? (target.instance ? undefined : DEFAULT_PORTS[target.engine]) };
}

function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.password = '';
  return copy.href;
}

/** A connection string as it may be shown: anything that could be a password is cut out. */
export function describeUnparsed(text: string): string {
  // Up to the last '@': a password may hold one.
  return text.replace(/(:\/\/[^:/@]*):.*@/, '$1@').replace(/^([^;]*;[^;]*;[^;]*;[^;]*);.*$/, '$1;***');
}

/** How a target is named in messages and logs: never with its password. */
export function describeTarget(target: ConnectionTarget): string {
  if (target.engine === 'sqlite') return `sqlite:${target.path}`;
  // An Oracle database given as a TNS alias, an Easy Connect string or a descriptor is shown as it was given.
  if (target.engine === 'oracle' && !target.host) return `oracle;${target.database ?? ''};${target.user ?? ''}`;
  const user = target.user ? `${encodeURIComponent(target.user)}@` : '';
  const host = target.host ? `${target.host}${target.instance ? `\\${target.instance}` : ''}${target.port ? `:${target.port}` : ''}` : '';
  return `${target.engine}://${user}${host}/${target.database ?? ''}`;
}
