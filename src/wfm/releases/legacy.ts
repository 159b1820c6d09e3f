// The two legacy 6.5 layouts, kept as the DDL files the legacy product shipped (copied verbatim from its
// definition: they are product data). They run unchanged on every engine.
import { readFileSync } from 'node:fs';
import type { LegacyRelease } from './versions.ts';

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
