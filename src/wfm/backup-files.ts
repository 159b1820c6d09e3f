// The backups of a folder, as the console lists them: each file's size, release, date and whether it is
// complete, read from its header only, so that a folder of large backups lists in a moment. A complete
// file has not been verified: `wfm bru verify` reads every row.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspectArchive, type ArchiveFileState, type SealKey, type SealVerdict } from '../engine/archive/index.ts';

const PARTIAL_SUFFIX = '.partial';

export interface BackupFile {
  /** The file's path: the folder joined with its name. */
  file: string;
  name: string;
  bytes: number;
  /** When the file was last written (ISO 8601). */
  modifiedAt: string;
  state: ArchiveFileState;
  /** The release of the database it holds, once its header reads. */
  release?: string;
  engine?: string;
  /** When the backup started (ISO 8601), as its header records it. */
  startedAt?: string;
  rows?: number;
  /** Why it is not complete. */
  problem?: string;
  /** What a complete file's seal claims, read with its header: only `wfm bru verify` checks a seal of this key. */
  claimedSeal?: SealVerdict;
}

/** The backups and unfinished backups of `directory`, newest first, seals judged by `sealKey`; every other file is left out. */
export async function listBackups(directory: string, sealKey?: SealKey): Promise<BackupFile[]> {
  const found: BackupFile[] = [];
  for (const name of regularFiles(directory)) {
    const backup = await backupFileOf(directory, name, sealKey);
    if (backup) found.push(backup);
  }
  return found.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
}

function regularFiles(directory: string): string[] {
  try {
    return readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  } catch {
    // A folder not made yet holds no backups.
    return [];
  }
}

async function backupFileOf(directory: string, name: string, sealKey: SealKey | undefined): Promise<BackupFile | undefined> {
  const file = join(directory, name);
  const stats = statSync(file, { throwIfNoEntry: false });
  // Gone since the folder was read: a backup renamed once finished, or one removed.
  if (!stats) return undefined;
  const modifiedAt = stats.mtime.toISOString();
  if (name.endsWith(PARTIAL_SUFFIX)) {
    // Being written, or left by a backup that was killed: a writer may hold it, so it is not opened.
    return { file, name, bytes: stats.size, modifiedAt, state: 'unfinished', problem: 'a backup being written, or one that was stopped (the next backup to that name starts it over)' };
  }
  const inspection = await inspectArchive(file, sealKey);
  if (inspection.state === 'not an archive') return undefined;
  const { header } = inspection;
  return {
    file,
    name,
    bytes: inspection.bytes,
    modifiedAt,
    state: inspection.state,
    release: header?.release,
    engine: header?.engine,
    startedAt: header?.createdAt,
    rows: inspection.rows,
    problem: inspection.problem,
    claimedSeal: inspection.claimedSeal,
  };
}
