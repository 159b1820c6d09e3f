import type { Adapter } from '../types.ts';

export const postgresAdapter: Adapter = { engine: 'postgres', transactionalDdl: true, addsForeignKeys: true, addsPrimaryKeys: true };
