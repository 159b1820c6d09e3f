// The 6.5 mapping on hand-written legacy databases of both releases: every table mapped field by field
// against values worked out by hand (standard time never shifted for daylight saving, intervals crossing
// into the next or previous UTC day, Unicode and quotes and trailing spaces, NULL versus ''), the users and
// roles, and validation finding exactly the rows that break the documented encodings.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { connect, type Connection, type Row, type SqlValue } from '../src/engine/dialect/index.ts';
import { releaseModel } from '../src/wfm/releases/index.ts';
import { legacySchemaStatements } from '../src/wfm/releases/legacy.ts';
import { badFixture, expectedRows, fixtureFile, goodFixture, legacyDatabase } from './fixtures/legacy65.ts';
import type { LegacyRelease } from '../src/wfm/releases/versions.ts';
import {
  COLUMN_RULES,
  derivedUsersAndRoles,
  loadLegacyContext,
  privilegesForRights,
  type Rejection,
  ROLE_COLUMNS,
  ROLE_PRIVILEGE_COLUMNS,
  SOURCE_KEYS,
  TABLE_MAPPINGS,
  type TableMapping,
  validateLegacy,
  WFM_USER_COLUMNS,
} from '../src/wfm/legacy65/index.ts';

const RELEASES: LegacyRelease[] = ['6.5.104', '6.5.201'];
/** The rows of a legacy table as the copy reads them: the mapping's columns, in key order. */
async function sourceRows(connection: Connection, mapping: TableMapping, release: LegacyRelease): Promise<Row[]> {
  const q = connection.compiler;
  const list = (names: string[]) => names.map((n) => q.quoteIdentifier(n)).join(', ');
  return connection.query(`SELECT ${list(mapping.sourceColumns(release))} FROM ${q.quoteIdentifier(mapping.source)} ORDER BY ${list(mapping.sourceKey)}`);
}

const named = (columns: readonly string[], values: readonly SqlValue[]): Row => Object.fromEntries(columns.map((c, i) => [c, values[i] ?? null]));

/** The ids, one line per rule, of the legacy foreign keys: `table.column -> parent.column`. */
function ddlReferences(release: LegacyRelease): string[] {
  return legacySchemaStatements(release).flatMap((statement) => {
    const table = /^CREATE TABLE\s+(\w+)/i.exec(statement)?.[1];
    return [...statement.matchAll(/^\s*(\w+)\s+[^\n]*?REFERENCES\s+(\w+)\s*\((\w+)\)/gim)].map((m) => `${table}.${m[1]} -> ${m[2]}.${m[3]}`);
  });
}

