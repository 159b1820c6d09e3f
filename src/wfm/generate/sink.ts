// Writing the generated rows: every table through the engine's bulk path, rows streamed from generators so
// memory stays flat, columns matched against what the database really has, rows counted per table.
import type { Connection, SqlValue } from '../../engine/dialect/types.ts';
import { InputError } from '../../engine/errors.ts';
import { type ProgressListener, RateMeter } from '../../engine/progress.ts';

const PROGRESS_EVERY_ROWS = 50_000;

export interface TableSpec {
  table: string;
  columns: readonly string[];
  /** Columns only some releases have (6.5.104 has no employee.email): left out where the table lacks them. */
  optional?: readonly string[];
}

export class TableSink {
  readonly rowsPerTable: Record<string, number> = {};
  /** One per table, started when the table's first rows are written. */
  private readonly meters = new Map<string, RateMeter>();

  private constructor(
    private readonly connection: Connection,
    private readonly columnsOf: Map<string, Set<string>>,
    private readonly onProgress?: ProgressListener,
  ) {}

  static async open(connection: Connection, onProgress?: ProgressListener): Promise<TableSink> {
    const schema = await connection.introspector.introspect();
    return new TableSink(connection, new Map(schema.tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))])), onProgress);
  }

  /** Refuses, before anything is read or written, a database that lacks a table of the release. */
  requireTables(tables: Iterable<string>): void {
    for (const table of tables) this.columnsIn(table);
  }

  private columnsIn(table: string): Set<string> {
    const columns = this.columnsOf.get(table);
    if (!columns) throw new InputError(`the database has no table ${table}: create the schema of the release before generating`);
    return columns;
  }

  async write(spec: TableSpec, rows: Iterable<SqlValue[]>): Promise<void> {
    const present = this.columnsIn(spec.table);
    const missing = spec.columns.filter((c) => !present.has(c));
    const absentRequired = missing.filter((c) => !spec.optional?.includes(c));
    if (absentRequired.length > 0) throw new InputError(`table ${spec.table} has no column ${absentRequired.join(', ')}: the database is not at the release being generated`);
    this.report(spec.table, this.rowsPerTable[spec.table] ?? 0);
    const keep = spec.columns.flatMap((c, i) => (present.has(c) ? [i] : []));
    const projected = missing.length === 0 ? rows : project(rows, keep);
    const written = await this.connection.bulkInsert(
      spec.table,
      keep.map((i) => spec.columns[i] as string),
      this.counted(spec.table, projected),
    );
    const total = (this.rowsPerTable[spec.table] ?? 0) + written;
    this.rowsPerTable[spec.table] = total;
    this.report(spec.table, total);
  }

  private report(table: string, rows: number): void {
    if (!this.onProgress) return;
    const meter = this.meters.get(table) ?? new RateMeter(table);
    this.meters.set(table, meter);
    this.onProgress(meter.event(rows));
  }

  private *counted(table: string, rows: Iterable<SqlValue[]>): Generator<SqlValue[]> {
    const before = this.rowsPerTable[table] ?? 0;
    let count = 0;
    for (const row of rows) {
      yield row;
      if (++count % PROGRESS_EVERY_ROWS === 0) this.report(table, before + count);
    }
  }
}

function* project(rows: Iterable<SqlValue[]>, keep: readonly number[]): Generator<SqlValue[]> {
  for (const row of rows) yield keep.map((i) => row[i] ?? null);
}

/** Values of a column already in the database, for names that must stay unique. */
export async function existingValues(connection: Connection, table: string, column: string): Promise<string[]> {
  const q = connection.compiler;
  const rows = await connection.query(`SELECT ${q.quoteIdentifier(column)} AS value FROM ${q.quoteIdentifier(table)}`);
  return rows.map((r) => String(r.value));
}

/** code → id of a catalogue table (agent states, reasons), so a second run shares the catalogue. */
export async function existingCodes(connection: Connection, table: string, idColumn: string, codeColumn: string): Promise<Map<string, number>> {
  const q = connection.compiler;
  const rows = await connection.query(`SELECT ${q.quoteIdentifier(idColumn)} AS id, ${q.quoteIdentifier(codeColumn)} AS code FROM ${q.quoteIdentifier(table)} ORDER BY 1`);
  const codes = new Map<string, number>();
  for (const row of rows) if (!codes.has(String(row.code))) codes.set(String(row.code), Number(row.id));
  return codes;
}
