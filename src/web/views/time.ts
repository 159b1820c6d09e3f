// Instants as the console's pages show them: UTC, to the second, without the ISO 8601 separators.

/** `2026-12-05T19:27:41.123Z` as `2026-12-05 19:27:41`. */
export function utcSecond(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
}
