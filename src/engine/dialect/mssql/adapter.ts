import type { Adapter } from '../types.ts';

export const mssqlAdapter: Adapter = { engine: 'mssql', transactionalDdl: true, addsForeignKeys: true, addsPrimaryKeys: true };
