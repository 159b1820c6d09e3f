// `wfm.yaml`, which stands in for the Configuration Server: database access points (a name for a
// connection) and the applications with their release, connections and options. The file is read whole and
// checked before anything uses it; a problem is reported with its line. Changes keep the file's comments
// and layout and replace it atomically.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { parseConnectionString } from '../../engine/dialect/connection-string.ts';
import { errorMessage, InputError } from '../../engine/errors.ts';
import { isRelease } from '../releases/versions.ts';
import { isProtected } from '../secrets.ts';
import { APPLICATION_TITLES, APPLICATION_TYPES, knownOption, optionValueProblem, type ApplicationType } from './applications.ts';

export interface DatabaseAccessPoint {
  name: string;
  /** A connection string in any form `--db` takes. */
  connection: string;
  /** The environment variable holding the password, kept out of the file. */
  passwordEnv?: string;
  /** The password stored protected (`wfm config set-password`), opened with the key file. */
  password?: string;
}

export interface Application {
  name: string;
  type: ApplicationType;
  release?: string;
  /** Names of database access points. */
  connections: string[];
  /** Section → option → value, as text. */
  options: Record<string, Record<string, string>>;
}

const TOP_LEVEL = ['databases', 'applications'];
const DATABASE_KEYS = ['connection', 'passwordEnv', 'password'];
const APPLICATION_KEYS = ['type', 'release', 'connections', 'options'];

const keyOf = (pair: Pair): string => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key));

export class ConfigFile {
  readonly databases: DatabaseAccessPoint[] = [];
  readonly applications: Application[] = [];
  private readonly lines = new LineCounter();
  private readonly document: Document;

  private constructor(
    readonly path: string,
    text: string,
  ) {
    this.document = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    const [first] = this.document.errors;
    if (first) throw new InputError(`${this.name} line ${this.lines.linePos(first.pos[0]).line}: ${first.message.split('\n')[0]}`);
    this.read();
  }

