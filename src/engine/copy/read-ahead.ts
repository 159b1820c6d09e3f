// Work on the items of a stream started ahead of the one the caller takes, a bounded number at a time.
/**
 * The results of `work` on each item, in order, with up to `window` of them under way at once and the
 * next items read while the caller takes one. However the caller stops, the source is closed.
 */
export async function* readAhead<T, R>(items: AsyncIterable<T>, work: (item: T) => Promise<R>, window: number): AsyncGenerator<R> {
  const iterator = items[Symbol.asyncIterator]();
  const started: Promise<R>[] = [];
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  let reading: Promise<void> | undefined;
  const fill = async (): Promise<void> => {
    while (!exhausted && started.length < window) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
      } else {
        const result = work(next.value);
        // A failure while it waits its turn is thrown when its turn comes, not taken for one nobody handles.
        result.catch(() => undefined);
        started.push(result);
      }
    }
  };
  const readMore = (): Promise<void> =>
    (reading ??= fill()
      .catch((error: unknown) => {
        failure = { error };
        exhausted = true;
      })
      .finally(() => (reading = undefined)));
  try {
    for (;;) {
      const reads = readMore();
      if (started.length === 0) {
        await reads;
        if (started.length > 0) continue;
        if (failure) throw failure.error;
        return;
      }
      yield await (started.shift() as Promise<R>);
    }
  } finally {
    await reading;
    if (!exhausted) await iterator.return?.();
  }
}
