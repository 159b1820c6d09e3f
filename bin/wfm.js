#!/usr/bin/env node
// Loading the command takes a few hundred milliseconds. A SIGINT or SIGTERM meanwhile finds nothing begun,
// and is still told so: its exit code, and what to run next, as once the command's own handler is in place
// (src/cli/interruption.ts), which then answers alone. The handler comes first, before even the loader is
// imported.
import { existsSync, readdirSync, statSync } from 'node:fs';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 };
const beforeStart = (signal) => {
  if (process.listenerCount(signal) > 1) return;
  process.stderr.write(`wfm: stopped by ${signal} while starting: nothing was done\nwfm: to go on, run the same command again\n`);
  process.exit(EXIT_CODES[signal]);
};
for (const signal of Object.keys(EXIT_CODES)) process.on(signal, beforeStart);

const root = new URL('../', import.meta.url);
const stamp = new URL('dist/.build-stamp', root);

/** Whether dist/ was built after the last change to src/: a checkout being worked on runs its source. */
function builtFromCurrentSource() {
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  const source = new URL('src/', root);
  return readdirSync(source, { recursive: true }).every((path) => statSync(new URL(path, source)).mtimeMs <= built);
}

if (builtFromCurrentSource()) {
  await import('../dist/cli/main.js');
} else {
  // The TypeScript source itself, compiled as it loads: development and tests of a changed checkout.
  const { register } = await import('tsx/esm/api').catch(() => {
    process.stderr.write('wfm: the compiled command is missing or older than src/: run npm run build\n');
    process.exit(2);
  });
  register();
  await import('../src/cli/main.ts');
}
