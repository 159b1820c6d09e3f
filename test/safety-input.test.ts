// No destructive surprise: the input checks, through the real `wfm` process on real databases. A command
// that only reads leaves a SQLite file byte for byte as it was and creates no file.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { wfm, type CliResult } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = await testEngines();
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const fresh = trackedDatabases();

const directory = (): string => mkdtempSync(join(tmpdir(), 'wfm-safety-'));

/** Every file of a folder with the sha256 of its bytes: what "nothing changed, nothing created" compares. */
function folderState(folder: string): Record<string, string> {
  const state: Record<string, string> = {};
  for (const name of readdirSync(folder).sort()) state[name] = createHash('sha256').update(readFileSync(join(folder, name))).digest('hex');
  return state;
}

/** A generated SQLite database copied alone into its own folder, in rollback-journal or WAL mode. */
async function sqliteFile(release: '6.5.201' | '8.5.2', folder: string, mode: 'delete' | 'wal'): Promise<string> {
  const generated = await generatedDatabase(fresh, sqlite, `ro${release}`, release, { agents: 4, days: 1, seed: 5 });
  const path = join(folder, `${release}.db`);
  copyFileSync(generated.target.path as string, path);
  const db = new Database(path);
  db.pragma(`journal_mode = ${mode}`);
  db.close();
  return path;
}

function assertNoInternalError(result: CliResult, what: string): void {
  assert.ok(!`${result.stdout}${result.stderr}`.includes('internal error'), `${what}: ${result.stderr}`);
}

describe('commands that only read a SQLite file', () => {
  for (const mode of ['delete', 'wal'] as const) {
    it(`leave a file in ${mode} journal mode byte for byte as it was, and create no file beside it`, async () => {
      const folder = directory();
      const elsewhere = directory();
      const legacy = `sqlite:${await sqliteFile('6.5.201', folder, mode)}`;
      const current = `sqlite:${await sqliteFile('8.5.2', folder, mode)}`;
      const before = folderState(folder);
      const commands: [string, string[]][] = [
        ['info', ['info', '--db', legacy]],
        ['info --json', ['info', '--db', current, '--json']],
        ['plan into a database that holds data', ['plan', '--from', legacy, '--to', current, '--backup-dir', elsewhere]],
        ['plan into a new file', ['plan', '--from', legacy, '--to', `sqlite:${join(elsewhere, 'new.db')}`, '--backup-dir', elsewhere]],
        ['verify --settings', ['verify', '--db', current, '--settings']],
        ['verify --from --to', ['verify', '--from', legacy, '--to', current]],
        ['bru backup', ['bru', 'backup', '--db', legacy, '--file', join(elsewhere, 'legacy.backup.db')]],
      ];
      for (const [what, args] of commands) {
        const result = wfm(args);
        assertNoInternalError(result, what);
        assert.deepEqual(folderState(folder), before, `${what} changed or created a file (exit ${result.status}: ${result.stderr})`);
      }
      assert.ok(!existsSync(join(elsewhere, 'new.db')), 'plan created the target it was only to check');
    });
  }

  it('refuse a file that does not exist with exit 2, and do not create it', () => {
    const folder = directory();
    const missing = join(folder, 'nope.db');
    for (const args of [
      ['info', '--db', `sqlite:${missing}`],
      ['verify', '--db', `sqlite:${missing}`, '--settings'],
      ['bru', 'backup', '--db', `sqlite:${missing}`, '--file', join(directory(), 'b.db')],
    ]) {
      const result = wfm(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /the SQLite file .*nope\.db does not exist/);
      assert.deepEqual(readdirSync(folder), [], `${args[0]} created a file`);
    }
    const plan = wfm(['plan', '--from', `sqlite:${missing}`]);
    assert.match(plan.stdout, /FAIL +source release: the SQLite file .*nope\.db does not exist/);
    assert.deepEqual(readdirSync(folder), [], 'plan created the file');
  });

  it('refuse a file that is not a database as bad input, not an internal error', () => {
    const path = join(directory(), 'notes.db');
    writeFileSync(path, 'not a database, but long enough to have a header of a hundred bytes. '.repeat(3));
    const result = wfm(['info', '--db', `sqlite:${path}`]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /cannot connect to sqlite:.*notes\.db: file is not a database/);
  });
});
