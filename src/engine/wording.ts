// Counts as a person reads them: "1 row", "12,661 rows".

/** `n` with its noun, singular for exactly one; `plural` where adding an s is wrong. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : plural}`;
}
