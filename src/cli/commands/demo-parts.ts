// What the demo's stories share: generated SQLite databases, content hashes to compare them, and layout.
import type { Connection } from '../../engine/dialect/index.ts';
import { connect } from '../../engine/dialect/index.ts';
import { tableContentHash } from '../../engine/copy/index.ts';
import type { ProgressListener } from '../../engine/progress.ts';
import { createDatabase } from '../../wfm/database.ts';
import { generate } from '../../wfm/generate/index.ts';
import type { Release } from '../../wfm/releases/index.ts';

/** The first day of every generated demo database's history. */
export const DEMO_FIRST_DAY = '2024-01-01';

export interface Size {
  agents: number;
  days: number;
}

export async function generated(path: string, release: Release, size: Size, listener: ProgressListener): Promise<Connection> {
  const connection = await connect(`sqlite:${path}`);
  await createDatabase(connection, release);
  await generate(connection, release, {
    ...size,
    seed: 1,
    startDate: DEMO_FIRST_DAY,
    onProgress: listener,
  });
  return connection;
}

export async function contentHashes(connection: Connection): Promise<Map<string, string>> {
  const schema = await connection.introspector.introspect();
  const hashes = new Map<string, string>();
  for (const table of schema.tables) hashes.set(table.name, (await tableContentHash(connection, table.name, table.columns.map((c) => c.name))).toString());
  return hashes;
}

export function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `   ${line}`)
    .join('\n');
}
