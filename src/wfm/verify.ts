// `wfm verify --from LEGACY --to TARGET`: every table recomputed on both sides. The source is read
// through the same mapping the migration used (rows it rejects are counted, not hashed); the target is
// read as it stands. Equal counts and equal content hashes mean the target holds exactly what it should.
// Both sides are compared as stored, not as a driver reads them: source rows whose bytes are not UTF-8 are
// rejected by the mapping, and a target value whose bytes are not UTF-8 makes its table differ, since a
// replacement character read from it would hash like a real one.
import { ContentHash, copyItem, DatabaseSource, hashOnlySink, tableContentHash } from '../engine/copy/index.ts';
import { closeOnFailure, connect, type ConnectionTarget } from '../engine/dialect/index.ts';
import { InputError } from '../engine/errors.ts';
import { describeState, detectRelease } from './database.ts';
import { derivedUsersAndRoles, loadLegacyContext, ROLE_COLUMNS, ROLE_PRIVILEGE_COLUMNS, valuesNotUtf8, WFM_USER_COLUMNS } from './legacy65/index.ts';
import { copyItemsFor, migratedMappings } from './migrate.ts';
import { releaseModel } from './releases/index.ts';

export interface TableVerification {
  source: string;
  target: string;
  sourceRows: number;
  rejected: number;
  targetRows: number;
  sourceHash: string;
  targetHash: string;
  /** Values of the target's text columns whose bytes are not UTF-8: what they hold is not what they read as. */
  targetValuesNotUtf8: number;
  equal: boolean;
}

const TEXT_KINDS: ReadonlySet<string> = new Set(['varchar', 'char', 'text']);

/** The text columns among `columns` of an 8.5.2 table. */
function textColumns(table: string, columns: readonly string[]): string[] {
  const model = releaseModel('8.5.2').tables.find((t) => t.name === table);
  return columns.filter((column) => TEXT_KINDS.has(model?.columns.find((c) => c.name === column)?.type.kind ?? ''));
}

export async function verifyMigration(from: ConnectionTarget, to: ConnectionTarget, options: { allowMigratePerformance: boolean }): Promise<TableVerification[]> {
  const source = await connect({ ...from, readOnly: true });
  const target = await closeOnFailure(source, () => connect({ ...to, readOnly: true }));
  try {
    const sourceState = await detectRelease(source);
    if (sourceState.kind !== 'legacy') throw new InputError(`${source.description} is ${describeState(sourceState)}; --from names the 6.5 database that was migrated`);
    const targetState = await detectRelease(target);
    if (targetState.kind !== 'current') throw new InputError(`${target.description} is ${describeState(targetState)}; --to names the migrated 8.5.2 database`);
    const context = await loadLegacyContext(source, sourceState.release);
    const derived = derivedUsersAndRoles(context);
    const results: TableVerification[] = [];
    const compare = async (sourceTable: string, targetTable: string, columns: string[], expected: ContentHash, rejected: number): Promise<void> => {
      const actual = await tableContentHash(target, targetTable, columns);
      const targetValuesNotUtf8 = await valuesNotUtf8(target, targetTable, textColumns(targetTable, columns));
      results.push({
        source: sourceTable,
        target: targetTable,
        sourceRows: expected.rows + rejected,
        rejected,
        targetRows: actual.rows,
        sourceHash: expected.toString(),
        targetHash: actual.toString(),
        targetValuesNotUtf8,
        equal: actual.toString() === expected.toString() && targetValuesNotUtf8 === 0,
      });
    };
    await compare('supervisor', 'role', ROLE_COLUMNS, ContentHash.of(derived.roles), 0);
    await compare('supervisor', 'role_privilege', ROLE_PRIVILEGE_COLUMNS, ContentHash.of(derived.rolePrivileges), 0);
    await compare('supervisor', 'wfm_user', WFM_USER_COLUMNS, ContentHash.of(derived.users), context.supervisorRejections.length + derived.rejections.length);
    for (const item of copyItemsFor(migratedMappings(options.allowMigratePerformance), sourceState.release, context)) {
      const result = await copyItem(new DatabaseSource(source), hashOnlySink, item);
      await compare(item.source.table, item.target.table, item.target.columns, ContentHash.parse(result.contentHash), result.rowsRejected);
    }
    return results;
  } finally {
    await source.close();
    await target.close();
  }
}
