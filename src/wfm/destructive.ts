// What an action that drops or replaces data will remove, stated before it is done: the command line and
// the console print the same statement and ask before a rollback that drops or restores a database, a
// restore with --replace and a step two with --conflict overwrite. It only reads: working it out never
// changes a database, and a database that cannot be opened is said to be so, not taken for empty.
import { existsSync } from 'node:fs';
import { connect, describeTarget, type Connection, type ConnectionTarget } from '../engine/dialect/index.ts';
import { isSameDatabase } from '../engine/dialect/identity.ts';
import { lockHeldError } from '../engine/dialect/lock.ts';
import { errorMessage, InputError } from '../engine/errors.ts';
import { tablesReplacedByRestore } from './backup.ts';
import type { BackupSealing } from './backup-seal.ts';
import { DATABASE_LOCK } from './database.ts';
import { TABLE_MAPPINGS } from './legacy65/index.ts';
import { rollbackSealing, type RunJournal } from './run.ts';
import { verifyMigration } from './verify.ts';
import { counted } from '../engine/wording.ts';

export interface TableRows {
  table: string;
  rows: number;
}

export interface DestructiveStatement {
  /** What the action does, in one sentence. */
  action: string;
  /** The database it removes data from, as the user named it; none when it removes nothing. */
  database: string;
  target?: ConnectionTarget;
  /** The tables whose rows it removes, and how many each holds now. */
  tables: TableRows[];
  /** Tables of that database the action leaves as they are (a site's own), named so that none is taken for removed. */
  leftAlone: string[];
  /** What else the user should know: what changed since the run or the backup, what could not be read. */
  notes: string[];
  /** False when there is nothing to remove, and so nothing to ask. */
  removesData: boolean;
}

/** The 6.5 tables step two reads: their 8.5.2 tables hold the rows --conflict overwrite writes over. */
const PERFORMANCE_SOURCES = ['performance_data', 'agent_compliance'];

/** Which of the tables present an action removes, and which of the others it names as left alone; it reads neither. */
type RemovedTables = (connection: Connection, present: string[]) => Promise<{ removed: string[]; leftAlone: string[] }>;

const everyTable: RemovedTables = async (_connection, present) => ({ removed: present, leftAlone: [] });

const onlyTables =
  (only: readonly string[]): RemovedTables =>
  async (_connection, present) => ({ removed: present.filter((name) => only.includes(name)), leftAlone: [] });

/** The tables an action removes from a database and the rows each holds, the tables it leaves alone, or why they cannot be listed. */
async function contentsOf(target: ConnectionTarget, removedOf: RemovedTables): Promise<{ tables: TableRows[]; leftAlone: string[] } | { absent: true } | { problem: string }> {
  if (target.engine === 'sqlite' && target.path !== undefined && target.path !== ':memory:' && !existsSync(target.path)) return { absent: true };
  let connection: Connection;
  try {
    connection = await connect({ ...target, readOnly: true });
  } catch (error) {
    return { problem: errorMessage(error) };
  }
  try {
    // Counting rows waits on the tables an operation under way is changing: while one holds the database, it is named instead.
    const holder = await connection.lockHolder(DATABASE_LOCK).catch(() => undefined);
    if (holder !== undefined) throw lockHeldError(connection, DATABASE_LOCK, holder);
    const { removed, leftAlone } = await removedOf(connection, await connection.introspector.tableNames());
    return { tables: await tableRows(connection, removed), leftAlone };
  } finally {
    await connection.close();
  }
}

async function tableRows(connection: Connection, tables: readonly string[]): Promise<TableRows[]> {
  const q = connection.compiler;
  const counted: TableRows[] = [];
  for (const table of [...tables].sort()) {
    const rows = Number((await connection.query(`SELECT COUNT(*) AS n FROM ${q.quoteIdentifier(table)}`))[0]?.n ?? 0);
    counted.push({ table, rows });
  }
  return counted;
}

/**
 * A statement about one database: the tables `removedOf` picks and their rows. Where the action drops
 * those tables, not only their rows, dropping an empty one still counts as removing something.
 */
async function statementFor(target: ConnectionTarget, action: string, notes: string[], scope: { removedOf: RemovedTables; dropsTables: boolean }): Promise<DestructiveStatement> {
  const database = describeTarget(target);
  const contents = await contentsOf(target, scope.removedOf);
  if ('absent' in contents) return { action, database, target, tables: [], leftAlone: [], notes: [`${database} does not exist: there is nothing in it to remove`], removesData: false };
  if ('problem' in contents) return { action, database, target, tables: [], leftAlone: [], notes: [`what ${database} holds cannot be listed (${contents.problem}); whatever it holds is removed`, ...notes], removesData: true };
  const { tables, leftAlone } = contents;
  return { action, database, target, tables, leftAlone, notes, removesData: tables.some((t) => t.rows > 0) || (scope.dropsTables && tables.length > 0) };
}

const WHOLE_DATABASE = { removedOf: everyTable, dropsTables: true };

/** A whole restore of `file` with --replace: the tables it drops, and a site's own tables, which it leaves alone. */
const replacedByRestore =
  (file: string, sealing: BackupSealing = {}): RemovedTables =>
  async (connection) => {
    const { replaced, leftAlone } = await tablesReplacedByRestore(file, connection, sealing);
    return { removed: replaced, leftAlone };
  };

/** When the run ended: the end of the last step it recorded. */
function runEnd(journal: RunJournal): string | undefined {
  const ends = journal.steps
    .filter((s) => s.startedAt !== undefined)
    .map((s) => new Date(Date.parse(s.startedAt as string) + (s.durationMs ?? 0)).toISOString());
  return ends.sort().at(-1);
}

