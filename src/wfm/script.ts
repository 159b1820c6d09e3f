// The reviewable SQL script (the original's wfm7_MSQL.sql / wfm7_ORA.sql): every step as the statements
// it runs, each step headed by its checksum. `bru -UPDATE -SCRIPT` runs a database's pending steps only
// after checking that the script holds each of them unchanged: what a DBA reviewed is what runs.
import type { EngineName } from '../engine/dialect/connection-string.ts';
import type { QueryCompiler } from '../engine/dialect/types.ts';
import { InputError } from '../engine/errors.ts';
import type { Step } from '../engine/steps/operations.ts';
import { renderStep, stepChecksum } from '../engine/steps/runner.ts';

/** The original's file name for each engine's script of the WFM database, where this tool writes one by default. */
export const WFM_SCRIPT_FILES: Record<EngineName, string> = {
  sqlite: 'wfm7_SQLITE.sql',
  postgres: 'wfm7_PGSQL.sql',
  mysql: 'wfm7_MYSQL.sql',
  mssql: 'wfm7_MSQL.sql',
  oracle: 'wfm7_ORA.sql',
};

const MARKER = /^-- wfm:step (\S+) sha256=([0-9a-f]{64})$/;
const BATCH_END = /^\s*GO\s*$/i;

export function renderScript(compiler: QueryCompiler, steps: readonly Step[], header: string[]): string {
  const lines = header.map((h) => `-- ${h}`);
  for (const step of steps) {
    const statements = renderStep({ compiler }, step);
    lines.push('', `-- wfm:step ${step.version} sha256=${stepChecksum(statements)}`, `-- ${step.description}`);
    for (const statement of statements) {
      if (statement.problem) lines.push(`-- check: ${statement.description ?? ''} (the step stops if this query returns rows)`);
      lines.push(compiler.scriptStatement(statement.sql));
    }
  }
  return `${lines.join('\n')}\n`;
}

interface ScriptBlock {
  version: string;
  checksum: string;
  statements: string[];
}

function parseBlocks(text: string): ScriptBlock[] {
  const blocks: ScriptBlock[] = [];
  let current: { version: string; checksum: string; body: string[] } | undefined;
  const close = (): void => {
    if (!current) return;
    // A line that ends a batch (SQL Server's GO) also ends the statement before it.
    const sql = current.body.filter((line) => !line.startsWith('--') && !BATCH_END.test(line)).join('\n');
    const statements = sql.split(/;\n/).map((s) => s.replace(/;\s*$/, '').trim()).filter((s) => s.length > 0);
    blocks.push({ version: current.version, checksum: current.checksum, statements });
  };
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const marker = MARKER.exec(line.trim());
    if (marker) {
      close();
      current = { version: marker[1] ?? '', checksum: marker[2] ?? '', body: [] };
    } else if (current) {
      current.body.push(line);
    }
  }
  close();
  return blocks;
}

/** Throws unless the script holds every step, for this engine, exactly as this tool would run it. */
export function verifyScript(text: string, file: string, engine: string, compiler: QueryCompiler, steps: readonly Step[]): void {
  const blocks = parseBlocks(text);
  if (blocks.length === 0) throw new InputError(`${file} is not a script written by wfm schema script (it has no "-- wfm:step" lines)`);
  for (const step of steps) {
    const expected = renderStep({ compiler }, step);
    const checksum = stepChecksum(expected);
    const block = blocks.find((b) => b.checksum === checksum);
    if (!block) {
      throw new InputError(
        `${file} does not contain step ${step.version} for ${engine} as this database needs it; ` +
          `write the script for this database with wfm schema script --dialect <engine> --from <its release>`,
      );
    }
    const actual = stepChecksum(block.statements.map((sql) => ({ sql })));
    if (actual !== checksum) {
      throw new InputError(`step ${step.version} in ${file} was changed after it was written (its statements no longer match its checksum); write the script again`);
    }
  }
}
