// Compiles src/ to dist/ (the JavaScript bin/wfm.js runs), with the files the code reads beside its
// modules (the 6.5 schemas), then writes the stamp by which bin/wfm.js knows dist/ is as new as src/.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
cpSync('src', 'dist', { recursive: true, filter: (path) => !path.endsWith('.ts') });
writeFileSync('dist/.build-stamp', `${new Date().toISOString()}\n`);
