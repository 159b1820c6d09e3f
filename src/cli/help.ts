// What every command's --help ends with: examples of the command, its exit codes, and the environment
// variables the tool reads. Declared once here, added to each command as the program is built.
import type { Command } from 'commander';

/** Examples by command path (`dbu migrate`), each a command line and what it does. */
export const EXAMPLES: Record<string, [command: string, does: string][]> = {
  info: [['wfm info --db postgres://wfm@db1:5432/wfm', 'the release, size and tables of a WFM database']],
  run: [
    ['wfm run --from "postgres;db1;wfm65;wfm" --password-env WFM_PW --to postgres://wfm@db2/wfm', 'the whole order of migration from 6.5, with a backup first'],
    ['wfm run --resume last', 'go on with the latest interrupted run'],
    ['wfm run --from postgres://wfm@db1/wfm --key-file /etc/wfm/wfm-secret.key', 'an update in place whose backup is sealed with the key file'],
  ],
  runs: [['wfm runs --runs-dir wfm-runs', 'every run of this folder, newest first, with its state']],
  rollback: [
    ['wfm rollback --run last', 'undo the latest run (asks first)'],
    ['wfm rollback --run last --key-file /etc/wfm/wfm-secret.key', "restore a sealed run's backup, its seal checked with the key it was sealed with"],
  ],
  'dbu create': [['wfm dbu create --db sqlite:wfm.db', 'a new WFM database at the latest release']],
  'dbu update': [['wfm dbu update --db postgres://wfm@db1/wfm --dry-run', 'print the SQL of every step an update would run, running none']],
  'dbu migrate': [
    ['wfm dbu migrate --from sqlite:wfm65.db --to postgres://wfm@db2/wfm', 'a 6.5 database into a new 8.5.2 one, every table verified'],
    ['wfm dbu migrate --from sqlite:wfm65.db --to postgres://wfm@db2/wfm --resume', 'go on after an interruption'],
  ],
  'dbu migrate-performance': [['wfm dbu migrate-performance --from sqlite:wfm65.db --to postgres://wfm@db2/wfm', 'step two: the performance data, run again to catch up']],
  'bru backup': [
    ['wfm bru backup --db postgres://wfm@db1/wfm --file wfm.backup.db', 'one file from one snapshot, while the database is in use'],
    ['wfm bru backup --db postgres://wfm@db1/wfm --file s3://wfm-backups/2026/wfm.backup.db', 'straight into object storage (AWS_ENDPOINT_URL for MinIO, Ceph), two 64 MiB segments of local space at most'],
  ],
  'bru restore': [
    ['wfm bru restore --file wfm.backup.db --db postgres://wfm@db2/wfm_copy', 'into an empty database, every row checked'],
    ['wfm bru restore --file s3://wfm-backups/2026/wfm.backup.db --db postgres://wfm@db2/wfm_copy', 'from object storage, read a segment at a time'],
  ],
  'bru verify': [
    ['wfm bru verify --file wfm.backup.db', 'check a backup file whole without restoring it'],
    ['wfm bru verify --file s3://wfm-backups/2026/wfm.backup.db', 'the same for a backup in object storage'],
  ],
  'schema script': [['wfm schema script --dialect postgres --from 8.1 --out wfm7_PG.sql', 'the SQL of an update, for a DBA to review']],
  'etl run': [['wfm etl run --from postgres://wfm@db1/wfm --to postgres://wfm@db1/wfm_etl', 'one ETL cycle: dimensions, the facts of the window, the purge']],
  'etl serve': [['wfm etl serve --config wfm.yaml --from WFM --to WFM_ETL', 'cycles on the [ETL] options of the WFM Server application']],
  verify: [['wfm verify --from sqlite:wfm65.db --to postgres://wfm@db2/wfm', 'every table of a migration against its 6.5 source']],
  plan: [['wfm plan --from sqlite:wfm65.db', 'what a run would do, its checks and its downtime, changing nothing']],
};

const EXIT_CODES = `Exit codes:
  0        done
  1        an operation or a verification failed (the message says what is kept and what to run next)
  2        bad input: an option, a file or a connection string
  3        could not connect: the server did not answer, refused the login, or has no such database
  130/143  stopped by SIGINT/SIGTERM (the last line names the command that goes on)`;

const ENVIRONMENT = `Environment:
  WFM_CONFIG   the configuration file, as --config
  WFM_DEBUG=1  a stack trace with an internal error
  any name given to --password-env holds a database password`;

/** The path of a command below the program: `dbu migrate`. */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/** Adds the examples, exit codes and environment to the help of the program and every command below it. */
export function addHelpFooters(program: Command): void {
  const visit = (command: Command): void => {
    const examples = EXAMPLES[pathOf(command)] ?? [];
    const shown = examples.map(([line, does]) => `  ${line}\n      ${does}`).join('\n');
    command.addHelpText('after', `${shown === '' ? '' : `\nExamples:\n${shown}\n`}\n${EXIT_CODES}\n\n${ENVIRONMENT}`);
    command.commands.forEach(visit);
  };
  visit(program);
}
