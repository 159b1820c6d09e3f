// What most tests start from: a new database holding generated WFM data at a release.
import { withConnection } from '../../src/engine/dialect/index.ts';
import { createDatabase } from '../../src/wfm/database.ts';
import { generate, type GenerateOptions } from '../../src/wfm/generate/index.ts';
import type { Release } from '../../src/wfm/releases/versions.ts';
import type { FreshDatabase, TestDatabase, TestEngine } from './databases.ts';

export async function generatedDatabase(fresh: FreshDatabase, engine: TestEngine, label: string, release: Release, options: GenerateOptions): Promise<TestDatabase> {
  const database = await fresh(engine, label);
  await withConnection(database.url, async (connection) => {
    await createDatabase(connection, release);
    await generate(connection, release, options);
  });
  return database;
}
