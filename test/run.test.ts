// `wfm run` and `wfm rollback` against real databases: full runs (7.6 updated in place, 6.5.104 migrated
// in two steps), a failure in each step in turn followed by --resume, and a rollback that gives back every
// table row for row.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, parseConnectionString, withConnection, type ConnectionTarget } from '../src/engine/dialect/index.ts';
import { maintenanceMode } from '../src/wfm/aggregator/store.ts';
import { ConfigFile } from '../src/wfm/config/config-file.ts';
import { detectRelease } from '../src/wfm/database.ts';
import type { Release } from '../src/wfm/releases/versions.ts';
import { loadJournal, resumeRun, RUN_STEPS, startRun, type RunOptions } from '../src/wfm/run.ts';
import { wfm } from './helpers/cli.ts';
import { databaseContent } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = (await testEngines()).filter((e) => e.engine !== 'mysql'); // the issue asks for SQLite and PostgreSQL
const fresh = trackedDatabases();

async function database(engine: TestEngine, release: Release): Promise<string> {
  return (await generatedDatabase(fresh, engine, 'run', release, { agents: 10, days: 2, seed: 6 })).url;
}

async function contentOf(url: string) {
  const connection = await connect(url);
  try {
    return await databaseContent(connection);
  } finally {
    await connection.close();
  }
}

async function releaseOf(url: string): Promise<string> {
  const connection = await connect(url);
  try {
    const state = await detectRelease(connection);
    return 'release' in state ? state.release : state.kind;
  } finally {
    await connection.close();
  }
}

function options(directory: string, config?: ConfigFile): RunOptions {
  return { runsDirectory: join(directory, 'runs'), backupDirectory: directory, config, force: true };
}

const resolveText = async (text: string): Promise<ConnectionTarget> => parseConnectionString(text);

const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));

/** Starts a real `wfm run` and kills it (SIGKILL) as soon as it reports its "migrate or update" step done. */
async function runKilledAfterUpdate(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [WFM, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (/migrate or update +DONE/.test(stdout)) child.kill('SIGKILL');
  });
  const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  assert.equal(signal, 'SIGKILL', `the run ended before its update was reported:\n${stderr}${stdout}`);
  return stdout;
}

