export { sqliteAdapter } from './adapter.ts';
export { sqliteDialect } from './driver.ts';
export { sqliteIntrospector } from './introspector.ts';
export { sqliteQueryCompiler } from './query-compiler.ts';
