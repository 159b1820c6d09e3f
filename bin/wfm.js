#!/usr/bin/env node
// Loading the command takes a few hundred milliseconds. A SIGINT or SIGTERM meanwhile finds nothing begun,
// and is still told so: its exit code, and what to run next, as once the command's own handler is in place
// (src/cli/interruption.ts), which then answers alone. The handler comes first, before even the loader is
// imported.
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 };
const beforeStart = (signal) => {
  if (process.listenerCount(signal) > 1) return;
  process.stderr.write(`wfm: stopped by ${signal} while starting: nothing was done\nwfm: to go on, run the same command again\n`);
  process.exit(EXIT_CODES[signal]);
};
for (const signal of Object.keys(EXIT_CODES)) process.on(signal, beforeStart);

const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/main.ts');
