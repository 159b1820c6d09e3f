export { mysqlAdapter } from './adapter.ts';
export { mysqlDialect } from './driver.ts';
export { mysqlIntrospector } from './introspector.ts';
export { mysqlQueryCompiler } from './query-compiler.ts';
