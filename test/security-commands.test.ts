// Commands that fail, run as the real `wfm` process against real databases: each prints its message and
// exits with its code within a second (no connection left open keeps it alive), and the advice a command
// prints works when it is followed.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parseConnectionString } from '../src/engine/dialect/index.ts';
import { UPDATE_LOCK } from '../src/wfm/database.ts';
import { MIGRATION_LOCK } from '../src/wfm/migrate.ts';
import { targetUrl, testEngines, trackedDatabases, uniqueName } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = await testEngines();
const fresh = trackedDatabases();
const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const HOLD_LOCK = fileURLToPath(new URL('./fixtures/hold-lock.ts', import.meta.url));

interface TimedRun {
  status: number | null;
  stderr: string;
  /** Milliseconds from the first sight of the awaited message on stderr to the process's end. */
  exitAfterMessageMs: number | undefined;
}

/** Runs `wfm`, noting when `message` shows on stderr and when the process ends; a run past `limitMs` is killed. */
async function timedWfm(args: string[], message: RegExp, limitMs = 60_000): Promise<TimedRun> {
  const child = spawn(process.execPath, [WFM, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let messageAt: number | undefined;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (messageAt === undefined && message.test(stderr)) messageAt = performance.now();
  });
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const [status] = (await once(child, 'exit')) as [number | null];
  clearTimeout(limit);
  return { status, stderr, exitAfterMessageMs: messageAt === undefined ? undefined : performance.now() - messageAt };
}

/** Another process holding `name` on the database, until the test file ends. */
async function holdLock(url: string, name: string): Promise<ChildProcess> {
  const holder = spawn(process.execPath, ['--import', 'tsx', HOLD_LOCK, url, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  after(() => holder.kill('SIGKILL'));
  const [chunk] = (await once(holder.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString().trim(), 'locked');
  return holder;
}

function assertEndsPromptly(run: TimedRun, message: RegExp, status: number): void {
  assert.match(run.stderr, message);
  assert.equal(run.status, status, run.stderr);
  assert.ok(run.exitAfterMessageMs !== undefined && run.exitAfterMessageMs < 1000, `exited ${run.exitAfterMessageMs} ms after its message`);
  assert.doesNotMatch(run.stderr, /internal error/);
}

for (const engine of engines) {
  describe(`failing commands end at once on ${engine.engine}`, { skip: engine.skip }, () => {
    // SQLite has one lock file per database whatever the name: the holder may be named under another lock.
    const held = /is held by/;

    it('dbu migrate with the migration lock held by another process: the holder, exit 1, within a second', async () => {
      const legacy = await generatedDatabase(fresh, engine, 'heldsource', '6.5.104', { agents: 4, days: 1, seed: 3 });
      const target = await fresh(engine, 'heldtarget');
      await holdLock(target.url, MIGRATION_LOCK);
      assertEndsPromptly(await timedWfm(['dbu', 'migrate', '--from', legacy.url, '--to', target.url], held), held, 1);
    });

    it('dbu update with the update lock held by another process: the holder, exit 1, within a second', async () => {
      const database = await generatedDatabase(fresh, engine, 'heldupdate', '7.6', { agents: 4, days: 1, seed: 3 });
      await holdLock(database.url, UPDATE_LOCK);
      assertEndsPromptly(await timedWfm(['dbu', 'update', '--db', database.url], held), held, 1);
    });

    it('verify against a database that does not exist: exit 2, within a second', { skip: engine.engine === 'sqlite' ? 'SQLite creates the file it opens' : undefined }, async () => {
      const legacy = await generatedDatabase(fresh, engine, 'verifysource', '6.5.104', { agents: 4, days: 1, seed: 3 });
      const missing = targetUrl({ ...parseConnectionString(legacy.url), database: uniqueName('missing') });
      const refused = /cannot connect to/;
      assertEndsPromptly(await timedWfm(['verify', '--from', legacy.url, '--to', missing], refused), refused, 2);
    });
  });
}
