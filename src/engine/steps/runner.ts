// Applies versioned steps to a database and records each in the history table. Where DDL is
// transactional a step is one transaction: it happens whole or not at all. Elsewhere (MariaDB) every
// statement is recorded in a journal as it completes and structural statements are skipped when their
// effect is already there, so a step interrupted anywhere resumes to completion when run again.
import { createHash } from 'node:crypto';
import type { Connection } from '../dialect/types.ts';
import { utcTimestamp } from '../dialect/lock.ts';
import { JOURNAL_TABLE_NAME } from '../engine-tables.ts';
import { OperationError } from '../errors.ts';
import type { TableModel } from '../schema/model.ts';
import { renderOperation, type Statement, type Step } from './operations.ts';

export const JOURNAL_TABLE: TableModel = {
  name: JOURNAL_TABLE_NAME,
  columns: [
    { name: 'version', type: { kind: 'varchar', length: 20 }, nullable: false },
    { name: 'statement_no', type: { kind: 'integer' }, nullable: false },
    { name: 'completed_at', type: { kind: 'timestamp' }, nullable: false },
  ],
  primaryKey: ['version', 'statement_no'],
  indexes: [],
  foreignKeys: [],
};

export interface StepRunOptions {
  /** The history table: it has `version` and `applied_at`, and `checksum`, `tool_version`, `duration_ms` where the schema has them. */
  historyTable: string;
  toolVersion: string;
  onStepStart?: (step: Step, statements: number) => void;
  onStatement?: (step: Step, done: number, total: number) => void;
  onStepDone?: (step: Step, durationMs: number) => void;
  /** Writes that must be committed with the step, in its own transaction: the step is never recorded without them. */
  withinStep?: (step: Step) => Promise<void>;
  /**
   * Names this database's steps in the step journal apart from another set of steps kept in the same
   * database, whose versions may be the same: an interrupted step of one is never taken for the other's.
   */
  journalPrefix?: string;
  /** Test hook: called before each statement so that a test can make a step fail halfway. */
  beforeStatement?: (step: Step, index: number) => void | Promise<void>;
}

export interface AppliedStep {
  version: string;
  description: string;
  checksum: string;
  durationMs: number;
  statements: number;
}

export function renderStep(connection: Pick<Connection, 'compiler'>, step: Step): Statement[] {
  return step.operations.flatMap((operation) => renderOperation(connection.compiler, operation));
}

export function stepChecksum(statements: readonly Statement[]): string {
  const hash = createHash('sha256');
  for (const statement of statements) hash.update(statement.sql).update('\n;\n');
  return hash.digest('hex');
}

export async function applySteps(connection: Connection, steps: readonly Step[], options: StepRunOptions): Promise<AppliedStep[]> {
  const applied: AppliedStep[] = [];
  for (const step of steps) {
    const statements = renderStep(connection, step);
    const started = performance.now();
    options.onStepStart?.(step, statements.length);
    if (connection.adapter.transactionalDdl) {
      await connection.transaction(async () => {
        await runStatements(connection, step, statements, options, new Set());
        await options.withinStep?.(step);
        await recordStep(connection, step, statements, started, options);
      });
    } else {
      await runJournalled(connection, step, statements, started, options);
    }
    const durationMs = Math.round(performance.now() - started);
    options.onStepDone?.(step, durationMs);
    applied.push({ version: step.version, description: step.description, checksum: stepChecksum(statements), durationMs, statements: statements.length });
  }
  return applied;
}

async function runStatements(
  connection: Connection,
  step: Step,
  statements: readonly Statement[],
  options: StepRunOptions,
  done: ReadonlySet<number>,
  afterEach?: (index: number, statement: Statement) => Promise<void>,
): Promise<void> {
  // A check guards the statements after it: once one of those is done, it passed in the run that did it.
  const lastDone = Math.max(-1, ...done);
  for (const [index, statement] of statements.entries()) {
    if (done.has(index) || (statement.problem && index < lastDone)) continue;
    await options.beforeStatement?.(step, index);
    if (statement.problem) await runCheck(connection, step, statement);
    else if (afterEach) await afterEach(index, statement);
    else await connection.execute(statement.sql);
    options.onStatement?.(step, index + 1, statements.length);
  }
}

