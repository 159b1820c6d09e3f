// Free space beside a database's files, for the planner's sizing checks.
import { statfsSync } from 'node:fs';

/** Free bytes of the file system holding `path`, if this process can see it. */
export function freeBytesAt(path: string): number | undefined {
  try {
    const stats = statfsSync(path);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** A server on this machine, whose data directory this process may see. */
export function isLocalHost(host: string | undefined): boolean {
  return host === undefined || host === 'localhost' || host === '127.0.0.1' || host === '::1';
}
