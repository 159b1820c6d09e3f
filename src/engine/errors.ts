// The kinds of failure the tools report differently: bad input from the user (exit 2), a database server
// that could not be reached or would not let us in (exit 3, so that a script tells an outage from a typo),
// and an operation or verification that failed (exit 1). Each carries a message written for the person at
// the terminal.

export class InputError extends Error {
  override readonly name: string = 'InputError';
  readonly exitCode: number = 2;
}

/** A database server that did not answer, refused the login, or has no such database. */
export class ConnectionError extends InputError {
  override readonly name = 'ConnectionError';
  override readonly exitCode = 3;
}

export class OperationError extends Error {
  override readonly name = 'OperationError';
  readonly exitCode = 1;
}

export class LockHeldError extends OperationError {
  constructor(
    readonly lockName: string,
    readonly holder: string,
  ) {
    super(`${lockName} is held by ${holder}; wait for it to finish, or stop that process`);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SQLSTATE classes of a refused value or row: 22 data exception, 23 integrity constraint violation. */
const REFUSAL_SQLSTATE = /^2[23][0-9A-Z]{3}$/;
/** SQLite's own codes for the same: a constraint, a value of the wrong type, a value too large. */
const SQLITE_REFUSAL = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)/;

/**
 * What an engine said when it refused a value or a row (too long, out of range, malformed, a duplicate
 * key, a missing reference), with the table, column and constraint it names; undefined for any other
 * failure. PostgreSQL gives its SQLSTATE as `code`, MariaDB as `sqlState`; SQLite has codes of its own.
 */
export function describeRefusal(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // PostgreSQL's detail is left out: it can show the whole row, a protected password with it.
  const { code, sqlState, table, column, constraint } = error as Error & Record<string, unknown>;
  const refused = [code, sqlState].some((state) => typeof state === 'string' && (REFUSAL_SQLSTATE.test(state) || SQLITE_REFUSAL.test(state)));
  if (!refused) return undefined;
  const where = [['table', table], ['column', column], ['constraint', constraint]].filter(([, name]) => typeof name === 'string').map(([what, name]) => `${what} ${name}`);
  return `${error.message}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
}

/** An engine's refusal of a value or row as an operation that failed, where no command named its object. */
export function asRefusal(error: unknown): OperationError | undefined {
  const refusal = describeRefusal(error);
  return refusal === undefined ? undefined : new OperationError(`the database refused a value or row: ${refusal}`);
}
