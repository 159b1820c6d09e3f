import type { ChunkSink, PreparedChunk } from '../../src/engine/copy/index.ts';

/** A sink that fails after a number of chunks, as a killed process would stop, whichever way chunks reach it. */
export function failingAfter(sink: ChunkSink, chunks: number): ChunkSink {
  let written = 0;
  const interrupt = (): void => {
    if (++written > chunks) throw new Error('the copy was interrupted');
  };
  const failing = <T extends PreparedChunk>(chunk: T): T => ({
    ...chunk,
    write: async (checkpoint) => {
      interrupt();
      return chunk.write(checkpoint);
    },
  });
  return {
    prepare: () => sink.prepare(),
    load: (i) => sink.load(i),
    intake: async (item) => {
      const intake = await sink.intake(item);
      const { encoded, engineText } = intake;
      return {
        values: async (rows, rejections) => failing(await intake.values(rows, rejections)),
        encoded: encoded && {
          encoding: () => encoded.encoding(),
          write: async (batch, checkpoint) => {
            interrupt();
            return encoded.write(batch, checkpoint);
          },
        },
        engineText: engineText && (async (format, batch) => failing(await engineText(format, batch))),
      };
    },
    complete: async (item, checkpoint) => {
      interrupt();
      return sink.complete(item, checkpoint);
    },
  };
}