  static load(path: string): ConfigFile {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new InputError(`cannot read the configuration ${path}: ${errorMessage(error)}`);
    }
    return new ConfigFile(path, text);
  }

  /** A configuration from text, checked as a file would be; `path` names it in messages. */
  static parse(text: string, path = 'wfm.yaml'): ConfigFile {
    return new ConfigFile(path, text);
  }

  get name(): string {
    return basename(this.path);
  }

  /** The application with this name, or the only one of this type. */
  application(nameOrType: string): Application {
    const named = this.applications.find((a) => a.name === nameOrType);
    if (named) return named;
    const ofType = this.applications.filter((a) => a.type === nameOrType);
    if (ofType.length === 1 && ofType[0]) return ofType[0];
    const known = this.applications.map((a) => `"${a.name}"`).join(', ') || 'none';
    if (ofType.length > 1) throw new InputError(`${this.name} has ${ofType.length} applications of type ${nameOrType} (${ofType.map((a) => a.name).join(', ')}); name one`);
    throw new InputError(`${this.name} has no application named "${nameOrType}"; its applications are ${known}`);
  }

  /** The first application of a type, if the configuration has one. */
  applicationOfType(type: ApplicationType): Application | undefined {
    return this.applications.find((a) => a.type === type);
  }

  database(name: string): DatabaseAccessPoint {
    const found = this.databases.find((d) => d.name === name);
    if (found) return found;
    throw new InputError(`${this.name} has no database access point named "${name}"; it has ${this.databases.map((d) => `"${d.name}"`).join(', ') || 'none'}`);
  }

  /** An option's value as set, or the known option's fallback, or undefined. */
  option(application: Application, section: string, name: string): string | undefined {
    return application.options[section]?.[name] ?? knownOption(application.type, section, name)?.fallback;
  }

  /** Sets an option (creating its section) and writes the file. */
  setOption(application: Application, section: string, name: string, value: string): void {
    const known = knownOption(application.type, section, name);
    const problem = known && optionValueProblem(known, value);
    if (problem) throw new InputError(`${application.name} ${section}.${name} ${problem}, not "${value}"`);
    const scalar = /^-?\d+$/.test(value) ? Number(value) : value;
    this.document.setIn(['applications', application.name, 'options', section, name], scalar);
    (application.options[section] ??= {})[name] = value;
    this.save();
  }

  /** Stores an access point's password, already protected, in place of the variable that held it. */
  setPassword(point: DatabaseAccessPoint, stored: string): void {
    this.document.deleteIn(['databases', point.name, 'passwordEnv']);
    this.document.setIn(['databases', point.name, 'password'], stored);
    point.password = stored;
    delete point.passwordEnv;
    this.save();
  }

  /** Records the release an application now runs (the Deploy step of the order of migration). */
  setRelease(application: Application, release: string): void {
    this.document.setIn(['applications', application.name, 'release'], release);
    application.release = release;
    this.save();
  }

  private save(): void {
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, this.document.toString(), { mode: 0o600 });
    renameSync(temporary, this.path);
  }

  private fail(node: Node | Pair | null | undefined, message: string): never {
    const range = node && 'range' in node ? node.range : node && 'key' in node && isScalar(node.key) ? node.key.range : undefined;
    const line = range ? this.lines.linePos(range[0]).line : 1;
    throw new InputError(`${this.name} line ${line}: ${message}`);
  }

  private mapPairs(node: unknown, what: string, owner: Node | Pair | null): Pair[] {
    if (node === null || node === undefined) return [];
    if (!isMap(node)) this.fail((node as Node) ?? owner, `${what} must be a mapping of names to settings`);
    return node.items as Pair[];
  }

  private text(pair: Pair, what: string): string {
    const value = pair.value;
    if (!isScalar(value) || value.value === null || typeof value.value === 'object') this.fail(pair, `${what} must be a single value`);
    return String(value.value);
  }

  private read(): void {
    const root = this.document.contents;
    if (root === null) return;
    for (const pair of this.mapPairs(root, 'the configuration', null)) {
      const key = keyOf(pair);
      if (!TOP_LEVEL.includes(key)) this.fail(pair, `unknown section "${key}"; the configuration has ${TOP_LEVEL.join(' and ')}`);
      if (key === 'databases') for (const entry of this.mapPairs(pair.value, 'databases', pair)) this.databases.push(this.readDatabase(entry));
      if (key === 'applications') for (const entry of this.mapPairs(pair.value, 'applications', pair)) this.applications.push(this.readApplication(entry));
    }
  }

  private readDatabase(pair: Pair): DatabaseAccessPoint {
    const name = keyOf(pair);
    const point: DatabaseAccessPoint = { name, connection: '' };
    const fields = this.mapPairs(pair.value, `database ${name}`, pair);
    for (const field of fields) {
      const key = keyOf(field);
      if (!DATABASE_KEYS.includes(key)) this.fail(field, `database ${name}: unknown setting "${key}"; a database has ${DATABASE_KEYS.join(', ')}`);
      if (key === 'connection') point.connection = this.text(field, `database ${name}: connection`);
      if (key === 'passwordEnv') point.passwordEnv = this.text(field, `database ${name}: passwordEnv`);
      if (key === 'password') point.password = this.text(field, `database ${name}: password`);
    }
    if (point.connection === '') this.fail(pair, `database ${name} has no connection`);
    const connectionField = fields.find((f) => keyOf(f) === 'connection');
    let password: string | undefined;
    try {
      password = parseConnectionString(point.connection).password;
    } catch (error) {
      this.fail(pair, `database ${name}: ${errorMessage(error)}`);
    }
    if (password !== undefined) {
      this.fail(connectionField, `database ${name}: the connection holds a password in clear; take it out, then give it with passwordEnv: VARIABLE or store it protected: wfm config set-password ${name} --password-env VARIABLE`);
    }
    const passwordField = fields.find((f) => keyOf(f) === 'password');
    if (point.password !== undefined && !isProtected(point.password)) {
      this.fail(passwordField, `database ${name}: password holds a password in clear; remove it and store it protected: wfm config set-password ${name} --password-env VARIABLE`);
    }
    if (point.password !== undefined && point.passwordEnv !== undefined) this.fail(passwordField, `database ${name} has both password and passwordEnv; keep one`);
    return point;
  }

  private readApplication(pair: Pair): Application {
    const name = keyOf(pair);
    const fields = new Map(this.mapPairs(pair.value, `application ${name}`, pair).map((f) => [keyOf(f), f]));
    for (const [key, field] of fields) {
      if (!APPLICATION_KEYS.includes(key)) this.fail(field, `application ${name}: unknown setting "${key}"; an application has ${APPLICATION_KEYS.join(', ')}`);
    }
    const typeField = fields.get('type');
    if (!typeField) this.fail(pair, `application ${name} has no type; give one of ${APPLICATION_TYPES.join(', ')}`);
    const type = this.text(typeField, `application ${name}: type`);
    if (!(APPLICATION_TYPES as readonly string[]).includes(type)) {
      this.fail(typeField, `application ${name}: unknown type "${type}"; the types are ${APPLICATION_TYPES.map((t) => `${t} (${APPLICATION_TITLES[t]})`).join(', ')}`);
    }
    const application: Application = { name, type: type as ApplicationType, connections: [], options: {} };
    const releaseField = fields.get('release');
    if (releaseField) {
      application.release = this.text(releaseField, `application ${name}: release`);
      if (!isRelease(application.release)) this.fail(releaseField, `application ${name}: unknown release "${application.release}"`);
    }
    application.connections = this.readConnections(name, fields.get('connections'));
    application.options = this.readOptions(application, fields.get('options'));
    return application;
  }

  private readConnections(name: string, field: Pair | undefined): string[] {
    if (!field) return [];
    if (!isSeq(field.value)) this.fail(field, `application ${name}: connections must be a list of database access point names`);
    return field.value.items.map((item) => {
      const point = isScalar(item) ? String(item.value) : '';
      if (!this.databases.some((d) => d.name === point)) {
        this.fail(item as Node, `application ${name}: connection "${point}" is not one of the databases (${this.databases.map((d) => d.name).join(', ') || 'none defined above'})`);
      }
      return point;
    });
  }

  private readOptions(application: Application, field: Pair | undefined): Record<string, Record<string, string>> {
    const options: Record<string, Record<string, string>> = {};
    for (const sectionPair of this.mapPairs(field?.value, `application ${application.name}: options`, field ?? null)) {
      const section = keyOf(sectionPair);
      const values: Record<string, string> = {};
      for (const optionPair of this.mapPairs(sectionPair.value, `application ${application.name}: options section ${section}`, sectionPair)) {
        const name = keyOf(optionPair);
        const value = this.text(optionPair, `${application.name} ${section}.${name}`);
        const known = knownOption(application.type, section, name);
        const problem = known && optionValueProblem(known, value);
        if (problem) this.fail(optionPair, `${application.name} ${section}.${name} ${problem}, not "${value}"`);
        values[name] = value;
      }
      options[section] = values;
    }
    return options;
  }
}

/** `Section.Option` split in two; the option name may not contain a dot, the section may. */
export function splitOptionPath(path: string): { section: string; name: string } {
  const dot = path.lastIndexOf('.');
  if (dot <= 0 || dot === path.length - 1) throw new InputError(`"${path}" is not SECTION.OPTION, such as Options.AllowMigratePerformance`);
  return { section: path.slice(0, dot), name: path.slice(dot + 1) };
}
