import type { ChunkSink } from '../../src/engine/copy/index.ts';

/** A sink that fails after a number of chunks, as a killed process would stop, whichever way chunks reach it. */
export function failingAfter(sink: ChunkSink, chunks: number): ChunkSink {
  let written = 0;
  const interrupt = (): void => {
    if (++written > chunks) throw new Error('the copy was interrupted');
  };
  const writeEncoded = sink.writeEncoded?.bind(sink);
  const writeText = sink.writeText?.bind(sink);
  return {
    hashesRows: sink.hashesRows,
    prepare: () => sink.prepare(),
    load: (i) => sink.load(i),
    write: async (...args) => {
      interrupt();
      return sink.write(...args);
    },
    bulkEncoding: sink.bulkEncoding?.bind(sink),
    writeEncoded: writeEncoded && (async (...args) => {
      interrupt();
      return writeEncoded(...args);
    }),
    prepareText: sink.prepareText?.bind(sink),
    writeText: writeText && (async (...args) => {
      interrupt();
      return writeText(...args);
    }),
  };
}
