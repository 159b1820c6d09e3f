// A load into an empty database made all or nothing, even when the process is killed: the rows go into a
// scratch beside the database, named after it, and the scratch is swapped in by one atomic step once the
// load is complete and verified. What a killed load leaves is the scratch alone, which no look at the
// database sees, and which the next load into it removes first.
import { dialectFor } from '../dialect/index.ts';
import type { Connection, ConnectionTarget, ScratchTarget } from '../dialect/index.ts';
import { errorMessage } from '../errors.ts';
import type { ProgressListener } from '../progress.ts';

async function scratchOf(target: Connection): Promise<ScratchTarget> {
  return (await dialectFor(target.adapter.engine)).scratchFor(target.target);
}

/**
 * Removes the scratch an interrupted load into `target` left, saying so; `target` is a connection to the
 * database that holds its lock, so that no load into it is under way.
 */
export async function removeLeftoverScratch(target: Connection, onProgress?: ProgressListener): Promise<void> {
  const scratch = await scratchOf(target);
  if (!(await scratch.exists(target))) return;
  await scratch.remove(target);
  onProgress?.({ type: 'message', text: `removed ${scratch.description}, left by an interrupted restore into ${target.description}` });
}

/**
 * Runs `load` into a new scratch of the empty database `target` and swaps the named tables in once it
 * returns; `load` must have closed every connection it opened to the scratch. When anything fails, the
 * scratch is removed and the database is left as it was. Where the scratch cannot be made (a user who
 * may create tables in the database but not a database beside it), `loadDirectly` runs instead, which
 * undoes what it created on a failure it sees but not after a kill: that is said in one line.
 */
export async function loadThroughScratch<T>(
  target: Connection,
  tables: readonly string[],
  load: (scratch: ConnectionTarget) => Promise<T>,
  loadDirectly: () => Promise<T>,
  onProgress?: ProgressListener,
): Promise<T> {
  const scratch = await scratchOf(target);
  try {
    await scratch.create(target);
  } catch (error) {
    if ((await dialectFor(target.adapter.engine)).isConnectionLost(error)) throw error;
    onProgress?.({ type: 'message', text: `${scratch.description} could not be made (${errorMessage(error)}): loading straight into ${target.description}, which a kill would leave partly loaded` });
    return loadDirectly();
  }
  try {
    const result = await load(scratch.target);
    await scratch.swapIn(target, tables);
    return result;
  } catch (error) {
    await scratch.remove(target).catch((failure: unknown) => {
      if (error instanceof Error) error.message += `\n(${scratch.description} could not be removed: ${errorMessage(failure)}; a restore run again removes it)`;
    });
    throw error;
  }
}
