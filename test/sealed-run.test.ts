// Sealed backups in the order of migration, through the real `wfm` process on real databases: `wfm run`
// seals the backup it takes with the key file and its journal records the seal; `wfm rollback` restores
// that backup only with the seal the run recorded, checked with the key given, so that a file altered
// since the run (its digests computed again without the key, or its seal stripped) is refused with the
// database left as it was; RequireSealedBackups = 1 refuses a run without a key before it starts, and a
// rollback of an unsealed backup; and no key appears in any output.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import { TABLES } from '../src/engine/archive/format.ts';
import { withConnection } from '../src/engine/dialect/index.ts';
import { maintenanceMode } from '../src/wfm/aggregator/store.ts';
import { backupSealKey } from '../src/wfm/backup-seal.ts';
import { detectRelease } from '../src/wfm/database.ts';
import { loadJournal, type RunJournal } from '../src/wfm/run.ts';
import { resealArchive } from './helpers/archive.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { databaseContent } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = (await testEngines()).filter((e) => e.engine !== 'mysql'); // as test/run.test.ts: SQLite and PostgreSQL
const fresh = trackedDatabases();
/** Where the commands run: it holds no default key file, so a command without --key-file has no key. */
const directory = mkdtempSync(join(tmpdir(), 'wfm-sealed-run-'));
/** The table the forgery empties: nothing refers to it, so the altered file would still restore. */
const EMPTIED = 'calendar_item';

/** A key file as `wfm config set-password` makes one: 32 random bytes in base64, owner-only. */
function keyFile(name: string): { path: string; key: Buffer; id: string } {
  const key = randomBytes(32);
  const path = join(directory, name);
  writeFileSync(path, key.toString('base64'), { mode: 0o600 });
  return { path, key, id: backupSealKey(key).id };
}

const thisKey = keyFile('this.key');
const otherKey = keyFile('other.key');
const required = join(directory, 'require-sealed.yaml');
writeFileSync(required, 'applications:\n  WFM Database Utility:\n    type: database-utility\n    options:\n      Options:\n        RequireSealedBackups: 1\n');
/** Everything every command printed, searched for keys at the end. */
const printed: string[] = [];

function run(args: string[]): CliResult {
  const result = wfm(args, {}, directory);
  printed.push(result.stdout, result.stderr);
  return result;
}

const contentOf = (url: string) => withConnection(url, (connection) => databaseContent(connection));

async function releaseOf(url: string): Promise<string> {
  const state = await withConnection(url, detectRelease);
  return 'release' in state ? state.release : state.kind;
}

/** A 7.6 database and a folder for one run of it: its backup and its journal. */
async function database(engine: TestEngine, label: string): Promise<{ url: string; backupDir: string; runsDir: string }> {
  const { url } = await generatedDatabase(fresh, engine, label, '7.6', { agents: 10, days: 2, seed: 11 });
  const backupDir = mkdtempSync(join(directory, `${label}-`));
  return { url, backupDir, runsDir: join(backupDir, 'runs') };
}