for (const engine of engines) {
  describe(`wfm run on ${engine.engine}`, { skip: engine.skip }, () => {
    it('updates 7.6 in place, records the releases, and rolls back to every row as it was', async () => {
      const url = await database(engine, '7.6');
      const before = await contentOf(url);
      const directory = mkdtempSync(join(tmpdir(), 'wfm-run-'));
      const config = join(directory, 'wfm.yaml');
      writeFileSync(config, `databases:\n  wfm:\n    connection: "${url}"\napplications:\n  WFM Server:\n    type: server\n    release: 7.6\n    connections: [wfm]\n  WFM Web:\n    type: web\n    release: 7.6\n    connections: [wfm]\n`);
      const runsDir = join(directory, 'runs');
      const run = wfm(['run', '--config', config, '--dap', 'wfm', '--backup-dir', directory, '--runs-dir', runsDir]);
      assert.equal(run.status, 0, run.stderr + run.stdout);
      const [firstLine] = run.stdout.split('\n');
      assert.match(firstLine ?? '', /^run-\d{8}T\d{6}Z$/, 'the run id comes first');
      for (const step of RUN_STEPS) assert.match(run.stdout, new RegExp(`${step.replace(/ /g, ' +')} +DONE +[\\d.]+ (ms|s)`));
      assert.equal(await releaseOf(url), '8.5.2');
      assert.match(readFileSync(config, 'utf8'), /WFM Server:\n {4}type: server\n {4}release: 8\.5\.2/);

      const rollback = wfm(['rollback', '--run', 'last', '--config', config, '--runs-dir', runsDir, '--yes']);
      assert.equal(rollback.status, 0, rollback.stderr);
      assert.equal(await releaseOf(url), '7.6');
      assert.deepEqual(await contentOf(url), before, 'every table as it was before the run, row for row');
      assert.match(readFileSync(config, 'utf8'), /WFM Server:\n {4}type: server\n {4}release: "?7\.6"?\n/);
      assert.match(readFileSync(config, 'utf8'), /Maintenance: 0/);
      assert.equal(loadJournal(runsDir, 'last').state, 'rolled back');
    });

    it('migrates 6.5.104 into a new database in two steps', async () => {
      const legacy = await database(engine, '6.5.104');
      const target = (await fresh(engine, 'runtarget')).url;
      const directory = mkdtempSync(join(tmpdir(), 'wfm-run-'));
      const run = wfm(['run', '--from', legacy, '--to', target, '--two-step', '--backup-dir', directory, '--runs-dir', join(directory, 'runs'), '--json']);
      assert.equal(run.status, 0, run.stderr + run.stdout);
      assert.match(run.stdout.split('\n')[0] ?? '', /^\{"runId":"run-/);
      const journal = loadJournal(join(directory, 'runs'), 'last');
      assert.equal(journal.path, 'two-step migration');
      assert.match(journal.steps.find((s) => s.name === 'migrate or update')?.detail ?? '', /the performance data waits for step two/);
      assert.equal(await releaseOf(target), '8.5.2');
      assert.equal(await releaseOf(legacy), '6.5.104', 'the 6.5 database is only read');
    });

    it('leaves a 7.6 database updated in place in maintenance when the run stops after the update', async () => {
      const url = await database(engine, '7.6');
      const directory = mkdtempSync(join(tmpdir(), 'wfm-run-'));
      const run = wfm(['run', '--from', url, '--backup-dir', directory, '--runs-dir', join(directory, 'runs'), '--force'], { WFM_RUN_FAIL_AT: 'deploy' });
      assert.equal(run.status, 1, run.stderr + run.stdout);
      assert.match(run.stdout, /disable access +DONE .*no database or configuration holds the switch yet/);
      assert.equal(await releaseOf(url), '8.5.2');
      assert.equal(await withConnection(url, maintenanceMode), true, 'an 8.5.2 aggregator must find the database in maintenance');
      const resumed = wfm(['run', '--resume', 'last', '--runs-dir', join(directory, 'runs'), '--force']);
      assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
      assert.equal(await withConnection(url, maintenanceMode), false, 'the run enables access at its end');
    });

    it('leaves a 7.6 database updated in place in maintenance when the run is killed after the update', async () => {
      const url = await database(engine, '7.6');
      const directory = mkdtempSync(join(tmpdir(), 'wfm-run-'));
      await runKilledAfterUpdate(['--from', url, '--backup-dir', directory, '--runs-dir', join(directory, 'runs'), '--force']);
      assert.notEqual(loadJournal(join(directory, 'runs'), 'last').steps.find((s) => s.name === 'enable access')?.state, 'done', 'killed before it enabled access');
      assert.equal(await releaseOf(url), '8.5.2');
      assert.equal(await withConnection(url, maintenanceMode), true, 'an 8.5.2 aggregator must find the database in maintenance');
    });

    it('resumes after a failure in each step in turn, and completes', async () => {
      for (const [release, withTarget] of [['7.6', false], ['6.5.201', true]] as const) {
        for (const step of RUN_STEPS) {
          const from = await database(engine, release);
          const to = withTarget ? (await fresh(engine, 'resumetarget')).url : undefined;
          const directory = mkdtempSync(join(tmpdir(), 'wfm-run-'));
          process.env.WFM_RUN_FAIL_AT = step;
          const failed = await startRun({ from, to, resolve: resolveText }, options(directory));
          delete process.env.WFM_RUN_FAIL_AT;
          assert.equal(failed.state, 'failed');
          assert.equal(failed.steps.find((s) => s.state === 'failed')?.name, step);
          const resumed = await resumeRun(loadJournal(join(directory, 'runs'), failed.runId), resolveText, options(directory));
          assert.equal(resumed.state, 'done', `${release}, failed at ${step}: ${JSON.stringify(resumed.steps)}`);
          assert.equal(await releaseOf(to ?? from), '8.5.2');
        }
      }
    });
  });
}

describe('wfm run refuses', () => {
  it('a password in a connection string, since the journal keeps its connections', () => {
    const result = wfm(['run', '--from', 'postgres://user:secret@127.0.0.1:5432/wfm']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /give the password with --password-env NAME/);
    assert.ok(!result.stderr.includes('secret'));
  });
});

/** A journal as a run writes it, naming `database` as the new database a rollback drops. */
function plantedJournal(runId: string, database: string): string {
  const steps = RUN_STEPS.map((name) => ({ name, state: 'done' }));
  return JSON.stringify({ runId, from: database, to: database, config: null, path: 'migration', twoStep: false, backupFile: 'x', releasesBefore: {}, state: 'done', steps });
}

describe('run ids', () => {
  it('a run id that leaves the runs folder is refused before any journal is read, and nothing is dropped', () => {
    const directory = mkdtempSync(join(tmpdir(), 'wfm-run-'));
    const victim = join(directory, 'victim.db');
    writeFileSync(victim, '');
    writeFileSync(join(directory, 'planted.json'), plantedJournal('../planted', `sqlite:${victim}`));
    for (const args of [['rollback', '--run', '../planted'], ['run', '--resume', '../planted']]) {
      const result = wfm([...args, '--runs-dir', join(directory, 'runs')]);
      assert.equal(result.status, 2, result.stderr + result.stdout);
      assert.match(result.stderr, /"\.\.\/planted" is not a run id/);
      assert.ok(existsSync(victim), `${args.join(' ')}: the database the planted journal names is still there`);
    }
  });

  it('a journal in the runs folder whose run id is not its own is refused, and no journal is written elsewhere', () => {
    const directory = mkdtempSync(join(tmpdir(), 'wfm-run-'));
    const victim = join(directory, 'victim.db');
    writeFileSync(victim, '');
    mkdirSync(join(directory, 'runs'));
    writeFileSync(join(directory, 'runs', 'run-20260101T000000Z.json'), plantedJournal('../escaped', `sqlite:${victim}`));
    const result = wfm(['rollback', '--run', 'last', '--runs-dir', join(directory, 'runs')]);
    assert.equal(result.status, 2, result.stderr + result.stdout);
    assert.match(result.stderr, /is not the journal of run run-20260101T000000Z/);
    assert.ok(existsSync(victim), 'the database the journal names is still there');
    assert.ok(!existsSync(join(directory, 'escaped.json')), 'no journal outside the runs folder');
  });
});

/** The commands a stopped run names: `then: <resume> (or undo it: <rollback>)`, as words to run. */
function hintsOf(stdout: string): { resume: string[]; rollback: string[] } {
  const match = /then: wfm (run --resume .+) \(or undo it: wfm (rollback --run .+)\)$/m.exec(stdout);
  assert.ok(match?.[1] && match[2], `a stopped run names its next commands: ${stdout}`);
  return { resume: match[1].split(' '), rollback: match[2].split(' ') };
}

describe('wfm run names next commands that work when followed', () => {
  const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;

  it('with its own runs folder and backup folder: the resume it names finishes the run', async () => {
    const url = await database(sqlite, '7.6');
    const directory = mkdtempSync(join(tmpdir(), 'wfm-run-'));
    const stopped = wfm(['run', '--from', url, '--backup-dir', directory, '--runs-dir', join(directory, 'runs')], { WFM_RUN_FAIL_AT: 'deploy' });
    assert.equal(stopped.status, 1, stopped.stderr + stopped.stdout);
    const resumed = wfm(hintsOf(stopped.stdout).resume);
    assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
    assert.equal(await releaseOf(url), '8.5.2');
  });

  it('with its own runs folder: the rollback it names undoes the run', async () => {
    const url = await database(sqlite, '7.6');
    const before = await contentOf(url);
    const directory = mkdtempSync(join(tmpdir(), 'wfm-run-'));
    const stopped = wfm(['run', '--from', url, '--backup-dir', directory, '--runs-dir', join(directory, 'runs')], { WFM_RUN_FAIL_AT: 'verify' });
    assert.equal(stopped.status, 1, stopped.stderr + stopped.stdout);
    const undone = wfm([...hintsOf(stopped.stdout).rollback, '--yes']);
    assert.equal(undone.status, 0, undone.stderr + undone.stdout);
    assert.deepEqual(await contentOf(url), before, 'every table as it was before the run');
  });
});
