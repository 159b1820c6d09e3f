export { completeSchema, completeTable, createTablesForLoading, dropForeignKeysOf, dropTables, keyedTableForLoading, prepareForLoading, TableCompletion, tableForLoading } from './loading.ts';
export { loadItems, type LoadPlan, type LoadResult, type TablePreparation } from './pipeline.ts';
export { intoLoadTarget, type TargetRules } from './target.ts';
export { VerificationError, type TableVerified } from './verification.ts';
export { withRowsMade } from './memory-source.ts';