/** The ids, one line per column, of the text columns of both legacy layouts that migrate: `table.column`. */
function ddlTextColumns(release: LegacyRelease): string[] {
  return legacySchemaStatements(release).flatMap((statement) => {
    const table = /^CREATE TABLE\s+(\w+)/i.exec(statement)?.[1] ?? '';
    if (!(table in SOURCE_KEYS)) return [];
    return [...statement.matchAll(/^\s*(\w+)\s+(?:VAR)?CHAR\(/gim)].map((m) => `${table}.${m[1]}`);
  });
}

describe('the 6.5 mapping, declared as data', () => {
  it('declares every foreign key of both legacy layouts as a reference rule, and no other', () => {
    const fromDdl = new Set(RELEASES.flatMap(ddlReferences));
    const declared = new Set(COLUMN_RULES.flatMap(({ table, column, rule }) => (rule.kind === 'reference' ? [`${table}.${column} -> ${rule.table}.${rule.column}`] : [])));
    assert.deepEqual([...declared].sort(), [...fromDdl].sort());
  });

  it('declares a text rule for every text column of both legacy layouts that is not a code', () => {
    const coded = new Set(COLUMN_RULES.flatMap(({ table, column, rule }) => (rule.kind === 'value' ? [`${table}.${column}`] : [])));
    const fromDdl = new Set(RELEASES.flatMap(ddlTextColumns).filter((column) => !coded.has(column)));
    const declared = new Set(COLUMN_RULES.flatMap(({ table, column, rule }) => (rule.kind === 'text' ? [`${table}.${column}`] : [])));
    assert.deepEqual([...declared].sort(), [...fromDdl].sort());
  });

  it('writes exactly the columns of each 8.5.2 table, parents before children', () => {
    const model = releaseModel('8.5.2');
    const written = new Set(['role', 'wfm_user']);
    for (const mapping of TABLE_MAPPINGS) {
      const table = model.tables.find((t) => t.name === mapping.target);
      assert.ok(table, `${mapping.target} is an 8.5.2 table`);
      assert.deepEqual(mapping.targetColumns, table.columns.map((c) => c.name), mapping.target);
      for (const fk of table.foreignKeys) assert.ok(written.has(fk.referencedTable), `${mapping.target} comes after ${fk.referencedTable}`);
      written.add(mapping.target);
    }
    assert.deepEqual(
      TABLE_MAPPINGS.filter((m) => m.performance).map((m) => m.source),
      ['performance_data', 'agent_compliance'],
    );
  });

  it('reads the columns a release has: 6.5.104 has no email and no answered_in_sl', () => {
    const columnsOf = (source: string, release: LegacyRelease) => TABLE_MAPPINGS.find((m) => m.source === source)?.sourceColumns(release) ?? [];
    assert.ok(columnsOf('employee', '6.5.201').includes('email'));
    assert.ok(!columnsOf('employee', '6.5.104').includes('email'));
    assert.ok(columnsOf('performance_data', '6.5.201').includes('answered_in_sl'));
    assert.ok(!columnsOf('performance_data', '6.5.104').includes('answered_in_sl'));
  });

  it('grants every part of a split right and the Read an edit needs', () => {
    assert.deepEqual(privilegesForRights(['CAL_EDIT']), ['calendar.add_edit_delete', 'calendar.edit_time_off_limits', 'calendar.prefer_grant_decline', 'calendar.read']);
    assert.deepEqual(privilegesForRights(['ORG_EDIT']), ['organization.add_delete', 'organization.edit', 'organization.read']);
    assert.deepEqual(privilegesForRights(['FCST_EDIT', 'SCHED_EDIT', 'POLICY_EDIT']), ['forecast.edit', 'forecast.read', 'policies.edit', 'policies.read', 'schedule.edit', 'schedule.read']);
    assert.deepEqual(privilegesForRights(['DB_BACKUP']), ['general.allow_backup_restore']);
    assert.deepEqual(privilegesForRights([]), []);
  });
});

for (const release of RELEASES) {
  describe(`a ${release} database`, () => {
    it('maps every table field by field to the values worked out by hand', async () => {
      const connection = await legacyDatabase(release, goodFixture());
      try {
        assert.deepEqual(await validateLegacy(connection, release), []);
        const context = await loadLegacyContext(connection, release);
        const expected = expectedRows(release);
        for (const mapping of TABLE_MAPPINGS) {
          const transform = mapping.transform(context);
          const mapped = (await sourceRows(connection, mapping, release)).map(transform);
          const wanted = expected[mapping.target] ?? [];
          assert.ok(wanted.length > 0, `the fixture has ${mapping.source} rows`);
          assert.equal(mapped.length, wanted.length, `${mapping.source} → ${mapping.target}: rows`);
          mapped.forEach((result, i) => {
            assert.ok('row' in result, `${mapping.source} row ${i + 1} is mapped, not rejected: ${JSON.stringify(result)}`);
            assert.deepStrictEqual(named(mapping.targetColumns, result.row), wanted[i], `${mapping.source} → ${mapping.target}, row ${i + 1}`);
          });
        }
      } finally {
        await connection.close();
      }
    });

    it('makes each supervisor a user, with one role per distinct privilege set', async () => {
      const connection = await legacyDatabase(release, goodFixture());
      try {
        const derived = derivedUsersAndRoles(await loadLegacyContext(connection, release));
        assert.deepEqual(derived.rejections, []);
        const calendar = ['calendar.add_edit_delete', 'calendar.edit_time_off_limits', 'calendar.prefer_grant_decline', 'calendar.read', 'organization.read'];
        const everything = ['adherence.read', 'calendar.add_edit_delete', 'calendar.edit_time_off_limits', 'calendar.prefer_grant_decline', 'calendar.read', 'forecast.edit', 'forecast.read', 'general.allow_backup_restore', 'organization.add_delete', 'organization.edit', 'organization.read', 'performance.read', 'policies.edit', 'policies.read', 'reports.read', 'schedule.edit', 'schedule.read'];
        assert.deepStrictEqual(
          derived.roles.map((r) => named(ROLE_COLUMNS, r)),
          [
            { id: 1, name: 'Role 1', description: 'Migrated from 6.5: users without rights' },
            { id: 2, name: 'Role 2', description: 'Migrated from 6.5: users with the rights ORG_VIEW, ORG_EDIT, POLICY_VIEW, POLICY_EDIT, CAL_VIEW, CAL_EDIT, FCST_VIEW, FCST_EDIT, SCHED_VIEW, SCHED_EDIT, PERF_VIEW, ADH_VIEW, REPORTS, DB_BACKUP' },
            { id: 3, name: 'Role 3', description: 'Migrated from 6.5: users with the rights ORG_VIEW, CAL_VIEW, CAL_EDIT' },
            { id: 4, name: 'Role 4', description: 'Migrated from 6.5: users with the rights PERF_VIEW, REPORTS' },
          ],
        );
        assert.deepStrictEqual(
          derived.rolePrivileges.map((r) => named(ROLE_PRIVILEGE_COLUMNS, r)),
          [
            ...everything.map((privilege) => ({ role_id: 2, privilege })),
            ...calendar.map((privilege) => ({ role_id: 3, privilege })),
            { role_id: 4, privilege: 'performance.read' },
            { role_id: 4, privilege: 'reports.read' },
          ],
        );
        assert.deepStrictEqual(
          derived.users.map((u) => named(WFM_USER_COLUMNS, u)),
          [
            { id: 1, login: 'admin', full_name: 'Admin Ünïcode', time_zone: 'America/New_York', disabled: 0, role_id: 2, builder_name: null },
            { id: 2, login: 'clerk', full_name: 'Calendar "Clerk"', time_zone: null, disabled: 0, role_id: 3, builder_name: null },
            { id: 3, login: 'nobody', full_name: 'No Rights ', time_zone: null, disabled: 1, role_id: 1, builder_name: null },
            { id: 4, login: 'reporter', full_name: 'Reporter', time_zone: 'Asia/Tokyo', disabled: 0, role_id: 4, builder_name: null },
            { id: 5, login: 'clerk2', full_name: 'Second clerk', time_zone: null, disabled: 0, role_id: 3, builder_name: null },
          ],
        );
      } finally {
        await connection.close();
      }
    });

    it('finds exactly the rows that break the documented encodings, and the transforms reject each of them', async () => {
      const connection = await legacyDatabase(release, badFixture(release), { danglingReferences: true });
      try {
        const found = await validateLegacy(connection, release);
        const supervisors: Omit<Rejection, 'reason'>[] =
          release === '6.5.104'
            ? [
                { table: 'supervisor', key: 'supervisor_id=6', column: 'rights', value: 'YN?Y' },
                { table: 'supervisor', key: 'supervisor_id=7', column: 'rights', value: 'YYYYYYYYYYYYYYY' },
              ]
            : [{ table: 'supervisor_right', key: "supervisor_id=6, right_code='SUPERUSER'", column: 'right_code', value: 'SUPERUSER' }];
        supervisors.splice(release === '6.5.104' ? 2 : 0, 0, { table: 'supervisor', key: 'supervisor_id=8', column: 'login_name', value: 'admin' });
        assert.deepStrictEqual(
          found.map(({ table, key, column, value }) => ({ table, key, column, value })),
          [
            { table: 'activity', key: 'activity_id=5', column: 'activity_type', value: 'Z' },
            { table: 'agent_compliance', key: 'employee_id=1000, state_date=20230717, start_sec=100', column: 'duration_sec', value: '0' },
            { table: 'employee', key: 'employee_id=1003', column: 'team_id', value: '999' },
            { table: 'master_schedule', key: 'employee_id=1000, sched_date=20230717, seg_start_min=600', column: 'seg_end_min', value: '600' },
            { table: 'performance_data', key: 'activity_id=1, perf_date=20230230, interval_no=5', column: 'perf_date', value: '20230230' },
            { table: 'performance_data', key: 'activity_id=1, perf_date=20230715, interval_no=96', column: 'interval_no', value: '96' },
            { table: 'performance_data', key: 'activity_id=99, perf_date=20230715, interval_no=10', column: 'activity_id', value: '99' },
            ...supervisors,
          ],
        );
        const reasonOf = (key: string) => found.find((r) => r.key === key)?.reason ?? '';
        assert.equal(reasonOf('activity_id=5'), "one of 'P', 'M', 'X'");
        assert.equal(reasonOf('activity_id=1, perf_date=20230715, interval_no=96'), 'an interval number 0..95 (15 minutes each)');
        assert.match(reasonOf('activity_id=1, perf_date=20230230, interval_no=5'), /real calendar date/);
        assert.equal(reasonOf('activity_id=99, perf_date=20230715, interval_no=10'), 'the activity_id of an existing activity row');
        assert.match(reasonOf('employee_id=1000, sched_date=20230717, seg_start_min=600'), /greater than seg_start_min \(600\)/);
        if (release === '6.5.104') {
          assert.match(reasonOf('supervisor_id=6'), /position 3 is "\?"/);
          assert.match(reasonOf('supervisor_id=7'), /position 15 is "Y", past the 14 rights/);
        } else {
          assert.match(reasonOf("supervisor_id=6, right_code='SUPERUSER'"), /a 6\.5 right code/);
        }

        const context = await loadLegacyContext(connection, release);
        const rejectedByTransforms: Rejection[] = [];
        for (const mapping of TABLE_MAPPINGS) {
          const transform = mapping.transform(context);
          for (const row of await sourceRows(connection, mapping, release)) {
            const result = transform(row);
            if ('rejection' in result) rejectedByTransforms.push(result.rejection);
          }
        }
        const derived = derivedUsersAndRoles(context);
        const byText = (rejections: Rejection[]) => rejections.map((r) => JSON.stringify(r)).sort();
        assert.deepStrictEqual(byText([...rejectedByTransforms.filter((r) => r.table !== 'supervisor_pabx'), ...derived.rejections]), byText(found));
        // A good row whose supervisor does not migrate cannot be written either: the target's foreign key.
        assert.deepStrictEqual(
          rejectedByTransforms.filter((r) => r.table === 'supervisor_pabx'),
          [
            {
              table: 'supervisor_pabx',
              key: 'supervisor_id=6, pabx_id=10',
              column: 'supervisor_id',
              value: '6',
              reason: 'the supervisor_id of a supervisor row that migrates; supervisor supervisor_id=6 is rejected itself',
            },
          ],
        );
        assert.deepEqual(
          derived.users.map((u) => u[0]),
          [1, 2, 3, 4, 5],
        );
        const withoutPerformance = await validateLegacy(connection, release, { includePerformance: false });
        assert.deepStrictEqual(
          withoutPerformance,
          found.filter((r) => r.table !== 'performance_data' && r.table !== 'agent_compliance'),
        );
      } finally {
        await connection.close();
      }
    });

    it('refuses a database whose db_info is missing, empty or names another release', async () => {
      const other: LegacyRelease = release === '6.5.104' ? '6.5.201' : '6.5.104';
      const notThisRelease = new RegExp(`is not a ${release.replaceAll('.', '\\.')} database`);
      const empty = await legacyDatabase(release, goodFixture(), { version: null });
      const wrong = await legacyDatabase(release, goodFixture(), { version: `${other}.00` });
      const current = await legacyDatabase(release, goodFixture(), { version: '8.5.2' });
      const noTable = await connect(`sqlite:${fixtureFile()}`);
      try {
        for (const connection of [empty, wrong, current, noTable]) {
          await assert.rejects(validateLegacy(connection, release), notThisRelease);
          await assert.rejects(loadLegacyContext(connection, release), notThisRelease);
        }
        await assert.rejects(validateLegacy(noTable, release), /no db_info table/);
        await assert.rejects(validateLegacy(empty, release), /db_info table is empty/);
        await assert.rejects(validateLegacy(wrong, release), new RegExp(`it is a ${other.replaceAll('.', '\\.')} database`));
      } finally {
        for (const connection of [empty, wrong, current, noTable]) await connection.close();
      }
    });
  });
}
