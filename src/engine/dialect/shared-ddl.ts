// DDL text that is the same in every dialect apart from identifier quoting and type names.
import type { ColumnModel, DefaultValue, ForeignKeyModel, IndexModel, TableModel } from '../schema/model.ts';

export interface DdlParts {
  quoteIdentifier(name: string): string;
  columnType(column: ColumnModel): string;
  literal(value: string | number): string;
}

export function columnDefinition(parts: DdlParts, column: ColumnModel): string {
  const pieces = [parts.quoteIdentifier(column.name), parts.columnType(column)];
  if (!column.nullable) pieces.push('NOT NULL');
  if (column.default) pieces.push(`DEFAULT ${defaultLiteral(parts, column.default)}`);
  return pieces.join(' ');
}

export function defaultLiteral(parts: DdlParts, value: DefaultValue): string {
  return parts.literal(value.value);
}

export function identifierList(parts: DdlParts, names: readonly string[]): string {
  return names.map((n) => parts.quoteIdentifier(n)).join(', ');
}

/** A foreign key's name; one read from an engine that keeps none is named after its table and columns. */
export function foreignKeyName(table: string, fk: ForeignKeyModel): string {
  return fk.name || `${table}_${fk.columns.join('_')}_fk`;
}

export function foreignKeyClause(parts: DdlParts, fk: ForeignKeyModel, table: string): string {
  return (
    `CONSTRAINT ${parts.quoteIdentifier(foreignKeyName(table, fk))} FOREIGN KEY (${identifierList(parts, fk.columns)}) ` +
    `REFERENCES ${parts.quoteIdentifier(fk.referencedTable)} (${identifierList(parts, fk.referencedColumns)})`
  );
}

export function createTableStatement(parts: DdlParts, table: TableModel, ifNotExists: boolean): string {
  const lines = table.columns.map((c) => `  ${columnDefinition(parts, c)}`);
  if (table.primaryKey.length > 0) lines.push(`  PRIMARY KEY (${identifierList(parts, table.primaryKey)})`);
  for (const fk of table.foreignKeys) lines.push(`  ${foreignKeyClause(parts, fk, table.name)}`);
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${parts.quoteIdentifier(table.name)} (\n${lines.join(',\n')}\n)`;
}

export function createIndexStatement(parts: DdlParts, table: string, index: IndexModel): string {
  return (
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${parts.quoteIdentifier(index.name)} ` +
    `ON ${parts.quoteIdentifier(table)} (${identifierList(parts, index.columns)})`
  );
}

/** Standard SQL string literal: single quotes doubled. */
export function standardStringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Standard SQL identifier quoting: double quotes, a double quote doubled. */
export function doubleQuotedIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** VALUES (...), (...) with numbered placeholders, row after row. */
export function valuesList(parameter: (n: number) => string, width: number, rows: number): string {
  const groups: string[] = [];
  for (let r = 0; r < rows; r++) groups.push(`(${Array.from({ length: width }, (_, c) => parameter(r * width + c + 1)).join(', ')})`);
  return groups.join(', ');
}

/** INSERT ... ON CONFLICT (key) DO ..., as engines that follow this form write it. */
export function onConflictUpsert(
  quote: (name: string) => string,
  parameter: (n: number) => string,
  table: string,
  columns: readonly string[],
  key: readonly string[],
  rows: number,
  onConflict: 'ignore' | 'replace' | 'add',
): string {
  const insert = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${valuesList(parameter, columns.length, rows)} ON CONFLICT (${key.map(quote).join(', ')})`;
  const others = columns.filter((c) => !key.includes(c));
  if (onConflict === 'ignore' || others.length === 0) return `${insert} DO NOTHING`;
  const set = others.map((c) =>
    onConflict === 'replace' ? `${quote(c)} = excluded.${quote(c)}` : `${quote(c)} = COALESCE(${quote(table)}.${quote(c)}, 0) + COALESCE(excluded.${quote(c)}, 0)`,
  );
  return `${insert} DO UPDATE SET ${set.join(', ')}`;
}

/** A SELECT's first rows as SQLite, PostgreSQL and MariaDB write them: LIMIT, then OFFSET. */
export function limitRows(select: string, rows: number, offset = 0): string {
  return `${select} LIMIT ${Math.trunc(rows)}${offset > 0 ? ` OFFSET ${Math.trunc(offset)}` : ''}`;
}
