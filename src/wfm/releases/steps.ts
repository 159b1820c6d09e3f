// The upgrade step of each release after 7.6. Data steps are set-based SQL, so that a DBA can read them in
// `wfm schema script` and they run at the speed of the database, whatever the number of users.
import { bigint, date, double, integer, NULLABLE, references, table, timestamp, varchar } from '../../engine/schema/builders.ts';
import type { QueryCompiler, Row } from '../../engine/dialect/types.ts';
import type { Operation, Step } from '../../engine/steps/operations.ts';
import { BACKUP_RESTORE_8_5_1, CALENDAR_SPLIT_8_5_0, PRIVILEGES_7_6 } from '../privileges.ts';
import { COLLECTION_TABLES_8_5_2 } from './collection-8.5.2.ts';
import { dataAggregatorColumns, TABLES_7_6 } from './release-7.6.ts';
import type { CurrentRelease } from './versions.ts';

const USER_SETS = 'wm_work_user_privilege_set';
const ROLE_SETS = 'wm_work_role_privilege_set';

/** Each 7.6 privilege is one bit of a set's signature: equal signatures are equal privilege sets. */
const privilegeBit = (privilege: string): number => 2 ** PRIVILEGES_7_6.indexOf(privilege as (typeof PRIVILEGES_7_6)[number]);

const stringList = (q: QueryCompiler, values: readonly string[]): string => values.map((v) => q.literal(v)).join(', ');

function rolesFromPrivilegeSets(): Operation[] {
  return [
    {
      kind: 'check',
      description: 'every 7.6 privilege must be one this release knows, or a user would lose it',
      query: (q) =>
        `SELECT user_id, privilege FROM ${q.quoteIdentifier('user_privilege')} WHERE privilege NOT IN (${stringList(q, PRIVILEGES_7_6)}) ORDER BY user_id, privilege`,
      problem: (row: Row) => `user ${String(row.user_id)} has the unknown privilege "${String(row.privilege)}"`,
    },
    { kind: 'createTable', table: table(USER_SETS, [integer('user_id'), bigint('signature')], { primaryKey: ['user_id'] }) },
    { kind: 'createTable', table: table(ROLE_SETS, [integer('role_id'), bigint('signature')], { primaryKey: ['role_id'] }) },
    {
      kind: 'sql',
      description: 'roles: one per distinct 7.6 privilege set, users with the same privileges share one',
      statements: (q) => {
        const cases = PRIVILEGES_7_6.map((p) => `WHEN ${q.literal(p)} THEN ${privilegeBit(p)}`).join(' ');
        return [
          `INSERT INTO ${q.quoteIdentifier(USER_SETS)} (user_id, signature) ` +
            `SELECT u.id, COALESCE(SUM(CASE p.privilege ${cases} END), 0) FROM ${q.quoteIdentifier('wfm_user')} u ` +
            `LEFT JOIN ${q.quoteIdentifier('user_privilege')} p ON p.user_id = u.id GROUP BY u.id`,
          `INSERT INTO ${q.quoteIdentifier(ROLE_SETS)} (role_id, signature) ` +
            `SELECT ROW_NUMBER() OVER (ORDER BY signature), signature FROM (SELECT DISTINCT signature FROM ${q.quoteIdentifier(USER_SETS)}) s`,
          `INSERT INTO ${q.quoteIdentifier('role')} (id, name, description) ` +
            `SELECT role_id, ${q.concat([q.literal('Role '), 'role_id'])}, ${q.literal('Users who had the same privileges in 7.6')} FROM ${q.quoteIdentifier(ROLE_SETS)}`,
          ...PRIVILEGES_7_6.map(
            (p) =>
              `INSERT INTO ${q.quoteIdentifier('role_privilege')} (role_id, privilege) ` +
              `SELECT role_id, ${q.literal(p)} FROM ${q.quoteIdentifier(ROLE_SETS)} WHERE (signature & ${privilegeBit(p)}) <> 0`,
          ),
          `UPDATE ${q.quoteIdentifier('wfm_user')} SET role_id = (SELECT r.role_id FROM ${q.quoteIdentifier(USER_SETS)} s ` +
            `JOIN ${q.quoteIdentifier(ROLE_SETS)} r ON r.signature = s.signature WHERE s.user_id = ${q.quoteIdentifier('wfm_user')}.id)`,
        ];
      },
    },
    { kind: 'dropTable', table: 'user_privilege' },
    { kind: 'dropTable', table: ROLE_SETS },
    { kind: 'dropTable', table: USER_SETS },
  ];
}

function splitCalendarEdit(): Operation {
  return {
    kind: 'sql',
    description: `holders of ${CALENDAR_SPLIT_8_5_0.from} get ${CALENDAR_SPLIT_8_5_0.to.join(', ')}`,
    statements: (q) => [
      ...CALENDAR_SPLIT_8_5_0.to.map(
        (p) =>
          `INSERT INTO ${q.quoteIdentifier('role_privilege')} (role_id, privilege) ` +
          `SELECT role_id, ${q.literal(p)} FROM ${q.quoteIdentifier('role_privilege')} WHERE privilege = ${q.literal(CALENDAR_SPLIT_8_5_0.from)}`,
      ),
      `DELETE FROM ${q.quoteIdentifier('role_privilege')} WHERE privilege = ${q.literal(CALENDAR_SPLIT_8_5_0.from)}`,
    ],
  };
}

