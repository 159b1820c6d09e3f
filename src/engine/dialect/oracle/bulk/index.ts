// Oracle's bulk path takes rows as values: executeMany of one INSERT with an array of rows per round trip,
// typed by bind definitions read from the table's columns (execute-many.ts). node-oracledb's thin mode
// also has directPathLoad (since 7.0), but a direct path load must start its own transaction and commits
// when it finishes, so it cannot be part of the transaction a table's load is written in; nor can
// INSERT /*+ APPEND_VALUES */, after which the same transaction can no longer touch the table (ORA-12838).
// Nothing is encoded away from the connection, so the capability is of the values kind.
import type { ValuesBulk } from '../../types.ts';

export const executeManyBulk: ValuesBulk = { kind: 'values' };
