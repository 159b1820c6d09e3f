// The scratch of a load into an empty Oracle schema: there is none that can be swapped in. Oracle renames a
// table only within its own schema (ALTER TABLE ... RENAME TO names no schema), and every DDL statement
// commits by itself, so neither a schema beside the database nor prefixed tables in it can be swapped in
// by one atomic step, which is what a scratch is for. create() says so, and the load goes straight into
// the schema instead, undoing what it created when it fails (a kill leaves it partly loaded: the load says
// so in one line before it starts).
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { OperationError } from '../../errors.ts';
import type { ScratchTarget } from '../types.ts';

const NO_SWAP = 'Oracle renames a table only within its schema and commits every DDL statement, so no scratch can be swapped in at once';

export function oracleScratch(target: ConnectionTarget): ScratchTarget {
  return {
    target,
    description: `a scratch beside ${describeTarget(target)}`,
    exists: async () => false,
    create: async () => {
      throw new OperationError(NO_SWAP);
    },
    remove: async () => undefined,
    swapIn: async () => {
      throw new OperationError(NO_SWAP);
    },
  };
}
