import type { Adapter } from '../types.ts';

// Every DDL statement commits the transaction around it (Oracle has no transactional DDL), and ALTER TABLE
// adds a primary key or a validated foreign key to a table that holds rows in one pass.
export const oracleAdapter: Adapter = { engine: 'oracle', transactionalDdl: false, addsForeignKeys: true, addsPrimaryKeys: true };
