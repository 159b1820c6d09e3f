// The two legacy 6.5 layouts, kept as the DDL files the legacy product shipped (copied verbatim from its
// definition: they are product data). They run unchanged on the engines their header names; on the others
// the layout they declare is rendered by the engine's dialect.
import { readFileSync } from 'node:fs';
import { withConnection, type EngineName } from '../../engine/dialect/index.ts';
import type { QueryCompiler } from '../../engine/dialect/types.ts';
import { type SchemaModel, tablesInDependencyOrder } from '../../engine/schema/model.ts';
import type { LegacyRelease } from './versions.ts';

/**
 * Engines the legacy DDL files were not written for: SQL Server would read their VARCHAR in the database's
 * code page, so there the layout is created from the model the files declare, in the dialect's own types.
 */
const RENDERED_ENGINES: ReadonlySet<EngineName> = new Set<EngineName>(['mssql']);

/** db_info.version as the legacy product wrote it. */
export const LEGACY_VERSION_TEXT: Record<LegacyRelease, string> = {
  '6.5.104': '6.5.104.00',
  '6.5.201': '6.5.201.00',
};

export function legacyReleaseOf(versionText: string): LegacyRelease | undefined {
  return (Object.keys(LEGACY_VERSION_TEXT) as LegacyRelease[]).find((r) => LEGACY_VERSION_TEXT[r] === versionText.trim());
}

export function legacySchemaStatements(release: LegacyRelease): string[] {
  const text = readFileSync(new URL(`./legacy/schema-${release}.sql`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n')
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/** Tables of the legacy layout, for recognizing a 6.5 database and for the migration reader. */
export function legacyTableNames(release: LegacyRelease): string[] {
  return legacySchemaStatements(release)
    .map((s) => /^CREATE TABLE\s+(\w+)/i.exec(s)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** The legacy layout as the model the DDL declares, read back from it run on an in-memory SQLite database. */
export function legacySchemaModel(release: LegacyRelease): Promise<SchemaModel> {
  return withConnection({ engine: 'sqlite', path: ':memory:' }, async (scratch) => {
    for (const sql of legacySchemaStatements(release)) await scratch.execute(sql);
    return scratch.introspector.introspect();
  });
}

/** The statements that create the legacy layout on an engine: the DDL files as they are, or rendered by its dialect. */
export async function legacySchemaStatementsFor(engine: EngineName, compiler: QueryCompiler, release: LegacyRelease): Promise<string[]> {
  if (!RENDERED_ENGINES.has(engine)) return legacySchemaStatements(release);
  return tablesInDependencyOrder(await legacySchemaModel(release)).flatMap((table) => compiler.createTable(table));
}
