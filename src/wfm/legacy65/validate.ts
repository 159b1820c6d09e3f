// Every row of a 6.5 database that breaks a documented encoding, found before anything is migrated. The
// tables may hold hundreds of millions of rows, so the database finds the candidates (a range, a join, the
// distinct values of a column) and only those rows reach JavaScript, where the same rules as the
// transforms' decide. A row breaking several rules is reported once per rule.
import type { Connection, QueryCompiler, Row, SqlValue } from '../../engine/dialect/types.ts';
import type { LegacyRelease } from '../releases/versions.ts';
import { rejectionOf } from './checks.ts';
import { datesFarFromEdges, largestOffset, unstoredTimesReason } from './instants.ts';
import { type Finding, findingOf, sortedRejections } from './findings.ts';
import { legacyTables, PERFORMANCE_TABLES, requireSourceKey } from './legacy-tables.ts';
import { duplicateLogins } from './logins.ts';
import { requireLegacyRelease } from './release-check.ts';
import { type AfterRule, type ColumnRule, type InstantRule, keepsRule, ownerColumn, type ReferenceRule, rulesOf, type ValueRule } from './rules.ts';
import { unstorableText } from './text.ts';
import type { Rejection } from './types.ts';

/** The name the owner's offset is read under: no legacy table with times has a column of that name. */
const OWNER_OFFSET = 'owner_utc_offset_min';

/** Values per IN list: far below every engine's parameter limit. */
const IN_LIST_SIZE = 500;

/** push(...items) would overflow the stack on a table whose every row is wrong. */
function append(to: Finding[], items: readonly Finding[]): void {
  for (const item of items) to.push(item);
}

/** Finds the rows that break one rule of one table. */
class RuleSearch {
  private readonly q: QueryCompiler;

  constructor(
    private readonly connection: Connection,
    private readonly columnRule: ColumnRule,
  ) {
    this.q = connection.compiler;
  }

  private id(name: string): string {
    return this.q.quoteIdentifier(name);
  }

  /** The key, the checked column and whatever else the rule reads (`also`: expressions of joined tables), of the rows that meet `where`. */
  private async rows(where: string, params: readonly SqlValue[] = [], alsoRead: readonly string[] = [], also: readonly string[] = []): Promise<Row[]> {
    const { table, column } = this.columnRule;
    const columns = [...[...new Set([...requireSourceKey(table), column, ...alsoRead])].map((c) => `t.${this.id(c)}`), ...also].join(', ');
    return this.connection.query(`SELECT ${columns} FROM ${this.id(table)} t ${where}`, params);
  }

  private findings(rows: readonly Row[], keeps: (row: Row) => boolean): Finding[] {
    return rows.filter((row) => !keeps(row)).map((row) => findingOf(rejectionOf(this.columnRule, row), row));
  }

  async find(): Promise<Finding[]> {
    const { rule } = this.columnRule;
    switch (rule.kind) {
      case 'value':
        return rule.range ? this.outOfRange(rule, rule.range) : this.badDistinctValues(rule);
      case 'after':
        return this.notAfter(rule);
      case 'reference':
        return this.dangling(rule);
      case 'instant':
        return this.outsideStoredTimes(rule);
      case 'text':
        return unstorableText(this.connection, this.columnRule);
    }
  }

  private async outOfRange(rule: ValueRule, range: { min: number; max: number }): Promise<Finding[]> {
    const column = `t.${this.id(this.columnRule.column)}`;
    // A value inside the range that is not a whole number is as wrong as one outside it.
    const notWhole = this.q.notWholeNumber(column);
    const rows = await this.rows(`WHERE ${column} < ${this.q.parameter(1)} OR ${column} > ${this.q.parameter(2)}${notWhole ? ` OR ${notWhole}` : ''}`, [range.min, range.max]);
    return this.findings(rows, (row) => rule.accepts(row[this.columnRule.column] ?? null));
  }

