// Tables 8.5.2 adds for collecting performance data next to a migration: the components that register
// with the database (and their heartbeats), the maintenance switch they honour, what the Data Aggregator
// needs to count every event exactly once and to know which intervals it collected, and the journal of
// the performance data migration (step two of a two-step migration), whose catch-up runs start where the
// last one ended, with the rows it wrote: a later run updates only those, and only while they still hold
// what it wrote.
import { bigint, integer, NULLABLE, table, timestamp, varchar } from '../../engine/schema/builders.ts';
import type { SchemaModel, TableModel } from '../../engine/schema/model.ts';

export const COLLECTION_TABLES_8_5_2: TableModel[] = [
  table(
    'component',
    [
      varchar('name', 128),
      varchar('kind', 32),
      varchar('wfm_release', 20),
      varchar('host', 255),
      integer('pid'),
      varchar('endpoint', 255, NULLABLE),
      timestamp('started_at'),
      timestamp('heartbeat_at'),
      varchar('state', 16),
    ],
    { primaryKey: ['name'] },
  ),
  table('system_setting', [varchar('name', 64), varchar('value', 255), timestamp('changed_at')], { primaryKey: ['name'] }),
  table('aggregator_event', [varchar('event_id', 120), timestamp('interval_start')], { primaryKey: ['event_id'], indexes: [['interval_start']] }),
  table('aggregator_interval', [timestamp('interval_start'), varchar('aggregator', 128), timestamp('closed_at', NULLABLE)], { primaryKey: ['interval_start'] }),
  table('aggregator_open_state', [integer('agent_id'), timestamp('starts_at'), integer('agent_state_id'), integer('reason_id', NULLABLE)], {
    primaryKey: ['agent_id'],
    references: { agent_id: 'agent', agent_state_id: 'agent_state', reason_id: 'reason' },
  }),
  table(
    'performance_migration_run',
    [
      integer('id'),
      timestamp('started_at'),
      timestamp('finished_at', NULLABLE),
      varchar('source', 255),
      varchar('conflict_policy', 16),
      integer('performance_through', NULLABLE),
      integer('adherence_through', NULLABLE),
      bigint('rows_inserted'),
      bigint('rows_updated'),
      bigint('rows_unchanged'),
      bigint('conflicts'),
    ],
    { primaryKey: ['id'] },
  ),
  table('performance_migration_conflict', [integer('run_id'), varchar('table_name', 64), varchar('row_key', 255), varchar('resolution', 16)], {
    primaryKey: ['run_id', 'table_name', 'row_key'],
    references: { run_id: 'performance_migration_run' },
  }),
  table('performance_migration_row', [varchar('table_name', 64), integer('key_id'), timestamp('key_instant'), bigint('value_hash')], {
    primaryKey: ['table_name', 'key_id', 'key_instant'],
  }),
];

/**
 * Tables 8.5.2 gained after databases and backups of it were first made: one without them is still an
 * 8.5.2 database (step two creates its record of the rows it writes on first use).
 */
const TABLES_ADDED_WITHIN_8_5_2: readonly string[] = ['performance_migration_row'];

/** The 8.5.2 model a database or backup holding the tables `present` must match. */
export function modelWithTablesPresent(model: SchemaModel, present: readonly string[]): SchemaModel {
  return { tables: model.tables.filter((t) => present.includes(t.name) || !TABLES_ADDED_WITHIN_8_5_2.includes(t.name)) };
}
