// Writing copied rows into a database: each chunk's rows, its rejected rows and the new checkpoint go in
// one transaction, so a run killed at any moment resumes from the last chunk it committed, with no row
// written twice and none missed.
import { CHECKPOINT_TABLE_NAME, REJECTION_TABLE_NAME } from '../engine-tables.ts';
import { utcTimestamp } from '../dialect/lock.ts';
import type { Connection, EncodedBulk, SqlValue } from '../dialect/types.ts';
import type { TableModel } from '../schema/model.ts';
import { checkpointOf, countAssignments, COUNT_COLUMNS, countsOf, startingCounts } from './stored-checkpoint.ts';
import { ContentHash } from './content-hash.ts';
import type { Checkpoint, ChunkSink, CopyItem, EncodedBatch, SinkIntake } from './types.ts';

const CHECKPOINT_TABLE: TableModel = {
  name: CHECKPOINT_TABLE_NAME,
  columns: [
    { name: 'job', type: { kind: 'varchar', length: 100 }, nullable: false },
    { name: 'item', type: { kind: 'varchar', length: 100 }, nullable: false },
    { name: 'last_key', type: { kind: 'text' }, nullable: true },
    { name: 'rows_read', type: { kind: 'bigint' }, nullable: false },
    { name: 'rows_written', type: { kind: 'bigint' }, nullable: false },
    { name: 'rows_rejected', type: { kind: 'bigint' }, nullable: false },
    { name: 'chunks', type: { kind: 'integer' }, nullable: false },
    { name: 'content_hash', type: { kind: 'varchar', length: 40 }, nullable: false },
    { name: 'done', type: { kind: 'smallint' }, nullable: false },
    { name: 'updated_at', type: { kind: 'timestamp' }, nullable: false },
  ],
  primaryKey: ['job', 'item'],
  indexes: [],
  foreignKeys: [],
};

const REJECTION_TABLE: TableModel = {
  name: REJECTION_TABLE_NAME,
  columns: [
    { name: 'job', type: { kind: 'varchar', length: 100 }, nullable: false },
    { name: 'item', type: { kind: 'varchar', length: 100 }, nullable: false },
    { name: 'seq', type: { kind: 'bigint' }, nullable: false },
    { name: 'detail', type: { kind: 'text' }, nullable: false },
  ],
  primaryKey: ['job', 'item', 'seq'],
  indexes: [],
  foreignKeys: [],
};

export class DatabaseSink implements ChunkSink {
  constructor(
    readonly connection: Connection,
    readonly job: string,
  ) {}

  async prepare(): Promise<void> {
    for (const table of [CHECKPOINT_TABLE, REJECTION_TABLE]) {
      for (const sql of this.connection.compiler.createTable(table, { ifNotExists: true })) await this.connection.execute(sql);
    }
  }

  /**
   * The item's checkpoint, or undefined when it starts now; a starting item gets its checkpoint row here,
   * outside any chunk's transaction, so that chunks only update their own row: concurrent chunks of other
   * items never take the same gap locks (MariaDB) and never deadlock.
   */
  async load(item: CopyItem): Promise<Checkpoint | undefined> {
    const q = this.connection.compiler;
    const rows = await this.connection.query(
      `SELECT last_key, ${COUNT_COLUMNS.join(', ')} FROM ${q.quoteIdentifier(CHECKPOINT_TABLE.name)} WHERE job = ${q.parameter(1)} AND item = ${q.parameter(2)}`,
      [this.job, item.name],
    );
    const row = rows[0];
    if (!row) {
      await this.connection.execute(
        `INSERT INTO ${q.quoteIdentifier(CHECKPOINT_TABLE.name)} (job, item, last_key, ${COUNT_COLUMNS.join(', ')}, updated_at) ` +
          `VALUES (${Array.from({ length: COUNT_COLUMNS.length + 4 }, (_, i) => q.parameter(i + 1)).join(', ')})`,
        [this.job, item.name, null, ...startingCounts(), utcTimestamp(new Date())],
      );
      return undefined;
    }
    if (row.last_key === null && Number(row.chunks) === 0) return undefined;
    return checkpointOf(row, row.last_key === null ? null : (JSON.parse(String(row.last_key)) as SqlValue[]));
  }

