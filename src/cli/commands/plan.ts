// `wfm plan`: the order of migration for these databases, checked, before anything changes.
import type { Command } from 'commander';
import type { CheckStatus } from '../../wfm/plan.ts';
import { configOf, resolveTarget } from '../connections.ts';
import { connectionOptions, withConnectionOptions } from '../options.ts';
import { formatBytes, formatDuration, printJson, printLine } from '../output.ts';
import { counted } from '../../engine/wording.ts';

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

export function registerPlan(program: Command): void {
  withConnectionOptions(program.command('plan'))
    .description('what a migration or update of this database will do, each prerequisite checked (pass, warn, fail), and the downtime it needs; changes nothing')
    .option('--from <connection>', 'the database to migrate or update (or --dap NAME)')
    .option('--to <connection>', 'the new database, for a 6.5 migration')
    .option('--two-step', 'plan a two-step migration whatever the size of the performance data')
    .option('--backup-dir <dir>', 'where the run will write its backup', '.')
    .option('--json', 'machine-readable output')
    .action(async (options: { from?: string; to?: string; twoStep?: boolean; backupDir: string; json?: boolean }, command: Command) => {
      const { planMigration } = await import('../../wfm/plan.ts');
      const connection = connectionOptions(command);
      const from = await resolveTarget(options.from, connection, '--from');
      const to = options.to === undefined ? undefined : await resolveTarget(options.to, { ...connection, dap: undefined }, '--to');
      const plan = await planMigration(from, to, { config: configOf(connection), twoStep: options.twoStep, backupDirectory: options.backupDir });
      if (options.json) printJson(plan);
      else {
        printLine(`Plan: ${plan.source} (${plan.sourceRelease ?? 'no WFM release'}) ${plan.path === 'none' ? 'cannot be migrated' : `→ ${plan.targetRelease}: ${plan.path}`}${plan.target ? ` into ${plan.target}` : ''}`);
        printLine();
        for (const c of plan.checks) {
          printLine(`  ${LABEL[c.status]}  ${c.name}: ${c.detail}`);
          if (c.action) printLine(`        → ${c.action}`);
        }
        if (plan.estimate) {
          const e = plan.estimate;
          printLine();
          printLine(`${counted(e.rows, 'row')}, ${formatBytes(e.sizeBytes)}; read at ${counted(e.rowsPerSecond, 'row')}/s on a sample of ${counted(e.sampleRows, 'row')}`);
          printLine(`Downtime: about ${formatDuration(e.downtimeSeconds * 1000)}; the backup needs about ${formatBytes(e.backupBytes)}${plan.path === 'update in place' ? '' : `, the new database about ${formatBytes(e.targetBytes)}`}`);
          printLine();
          plan.steps.forEach((step, i) => printLine(`  ${i + 1}. ${step.name}${step.estimateSeconds !== undefined ? ` (about ${formatDuration(step.estimateSeconds * 1000)})` : ''}: ${step.description}`));
        }
        printLine();
        printLine(plan.ok ? 'Ready: no check failed.' : `Not ready: ${plan.checks.filter((c) => c.status === 'fail').length} check(s) failed.`);
      }
      if (!plan.ok) process.exitCode = 1;
    });
}
