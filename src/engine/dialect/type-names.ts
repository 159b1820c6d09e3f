// Reading a declared or reported column type back into the model's ColumnType. The engines differ in
// spelling ("character varying(64)", "varchar(64)", "int(11)", "double precision"), not in meaning.
import type { ColumnType } from '../schema/model.ts';

export function parseTypeName(declared: string): ColumnType | undefined {
  const text = declared.trim().toLowerCase();
  const sized = /^(?:character varying|varchar|nvarchar|varchar2)\s*\((\d+)\)$/.exec(text);
  if (sized) return { kind: 'varchar', length: Number(sized[1]) };
  const fixed = /^(?:character|char|nchar)\s*\((\d+)\)$/.exec(text);
  if (fixed) return { kind: 'char', length: Number(fixed[1]) };
  const base = text.replace(/\(\d+\)$/, '').replace(/\s+unsigned$/, '').trim();
  const simple: Record<string, ColumnType> = {
    smallint: { kind: 'smallint' },
    int2: { kind: 'smallint' },
    integer: { kind: 'integer' },
    int: { kind: 'integer' },
    int4: { kind: 'integer' },
    bigint: { kind: 'bigint' },
    int8: { kind: 'bigint' },
    'double precision': { kind: 'double' },
    double: { kind: 'double' },
    float8: { kind: 'double' },
    real: { kind: 'double' },
    text: { kind: 'text' },
    longtext: { kind: 'text' },
    mediumtext: { kind: 'text' },
    date: { kind: 'date' },
    timestamp: { kind: 'timestamp' },
    'timestamp with time zone': { kind: 'timestamp' },
    timestamptz: { kind: 'timestamp' },
    datetime: { kind: 'timestamp' },
    blob: { kind: 'blob' },
    longblob: { kind: 'blob' },
    bytea: { kind: 'blob' },
  };
  return simple[base];
}
