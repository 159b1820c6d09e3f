// The legacy context: the small tables read once, before the copy, so that a transform needs no query per
// row. It holds the keys every reference may point to (those that migrate, having passed their own rules),
// the standard-time UTC offset of every PABX, activity and employee, and the supervisors with their rights.
import type { Connection, Row, SqlValue } from '../../engine/dialect/types.ts';
import type { LegacyRelease } from '../releases/versions.ts';
import { rowChecker } from './checks.ts';
import { type Finding, findingOf, sortedRejections } from './findings.ts';
import { hasColumn, legacyTables, requireSourceKey } from './legacy-tables.ts';
import { requireMapping, TABLE_MAPPINGS } from './mappings.ts';
import { isRightCode, type RightCode, rightsOfString } from './rights.ts';
import { referencedTables, rulesOf } from './rules.ts';
import { requireLegacyRelease } from './release-check.ts';
import type { LegacyContext, LegacySupervisor, OffsetOwner, ParentKeys, Rejection } from './types.ts';
import { duplicateLogins } from './logins.ts';
import { unstorableText, unstorableTextKey } from './text.ts';

interface MutableParentKeys extends ParentKeys {
  present: Set<SqlValue>;
  migrating: Set<SqlValue>;
}

interface ContextUnderConstruction extends LegacyContext {
  utcOffsets: Record<OffsetOwner, Map<SqlValue, number>>;
  parents: Map<string, MutableParentKeys>;
  supervisors: LegacySupervisor[];
  supervisorRejections: Rejection[];
  unstorableText: Map<string, Rejection>;
}

const SUPERVISOR_COLUMNS = ['supervisor_id', 'login_name', 'full_name', 'time_zone', 'disabled', 'rights'];

async function readTable(connection: Connection, table: string, columns: readonly string[]): Promise<Row[]> {
  const q = connection.compiler;
  const list = (names: readonly string[]) => names.map((name) => q.quoteIdentifier(name)).join(', ');
  return connection.query(`SELECT ${list(columns)} FROM ${q.quoteIdentifier(table)} ORDER BY ${list(requireSourceKey(table))}`);
}

function emptyContext(release: LegacyRelease): ContextUnderConstruction {
  return {
    release,
    utcOffsets: { pabx: new Map(), activity: new Map(), employee: new Map() },
    parents: new Map([...referencedTables().keys()].map((table) => [table, { present: new Set(), migrating: new Set() }])),
    supervisors: [],
    supervisorRejections: [],
    unstorableText: new Map(),
  };
}

function parentKeys(context: ContextUnderConstruction, table: string): MutableParentKeys {
  const keys = context.parents.get(table);
  if (!keys) throw new Error(`${table} is not referenced by any legacy table`);
  return keys;
}

/** A PABX has its own offset; an activity or employee has its PABX's, whose reference it has passed. */
function recordOffset(context: ContextUnderConstruction, table: string, id: SqlValue, row: Row): void {
  if (table === 'pabx') context.utcOffsets.pabx.set(id, row.utc_offset_min as number);
  if (table !== 'activity' && table !== 'employee') return;
  const offset = context.utcOffsets.pabx.get(row.pabx_id ?? null);
  if (offset !== undefined) context.utcOffsets[table].set(id, offset);
}

/** Files the rows whose text no target stores as it is: the text checks of every table consult them. */
async function loadUnstorableText(connection: Connection, context: ContextUnderConstruction): Promise<void> {
  for (const table of legacyTables(context.release)) {
    for (const columnRule of rulesOf(table, context.release)) {
      if (columnRule.rule.kind !== 'text') continue;
      for (const { rejection } of await unstorableText(connection, columnRule)) context.unstorableText.set(unstorableTextKey(rejection.table, rejection.column, rejection.key), rejection);
    }
  }
}

