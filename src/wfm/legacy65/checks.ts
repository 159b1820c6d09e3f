// The rules of a table compiled into per-row checks, for the transforms of the copy and for the context's
// small tables. They run on every row of the largest tables: a check is a closure over its rule and the
// parent keys, and remembers the last value it accepted, because rows in key order repeat their dates.
import type { Row, SqlValue } from '../../engine/dialect/types.ts';
import { datesFarFromEdges, largestOffset, unstoredTimesReason } from './instants.ts';
import { requireSourceKey } from './legacy-tables.ts';
import { type AfterRule, type ColumnRule, type InstantRule, keepsRule, keyText, ownerColumn, reasonFor, type ReferenceRule, rulesOf, textOf, type ValueRule } from './rules.ts';
import { unstorableTextKey, unstorableTextRejection } from './text.ts';
import type { LegacyContext, Rejection } from './types.ts';

export type RowCheck = (row: Row) => Rejection | undefined;

export function rejectionOf(columnRule: ColumnRule, row: Row, reason?: string): Rejection {
  const value = row[columnRule.column] ?? null;
  return {
    table: columnRule.table,
    key: keyText(requireSourceKey(columnRule.table), row),
    column: columnRule.column,
    value: textOf(value),
    reason: reason ?? reasonFor(columnRule, value, row),
  };
}

const NOTHING_ACCEPTED = Symbol('nothing accepted yet');

function valueCheck(columnRule: ColumnRule, rule: ValueRule): RowCheck {
  const { column } = columnRule;
  let lastAccepted: SqlValue | typeof NOTHING_ACCEPTED = NOTHING_ACCEPTED;
  return (row) => {
    const value = row[column] ?? null;
    if (value === lastAccepted) return undefined;
    if (!rule.accepts(value)) return rejectionOf(columnRule, row);
    lastAccepted = value;
    return undefined;
  };
}

function afterCheck(columnRule: ColumnRule, rule: AfterRule): RowCheck {
  const { column } = columnRule;
  return (row) => (keepsRule(rule, row[column] ?? null, row) ? undefined : rejectionOf(columnRule, row));
}

/**
 * A reference must point to a row that migrates: one that exists but is itself rejected will not be in the
 * target, whose foreign key would refuse the child.
 */
function referenceCheck(columnRule: ColumnRule, rule: ReferenceRule, context: LegacyContext): RowCheck {
  const { column } = columnRule;
  const parent = context.parents.get(rule.table);
  if (!parent) throw new Error(`the legacy context holds no keys of ${rule.table}`);
  const { present, migrating } = parent;
  return (row) => {
    const value = row[column] ?? null;
    if (value === null || migrating.has(value)) return undefined;
    if (!present.has(value)) return rejectionOf(columnRule, row);
    return rejectionOf(columnRule, row, `the ${rule.column} of a ${rule.table} row that migrates; ${rule.table} ${rule.column}=${textOf(value)} is rejected itself`);
  };
}

/**
 * Rows far from the edges of the calendar pass on two comparisons of their date; the others are worked out
 * at their owner's offset. An owner that does not migrate has no offset: its reference rule rejects the row.
 */
function instantCheck(columnRule: ColumnRule, rule: InstantRule, context: LegacyContext): RowCheck {
  const { column } = columnRule;
  const owner = ownerColumn(rule);
  const offsets = context.utcOffsets[rule.owner];
  const { after, before } = datesFarFromEdges(largestOffset(offsets.values()));
  return (row) => {
    const date = row[column] ?? null;
    if (typeof date === 'number' && date > after && date < before) return undefined;
    const offset = offsets.get(row[owner] ?? null);
    const reason = offset === undefined ? undefined : unstoredTimesReason(rule, date, row, offset);
    return reason === undefined ? undefined : rejectionOf(columnRule, row, reason);
  };
}

/**
 * Text read with a NUL or a replacement character may be what no target stores: the bytes the context
 * read from the source say whether it is, and text that came with a NUL is judged as it is.
 */
function textCheck(columnRule: ColumnRule, context: LegacyContext): RowCheck {
  const { table, column } = columnRule;
  const key = requireSourceKey(table);
  return (row) => {
    const value = row[column];
    if (typeof value !== 'string' || !(value.includes('\0') || value.includes('\uFFFD'))) return undefined;
    return context.unstorableText.get(unstorableTextKey(table, column, keyText(key, row))) ?? unstorableTextRejection(columnRule, row, Buffer.from(value, 'utf8'));
  };
}

function checkOf(columnRule: ColumnRule, context: LegacyContext): RowCheck {
  const { rule } = columnRule;
  switch (rule.kind) {
    case 'value':
      return valueCheck(columnRule, rule);
    case 'after':
      return afterCheck(columnRule, rule);
    case 'reference':
      return referenceCheck(columnRule, rule, context);
    case 'instant':
      return instantCheck(columnRule, rule, context);
    case 'text':
      return textCheck(columnRule, context);
  }
}

/** One function that returns a row's first Rejection, in the order the rules are declared, or undefined. */
export function rowChecker(table: string, context: LegacyContext): RowCheck {
  const checks = rulesOf(table, context.release).map((rule) => checkOf(rule, context));
  return (row) => {
    for (const check of checks) {
      const rejection = check(row);
      if (rejection !== undefined) return rejection;
    }
    return undefined;
  };
}