  /** Few distinct values (dates, codes, rights strings): each is judged once, then its rows are fetched. */
  private async badDistinctValues(rule: ValueRule): Promise<Finding[]> {
    const { table, column } = this.columnRule;
    const distinct = await this.connection.query(`SELECT DISTINCT ${this.id(column)} AS v FROM ${this.id(table)}`);
    const bad = distinct.map((row) => row.v ?? null).filter((value) => !rule.accepts(value));
    const keeps = (row: Row) => rule.accepts(row[column] ?? null);
    const findings: Finding[] = [];
    if (bad.includes(null)) append(findings, this.findings(await this.rows(`WHERE t.${this.id(column)} IS NULL`), keeps));
    const values = bad.filter((value) => value !== null);
    for (let i = 0; i < values.length; i += IN_LIST_SIZE) {
      const chunk = values.slice(i, i + IN_LIST_SIZE);
      const list = chunk.map((_, n) => this.q.parameter(n + 1)).join(', ');
      append(findings, this.findings(await this.rows(`WHERE t.${this.id(column)} IN (${list})`, chunk), keeps));
    }
    return findings;
  }

  private async notAfter(rule: AfterRule): Promise<Finding[]> {
    const { column } = this.columnRule;
    const rows = await this.rows(`WHERE t.${this.id(column)} <= t.${this.id(rule.column)}`, [], [rule.column]);
    return this.findings(rows, (row) => keepsRule(rule, row[column] ?? null, row));
  }

  /** Joins the PABX whose offset the times are in, as p: the row's own, or its activity's or employee's. */
  private ownerPabxJoin(rule: InstantRule): string {
    const owner = ownerColumn(rule);
    const pabx = (of: string) => `JOIN ${this.id('pabx')} p ON p.${this.id('pabx_id')} = ${of}.${this.id('pabx_id')}`;
    return rule.owner === 'pabx' ? pabx('t') : `JOIN ${this.id(rule.owner)} o ON o.${this.id(owner)} = t.${this.id(owner)} ${pabx('o')}`;
  }

  /** Only rows near the edges of the calendar, at the largest offset any PABX has, are worked out. */
  private async outsideStoredTimes(rule: InstantRule): Promise<Finding[]> {
    const extremes = (await this.connection.query(`SELECT MIN(${this.id('utc_offset_min')}) AS low, MAX(${this.id('utc_offset_min')}) AS high FROM ${this.id('pabx')}`))[0] ?? {};
    const { after, before } = datesFarFromEdges(largestOffset([Number(extremes.low ?? 0), Number(extremes.high ?? 0)]));
    const date = `t.${this.id(this.columnRule.column)}`;
    const where = `${this.ownerPabxJoin(rule)} WHERE ${date} <= ${this.q.parameter(1)} OR ${date} >= ${this.q.parameter(2)}`;
    const rows = await this.rows(where, [after, before], [...rule.times, ownerColumn(rule)], [`p.${this.id('utc_offset_min')} AS ${this.id(OWNER_OFFSET)}`]);
    const findings: Finding[] = [];
    for (const row of rows) {
      const reason = unstoredTimesReason(rule, row[this.columnRule.column] ?? null, row, Number(row[OWNER_OFFSET]));
      if (reason !== undefined) findings.push(findingOf(rejectionOf(this.columnRule, row, reason), row));
    }
    return findings;
  }

  private async dangling(rule: ReferenceRule): Promise<Finding[]> {
    const column = `t.${this.id(this.columnRule.column)}`;
    const parentKey = `p.${this.id(rule.column)}`;
    const rows = await this.rows(`LEFT JOIN ${this.id(rule.table)} p ON ${parentKey} = ${column} WHERE ${column} IS NOT NULL AND ${parentKey} IS NULL`);
    return this.findings(rows, () => false);
  }
}

async function supervisorLogins(connection: Connection): Promise<Row[]> {
  const q = connection.compiler;
  return connection.query(`SELECT ${q.quoteIdentifier('supervisor_id')}, ${q.quoteIdentifier('login_name')} FROM ${q.quoteIdentifier('supervisor')} ORDER BY ${q.quoteIdentifier('supervisor_id')}`);
}

/**
 * Every row of the database that breaks a rule of its table, sorted by table and key. Throws if db_info
 * does not name `release`. Performance Data is included unless includePerformance is false.
 */
export async function validateLegacy(connection: Connection, release: LegacyRelease, options: { includePerformance?: boolean } = {}): Promise<Rejection[]> {
  await requireLegacyRelease(connection, release);
  const includePerformance = options.includePerformance ?? true;
  const findings: Finding[] = [];
  for (const table of legacyTables(release)) {
    if (!includePerformance && PERFORMANCE_TABLES.has(table)) continue;
    for (const columnRule of rulesOf(table, release)) append(findings, await new RuleSearch(connection, columnRule).find());
  }
  append(findings, duplicateLogins(await supervisorLogins(connection)));
  return sortedRejections(findings);
}
