// A 6.5 database says which release it is in db_info (legacy README): the migration reads nothing from a
// database that does not say it is the release it is asked to read.
import type { Connection } from '../../engine/dialect/types.ts';
import { InputError } from '../../engine/errors.ts';
import { LEGACY_VERSION_TEXT, legacyReleaseOf } from '../releases/legacy.ts';
import type { LegacyRelease } from '../releases/versions.ts';

function whatItSays(versions: readonly string[]): string {
  const other = versions.length === 1 ? legacyReleaseOf(versions[0] ?? '') : undefined;
  const says = `db_info says ${versions.map((v) => JSON.stringify(v)).join(', ')}`;
  return other ? `${says}: it is a ${other} database, to migrate as ${other}` : says;
}

/** Throws an InputError (exit 2) unless db_info names exactly `release`. */
export async function requireLegacyRelease(connection: Connection, release: LegacyRelease): Promise<void> {
  const notIt = (why: string) => new InputError(`${connection.description} is not a ${release} database: ${why}`);
  if (!(await connection.introspector.tableNames()).includes('db_info')) throw notIt('it has no db_info table');
  const rows = await connection.query(`SELECT version FROM ${connection.compiler.quoteIdentifier('db_info')}`);
  if (rows.length === 0) throw notIt('its db_info table is empty');
  const versions = [...new Set(rows.map((row) => String(row.version ?? '').trim()))];
  if (versions.length !== 1 || versions[0] !== LEGACY_VERSION_TEXT[release]) throw notIt(whatItSays(versions));
}
