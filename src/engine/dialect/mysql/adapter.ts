import type { Adapter } from '../types.ts';

export const mysqlAdapter: Adapter = { engine: 'mysql', transactionalDdl: false, addsForeignKeys: true, addsPrimaryKeys: false };
