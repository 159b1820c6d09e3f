export { mssqlAdapter } from './adapter.ts';
export { mssqlDialect } from './driver.ts';
export { mssqlIntrospector } from './introspector.ts';
export { mssqlQueryCompiler } from './query-compiler.ts';
