// Property-based fuzzing of the three readers of untrusted input: a backup file, a connection string and
// wfm.yaml. Whatever the input, each either accepts it (a backup only when its bytes are exactly as
// written) or refuses it with the project's own error and a message a person can act on: never a
// TypeError, a RangeError, a hang, or a password in the message. Runs are seeded and so reproducible;
// WFM_FUZZ_RUNS=N runs N cases per property instead of the default.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ArchiveSource } from '../src/engine/archive/index.ts';
import { parseConnectionString } from '../src/engine/dialect/connection-string.ts';
import { InputError, OperationError } from '../src/engine/errors.ts';
import { backupDatabase, requireIntactArchive } from '../src/wfm/backup.ts';
import { ConfigFile } from '../src/wfm/config/config-file.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const SEED = 20_261_130;
const RUNS = Number(process.env.WFM_FUZZ_RUNS ?? 0) || undefined;
/** A case that takes longer than this is a hang. */
const CASE_TIMEOUT_MS = 10_000;

const settings = (defaultRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns: RUNS ?? defaultRuns, endOnFailure: true });

/** What a JavaScript fault says when it leaks into a message meant for a person. */
const INTERNAL = /Cannot read properties|is not a function|is not iterable|Invalid array length|Maximum call stack|URI malformed|TypeError|RangeError|\bERR_[A-Z_]+|\[object Object\]|\bundefined\b/;

function assertClean(error: unknown, what: string): asserts error is InputError | OperationError {
  assert.ok(error instanceof InputError || error instanceof OperationError, `${what}: not a clean error: ${error instanceof Error ? error.stack : String(error)}`);
  assert.doesNotMatch(error.message, INTERNAL, `${what}: the message shows an internal fault: ${error.message}`);
}

const all = await testEngines();
const sqlite = all.find((e) => e.engine === 'sqlite') as TestEngine;
const fresh = trackedDatabases();

/** A small real backup: a generated 8.5.2 database in chunks of 40 rows, so the file holds many chunks. */
async function smallBackup(): Promise<{ path: string; bytes: Buffer }> {
  const database = await generatedDatabase(fresh, sqlite, 'fuzzsource', '8.5.2', { agents: 2, days: 1, seed: 3 });
  const path = `${database.target.path}.backup.db`;
  await backupDatabase(database.target, path, { chunkRows: 40 });
  return { path, bytes: readFileSync(path) };
}

type Mutation = { kind: 'flip'; at: number; mask: number } | { kind: 'truncate'; length: number } | { kind: 'splice'; at: number; remove: number; insert: Uint8Array } | { kind: 'copy'; from: number; to: number; length: number };

function mutation(size: number): fc.Arbitrary<Mutation> {
  const offset = fc.nat({ max: size - 1 });
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: offset, mask: fc.integer({ min: 1, max: 255 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), length: fc.nat({ max: size - 1 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('splice' as const), at: offset, remove: fc.nat({ max: 64 }), insert: fc.uint8Array({ maxLength: 64 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('copy' as const), from: offset, to: offset, length: fc.integer({ min: 1, max: 4096 }) }) },
  );
}

function mutated(bytes: Buffer, changes: readonly Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const change of changes) {
    if (change.kind === 'flip' && change.at < out.length) out[change.at] = (out[change.at] as number) ^ change.mask;
    if (change.kind === 'truncate') out = out.subarray(0, Math.min(change.length, out.length));
    if (change.kind === 'splice') out = Buffer.concat([out.subarray(0, change.at), Buffer.from(change.insert), out.subarray(change.at + change.remove)]);
    if (change.kind === 'copy' && change.from < out.length && change.to < out.length) out.copy(out, change.to, change.from, change.from + change.length);
  }
  return out;
}

async function withinTime<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The restore's gate and the reader's open, on bytes that may be damaged. */
async function readBack(path: string, intact: boolean): Promise<void> {
  try {
    await requireIntactArchive(path);
    assert.ok(intact, 'a changed file passed the check');
  } catch (error) {
    assert.ok(!intact, `the unchanged file was refused: ${String(error)}`);
    assertClean(error, 'verify');
  }
  try {
    await (await ArchiveSource.open(path)).close();
  } catch (error) {
    assertClean(error, 'open');
  }
}

describe('fuzzing the backup reader', () => {
  it('refuses every changed file with a clean error, and accepts the unchanged one', { timeout: 600_000 }, async () => {
    const { path, bytes } = await smallBackup();
    const target = `${path}.fuzzed.db`;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(bytes.length), { minLength: 1, maxLength: 3 }), async (changes) => {
        const damaged = mutated(bytes, changes);
        writeFileSync(target, damaged);
        await withinTime(readBack(target, damaged.equals(bytes)), `reading ${JSON.stringify(changes)}`);
      }),
      settings(500),
    );
  });
});

const ENGINES = ['sqlite', 'postgres', 'mysql', 'mssql', 'oracle'];
const PASSWORD = 'Pw7xQz9Lk2';

/** Pieces connection strings are made of, so that random ones get past the first check often. */
const connectionPiece = fc.oneof(
  fc.constantFrom('sqlite', 'postgres', 'postgresql', 'mysql', 'mariadb', 'mssql', 'oracle', 'pg', 'informix', 'constructor', '__proto__', 'toString'),
  fc.constantFrom(':', '://', ';', '@', '/', '%', '%E0%A4', '%41', '[', ']', ':5432', ':0', ':99999', ':abc', ',1444', '?', '#', ' ', '\\', 'host', 'db', 'user', '127.0.0.1', '[::1]'),
  fc.string({ maxLength: 4 }),
);
const pieces = fc.array(connectionPiece, { maxLength: 8 }).map((p) => p.join(''));
/** Pieces that stay inside one field: a user name, a server, a database. */
const field = (delimiters: RegExp) => pieces.filter((text) => !delimiters.test(text));
const scheme = fc.constantFrom('postgres', 'postgresql', 'mysql', 'mariadb', 'mssql', 'oracle', 'pg');

