// MariaDB's bulk path takes rows as values: LOAD DATA LOCAL INFILE of text the connection writes as it
// sends it (load-data.ts), or multi-row INSERTs where the server does not allow LOCAL INFILE. Nothing is
// encoded away from the connection, so the capability is of the values kind.
import type { ValuesBulk } from '../../types.ts';

export const loadDataBulk: ValuesBulk = { kind: 'values' };
