// SQLite's bulk path takes rows as values: one prepared INSERT run row by row in large transactions
// (prepared-inserts.ts), in this process, with nothing to encode; the capability is of the values kind.
import type { ValuesBulk } from '../../types.ts';

export const preparedStatementsBulk: ValuesBulk = { kind: 'values' };
