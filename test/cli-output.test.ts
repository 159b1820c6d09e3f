// What the command line prints, read as a new user reads it: a small run in a few meaningful lines, no
// "1 rows", --quiet and --verbose doing what they say, --json parsed line by line, `wfm runs` listing the
// journal, and every command's help with examples that use only options the command has.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXAMPLES } from '../src/cli/help.ts';
import { wfm, type CliResult } from './helpers/cli.ts';

const directory = mkdtempSync(join(tmpdir(), 'wfm-cli-output-'));
let databases = 0;

function succeeded(args: string[]): CliResult {
  const result = wfm(args);
  assert.equal(result.status, 0, `wfm ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** A small 7.6 database, for an update in place run. */
function database76(): string {
  const url = `sqlite:${join(directory, `wfm76-${++databases}.db`)}`;
  succeeded(['generate', '--version', '7.6', '--db', url, '--agents', '4', '--days', '2', '--quiet']);
  return url;
}

function runArgs(url: string, runsDir: string): string[] {
  return ['run', '--from', url, '--runs-dir', runsDir, '--backup-dir', directory, '--force'];
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');

describe('the command line, as a new user reads it', () => {
  it('a small run prints a few meaningful lines: no count with a wrong plural, no line per index or foreign key', () => {
    const run = succeeded(runArgs(database76(), join(directory, 'runs-small')));
    const printed = [...lines(run.stdout), ...lines(run.stderr)];
    assert.ok(printed.length <= 30, `${printed.length} lines:\n${printed.join('\n')}`);
    assert.doesNotMatch(run.stdout + run.stderr, /\b1 (rows|tables|statements|steps)\b/);
    assert.doesNotMatch(run.stderr, /index \w+: building|foreign key \w+: checking/);
  });

  it('--verbose lists every table and every index built; --quiet prints nothing but the result', () => {
    const url = database76();
    const verbose = succeeded(['bru', 'backup', '--db', url, '--file', join(directory, 'verbose.backup.db'), '--verbose']);
    assert.match(verbose.stderr, /^ {4}wm_db_version: [\d,]+ rows? in /m);
    const restored = `sqlite:${join(directory, 'restored-verbose.db')}`;
    const restore = succeeded(['bru', 'restore', '--file', join(directory, 'verbose.backup.db'), '--db', restored, '--verbose']);
    assert.match(restore.stderr, /, index \w+: building it$/m);
    const quiet = succeeded(['bru', 'backup', '--db', url, '--file', join(directory, 'quiet.backup.db'), '--quiet']);
    assert.equal(quiet.stderr, '');
    assert.match(quiet.stdout, /backed up to/);
    assert.equal(wfm(['bru', 'backup', '--db', url, '--file', join(directory, 'both.backup.db'), '--quiet', '--verbose']).status, 2, 'the two cannot be combined');
  });

  it('--json: every line of the output, progress and result, is one JSON object', () => {
    const run = succeeded([...runArgs(database76(), join(directory, 'runs-json')), '--json']);
    for (const line of [...lines(run.stdout), ...lines(run.stderr)]) assert.doesNotThrow(() => JSON.parse(line), line);
    assert.ok(lines(run.stdout).length >= 2, run.stdout);
  });

  it('wfm runs lists the journal newest first, leaves out files that are not journals, and says when there is none', () => {
    const runsDir = join(directory, 'runs-listed');
    const empty = succeeded(['runs', '--runs-dir', runsDir]);
    assert.match(empty.stdout, /holds no runs; wfm run starts one/);
    const first = lines(succeeded(runArgs(database76(), runsDir)).stdout)[0] ?? '';
    // Run ids are to the second: the second run must not share the first's.
    const wait = Date.now() + 1100;
    while (Date.now() < wait);
    const second = lines(succeeded(runArgs(database76(), runsDir)).stdout)[0] ?? '';
    writeFileSync(join(runsDir, 'notes.json'), '{"not": "a run"}');
    writeFileSync(join(runsDir, 'run-20990101T000000Z.json'), '{"runId": "forged"}');
    const listed = succeeded(['runs', '--runs-dir', runsDir]);
    const rows = lines(listed.stdout).slice(2);
    assert.deepEqual(rows.map((row) => row.split(/\s+/)[0]), [second, first]);
    assert.ok(rows.every((row) => /\bdone\b/.test(row)), listed.stdout);
    const json = lines(succeeded(['runs', '--runs-dir', runsDir, '--json']).stdout).map((line) => JSON.parse(line) as { runId: string; state: string });
    assert.deepEqual(json.map((run) => [run.runId, run.state]), [[second, 'done'], [first, 'done']]);
  });

  it('every command with examples in its help uses only options that command has, and lists the exit codes', () => {
    for (const [path, examples] of Object.entries(EXAMPLES)) {
      const help = succeeded([...path.split(' '), '--help']).stdout;
      assert.match(help, /Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 +could not connect/);
      for (const [line] of examples) {
        assert.ok(help.includes(line), `${path}: the example ${line} is shown`);
        for (const option of line.match(/ --[a-z-]+/g) ?? []) assert.ok(help.includes(`${option.trim()} `) || help.includes(`${option.trim()}\n`), `${path}: ${option.trim()} is an option of the command`);
      }
    }
  });
});