function grantBackupRestore(): Operation {
  return {
    kind: 'sql',
    description: `roles with ${BACKUP_RESTORE_8_5_1.grantedWith} get ${BACKUP_RESTORE_8_5_1.privilege}`,
    statements: (q) => [
      `INSERT INTO ${q.quoteIdentifier('role_privilege')} (role_id, privilege) ` +
        `SELECT role_id, ${q.literal(BACKUP_RESTORE_8_5_1.privilege)} FROM ${q.quoteIdentifier('role_privilege')} ` +
        `WHERE privilege = ${q.literal(BACKUP_RESTORE_8_5_1.grantedWith)}`,
    ],
  };
}

export const RELEASE_STEPS: ReadonlyArray<Step & { version: CurrentRelease }> = [
  {
    version: '7.6',
    description: 'the post-6.5 design: current terms, tasks and task sequences, calendar items, per-user privileges',
    operations: TABLES_7_6.map((t) => ({ kind: 'createTable', table: t })),
  },
  {
    version: '8.0',
    description: 'roles: each distinct 7.6 privilege set becomes a role; every user keeps exactly its privileges',
    operations: [
      { kind: 'createTable', table: table('role', [integer('id'), varchar('name', 64), varchar('description', 255, NULLABLE)], { primaryKey: ['id'], uniques: [['name']] }) },
      {
        kind: 'createTable',
        table: table('role_privilege', [integer('role_id'), varchar('privilege', 64)], { primaryKey: ['role_id', 'privilege'], references: { role_id: 'role' } }),
      },
      { kind: 'addColumn', table: 'wfm_user', column: integer('role_id', NULLABLE), foreignKey: references('wfm_user', 'role_id', 'role') },
      ...rolesFromPrivilegeSets(),
    ],
  },
  {
    version: '8.1',
    description: 'forecast and schedule scenarios are stored in the database',
    operations: [
      {
        kind: 'createTable',
        table: table('forecast_scenario', [integer('id'), integer('site_id'), varchar('name', 64), date('start_date'), date('end_date'), varchar('status', 16)], {
          primaryKey: ['id'],
          references: { site_id: 'site' },
        }),
      },
      {
        kind: 'createTable',
        table: table(
          'forecast_scenario_interval',
          [integer('forecast_scenario_id'), integer('activity_id'), timestamp('interval_start'), double('volume'), double('aht_seconds')],
          { primaryKey: ['forecast_scenario_id', 'activity_id', 'interval_start'], references: { forecast_scenario_id: 'forecast_scenario', activity_id: 'activity' } },
        ),
      },
      {
        kind: 'createTable',
        table: table('schedule_scenario', [integer('id'), integer('site_id'), varchar('name', 64), date('start_date'), date('end_date'), varchar('status', 16)], {
          primaryKey: ['id'],
          references: { site_id: 'site' },
        }),
      },
      {
        kind: 'createTable',
        table: table(
          'schedule_scenario_segment',
          [integer('schedule_scenario_id'), integer('agent_id'), timestamp('starts_at'), timestamp('ends_at'), varchar('kind', 16), integer('activity_id', NULLABLE)],
          {
            primaryKey: ['schedule_scenario_id', 'agent_id', 'starts_at'],
            references: { schedule_scenario_id: 'schedule_scenario', agent_id: 'agent', activity_id: 'activity' },
          },
        ),
      },
    ],
  },
  {
    version: '8.5.0',
    description: 'the Calendar edit privilege is split; Data Aggregator settings on business units; a WFM Builder per user',
    operations: [
      ...dataAggregatorColumns().map((column): Operation => ({ kind: 'addColumn', table: 'business_unit', column })),
      { kind: 'addColumn', table: 'wfm_user', column: varchar('builder_name', 64, NULLABLE) },
      splitCalendarEdit(),
    ],
  },
  {
    version: '8.5.1',
    description: 'the Allow Backup/Restore privilege, for the roles that could edit the organization',
    operations: [grantBackupRestore()],
  },
  {
    version: '8.5.2',
    description: 'the backup-restore era: the version history records each step’s checksum, tool version and duration; components register, the aggregator counts each event once',
    operations: [
      { kind: 'addColumn', table: 'wm_db_version', column: varchar('checksum', 64, NULLABLE) },
      { kind: 'addColumn', table: 'wm_db_version', column: varchar('tool_version', 32, NULLABLE) },
      { kind: 'addColumn', table: 'wm_db_version', column: integer('duration_ms', NULLABLE) },
      ...COLLECTION_TABLES_8_5_2.map((t): Operation => ({ kind: 'createTable', table: t })),
    ],
  },
];
