// A schema model read from outside the program (a backup's header) checked before any of it is trusted:
// its names reach DDL inside quotes and its lengths without any, so every name must be an identifier every
// engine takes as it is, every type a known kind with a whole length in range, and every key, index and
// foreign key must name columns and tables the model has. Nothing else is allowed in it.
import type { ColumnModel, IndexModel, SchemaModel, TableModel } from './model.ts';

/**
 * A letter or underscore, then letters, digits or underscores, 63 at most (PostgreSQL's limit, the lowest
 * of the engines): what every name of the product's releases is, and what no engine reads as anything else.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The longest text each length-taking kind accepts on every engine (MariaDB's CHAR and utf8mb4 VARCHAR). */
const MAX_LENGTH = { varchar: 16_383, char: 255 } as const;

const PLAIN_KINDS = ['smallint', 'integer', 'bigint', 'double', 'text', 'date', 'timestamp', 'blob'] as const;

/** PostgreSQL's limit of columns in a table, the lowest of the engines. */
const MAX_COLUMNS = 1_600;

/** A string default is a short literal in every release: a longer one, or one with a NUL, is not a model's. */
const MAX_DEFAULT_LENGTH = 1_000;

export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER.test(value);
}

/** The value as a message may show it: short, on one line, whatever it holds. */
export function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Throws naming the first part of `value` that is not a valid schema model; returns it typed otherwise. */
export function validateSchemaModel(value: unknown): SchemaModel {
  const schema = record(value, 'the schema', ['tables']);
  const tables = list(schema.tables, 'the list of tables', Number.MAX_SAFE_INTEGER).map((t, i) => table(t, i));
  requireUnique(tables.map((t) => t.name), 'table', 'the schema');
  for (const t of tables) requireReferences(t, tables);
  return schema as unknown as SchemaModel;
}

function table(value: unknown, position: number): TableModel {
  const where = `table ${position + 1}`;
  const model = record(value, where, ['name', 'columns', 'primaryKey', 'indexes', 'foreignKeys']);
  const name = identifier(model.name, `the name of ${where}`);
  const of = `table ${name}`;
  const columns = list(model.columns, `the columns of ${of}`, MAX_COLUMNS).map((c, i) => column(c, i, of));
  if (columns.length === 0) throw new Error(`${of} has no columns`);
  const names = columns.map((c) => c.name);
  requireUnique(names, 'column', of);
  columnList(model.primaryKey, names, `the primary key of ${of}`, true);
  const indexes = list(model.indexes, `the indexes of ${of}`, MAX_COLUMNS).map((x, i) => index(x, i, names, of));
  requireUnique(indexes.map((x) => x.name), 'index', of);
  list(model.foreignKeys, `the foreign keys of ${of}`, MAX_COLUMNS).forEach((fk, i) => foreignKey(fk, names, `foreign key ${i + 1} of ${of}`));
  return model as unknown as TableModel;
}

function column(value: unknown, position: number, owner: string): ColumnModel {
  const where = `column ${position + 1} of ${owner}`;
  const model = record(value, where, ['name', 'type', 'nullable'], ['default']);
  const of = `column ${identifier(model.name, `the name of ${where}`)} of ${owner}`;
  columnType(model.type, of);
  if (typeof model.nullable !== 'boolean') throw new Error(`${of}: nullable is ${describeValue(model.nullable)}, not true or false`);
  if ('default' in model) defaultValue(model.default, of);
  return model as unknown as ColumnModel;
}

function columnType(value: unknown, where: string): void {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if ((PLAIN_KINDS as readonly unknown[]).includes(kind)) {
    record(value, `the type of ${where}`, ['kind']);
    return;
  }
  if (kind !== 'varchar' && kind !== 'char') throw new Error(`${where}: its type ${describeValue(value)} is not one of ${[...PLAIN_KINDS, 'varchar', 'char'].join(', ')}`);
  const type = record(value, `the type of ${where}`, ['kind', 'length']);
  const max = MAX_LENGTH[kind];
  if (!Number.isSafeInteger(type.length) || (type.length as number) < 1 || (type.length as number) > max) {
    throw new Error(`${where}: the length of its ${kind} is ${describeValue(type.length)}, not a whole number from 1 to ${max}`);
  }
}

