// SQL Server's bulk path takes rows as values: tedious's BulkLoad (the TDS bulk copy that bcp uses), fed
// from the rows as they come, each value converted to its column's type on the connection (bulk-load.ts).
// Nothing is encoded away from the connection, so the capability is of the values kind.
import type { ValuesBulk } from '../../types.ts';

export const bulkCopyBulk: ValuesBulk = { kind: 'values' };
