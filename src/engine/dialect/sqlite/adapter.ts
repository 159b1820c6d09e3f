import type { Adapter } from '../types.ts';

export const sqliteAdapter: Adapter = { engine: 'sqlite', transactionalDdl: true, addsForeignKeys: false, addsPrimaryKeys: false };