function defaultValue(value: unknown, where: string): void {
  const model = record(value, `the default of ${where}`, ['kind', 'value']);
  const valid =
    (model.kind === 'number' && typeof model.value === 'number' && Number.isFinite(model.value)) ||
    (model.kind === 'string' && typeof model.value === 'string' && model.value.length <= MAX_DEFAULT_LENGTH && !model.value.includes('\0'));
  if (!valid) throw new Error(`${where}: its default ${describeValue(value)} is not a finite number or a text of at most ${MAX_DEFAULT_LENGTH} characters without NUL`);
}

function index(value: unknown, position: number, columns: readonly string[], owner: string): IndexModel {
  const where = `index ${position + 1} of ${owner}`;
  const model = record(value, where, ['name', 'columns', 'unique']);
  const of = `index ${identifier(model.name, `the name of ${where}`)} of ${owner}`;
  columnList(model.columns, columns, `the columns of ${of}`);
  if (typeof model.unique !== 'boolean') throw new Error(`${of}: unique is ${describeValue(model.unique)}, not true or false`);
  return model as unknown as IndexModel;
}

function foreignKey(value: unknown, columns: readonly string[], where: string): void {
  const model = record(value, where, ['name', 'columns', 'referencedTable', 'referencedColumns']);
  // SQLite keeps no names of foreign keys: one read from it has none.
  if (model.name !== '') identifier(model.name, `the name of ${where}`);
  const own = columnList(model.columns, columns, `the columns of ${where}`);
  identifier(model.referencedTable, `the table ${where} refers to`);
  const referenced = list(model.referencedColumns, `the columns ${where} refers to`, MAX_COLUMNS).map((c) => identifier(c, `a column ${where} refers to`));
  if (referenced.length !== own.length) throw new Error(`${where} refers to ${referenced.length} columns with its ${own.length}`);
}

/** Every foreign key refers to columns of a table of the schema. */
function requireReferences(owner: TableModel, tables: readonly TableModel[]): void {
  for (const fk of owner.foreignKeys) {
    const target = tables.find((t) => t.name === fk.referencedTable);
    const where = `a foreign key of table ${owner.name}`;
    if (!target) throw new Error(`${where} refers to table ${fk.referencedTable}, which the schema does not have`);
    const missing = fk.referencedColumns.filter((c) => !target.columns.some((column) => column.name === c));
    if (missing.length > 0) throw new Error(`${where} refers to ${missing.join(', ')}, which table ${target.name} does not have`);
  }
}

/** Names of `columns`, each once; empty only where `mayBeEmpty`. */
function columnList(value: unknown, columns: readonly string[], where: string, mayBeEmpty = false): string[] {
  const names = list(value, where, MAX_COLUMNS).map((c) => identifier(c, `a name in ${where}`));
  if (names.length === 0 && !mayBeEmpty) throw new Error(`${where}: there are none`);
  const unknown = names.filter((n) => !columns.includes(n));
  if (unknown.length > 0) throw new Error(`${where}: the table has no column ${unknown.join(', ')}`);
  requireUnique(names, 'column', where);
  return names;
}

function identifier(value: unknown, where: string): string {
  if (!isIdentifier(value)) throw new Error(`${where} is ${describeValue(value)}, not an identifier (a letter or _, then letters, digits or _, 63 at most)`);
  return value;
}

function list(value: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where} is ${describeValue(value)}, not a list`);
  if (value.length > max) throw new Error(`${where} has ${value.length} entries, more than ${max}`);
  return value;
}

/** An object with the `required` keys, and none but those and the `optional` ones. */
function record(value: unknown, where: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where} is ${describeValue(value)}, not an object`);
  const missing = required.filter((key) => !Object.hasOwn(value, key));
  if (missing.length > 0) throw new Error(`${where} has no ${missing.join(', ')}`);
  const extra = Object.keys(value).filter((key) => !required.includes(key) && !optional.includes(key));
  if (extra.length > 0) throw new Error(`${where} has ${extra.map(describeValue).join(', ')}, which a schema model does not`);
  return value as Record<string, unknown>;
}

function requireUnique(names: readonly string[], what: string, where: string): void {
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new Error(`${where} has ${what} ${twice} twice`);
}
