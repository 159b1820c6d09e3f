// Tables the engine keeps for itself inside a database: never part of a schema, a copy or a comparison.
export const LOCK_TABLE_NAME = 'wm_lock';
export const JOURNAL_TABLE_NAME = 'wm_step_journal';
export const CHECKPOINT_TABLE_NAME = 'wm_copy_checkpoint';
export const REJECTION_TABLE_NAME = 'wm_copy_rejection';
export const ENGINE_TABLES: readonly string[] = [LOCK_TABLE_NAME, JOURNAL_TABLE_NAME, CHECKPOINT_TABLE_NAME, REJECTION_TABLE_NAME];
