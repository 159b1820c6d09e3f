export { oracleAdapter } from './adapter.ts';
export { oracleDialect } from './driver.ts';
export { oracleIntrospector } from './introspector.ts';
export { oracleQueryCompiler } from './query-compiler.ts';