/** Connection strings with the password where a password goes, and anything around it. */
const withPassword = fc.oneof(
  fc.tuple(scheme, field(/[/?#\\@]/), pieces).map(([engine, user, rest]) => `${engine}://${user}:${PASSWORD}@${rest}`),
  fc.tuple(scheme, field(/;/), field(/;/), field(/;/), pieces).map(([engine, server, database, user, rest]) => `${engine};${server};${database};${user};${PASSWORD}${rest}`),
  fc.tuple(field(/;/), field(/;/), pieces).map(([database, user, rest]) => `oracle;${database};${user};${PASSWORD}${rest}`),
);

function checkTarget(text: string): void {
  try {
    const target = parseConnectionString(text);
    assert.ok(ENGINES.includes(target.engine), `${JSON.stringify(text)}: engine ${String(target.engine)} is not an engine`);
    if (target.engine === 'sqlite') assert.ok(typeof target.path === 'string' && target.path !== '', `${JSON.stringify(text)}: no path`);
    else {
      assert.ok(typeof target.database === 'string' && target.database !== '', `${JSON.stringify(text)}: no database`);
      assert.ok(target.port === undefined || (Number.isInteger(target.port) && target.port >= 1 && target.port <= 65535), `${JSON.stringify(text)}: port ${target.port}`);
    }
  } catch (error) {
    assertClean(error, JSON.stringify(text));
    assert.doesNotMatch(error.message, new RegExp(PASSWORD.slice(2, 8)), `${JSON.stringify(text)}: the message shows the password`);
  }
}

describe('fuzzing the connection-string parser', () => {
  it('gives a target of a known engine or an InputError, for any text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80, unit: 'binary' }), (text) => checkTarget(text)), settings(5_000));
  });

  it('does the same for strings built from the pieces of real ones', () => {
    fc.assert(fc.property(pieces, (text) => checkTarget(text)), settings(20_000));
  });

  it('never shows a password given where a password goes', () => {
    fc.assert(fc.property(withPassword, (text) => checkTarget(text)), settings(20_000));
  });
});

const EXAMPLE = readFileSync(new URL('../wfm.example.yaml', import.meta.url), 'utf8');

const yamlPiece = fc.oneof(
  fc.constantFrom('databases', 'applications', 'connection', 'passwordEnv', 'type', 'release', 'connections', 'options', 'Options', 'AllowMigratePerformance', 'Port', 'client', 'data-aggregator', 'sqlite:a.db', '8.5.2', '9.9', '__proto__', 'constructor'),
  fc.constantFrom(':', ': ', '\n', '\n  ', '\n    ', '\n      ', '- ', '[', ']', '{', '}', ',', '"', "'", '&a ', '*a', '!!binary ', '!!set ', '!!omap ', '? ', '<<: ', '---\n', '...\n', '#', '|', '>', '\t', '0', '1', '~', 'null'),
  fc.string({ maxLength: 6 }),
);

type Edit = { kind: 'delete'; at: number; length: number } | { kind: 'insert'; at: number; text: string } | { kind: 'line'; from: number; to: number };

function edit(length: number): fc.Arbitrary<Edit> {
  const at = fc.nat({ max: length });
  return fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('insert' as const), at, text: fc.array(yamlPiece, { maxLength: 3 }).map((p) => p.join('')) }),
    fc.record({ kind: fc.constant('line' as const), from: fc.nat({ max: 60 }), to: fc.nat({ max: 60 }) }),
  );
}

function edited(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const e of edits) {
    if (e.kind === 'delete') out = out.slice(0, e.at) + out.slice(e.at + e.length);
    if (e.kind === 'insert') out = out.slice(0, e.at) + e.text + out.slice(e.at);
    if (e.kind === 'line') {
      const lines = out.split('\n');
      const line = lines[e.from % lines.length] as string;
      lines.splice(e.to % (lines.length + 1), 0, line);
      out = lines.join('\n');
    }
  }
  return out;
}

function checkConfig(text: string): void {
  try {
    const config = ConfigFile.parse(text);
    assert.ok(config.applications.every((a) => typeof a.name === 'string' && typeof a.options === 'object'));
  } catch (error) {
    assertClean(error, JSON.stringify(text));
    const line = /^wfm\.yaml line (\d+): \S/.exec(error.message);
    assert.ok(line, `${JSON.stringify(text)}: the message names no line: ${error.message}`);
    assert.ok(Number(line[1]) >= 1 && Number(line[1]) <= text.split('\n').length + 1, `${JSON.stringify(text)}: line ${line[1]} is not in the file`);
  }
}

describe('fuzzing the configuration parser', () => {
  it('reads YAML-ish text into a configuration or an InputError naming a line', () => {
    fc.assert(fc.property(fc.array(yamlPiece, { maxLength: 40 }), (pieces) => checkConfig(pieces.join(''))), settings(3_000));
  });

  it('reads mutations of the example the same way', () => {
    fc.assert(fc.property(fc.array(edit(EXAMPLE.length), { minLength: 1, maxLength: 4 }), (edits) => checkConfig(edited(EXAMPLE, edits))), settings(3_000));
  });
});
