import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WFM = fileURLToPath(new URL('../../bin/wfm.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `wfm` command, as a user would; in `cwd` when given, where it finds its default files. */
export function wfm(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): CliResult {
  const result = spawnSync(process.execPath, [WFM, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, cwd, timeout: 300_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
