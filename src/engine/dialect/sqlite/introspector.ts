// Reads a SQLite database back into the schema model through its table-valued pragmas.
import type Database from 'better-sqlite3';
import type { ColumnModel, DefaultValue, ForeignKeyModel, IndexModel, SchemaModel, TableModel } from '../../schema/model.ts';
import { ENGINE_TABLES } from '../../engine-tables.ts';
import { InputError } from '../../errors.ts';
import { parseTypeName } from '../type-names.ts';
import type { Introspector } from '../types.ts';

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

export function parseDefault(text: string | null): DefaultValue | undefined {
  if (text === null) return undefined;
  const unquoted = /^'((?:[^']|'')*)'$/.exec(text.trim());
  if (unquoted) return { kind: 'string', value: (unquoted[1] ?? '').replaceAll("''", "'") };
  const value = Number(text.replace(/^\((.*)\)$/, '$1'));
  return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'string', value: text };
}

export function sqliteIntrospector(db: Database.Database): Introspector {
  const tableNames = (): string[] =>
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[])
      .map((r) => r.name)
      .filter((n) => !ENGINE_TABLES.includes(n));

  const columns = (table: string): ColumnInfo[] => db.prepare('SELECT * FROM pragma_table_info(?) ORDER BY cid').all(table) as ColumnInfo[];

  const toColumn = (table: string, info: ColumnInfo): ColumnModel => {
    const type = parseTypeName(info.type);
    if (!type) throw new InputError(`column ${table}.${info.name} has the type "${info.type}", which this tool does not know`);
    const column: ColumnModel = { name: info.name, type, nullable: info.notnull === 0 && info.pk === 0 };
    const fallback = parseDefault(info.dflt_value);
    if (fallback) column.default = fallback;
    return column;
  };

  const indexes = (table: string): IndexModel[] =>
    (db.prepare("SELECT name, \"unique\" AS is_unique FROM pragma_index_list(?) WHERE origin = 'c' ORDER BY name").all(table) as {
      name: string;
      is_unique: number;
    }[]).map((index) => ({
      name: index.name,
      unique: index.is_unique === 1,
      columns: (db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(index.name) as { name: string }[]).map((c) => c.name),
    }));

  const foreignKeys = (table: string): ForeignKeyModel[] => {
    const rows = db.prepare('SELECT id, seq, "table" AS ref, "from" AS col, "to" AS refcol FROM pragma_foreign_key_list(?) ORDER BY id, seq').all(table) as {
      id: number;
      ref: string;
      col: string;
      refcol: string | null;
    }[];
    const byId = new Map<number, ForeignKeyModel>();
    for (const row of rows) {
      const fk = byId.get(row.id) ?? { name: '', columns: [], referencedTable: row.ref, referencedColumns: [] };
      fk.columns.push(row.col);
      fk.referencedColumns.push(row.refcol ?? row.col);
      byId.set(row.id, fk);
    }
    return [...byId.values()];
  };

  const table = (name: string): TableModel => {
    const infos = columns(name);
    return {
      name,
      columns: infos.map((c) => toColumn(name, c)),
      primaryKey: infos.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      indexes: indexes(name),
      foreignKeys: foreignKeys(name),
    };
  };

  return {
    tableNames: async () => tableNames(),
    introspect: async (only?: readonly string[]): Promise<SchemaModel> => ({ tables: tableNames().filter((name) => only === undefined || only.includes(name)).map(table) }),
  };
}
