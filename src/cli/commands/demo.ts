// `wfm demo`: the whole story on the embedded SQLite default, with nothing to set up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { connect } from '../../engine/dialect/index.ts';
import { OperationError } from '../../engine/errors.ts';
import { RateMeter } from '../../engine/progress.ts';
import { compareAccess, effectivePrivileges } from '../../wfm/access.ts';
import { createDatabase, databaseInfo, stepProgress, updateDatabase } from '../../wfm/database.ts';
import { generate } from '../../wfm/generate/index.ts';
import { HISTORY_TABLE } from '../../wfm/releases/index.ts';
import { formatBytes, formatDuration, formatTable, printLine, progressPrinter } from '../output.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('generate a WFM 7.6 database on SQLite, update it to 8.5.2 in place, and show that nothing was lost')
    .option('--dir <folder>', 'where to put the demo database (default: a new temporary folder, removed afterwards)')
    .option('--agents <n>', 'agents in the generated database', '300')
    .option('--days <n>', 'days of history', '28')
    .action(async (options: { dir?: string; agents: string; days: string }) => {
      const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'wfm-demo-'));
      try {
        await runDemo(join(dir, 'wfm-7.6.db'), Number(options.agents), Number(options.days));
      } finally {
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
      }
    });
}

async function runDemo(path: string, agents: number, days: number): Promise<void> {
  const listener = progressPrinter(false);
  const connection = await connect(`sqlite:${path}`);
  try {
    printLine(`1. A WFM 7.6 database on SQLite (${path}), with ${agents} agents and ${days} days of history`);
    await createDatabase(connection, '7.6');
    const meters = new Map<string, RateMeter>();
    const generated = await generate(connection, '7.6', {
      agents,
      days,
      seed: 1,
      onProgress: (table, rows) => {
        const meter = meters.get(table) ?? new RateMeter(table);
        meters.set(table, meter);
        listener(meter.event(rows));
      },
    });
    const before = await databaseInfo(connection);
    const accessBefore = await effectivePrivileges(connection, '7.6');
    const total = Object.values(generated.rowsPerTable).reduce((a, b) => a + b, 0);
    printLine(`   ${total.toLocaleString('en-US')} rows in ${before.tables.length} tables, ${formatBytes(before.sizeBytes)}`);

    printLine('2. Update in place to 8.5.2, one step per release, each in one transaction:');
    const result = await updateDatabase(connection, '8.5.2', { progress: stepProgress(listener) });
    printLine(`   ${result.steps.length} steps in ${formatDuration(result.steps.reduce((sum, s) => sum + s.durationMs, 0))}`);

    const after = await databaseInfo(connection);
    printLine('3. What happened to the data:');
    const afterRows = new Map(after.tables.map((t) => [t.name, t.rows]));
    const rows = before.tables.map((t) => [t.name, t.rows, afterRows.has(t.name) ? (afterRows.get(t.name) ?? 0) : 'replaced by roles']);
    printLine(indent(formatTable(['table', 'rows at 7.6', 'rows at 8.5.2'], rows)));
    // The history gains a row per step by design; every other table must keep every row.
    const lost = before.tables.filter((t) => t.name !== HISTORY_TABLE && afterRows.has(t.name) && afterRows.get(t.name) !== t.rows);
    const accessAfter = await effectivePrivileges(connection, '8.5.2');
    const differences = compareAccess(accessBefore, accessAfter, '7.6', '8.5.2');
    const roles = after.tables.find((t) => t.name === 'role')?.rows ?? 0;
    printLine(`4. ${accessAfter.size} users now share ${roles} roles; ${differences.length === 0 ? 'every user kept exactly its access' : `${differences.length} users do not have the access they should`} ` +
      '(Calendar edit split into add/edit/delete, prefer/grant/decline and time-off limits; Allow Backup/Restore for organization editors).');
    if (lost.length > 0 || differences.length > 0) throw new OperationError(`the demo found a difference: ${[...lost.map((t) => t.name), ...differences.map((d) => d.login)].join(', ')}`);
    printLine(`Done: ${after.description}, every row of every table preserved.`);
  } finally {
    await connection.close();
  }
}

function indent(text: string): string {
  return text.split('\n').map((line) => `   ${line}`).join('\n');
}
