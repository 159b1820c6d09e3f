import type { Adapter } from '../types.ts';

/** A procedure call takes at most 2,100 parameters; sp_executesql's statement and declaration are two of them. */
const MAX_PARAMETERS = 2098;

export const mssqlAdapter: Adapter = { engine: 'mssql', transactionalDdl: true, addsForeignKeys: true, addsPrimaryKeys: true, maxParameters: MAX_PARAMETERS };
