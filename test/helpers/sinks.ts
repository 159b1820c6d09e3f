import type { ChunkSink } from '../../src/engine/copy/index.ts';

/** A sink that fails after a number of chunks, as a killed process would stop. */
export function failingAfter(sink: ChunkSink, chunks: number): ChunkSink {
  let written = 0;
  return {
    hashesRows: sink.hashesRows,
    prepare: () => sink.prepare(),
    load: (i) => sink.load(i),
    write: async (...args) => {
      if (++written > chunks) throw new Error('the copy was interrupted');
      return sink.write(...args);
    },
  };
}
