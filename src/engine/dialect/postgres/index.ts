export { postgresAdapter } from './adapter.ts';
export { postgresDialect } from './driver.ts';
export { postgresIntrospector } from './introspector.ts';
export { postgresQueryCompiler } from './query-compiler.ts';
