// The one pipeline every movement of rows into a database goes through: the tables prepared for a bulk
// load, the items copied on several connections (referenced tables first, then the largest), each table
// completed (key, indexes, foreign keys) on the connection that loaded its last item, and checked while
// other tables still load; what is left of the schema is built at the end and the whole compared with
// the model. A table that does not hold what was loaded stops the load, and the tables the pipeline
// created are removed again: the target is left as the pipeline found it.
import { chunkRunnerOnDemand } from '../archive/chunk-pool.ts';
import { copyItems, DatabaseSink, type ChunkSink, type CopyItem, type CopyItemResult, type RowSource } from '../copy/index.ts';
import { connect, type Connection, type ConnectionTarget } from '../dialect/index.ts';
import { CHECKPOINT_TABLE_NAME, REJECTION_TABLE_NAME } from '../engine-tables.ts';
import { errorMessage } from '../errors.ts';
import type { ProgressListener } from '../progress.ts';
import type { SchemaModel, TableModel } from '../schema/model.ts';
import { completeSchema, createTablesForLoading, dropTables, keyedTableForLoading, prepareForLoading, TableCompletion, tableForLoading } from './loading.ts';
import { loadOrder } from './order.ts';
import { TableVerification, writtenHash, type TableVerified } from './verification.ts';

/**
 * How the target's tables are made ready: `create` creates the schema's tables, which the target does not
 * hold, without what a bulk load is faster without; `keyed` takes the schema's tables as they exist and
 * empty, and drops all but their primary and unique keys; `filled` loads into tables as they are, whose
 * keys and indexes stay.
 */
export type TablePreparation = 'create' | 'keyed' | 'filled';

export interface LoadPlan {
  /** The target, opened and locked by the caller; the pipeline opens more connections to it. */
  target: Connection;
  to: ConnectionTarget;
  /** The tables loaded into, as they must be once complete. */
  schema: SchemaModel;
  preparation: TablePreparation;
  /** Several items may fill one table (a key range each): it is completed and checked after its last. */
  items: CopyItem[];
  /** A source per loading connection. */
  openSource(): Promise<RowSource>;
  /** Names the checkpoints: a load of the same job resumes from them. */
  job: string;
  /** Goes on from the job's checkpoints instead of starting over. */
  resume?: boolean;
  /** Forgets the job's checkpoints once the load is complete (a load that cannot be resumed later). */
  forgetCheckpoints?: boolean;
  /** The rows an item is expected to bring, for the order items load in. */
  rowsOf?(item: CopyItem): number;
  /** The content hash a table must hold once loaded; without it, the hash of the rows its items wrote. */
  expectedHash?(table: string, results: readonly CopyItemResult[]): string | undefined;
  /** The caller's own check of each item once copied (a count against a manifest); it throws to stop the load. */
  checkItem?(item: CopyItem, result: CopyItemResult): void;
  /** Items loaded at once, each on its own connection. */
  connections: number;
  chunkRows?: number;
  onProgress?: ProgressListener;
}

export interface LoadResult {
  /** Each item's copy, in the order of the plan's items. */
  items: CopyItemResult[];
  /** Each table loaded, checked against its expected hash. */
  tables: Map<string, TableVerified>;
  /** The rows the items' transforms rejected, in the order they were met. */
  rejections: unknown[];
  /** Seconds of each phase: the tables made ready; the rows loaded, with the tables done by then completed and checked; the rest completed and checked. */
  phases: { prepare: number; load: number; complete: number };
}

export async function loadItems(plan: LoadPlan): Promise<LoadResult> {
  const started = performance.now();
  const created = await createdEngineTables(plan);
  try {
    await prepareTables(plan);
    const checkpoints = new DatabaseSink(plan.target, plan.job);
    await checkpoints.prepare();
    if (!plan.resume) await checkpoints.reset();
    const prepared = performance.now();
    const { items, verified } = await loadAndVerify(plan);
    const loaded = performance.now();
    // The last tables are checked on their own connection while the rest of the schema is built on two others.
    const [checked, completed] = await Promise.allSettled([verified, plan.preparation === 'filled' ? Promise.resolve() : completeRemaining(plan, items)]);
    if (checked.status === 'rejected') throw checked.reason;
    if (completed.status === 'rejected') throw completed.reason;
    const tables = checked.value;
    const rejections = await checkpoints.rejections();
    if (plan.forgetCheckpoints) await checkpoints.reset();
    const phases = { prepare: (prepared - started) / 1000, load: (loaded - prepared) / 1000, complete: (performance.now() - loaded) / 1000 };
    return { items, tables, rejections, phases };
  } catch (error) {
    if (plan.preparation === 'create') await undoCreated(plan.target, [...plan.schema.tables.map((t) => t.name), ...created], error);
    throw error;
  }
}

/** The engine's checkpoint tables this load is about to create, to be removed with the rest on failure. */
async function createdEngineTables(plan: LoadPlan): Promise<string[]> {
  const present = await plan.target.introspector.tableNames();
  return [CHECKPOINT_TABLE_NAME, REJECTION_TABLE_NAME].filter((name) => !present.includes(name));
}

