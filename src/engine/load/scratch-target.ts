// A load into an empty database made all or nothing, even when the process is killed: the rows go into a
// scratch beside the database, named after it, and the scratch is swapped in by one atomic step once the
// load is complete and verified. What a killed load leaves is the scratch alone, which no look at the
// database sees, and which the next load into it removes first.
import { dialectFor, withConnection } from '../dialect/index.ts';
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
    await swapInOrLookAgain(target, scratch, tables);
    return result;
  } catch (error) {
    await scratch.remove(target).catch((failure: unknown) => {
      if (error instanceof Error) error.message += `\n(${scratch.description} could not be removed: ${errorMessage(failure)}; a restore run again removes it)`;
    });
    throw error;
  }
}

/**
 * Swaps the scratch in. A session cut as the swap ends cannot tell whether the server made it: a new
 * session looks, and finds the tables all in (the swap is atomic), then done, or none, then not.
 */
async function swapInOrLookAgain(target: Connection, scratch: ScratchTarget, tables: readonly string[]): Promise<void> {
  try {
    await scratch.swapIn(target, tables);
  } catch (error) {
    if (!(await dialectFor(target.adapter.engine)).isConnectionLost(error)) throw error;
    if (!(await swappedIn(target.target, scratch, tables))) throw error;
  }
}

/** Whether every named table is in the database, the scratch then removed; false when it cannot be told. */
async function swappedIn(database: ConnectionTarget, scratch: ScratchTarget, tables: readonly string[]): Promise<boolean> {
  try {
    return await withConnection(database, async (connection) => {
      const present = new Set(await connection.introspector.tableNames());
      if (!tables.every((table) => present.has(table))) return false;
      // An emptied scratch the cut left behind would otherwise stay until the next restore into the database.
      await scratch.remove(connection);
      return true;
    });
  } catch {
    return false;
  }
}
