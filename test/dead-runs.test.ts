// A run whose process died without a word (SIGKILL, power lost) is not shown as running: real `wfm run`
// processes are paused with SIGSTOP, while `wfm runs` and the console's pages still say running, then
// killed with SIGKILL; `wfm runs` and the console then say the run was interrupted because its process is
// gone, name `wfm run --resume`, write nothing while they read, and the resume completes. A journal of
// another host is shown as running there, not guessed at.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { parseConnectionString } from '../src/engine/dialect/index.ts';
import type { RunJournal } from '../src/wfm/run.ts';
import { buildConsole } from '../src/web/server.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';

const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const engines = (await testEngines()).filter((e) => e.engine === 'sqlite' || e.engine === 'postgres');
const fresh = trackedDatabases();

function succeeded(args: string[], what: string): CliResult {
  const result = wfm(args);
  assert.equal(result.status, 0, `${what} (wfm ${args.join(' ')}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** A 6.5 database large enough that its backup takes a few seconds: a run paused as it starts is still running. */
async function legacyDatabase(on: TestEngine): Promise<TestDatabase> {
  const database = await fresh(on, 'deadrun');
  succeeded(['generate', '--version', '6.5.201', '--db', database.url, '--agents', '150', '--days', '60', '--seed', '29'], 'the 6.5 database');
  return database;
}

/**
 * Starts `wfm args` (with --verbose) and pauses it with SIGSTOP in the middle of its back-up step: once
 * the step before is done and a first table is backed up.
 */
async function pausedRun(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; runId: string }> {
  const child = spawn(process.execPath, [WFM, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let backingUp: number | undefined;
  let paused = false;
  await new Promise<void>((resolve, reject) => {
    const watch = (): void => {
      if (backingUp === undefined && /stop server components\s+DONE/.test(stdout)) backingUp = stderr.length;
      if (paused || backingUp === undefined || !/ rows? in /.test(stderr.slice(backingUp))) return;
      paused = true;
      child.kill('SIGSTOP');
      resolve();
    };
    child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString('utf8')), watch()));
    child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString('utf8')), watch()));
    child.once('close', (code) => reject(new Error(`wfm run ended (${code}) before its back-up step was under way:\n${stdout}\n${stderr}`)));
  });
  return { child, runId: stdout.split('\n')[0] ?? '' };
}

/** Kills a process outright and waits until it is gone, as a power loss would leave its run. */
async function killedOutright(child: ChildProcessWithoutNullStreams): Promise<void> {
  const closed = once(child, 'close');
  child.kill('SIGKILL');
  const [, signal] = (await closed) as [number | null, NodeJS.Signals | null];
  assert.equal(signal, 'SIGKILL');
}

interface Console {
  app: FastifyInstance;
  get(path: string): Promise<string>;
}

async function consoleOn(url: string, runsDirectory: string, backupDirectory: string): Promise<Console> {
  const app = buildConsole({
    database: parseConnectionString(url),
    tokens: [{ token: 'admin-token', role: 'administrator' }],
    runsDirectory,
    backupDirectory,
    keyFile: join(backupDirectory, 'key'),
    resolve: async (text) => parseConnectionString(text),
  });
  const signedIn = await app.inject({ url: '/sign-in?token=admin-token' });
  assert.equal(signedIn.statusCode, 302, signedIn.body.slice(0, 300));
  const cookie = String(signedIn.headers['set-cookie']).split(';')[0] as string;
  return {
    app,
    get: async (path) => {
      const response = await app.inject({ url: path, headers: { cookie } });
      assert.equal(response.statusCode, 200, `${path}: ${response.body.slice(0, 500)}`);
      return response.body;
    },
  };
}

/** The state column of `wfm runs` for one run. */
function listedState(listing: string, runId: string): string {
  const line = listing.split('\n').find((l) => l.startsWith(runId)) ?? '';
  return line.slice(runId.length).trim().split(/\s{2,}/)[0] ?? '';
}

describe('runs whose process died', () => {
  for (const engine of engines) {
    it(`${engine.engine}: a run killed with SIGKILL is shown interrupted (process gone) with wfm run --resume, and resumes`, async () => {
      const directory = mkdtempSync(join(tmpdir(), 'wfm-dead-runs-'));
      const runs = join(directory, 'runs');
      const legacy = await legacyDatabase(engine);
      const target = await fresh(engine, 'deadrunto');
      const { child, runId } = await pausedRun(['run', '--from', legacy.url, '--to', target.url, '--backup-dir', directory, '--runs-dir', runs, '--force', '--verbose']);
      assert.match(runId, /^run-\d{8}T\d{6}Z$/);
      const journalFile = join(runs, `${runId}.json`);
      const dashboard = await consoleOn(legacy.url, runs, directory);
      try {
        // Paused, the process still exists: the run is running, and nothing offers to resume it.
        const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as RunJournal;
        assert.equal(journal.state, 'running');
        assert.equal(journal.process?.pid, child.pid, 'the journal names the process that runs it');
        const live = succeeded(['runs', '--runs-dir', runs], 'wfm runs while the run lives');
        assert.equal(listedState(live.stdout, runId), 'running', live.stdout);
        assert.doesNotMatch(live.stdout, /--resume/);
        const livePage = await dashboard.get(`/runs/${runId}`);
        assert.ok(livePage.includes('<span id="state" class="running">running</span>'), livePage.slice(0, 800));
        assert.doesNotMatch(livePage, /action="\/runs\/[^"]+\/resume"/);

        await killedOutright(child);
        const left = readFileSync(journalFile, 'utf8');
        assert.equal((JSON.parse(left) as RunJournal).state, 'running', 'a process killed outright leaves its journal at running');

        const listed = succeeded(['runs', '--runs-dir', runs], 'wfm runs after the kill');
        assert.equal(listedState(listed.stdout, runId), 'interrupted (process gone)', listed.stdout);
        assert.ok(listed.stdout.includes(`${runId} stopped without a word (its process is gone): to go on, run: wfm run --resume ${runId} --runs-dir ${runs}`), listed.stdout);
        const listedJson = wfm(['runs', '--runs-dir', runs, '--json']).stdout;
        assert.equal((JSON.parse(listedJson.trim().split('\n')[0] ?? '{}') as { stateText?: string }).stateText, 'interrupted (process gone)', listedJson);

        const page = await dashboard.get(`/runs/${runId}`);
        assert.ok(page.includes('<span id="state" class="interrupted">interrupted (process gone)</span>'), page.slice(0, 800));
        assert.ok(page.includes(`To go on: <code>wfm run --resume ${runId}</code>`), 'the page names the command that goes on');
        assert.ok(page.includes(`<form method="post" action="/runs/${runId}/resume"><button>Resume</button></form>`), 'and offers Resume');
        assert.match(page, new RegExp(`<td class="interrupted">interrupted</td><td class="n muted">[^<]*</td><td class="n"></td><td class="detail">the process that ran it \\(${child.pid} on [^)]+\\) is gone`));
        assert.doesNotMatch(page, /id="eta"/, 'no time left is promised for a run nobody carries out');
        const list = await dashboard.get('/runs');
        assert.ok(list.includes('interrupted (process gone) at “back up”'), list.slice(list.indexOf(runId), list.indexOf(runId) + 600));
        assert.ok((await dashboard.get('/')).includes('interrupted (process gone) at “back up”'), 'the overview’s last runs say so too');
        const stream = await dashboard.get(`/runs/${runId}/events`);
        assert.match(stream, /"stateText":"interrupted \(process gone\)"/, 'the page’s stream says so too, and ends');
        assert.equal(readFileSync(journalFile, 'utf8'), left, 'reading the runs wrote no journal');

        const resumed = succeeded(['run', '--resume', runId, '--runs-dir', runs, '--backup-dir', directory, '--force'], 'the run resumed');
        assert.match(resumed.stdout, new RegExp(`${runId} done`));
        const done = JSON.parse(readFileSync(journalFile, 'utf8')) as RunJournal & { processGone?: unknown };
        assert.equal(done.state, 'done');
        assert.equal(done.processGone, undefined, 'what was read is not written');
        assert.notEqual(done.process?.pid, child.pid, 'the journal names the process that resumed it');
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await dashboard.app.close();
      }
    });
  }

  it('a journal of another host that says running is shown as running there, not guessed at', () => {
    const runs = mkdtempSync(join(tmpdir(), 'wfm-dead-runs-'));
    const runId = 'run-20260101T000000Z';
    const journal = {
      runId,
      from: 'sqlite:legacy.db',
      to: 'sqlite:new.db',
      config: null,
      path: 'migration',
      twoStep: false,
      backupFile: join(runs, `${runId}.backup.db`),
      releasesBefore: {},
      state: 'running',
      steps: ['check prerequisites', 'disable access', 'stop server components', 'back up', 'migrate or update', 'deploy', 'verify', 'enable access'].map((name, i) => ({ name, state: i === 0 ? 'running' : 'pending' })),
      // A pid that no process of this host has: only the host tells that it runs elsewhere.
      process: { host: 'wfm-elsewhere.example', pid: 2 ** 22 + 1 },
    };
    writeFileSync(join(runs, `${runId}.json`), JSON.stringify(journal));
    const listed = succeeded(['runs', '--runs-dir', runs], 'wfm runs');
    assert.equal(listedState(listed.stdout, runId), 'running on wfm-elsewhere.example', listed.stdout);
    assert.doesNotMatch(listed.stdout, /--resume/);
  });
});
