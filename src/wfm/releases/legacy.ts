// The two legacy 6.5 layouts, kept as the DDL files the legacy product shipped (copied verbatim from its
// definition: they are product data). They run unchanged on SQLite, PostgreSQL and MariaDB; on any other
// engine the layout they declare is created through that engine's compiler.
import { readFileSync } from 'node:fs';
import { withConnection, type EngineName } from '../../engine/dialect/index.ts';
import type { QueryCompiler } from '../../engine/dialect/types.ts';
import { tablesInDependencyOrder, type SchemaModel } from '../../engine/schema/model.ts';
import type { LegacyRelease } from './versions.ts';

/**
 * The engines the legacy DDL text runs on as it is written (its own header names them). Elsewhere the layout
 * is created from the model the files declare, in the dialect's own types: SQL Server, for one, would read
 * their VARCHAR in the database's code page.
 */
const VERBATIM_ENGINES: readonly EngineName[] = ['sqlite', 'postgres', 'mysql'];

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

/** The legacy layout as the schema model, read back from the DDL run in an in-memory SQLite database. */
export async function legacySchemaModel(release: LegacyRelease): Promise<SchemaModel> {
  return withConnection({ engine: 'sqlite', path: ':memory:' }, async (scratch) => {
    for (const sql of legacySchemaStatements(release)) await scratch.execute(sql);
    return scratch.introspector.introspect();
  });
}

/** The statements that create the legacy layout on an engine: the DDL text itself, or its layout compiled. */
export async function legacySchemaStatementsOn(release: LegacyRelease, engine: EngineName, compiler: QueryCompiler): Promise<string[]> {
  if (VERBATIM_ENGINES.includes(engine)) return legacySchemaStatements(release);
  return tablesInDependencyOrder(await legacySchemaModel(release)).flatMap((table) => compiler.createTable(table));
}

/** Tables of the legacy layout, for recognizing a 6.5 database and for the migration reader. */
export function legacyTableNames(release: LegacyRelease): string[] {
  return legacySchemaStatements(release)
    .map((s) => /^CREATE TABLE\s+(\w+)/i.exec(s)?.[1])
    .filter((name): name is string => name !== undefined);
}
