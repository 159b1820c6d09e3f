// Two kinds of failure the tools report differently: bad input from the user (exit 2) and an operation
// or verification that failed (exit 1). Both carry a message written for the person at the terminal.

export class InputError extends Error {
  override readonly name = 'InputError';
  readonly exitCode = 2;
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