  /** Rows as values, hashed in this thread; rows encoded elsewhere where the connection's bulk path takes them. */
  async intake(item: CopyItem): Promise<SinkIntake> {
    const { bulk } = this.connection;
    return {
      values: async (rows, rejections) => ({ rows: rows.length, contentHash: ContentHash.of(rows).toString(), write: (checkpoint) => this.write(item, rows, rejections, checkpoint) }),
      encoded: bulk.kind === 'encoded' ? { encoding: () => bulk.encoding(item.target.table, item.target.columns), write: (batch, checkpoint) => this.writeEncoded(bulk, item, batch, checkpoint) } : undefined,
      engineText: undefined,
    };
  }

  async complete(item: CopyItem, checkpoint: Checkpoint): Promise<void> {
    await this.connection.transaction(() => this.storeCheckpoint(item, checkpoint));
  }

  /** Writes the rows, the rejections and the checkpoint as one unit: all or nothing. */
  async write(item: CopyItem, rows: SqlValue[][], rejections: unknown[], checkpoint: Checkpoint): Promise<void> {
    await this.connection.transaction(async () => {
      if (rows.length > 0) await this.connection.bulkInsert(item.target.table, item.target.columns, rows);
      await this.storeRejections(item, rejections, checkpoint);
      await this.storeCheckpoint(item, checkpoint);
    });
  }

  /** Inside the transaction of the chunk they were met in, numbered on from those before: the checkpoint counts them already. */
  private async storeRejections(item: CopyItem, rejections: readonly unknown[], checkpoint: Checkpoint): Promise<void> {
    if (rejections.length === 0) return;
    const first = checkpoint.rowsRejected - rejections.length;
    await this.connection.bulkInsert(REJECTION_TABLE.name, ['job', 'item', 'seq', 'detail'], rejections.map((r, i) => [this.job, item.name, first + i, JSON.stringify(r)]));
  }

  private async writeEncoded(bulk: EncodedBulk, item: CopyItem, batch: EncodedBatch, checkpoint: Checkpoint): Promise<void> {
    await this.connection.transaction(async () => {
      const written = await bulk.insertEncoded(item.target.table, item.target.columns, batch.payload);
      if (written !== batch.rows) throw new Error(`${item.target.table} took ${written} of the ${batch.rows} rows of a chunk; nothing of it was written`);
      await this.storeRejections(item, batch.rejections ?? [], checkpoint);
      await this.storeCheckpoint(item, checkpoint);
    });
  }

  /** Inside the transaction of the rows it counts. */
  private async storeCheckpoint(item: CopyItem, checkpoint: Checkpoint): Promise<void> {
    const q = this.connection.compiler;
    const updated = await this.connection.execute(
      `UPDATE ${q.quoteIdentifier(CHECKPOINT_TABLE.name)} SET last_key = ${q.parameter(1)}, ${countAssignments(q.parameter, 2)}, ` +
        `updated_at = ${q.parameter(COUNT_COLUMNS.length + 2)} WHERE job = ${q.parameter(COUNT_COLUMNS.length + 3)} AND item = ${q.parameter(COUNT_COLUMNS.length + 4)}`,
      [
        checkpoint.lastKey === null ? null : JSON.stringify(checkpoint.lastKey, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
        ...countsOf(checkpoint),
        utcTimestamp(new Date()),
        this.job,
        item.name,
      ],
    );
    if (updated !== 1) throw new Error(`the checkpoint of ${item.name} in job ${this.job} is missing: load() registers it before the first chunk`);
  }

  /** Forgets the job's checkpoints and rejections: the next copy of the job starts from the beginning. */
  async reset(): Promise<void> {
    const q = this.connection.compiler;
    for (const table of [CHECKPOINT_TABLE.name, REJECTION_TABLE.name]) {
      await this.connection.execute(`DELETE FROM ${q.quoteIdentifier(table)} WHERE job = ${q.parameter(1)}`, [this.job]);
    }
  }

  /** Every rejected row of the job, in the order they were met. */
  async rejections(): Promise<unknown[]> {
    const q = this.connection.compiler;
    const rows = await this.connection.query(
      `SELECT detail FROM ${q.quoteIdentifier(REJECTION_TABLE.name)} WHERE job = ${q.parameter(1)} ORDER BY item, seq`,
      [this.job],
    );
    return rows.map((r) => JSON.parse(String(r.detail)) as unknown);
  }
}