async function runCheck(connection: Connection, step: Step, statement: Statement): Promise<void> {
  const rows = await connection.query(statement.sql);
  if (rows.length === 0 || !statement.problem) return;
  const shown = rows.slice(0, 20).map((row) => `  ${statement.problem?.(row)}`);
  const more = rows.length > shown.length ? `\n  ... and ${rows.length - shown.length} more` : '';
  throw new OperationError(
    `step ${step.version} stopped before changing anything: ${statement.description ?? 'a check failed'}:\n${shown.join('\n')}${more}`,
  );
}

async function runJournalled(connection: Connection, step: Step, statements: readonly Statement[], started: number, options: StepRunOptions): Promise<void> {
  const q = connection.compiler;
  for (const sql of q.createTable(JOURNAL_TABLE, { ifNotExists: true })) await connection.execute(sql);
  const journal = q.quoteIdentifier(JOURNAL_TABLE.name);
  const journalVersion = `${options.journalPrefix ?? ''}${step.version}`;
  const rows = await connection.query(`SELECT statement_no FROM ${journal} WHERE version = ${q.parameter(1)}`, [journalVersion]);
  const done = new Set(rows.map((r) => Number(r.statement_no)));
  const markDone = (index: number): Promise<number> =>
    connection.execute(`INSERT INTO ${journal} (version, statement_no, completed_at) VALUES (${q.parameter(1)}, ${q.parameter(2)}, ${q.parameter(3)})`, [
      journalVersion,
      index,
      utcTimestamp(new Date()),
    ]);
  await runStatements(connection, step, statements, options, done, async (index, statement) => {
    if (statement.alreadyApplied) {
      // DDL commits by itself here: skip it when a previous, interrupted run already got this far. Only the
      // statement's table is read: a table the tool does not own may have a type it does not know.
      const schema = await connection.introspector.introspect(statement.table === undefined ? undefined : [statement.table]);
      if (!statement.alreadyApplied(schema)) await connection.execute(statement.sql);
      await markDone(index);
    } else {
      await connection.transaction(async () => {
        await connection.execute(statement.sql);
        await markDone(index);
      });
    }
  });
  await connection.transaction(async () => {
    await options.withinStep?.(step);
    await recordStep(connection, step, statements, started, options);
    await connection.execute(`DELETE FROM ${journal} WHERE version = ${q.parameter(1)}`, [journalVersion]);
  });
}

async function recordStep(connection: Connection, step: Step, statements: readonly Statement[], started: number, options: StepRunOptions): Promise<void> {
  const available = await historyColumns(connection, options.historyTable);
  const values: Record<string, string | number> = {
    version: step.version,
    applied_at: utcTimestamp(new Date()),
    checksum: stepChecksum(statements),
    tool_version: options.toolVersion,
    duration_ms: Math.round(performance.now() - started),
  };
  const columns = Object.keys(values).filter((c) => available.has(c));
  const q = connection.compiler;
  await connection.execute(
    `INSERT INTO ${q.quoteIdentifier(options.historyTable)} (${columns.map((c) => q.quoteIdentifier(c)).join(', ')}) VALUES (${columns.map((_, i) => q.parameter(i + 1)).join(', ')})`,
    columns.map((c) => values[c] ?? null),
  );
}

async function historyColumns(connection: Connection, historyTable: string): Promise<Set<string>> {
  // Only the history table is read: a table the tool does not own may have a type it does not know.
  const schema = await connection.introspector.introspect([historyTable]);
  const table = schema.tables.find((t) => t.name === historyTable);
  if (!table) throw new OperationError(`the history table ${historyTable} is missing`);
  return new Set(table.columns.map((c) => c.name));
}

/** Versions recorded in the history table, in the order they were applied. */
export async function appliedVersions(connection: Connection, historyTable: string): Promise<string[]> {
  const q = connection.compiler;
  const rows = await connection.query(`SELECT version FROM ${q.quoteIdentifier(historyTable)} ORDER BY applied_at, version`);
  return rows.map((r) => String(r.version));
}