async function prepareTables(plan: LoadPlan): Promise<void> {
  if (plan.preparation === 'create') await createTablesForLoading(plan.target, plan.schema);
  else if (plan.preparation === 'keyed') await prepareForLoading(plan.target, plan.schema.tables.map((t) => t.name));
}

/** Removes the tables a failed load created; where it cannot, the error says so. */
async function undoCreated(target: Connection, tables: readonly string[], error: unknown): Promise<void> {
  try {
    const present = await target.introspector.tableNames();
    await dropTables(target, tables.filter((t) => present.includes(t)));
  } catch (failure) {
    if (error instanceof Error) error.message += `\n(the tables the load created could not be removed: ${errorMessage(failure)}; drop them before loading again)`;
  }
}

/** Copies every item; each table is completed and queued for its check as its last item is in. */
async function loadAndVerify(plan: LoadPlan): Promise<{ items: CopyItemResult[]; verified: Promise<Map<string, TableVerified>> }> {
  const verification = new TableVerification(plan.to);
  const tableDone = tableTracker(plan, verification);
  // A table found wrong stops the copy at its next chunk, on every connection.
  const stopOnFailure = (): void => {
    if (verification.failure !== undefined) throw verification.failure;
  };
  const openSink = async () => {
    const connection = await connect(plan.to);
    const finishItem = async (item: CopyItem, result: CopyItemResult): Promise<void> => {
      stopOnFailure();
      plan.checkItem?.(item, result);
      await tableDone(connection, item, result);
    };
    return { sink: new DatabaseSink(connection, plan.job) as ChunkSink, close: () => connection.close(), finishItem };
  };
  const keysAfterwards = plan.preparation !== 'filled' && plan.target.adapter.addsForeignKeys;
  const ordered = loadOrder(plan.schema, plan.items, keysAfterwards, plan.rowsOf ?? (() => 0));
  // The threads that decode a restore's chunks transform the rows of items that a transform maps.
  const workers = chunkRunnerOnDemand();
  let items: CopyItemResult[];
  try {
    items = await copyItems({ openSource: plan.openSource, openSink }, ordered, {
      chunkRows: plan.chunkRows,
      concurrency: plan.connections,
      workers,
      onProgress: (event) => {
        plan.onProgress?.(event);
        stopOnFailure();
      },
    });
  } catch (error) {
    await verification.finish().catch(() => undefined);
    throw verification.failure ?? error;
  } finally {
    await workers.close();
  }
  const verified = verification.finish();
  // Met by the caller once the rest of the schema is built; until then it must not count as unhandled.
  verified.catch(() => undefined);
  const byName = new Map(items.map((result) => [result.name, result]));
  return { items: plan.items.map((item) => byName.get(item.name) as CopyItemResult), verified };
}

/**
 * What is done as each item is copied: once a table's last item is in, its key and indexes are built on
 * the connection that loaded that item (where the load left them out) and the table is queued for its
 * check, which then waits for no lock of the foreign keys' checks.
 */
function tableTracker(plan: LoadPlan, verification: TableVerification): (connection: Connection, item: CopyItem, result: CopyItemResult) => Promise<void> {
  const remaining = new Map<string, number>();
  for (const item of plan.items) remaining.set(item.target.table, (remaining.get(item.target.table) ?? 0) + 1);
  const results = new Map<string, CopyItemResult[]>();
  const shape = plan.preparation === 'create' ? tableForLoading : keyedTableForLoading;
  const completion = new TableCompletion(plan.onProgress, shape);
  return async (connection, item, result) => {
    const table = item.target.table;
    const filled = [...(results.get(table) ?? []), result];
    results.set(table, filled);
    const left = (remaining.get(table) ?? 1) - 1;
    remaining.set(table, left);
    if (left > 0) return;
    const check = (): void =>
      verification.add({ table, columns: item.target.columns, results: filled, expectedHash: plan.expectedHash?.(table, filled) ?? writtenHash(filled) });
    if (plan.preparation === 'filled') check();
    else await completion.finish(connection, tableModel(plan.schema, table), check);
  };
}

function tableModel(schema: SchemaModel, table: string): TableModel {
  const model = schema.tables.find((t) => t.name === table);
  if (!model) throw new Error(`the load has an item into ${table}, a table its schema does not have`);
  return model;
}

/**
 * Builds what the load left out of the schema and compares it with the model, checking foreign keys on a
 * second connection beside the target, the largest tables' first, so that the two end together.
 */
async function completeRemaining(plan: LoadPlan, results: readonly CopyItemResult[]): Promise<void> {
  const rows = (table: TableModel): number => results.filter((r) => r.targetTable === table.name).reduce((sum, r) => sum + r.rowsWritten, 0);
  const second = await connect(plan.to);
  try {
    await completeSchema(plan.target, { ...plan.schema, tables: [...plan.schema.tables].sort((a, b) => rows(b) - rows(a)) }, plan.onProgress, [second]);
  } finally {
    await second.close();
  }
}