/** `wfm run` of the database, updated in place; its journal once it is done. */
function updated(url: string, backupDir: string, runsDir: string, extra: string[]): { result: CliResult; journal: RunJournal } {
  const result = run(['run', '--from', url, '--backup-dir', backupDir, '--runs-dir', runsDir, '--force', ...extra]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  return { result, journal: loadJournal(runsDir, 'last') };
}

/** Deletes every row of a table from the archive and records it as empty: digests still to be recomputed. */
function emptyTable(db: Database.Database, item: string): void {
  const manifest = db.prepare(`SELECT rows FROM ${TABLES.manifest} WHERE item = ?`).get(item) as { rows: number };
  assert.ok(manifest.rows > 0, `${item} has rows to remove`);
  db.prepare(`DELETE FROM ${TABLES.chunk} WHERE item = ?`).run(item);
  db.prepare(`UPDATE ${TABLES.manifest} SET rows = 0, chunks = 0, content_hash = '0:0000000000000000' WHERE item = ?`).run(item);
}

function rollback(runsDir: string, extra: string[]): CliResult {
  return run(['rollback', '--run', 'last', '--runs-dir', runsDir, '--yes', ...extra]);
}

for (const engine of engines) {
  describe(`sealed runs on ${engine.engine}`, { skip: engine.skip }, () => {
    it('a run with the key file seals its backup and records the seal; its rollback checks the seal, says it, and restores', async () => {
      const { url, backupDir, runsDir } = await database(engine, 'sealedrun');
      const before = await contentOf(url);
      const { result, journal } = updated(url, backupDir, runsDir, ['--key-file', thisKey.path]);
      assert.match(result.stdout, new RegExp(`back up +DONE .* into .*, sealed by the key file \\(key id ${thisKey.id}\\)`));
      assert.match(result.stdout, new RegExp(`done: update in place to 8\\.5\\.2 in .*; the backup is .*, sealed by the key file \\(key id ${thisKey.id}\\)`));
      assert.deepEqual(journal.backupSeal, { state: 'sealed', keyId: thisKey.id });

      const verify = run(['bru', 'verify', '--file', journal.backupFile, '--key-file', thisKey.path, '--json']);
      assert.equal(verify.status, 0, verify.stdout + verify.stderr);
      assert.deepEqual((JSON.parse(verify.stdout) as { seal: unknown }).seal, { state: 'sealed-by-this-key', keyId: thisKey.id });

      const undone = rollback(runsDir, ['--key-file', thisKey.path, '--json']);
      assert.equal(undone.status, 0, undone.stdout + undone.stderr);
      const report = JSON.parse(undone.stdout.trim().split('\n').at(-1) as string) as { backupSeal: unknown; rolledBack: string[] };
      assert.deepEqual(report.backupSeal, { state: 'sealed-by-this-key', keyId: thisKey.id });
      assert.ok(report.rolledBack.some((line) => line.startsWith(`the backup's seal: sealed by this key (key id ${thisKey.id})`)), report.rolledBack.join('\n'));
      assert.equal(await releaseOf(url), '7.6');
      assert.deepEqual(await contentOf(url), before, 'every table as it was before the run, row for row');
    });

    it('a rollback refuses the backup altered since the run (resealed without the key, or its seal stripped), and leaves the database as it was', async () => {
      const { url, backupDir, runsDir } = await database(engine, 'alteredrun');
      const { journal } = updated(url, backupDir, runsDir, ['--key-file', thisKey.path]);
      const after = await contentOf(url);
      await resealArchive(journal.backupFile, (db) => emptyTable(db, EMPTIED));

      const altered = rollback(runsDir, ['--key-file', thisKey.path]);
      assert.equal(altered.status, 1, altered.stdout + altered.stderr);
      assert.match(altered.stderr, /cannot be restored:\n {2}the seal does not match the file: the file was altered after it was sealed/);
      assert.doesNotMatch(altered.stdout, /every table below is dropped/, 'refused before the statement of what it removes');

      // Without the key that sealed it, the file cannot be shown unchanged: refused as bad input, whatever the option says.
      const keyless = rollback(runsDir, []);
      assert.equal(keyless.status, 2, keyless.stdout + keyless.stderr);
      assert.match(keyless.stderr, new RegExp(`${journal.runId} sealed .* with key id ${thisKey.id} \\(no key file was given\\), and only that key can show the file unchanged since; give the key file it was sealed with \\(--key-file\\)`));
      const foreign = rollback(runsDir, ['--key-file', otherKey.path, '--require-sealed-backups', '0']);
      assert.equal(foreign.status, 2, foreign.stdout + foreign.stderr);
      assert.match(foreign.stderr, new RegExp(`\\(this key file's is ${otherKey.id}\\)`));

      // A seal stripped and the digests computed again: what bru restore takes as a plain unsealed file.
      await resealArchive(journal.backupFile, (db) => db.prepare(`UPDATE ${TABLES.header} SET seal_key_id = NULL, seal_hmac = NULL`).run());
      const stripped = rollback(runsDir, ['--key-file', thisKey.path]);
      assert.equal(stripped.status, 1, stripped.stdout + stripped.stderr);
      assert.match(stripped.stderr, new RegExp(`is not the backup ${journal.runId} took: the run took it sealed by key id ${thisKey.id}, and it is not sealed now; the file was altered or replaced since, and is not restored`));

      assert.equal(await releaseOf(url), '8.5.2');
      assert.deepEqual(await contentOf(url), after, 'the database is as the run left it');
      assert.equal(await withConnection(url, maintenanceMode), false, 'access is as the run left it');
      assert.equal(loadJournal(runsDir, 'last').state, 'done');
    });

    it('RequireSealedBackups = 1 refuses a run without a key before it starts, and a rollback of an unsealed backup', async () => {
      const { url, backupDir, runsDir } = await database(engine, 'requiredrun');
      const before = await contentOf(url);
      const refused = run(['run', '--from', url, '--backup-dir', backupDir, '--runs-dir', runsDir, '--force', '--config', required]);
      assert.equal(refused.status, 2, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /WFM Database Utility Options\.RequireSealedBackups = 1 in .*: a backup must be sealed for a restore to take it; give the key file to seal it with \(--key-file\)/);
      assert.equal(existsSync(runsDir), false, 'no journal was written');
      assert.deepEqual(readdirSync(backupDir), [], 'no backup was written');
      assert.equal(await releaseOf(url), '7.6');
      assert.deepEqual(await contentOf(url), before);

      const { result, journal } = updated(url, backupDir, runsDir, []);
      assert.match(result.stdout, /back up +DONE .*, not sealed: no key file \(give --key-file to seal it\)/);
      assert.deepEqual(journal.backupSeal, { state: 'not-sealed' });
      const after = await contentOf(url);
      const strict = rollback(runsDir, ['--key-file', thisKey.path, '--require-sealed-backups', '1']);
      assert.equal(strict.status, 2, strict.stdout + strict.stderr);
      assert.match(strict.stderr, /--require-sealed-backups 1: only a backup sealed by this key file is restored, and .* is not sealed: it was backed up without a key file/);
      assert.equal(await releaseOf(url), '8.5.2');
      assert.deepEqual(await contentOf(url), after, 'the database is as the run left it');

      const undone = rollback(runsDir, ['--key-file', thisKey.path, '--config', required, '--require-sealed-backups', '0', '--json']);
      assert.equal(undone.status, 0, undone.stdout + undone.stderr);
      assert.deepEqual((JSON.parse(undone.stdout.trim().split('\n').at(-1) as string) as { backupSeal: unknown }).backupSeal, { state: 'not-sealed' });
      assert.equal(await releaseOf(url), '7.6');
      assert.deepEqual(await contentOf(url), before);
    });
  });
}

describe('sealed runs on sqlite: the record of the seal, a resume before the backup', () => {
  const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;

  it('an unsealed backup replaced by a sealed file is refused, and a journal whose recorded seal is malformed is not followed', async () => {
    const { url, backupDir, runsDir } = await database(sqlite, 'replacedrun');
    const { journal } = updated(url, backupDir, runsDir, []);
    const after = await contentOf(url);
    const sealed = join(backupDir, 'sealed.backup.db');
    assert.equal(run(['bru', 'backup', '--db', url, '--file', sealed, '--key-file', thisKey.path]).status, 0);
    renameSync(sealed, journal.backupFile);
    const replaced = rollback(runsDir, ['--key-file', thisKey.path]);
    assert.equal(replaced.status, 1, replaced.stdout + replaced.stderr);
    assert.match(replaced.stderr, new RegExp(`is not the backup ${journal.runId} took: the run took it without a key file, and it is sealed now by key id ${thisKey.id}`));

    const path = join(runsDir, `${journal.runId}.json`);
    writeFileSync(path, JSON.stringify({ ...journal, backupSeal: { state: 'sealed', keyId: 'not a key id' } }));
    const malformed = rollback(runsDir, ['--key-file', thisKey.path]);
    assert.equal(malformed.status, 2, malformed.stdout + malformed.stderr);
    assert.match(malformed.stderr, new RegExp(`is not the journal of run ${journal.runId} as wfm run writes it; it is left alone`));
    assert.deepEqual(await contentOf(url), after, 'the database is as the run left it');
  });

  it('RequireSealedBackups = 1 refuses to resume without a key a run that has its backup still to take; with the key the backup is sealed', async () => {
    const { url, backupDir, runsDir } = await database(sqlite, 'resumedrun');
    const failed = wfm(['run', '--from', url, '--backup-dir', backupDir, '--runs-dir', runsDir, '--force'], { WFM_RUN_FAIL_AT: 'back up' }, directory);
    assert.equal(failed.status, 1, failed.stdout + failed.stderr);
    const journal = readFileSync(join(runsDir, `${loadJournal(runsDir, 'last').runId}.json`), 'utf8');

    const refused = run(['run', '--resume', 'last', '--runs-dir', runsDir, '--backup-dir', backupDir, '--force', '--config', required]);
    assert.equal(refused.status, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /RequireSealedBackups = 1 in .*: a backup must be sealed for a restore to take it; give the key file to seal it with \(--key-file\)/);
    assert.equal(readFileSync(join(runsDir, `${loadJournal(runsDir, 'last').runId}.json`), 'utf8'), journal, 'the journal is as the failed run left it');
    assert.equal(await releaseOf(url), '7.6');

    const resumed = run(['run', '--resume', 'last', '--runs-dir', runsDir, '--backup-dir', backupDir, '--force', '--config', required, '--key-file', thisKey.path]);
    assert.equal(resumed.status, 0, resumed.stdout + resumed.stderr);
    assert.deepEqual(loadJournal(runsDir, 'last').backupSeal, { state: 'sealed', keyId: thisKey.id });
    assert.equal(await releaseOf(url), '8.5.2');
  });
});

describe('sealed runs: what is printed', () => {
  it('no key, raw or derived, appears in anything a command printed', () => {
    assert.ok(printed.length >= 10, 'the commands above printed their output');
    const output = printed.join('\n');
    for (const { key } of [thisKey, otherKey]) {
      for (const secret of [key.toString('base64'), key.toString('hex'), backupSealKey(key).key.toString('hex'), backupSealKey(key).key.toString('base64')]) {
        assert.equal(output.includes(secret), false, 'a key was printed');
      }
    }
  });
});
