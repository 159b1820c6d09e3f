// A sink that writes nothing: running a copy into it gives the content hash of the source as the copy
// would write it, which is how verification recomputes one side without a second database.
import { ContentHash } from './content-hash.ts';
import type { ChunkSink } from './types.ts';

export const hashOnlySink: ChunkSink = {
  prepare: async () => {},
  load: async () => undefined,
  intake: async () => ({
    values: async (rows) => ({ rows: rows.length, contentHash: ContentHash.of(rows).toString(), write: async () => {} }),
    encoded: undefined,
    engineText: undefined,
  }),
  complete: async () => {},
};
