// `wfm verify --from LEGACY --to TARGET`: every table recomputed on both sides. The source is read
// through the same mapping the migration used (rows it rejects are counted, not hashed); the target is
// read as it stands. Equal counts and equal content hashes mean the target holds exactly what it should.
import { ContentHash, copyItem, DatabaseSource, hashOnlySink, tableContentHash } from '../engine/copy/index.ts';
import { closeOnFailure, connect, type ConnectionTarget } from '../engine/dialect/index.ts';
import { InputError } from '../engine/errors.ts';
import { describeState, detectRelease } from './database.ts';
import { derivedUsersAndRoles, loadLegacyContext, ROLE_COLUMNS, ROLE_PRIVILEGE_COLUMNS, WFM_USER_COLUMNS } from './legacy65/index.ts';
import { copyItemsFor, migratedMappings } from './migrate.ts';

export interface TableVerification {
  source: string;
  target: string;
  sourceRows: number;
  rejected: number;
  targetRows: number;
  sourceHash: string;
  targetHash: string;
  equal: boolean;
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
      results.push({
        source: sourceTable,
        target: targetTable,
        sourceRows: expected.rows + rejected,
        rejected,
        targetRows: actual.rows,
        sourceHash: expected.toString(),
        targetHash: actual.toString(),
        equal: actual.toString() === expected.toString(),
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