/** Reads a referenced table, parents having been read before it, and records which of its keys migrate. */
async function loadParent(connection: Connection, context: ContextUnderConstruction, table: string, keyColumn: string): Promise<void> {
  const mapping = requireMapping(table);
  const columns = table === 'pabx' ? [...mapping.sourceColumns(context.release), 'utc_offset_min'] : mapping.sourceColumns(context.release);
  const check = rowChecker(table, context);
  const keys = parentKeys(context, table);
  for (const row of await readTable(connection, table, columns)) {
    const id = row[keyColumn] ?? null;
    keys.present.add(id);
    if (check(row) !== undefined) continue;
    keys.migrating.add(id);
    recordOffset(context, table, id, row);
  }
}

/** 6.5.201 keeps one supervisor_right row per granted right; a row that breaks a rule rejects its supervisor. */
async function rightsFromRows(connection: Connection, context: ContextUnderConstruction, findings: Finding[], rejected: Set<SqlValue>): Promise<Map<SqlValue, RightCode[]>> {
  const rights = new Map<SqlValue, RightCode[]>();
  const check = rowChecker('supervisor_right', context);
  for (const row of await readTable(connection, 'supervisor_right', requireSourceKey('supervisor_right'))) {
    const rejection = check(row);
    const supervisor = row.supervisor_id ?? null;
    if (rejection !== undefined) {
      findings.push(findingOf(rejection, row));
      rejected.add(supervisor);
    } else if (isRightCode(row.right_code)) {
      const granted = rights.get(supervisor) ?? [];
      granted.push(row.right_code);
      rights.set(supervisor, granted);
    }
  }
  return rights;
}

function supervisorOf(row: Row, rights: readonly RightCode[]): LegacySupervisor {
  return {
    id: row.supervisor_id as number,
    login: row.login_name as string,
    fullName: row.full_name as string,
    timeZone: (row.time_zone ?? null) as string | null,
    disabled: row.disabled as number,
    rights,
  };
}

/**
 * Supervisors whose row or one of whose rights breaks a rule are rejected, and do not migrate. Their right
 * rows are checked against every supervisor present, so that a rejected supervisor is reported once.
 */
async function loadSupervisors(connection: Connection, context: ContextUnderConstruction): Promise<void> {
  const columns = SUPERVISOR_COLUMNS.filter((column) => hasColumn(context.release, 'supervisor', column));
  const rows = await readTable(connection, 'supervisor', columns);
  const keys = parentKeys(context, 'supervisor');
  for (const row of rows) keys.present.add(row.supervisor_id ?? null);
  for (const id of keys.present) keys.migrating.add(id);

  const findings: Finding[] = [];
  const rejected = new Set<SqlValue>();
  const positional = hasColumn(context.release, 'supervisor', 'rights');
  const rightRows = positional ? new Map<SqlValue, RightCode[]>() : await rightsFromRows(connection, context, findings, rejected);
  for (const duplicate of duplicateLogins(rows)) {
    findings.push(duplicate);
    rejected.add(duplicate.keyValues[0] ?? null);
  }
  const check = rowChecker('supervisor', context);
  for (const row of rows) {
    const id = row.supervisor_id ?? null;
    const rejection = check(row);
    if (rejection !== undefined && !rejected.has(id)) {
      findings.push(findingOf(rejection, row));
      rejected.add(id);
    } else if (!rejected.has(id)) {
      context.supervisors.push(supervisorOf(row, positional ? rightsOfString(row.rights as string) : (rightRows.get(id) ?? [])));
    }
  }
  for (const id of rejected) keys.migrating.delete(id);
  context.supervisorRejections.push(...sortedRejections(findings));
}

/** Reads the small tables of a 6.5 database; throws if db_info does not name `release`. */
export async function loadLegacyContext(connection: Connection, release: LegacyRelease): Promise<LegacyContext> {
  await requireLegacyRelease(connection, release);
  const context = emptyContext(release);
  await loadUnstorableText(connection, context);
  const referenced = referencedTables();
  for (const { source } of TABLE_MAPPINGS) {
    const keyColumn = referenced.get(source);
    if (keyColumn !== undefined) await loadParent(connection, context, source, keyColumn);
  }
  await loadSupervisors(connection, context);
  return context;
}
