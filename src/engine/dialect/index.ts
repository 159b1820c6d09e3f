// Connecting to a database, whatever its engine: the registry of dialects (../dialects.ts) and the
// neutral contract, as the rest of the tool imports them.
export { asConnectionLost, closeOnFailure, connect, dialectFor, withConnection } from '../dialects.ts';
export { describeTarget, parseConnectionString } from './connection-string.ts';
export type { ConnectionTarget, EngineName } from './connection-string.ts';
export type { Connection, Dialect, Row, ScratchTarget, SqlValue } from './types.ts';