/**
 * The tables of a migrated database that no longer hold what the migration of the 6.5 database writes:
 * what changed there since the run (the 6.5 database is only read by it).
 */
async function changedSinceMigration(from: ConnectionTarget, to: ConnectionTarget, journal: RunJournal): Promise<string[]> {
  try {
    const tables = await verifyMigration(from, to, { allowMigratePerformance: !journal.twoStep });
    const changed = tables.filter((t) => !t.equal);
    if (changed.length === 0) return ['it holds what the run migrated: nothing changed there since the run'];
    return [`changed since the run (no longer what the run migrated): ${changed.map((t) => `${t.target} (${counted(t.targetRows, 'row')} now, ${t.sourceRows - t.rejected} migrated)`).join(', ')}`];
  } catch (error) {
    return [`what changed since the run cannot be worked out (${errorMessage(error)})`];
  }
}

/**
 * What `wfm rollback` (and the console's Roll back) removes for a run. The backup an update in place gets
 * back is checked as the rollback checks it, its seal with `sealing` and against the run's record of it: a
 * file that would be refused is refused before anything is asked.
 */
export async function rollbackStatement(journal: RunJournal, resolveTarget: (text: string) => Promise<ConnectionTarget>, sealing: BackupSealing = {}): Promise<DestructiveStatement> {
  const ended = runEnd(journal);
  const since = ended ? ` since the run ended (${ended})` : '';
  if (journal.state === 'rolled back') return { action: `nothing: ${journal.runId} was rolled back already`, database: '', tables: [], leftAlone: [], notes: [], removesData: false };
  const from = await resolveTarget(journal.from);
  if (journal.path === 'update in place') {
    if (journal.steps.find((s) => s.name === 'back up')?.state !== 'done') return { action: `nothing: ${journal.runId} took no backup to restore`, database: '', tables: [], leftAlone: [], notes: [], removesData: false };
    const action = `restore ${journal.backupFile} over ${describeTarget(from)}: every table below is dropped and the backup's tables written in their place`;
    const notes = [`everything written to these tables${since} is lost, the organization and user settings included`];
    return statementFor(from, action, notes, { removedOf: replacedByRestore(journal.backupFile, rollbackSealing(journal, sealing)), dropsTables: true });
  }
  if (journal.to === null) return { action: 'nothing is dropped: the run named no new database', database: '', tables: [], leftAlone: [], notes: [], removesData: false };
  const to = await resolveTarget(journal.to);
  const statement = await statementFor(to, `drop the new database ${describeTarget(to)} with every table below; the 6.5 database ${describeTarget(from)} is left as it is`, [], WHOLE_DATABASE);
  if (statement.removesData && statement.tables.length > 0) statement.notes.push(...(await changedSinceMigration(from, to, journal)), `everything written to it${since} is lost`);
  return statement;
}

/**
 * What `bru restore --replace` (and the console's Restore) removes from the database restored into: the
 * tables of the backup's release and of the database's own, as the restore works them out; a site's own
 * tables are named as left alone.
 */
export async function restoreStatement(file: string, target: ConnectionTarget, tables?: readonly string[], sealing: BackupSealing = {}): Promise<DestructiveStatement> {
  const database = describeTarget(target);
  if (tables) {
    const action = `delete every row of the tables below in ${database} and write ${file}'s rows in their place`;
    return statementFor(target, action, [`rows written to them since ${file} was taken are lost`], { removedOf: onlyTables(tables), dropsTables: false });
  }
  const action = `drop every table below in ${database} and write ${file}'s tables in their place`;
  return statementFor(target, action, [`everything written to them since ${file} was taken is lost`], { removedOf: replacedByRestore(file, sealing), dropsTables: true });
}

/** What `dbu migrate-performance --conflict overwrite` writes over in the 8.5.2 database. */
export async function overwriteStatement(to: ConnectionTarget): Promise<DestructiveStatement> {
  const targets = TABLE_MAPPINGS.filter((m) => PERFORMANCE_SOURCES.includes(m.source)).map((m) => m.target);
  const database = describeTarget(to);
  return statementFor(
    to,
    `write the 6.5 rows over the rows the new Data Aggregator collected in the tables below of ${database}, and over every other row there that holds the key of a 6.5 row and that the performance migration did not write itself (an import, a correction by hand, another collector)`,
    ['the rows written over are not kept anywhere; --conflict keep-target keeps them, --conflict fail stops before writing'],
    { removedOf: onlyTables(targets), dropsTables: false },
  );
}

/** The statement as lines for a terminal or a page. */
export function statementLines(statement: DestructiveStatement): string[] {
  return [
    `this will ${statement.action}`,
    ...statement.tables.map((t) => `  ${t.table}: ${counted(t.rows, 'row')}`),
    ...(statement.leftAlone.length > 0 ? [`  left as they are, not WFM tables: ${statement.leftAlone.join(', ')}`] : []),
    ...statement.notes.map((note) => `  ${note}`),
  ];
}


/**
 * The console never drops or replaces the database it serves: its own pages and jobs would go with it
 * (a job page that says "running" forever). That is done from the command line, the console stopped.
 */
export async function refuseConsoleDatabase(statement: DestructiveStatement, own: ConnectionTarget): Promise<void> {
  if (!statement.target || !statement.removesData) return;
  // A database that cannot be opened to tell who it is cannot be the one the console serves and reads.
  const same = await isSameDatabase(statement.target, own).catch(() => false);
  if (same) throw new InputError(`the console does not ${statement.action}: that is the database it serves (${describeTarget(own)}); stop it and do that with the wfm command`);
}
