// The Backup-Restore Utility's original syntax, rewritten before the parser sees it and before the
// command to run is chosen: `wfm bru -UPDATE -DB x` is `wfm bru update --db x`.
const ORIGINAL_ACTIONS: Record<string, string> = { '-UPDATE': 'update', '-BACKUP': 'backup', '-RESTORE': 'restore', '-VERIFY': 'verify' };
const ORIGINAL_OPTIONS: Record<string, string> = { '-DB': '--db', '-SCRIPT': '--script', '-FILE': '--file', '-TABLES': '--tables' };

/** `wfm bru -UPDATE -DB x -SCRIPT f` becomes `wfm bru update --db x --script f`; anything else is left alone. */
export function originalSyntax(argv: readonly string[]): string[] {
  const at = argv.indexOf('bru');
  if (at < 0) return [...argv];
  const rest = argv.slice(at + 1);
  const action = rest.find((a) => ORIGINAL_ACTIONS[a.toUpperCase()]);
  if (!action) return [...argv];
  const translated = rest.filter((a) => a !== action).map((a) => ORIGINAL_OPTIONS[a.toUpperCase()] ?? a);
  return [...argv.slice(0, at + 1), ORIGINAL_ACTIONS[action.toUpperCase()] ?? action, ...translated];
}
