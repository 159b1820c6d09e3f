// Sealed backups, through the real `wfm` process on real files and servers: a backup taken with a key file
// carries an HMAC of its manifest digest; verify and restore say whether it is sealed by this key, by
// another (named by its id), sealed but altered, or not sealed; a file altered and given matching digests
// again without the key is refused; RequireSealedBackups refuses an unsealed or foreign file before the
// target is touched; files written before seals existed still restore; and no key appears in any output.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { TABLES } from '../src/engine/archive/format.ts';
import { stampCrc } from '../src/engine/archive/sqlite-file.ts';
import { withConnection } from '../src/engine/dialect/index.ts';
import { backupSealKey } from '../src/wfm/backup-seal.ts';
import { detectRelease } from '../src/wfm/database.ts';
import { resealArchive } from './helpers/archive.ts';
import { wfm, type CliResult } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = (await testEngines()).filter((e) => !e.skip);
const sqlite = engines.find((e) => e.engine === 'sqlite') as TestEngine;
const servers = engines.filter((e) => e.engine === 'postgres' || e.engine === 'mysql');
const fresh = trackedDatabases();
/** Where the commands run: it holds no default key file, so a backup without --key-file is not sealed. */
const directory = mkdtempSync(join(tmpdir(), 'wfm-sealed-'));
/** The table the forgery empties: nothing refers to it, so the altered file still restores. */
const EMPTIED = 'calendar_item';

/** A key file as `wfm config set-password` makes one: 32 random bytes in base64, owner-only. */
function keyFile(name: string, at = directory): { path: string; key: Buffer } {
  const key = randomBytes(32);
  const path = join(at, name);
  writeFileSync(path, key.toString('base64'), { mode: 0o600 });
  return { path, key };
}

function configRequiring(value: 0 | 1): string {
  const path = join(directory, `require-sealed-${value}.yaml`);
  writeFileSync(path, `applications:\n  WFM Database Utility:\n    type: database-utility\n    options:\n      Options:\n        RequireSealedBackups: ${value}\n`);
  return path;
}

const thisKey = keyFile('this.key');
const otherKey = keyFile('other.key');
const required = configRequiring(1);
const notRequired = configRequiring(0);
/** Everything every command printed, searched for keys at the end. */
const printed: string[] = [];

function run(args: string[], cwd = directory): CliResult {
  const result = wfm(args, {}, cwd);
  printed.push(result.stdout, result.stderr);
  return result;
}

function json<T>(result: CliResult): T {
  assert.equal(result.status, 0, result.stdout + result.stderr);
  return JSON.parse(result.stdout) as T;
}

/** Deletes every row of a table from the archive and records it as empty: digests still to be recomputed. */
function emptyTable(db: Database.Database, item: string): void {
  const manifest = db.prepare(`SELECT rows FROM ${TABLES.manifest} WHERE item = ?`).get(item) as { rows: number };
  assert.ok(manifest.rows > 0, `${item} has rows to remove`);
  db.prepare(`DELETE FROM ${TABLES.chunk} WHERE item = ?`).run(item);
  db.prepare(`UPDATE ${TABLES.manifest} SET rows = 0, chunks = 0, content_hash = '0:0000000000000000' WHERE item = ?`).run(item);
}

/** Nothing was written where a refused restore would have gone: no SQLite file, an empty server database. */
async function assertUntouched(target: TestDatabase): Promise<void> {
  if (target.target.engine === 'sqlite') assert.equal(existsSync(target.target.path as string), false, 'the refused restore created the target file');
  else assert.deepEqual(await withConnection(target.url, detectRelease), { kind: 'empty' }, 'nothing was written to the target');
}

interface Verdict {
  state: string;
  keyId?: string;
  ownKeyId?: string;
}

describe(`sealed backups (${engines.map((e) => e.engine).join(', ')})`, () => {
  let source: TestDatabase;
  let sealed = '';
  let unsealed = '';
  let keyId = '';
  let rows = 0;

  before(async () => {
    source = await generatedDatabase(fresh, sqlite, 'sealedsource', '8.5.2', { agents: 5, days: 1, seed: 7 });
    sealed = join(directory, 'sealed.backup.db');
    unsealed = join(directory, 'unsealed.backup.db');
    const backup = json<{ seal: Verdict; rows: number }>(run(['bru', '-BACKUP', '-DB', source.url, '-FILE', sealed, '--key-file', thisKey.path, '--json']));
    assert.equal(backup.seal.state, 'sealed-by-this-key');
    keyId = backup.seal.keyId as string;
    rows = backup.rows;
    assert.equal(json<{ seal: Verdict }>(run(['bru', '-BACKUP', '-DB', source.url, '-FILE', unsealed, '--json'])).seal.state, 'not-sealed');
  });

  it('a backup taken with the key file is sealed under an id of a derived key, and verifies with that key', () => {
    assert.match(keyId, /^[0-9a-f]{16}$/);
    assert.equal(keyId, backupSealKey(thisKey.key).id);
    assert.notEqual(keyId, backupSealKey(otherKey.key).id);
    const verify = run(['bru', '-VERIFY', '-FILE', sealed, '--key-file', thisKey.path]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, new RegExp(`seal: sealed by this key \\(key id ${keyId}\\): written by a holder of the key file, and not altered since`));
    assert.match(verify.stdout, /its digests are not keyed: they show damage, not who wrote the file; its seal is keyed: nobody without the key file can alter the file and seal it again/);
    assert.deepEqual(json<{ seal: Verdict }>(run(['bru', 'verify', '--file', sealed, '--key-file', thisKey.path, '--json'])).seal, { state: 'sealed-by-this-key', keyId });
  });

  it('with another key file: named as sealed by another key, accepted at RequireSealedBackups = 0, refused at 1 before the target is touched', async () => {
    const otherId = backupSealKey(otherKey.key).id;
    const verify = run(['bru', '-VERIFY', '-FILE', sealed, '--key-file', otherKey.path]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, new RegExp(`seal: sealed by another key \\(key id ${keyId}; this key file's is ${otherId}\\)`));
    assert.deepEqual(json<{ seal: Verdict }>(run(['bru', 'verify', '--file', sealed, '--key-file', otherKey.path, '--json'])).seal, { state: 'sealed-by-another-key', keyId, ownKeyId: otherId });

    const strict = run(['bru', '-VERIFY', '-FILE', sealed, '--key-file', otherKey.path, '--require-sealed-backups', '1', '--json']);
    assert.equal(strict.status, 1, strict.stdout + strict.stderr);
    const report = JSON.parse(strict.stdout) as { ok: boolean; notAcceptable: string };
    assert.equal(report.ok, false);
    assert.match(report.notAcceptable, /^--require-sealed-backups 1: only a backup sealed by this key file is restored, and .* is sealed by another key/);

    const refusedTarget = await fresh(sqlite, 'otherkeyrefused');
    const refused = run(['bru', '-RESTORE', '-DB', refusedTarget.url, '-FILE', sealed, '--key-file', otherKey.path, '--config', required]);
    assert.equal(refused.status, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, new RegExp(`WFM Database Utility Options\\.RequireSealedBackups = 1 in .*: only a backup sealed by this key file is restored, and .* is sealed by another key \\(key id ${keyId};`));
    assert.match(refused.stderr, /give the key file it was sealed with \(--key-file\)/);
    await assertUntouched(refusedTarget);

    const acceptedTarget = await fresh(sqlite, 'otherkeyaccepted');
    const accepted = run(['bru', '-RESTORE', '-DB', acceptedTarget.url, '-FILE', sealed, '--key-file', otherKey.path, '--config', notRequired]);
    assert.equal(accepted.status, 0, accepted.stdout + accepted.stderr);
    assert.match(accepted.stdout, new RegExp(`seal: sealed by another key \\(key id ${keyId};`));
  });

  it('altered and its digests computed again without the key: intact to its digests, refused by its seal on every engine', async () => {
    const altered = join(directory, 'altered.backup.db');
    copyFileSync(sealed, altered);
    await resealArchive(altered, (db) => emptyTable(db, EMPTIED));

    // Without the key only the digests speak, and they were made to match: the case a seal exists for.
    const unkeyed = run(['bru', '-VERIFY', '-FILE', altered]);
    assert.equal(unkeyed.status, 0, unkeyed.stdout + unkeyed.stderr);
    assert.match(unkeyed.stdout, new RegExp(`seal: sealed \\(key id ${keyId}\\), but no key file was given to check the seal`));

    const verify = run(['bru', '-VERIFY', '-FILE', altered, '--key-file', thisKey.path]);
    assert.equal(verify.status, 1, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /the seal does not match the file: the file was altered after it was sealed \(its digests computed again without the key\)/);
    assert.match(verify.stdout, /seal: sealed, but the seal does not match: the file was altered after it was sealed and its digests computed again/);
    const report = run(['bru', 'verify', '--file', altered, '--key-file', thisKey.path, '--json']);
    assert.equal(report.status, 1, report.stdout + report.stderr);
    assert.deepEqual((JSON.parse(report.stdout) as { seal: Verdict }).seal, { state: 'seal-does-not-match', keyId });

    for (const engine of [sqlite, ...servers]) {
      const target = await fresh(engine, 'alteredtarget');
      const restore = run(['bru', '-RESTORE', '-DB', target.url, '-FILE', altered, '--key-file', thisKey.path]);
      assert.equal(restore.status, 1, `${engine.engine}: ${restore.stdout}${restore.stderr}`);
      assert.match(restore.stderr, /cannot be restored:\n {2}the seal does not match the file/);
      await assertUntouched(target);
    }
  });

  it('RequireSealedBackups = 1 refuses an unsealed backup (verify: not acceptable; restore: exit 2, target untouched); 0 restores it', async () => {
    const verify = run(['bru', '-VERIFY', '-FILE', unsealed, '--key-file', thisKey.path, '--config', required]);
    assert.equal(verify.status, 1, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /seal: not sealed: it was backed up without a key file/);
    assert.match(verify.stdout, /not acceptable under WFM Database Utility Options\.RequireSealedBackups = 1 in .*: only a backup sealed by this key file is restored, and .* is not sealed/);

    const refusedTarget = await fresh(sqlite, 'unsealedrefused');
    const refused = run(['bru', '-RESTORE', '-DB', refusedTarget.url, '-FILE', unsealed, '--key-file', thisKey.path, '--config', required]);
    assert.equal(refused.status, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /RequireSealedBackups = 1 in .* is not sealed: it was backed up without a key file; take a new backup with this key file; a file you trust as it is restores with --require-sealed-backups 0/);
    await assertUntouched(refusedTarget);

    const acceptedTarget = await fresh(sqlite, 'unsealedaccepted');
    const accepted = run(['bru', '-RESTORE', '-DB', acceptedTarget.url, '-FILE', unsealed, '--key-file', thisKey.path, '--config', notRequired]);
    assert.equal(accepted.status, 0, accepted.stdout + accepted.stderr);
    assert.match(accepted.stdout, /seal: not sealed: it was backed up without a key file/);

    const backup = run(['bru', '-BACKUP', '-DB', source.url, '-FILE', join(directory, 'never.backup.db'), '--config', required]);
    assert.equal(backup.status, 2, backup.stdout + backup.stderr);
    assert.match(backup.stderr, /RequireSealedBackups = 1 in .*: a backup must be sealed for a restore to take it; give the key file to seal it with \(--key-file\)/);
    assert.equal(existsSync(join(directory, 'never.backup.db')), false);
  });

  it('RequireSealedBackups is a known option of the Database Utility: 0 or 1', () => {
    const set = run(['config', 'set', 'WFM Database Utility', 'Options.RequireSealedBackups', '2', '--config', notRequired]);
    assert.equal(set.status, 2, set.stdout + set.stderr);
    assert.match(set.stderr, /WFM Database Utility Options\.RequireSealedBackups takes 0 or 1, not "2"/);
    assert.equal(run(['bru', '-VERIFY', '-FILE', sealed, '--require-sealed-backups', 'yes']).status, 2);
  });

  it('a sealed backup restores with its key under RequireSealedBackups = 1 into every engine, and says so', async () => {
    for (const engine of [sqlite, ...servers]) {
      const target = await fresh(engine, 'sealedtarget');
      const restore = json<{ seal: Verdict; tables: { rows: number; verified: boolean }[] }>(
        run(['bru', 'restore', '--db', target.url, '--file', sealed, '--key-file', thisKey.path, '--config', required, '--json']),
      );
      assert.deepEqual(restore.seal, { state: 'sealed-by-this-key', keyId }, engine.engine);
      assert.ok(restore.tables.every((t) => t.verified), engine.engine);
      assert.equal(restore.tables.reduce((sum, t) => sum + t.rows, 0), rows, engine.engine);
    }
  });

  it('a backup written before seals existed (no seal columns) verifies and restores as not sealed, on every engine', async () => {
    const old = join(directory, 'old.backup.db');
    copyFileSync(unsealed, old);
    const db = new Database(old);
    db.exec(`ALTER TABLE ${TABLES.header} DROP COLUMN seal_key_id; ALTER TABLE ${TABLES.header} DROP COLUMN seal_hmac`);
    assert.doesNotMatch((db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(TABLES.header) as { sql: string }).sql, /seal/);
    db.close();
    await stampCrc(old);
    const verify = run(['bru', '-VERIFY', '-FILE', old, '--key-file', thisKey.path]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /seal: not sealed/);
    assert.match(verify.stdout, /its digests are not keyed: they show damage, not who wrote the file; restore only a backup from a source you trust/);
    for (const engine of [sqlite, ...servers]) {
      const target = await fresh(engine, 'oldtarget');
      const restore = json<{ seal: Verdict; tables: { rows: number }[] }>(run(['bru', 'restore', '--db', target.url, '--file', old, '--json']));
      assert.deepEqual(restore.seal, { state: 'not-sealed' }, engine.engine);
      assert.equal(restore.tables.reduce((sum, t) => sum + t.rows, 0), rows, engine.engine);
    }
  });

  it('the default key file seals and checks without --key-file; a --key-file that does not exist is bad input', () => {
    const installation = join(directory, 'installation');
    mkdirSync(installation);
    const { key } = keyFile('wfm-secret.key', installation);
    const file = join(installation, 'default-key.backup.db');
    const backup = json<{ seal: Verdict }>(run(['bru', 'backup', '--db', source.url, '--file', file, '--json'], installation));
    assert.deepEqual(backup.seal, { state: 'sealed-by-this-key', keyId: backupSealKey(key).id });
    const verify = run(['bru', '-VERIFY', '-FILE', file], installation);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /seal: sealed by this key/);
    const missing = run(['bru', '-VERIFY', '-FILE', file, '--key-file', join(installation, 'no-such.key')]);
    assert.equal(missing.status, 2, missing.stdout + missing.stderr);
    assert.match(missing.stderr, /the key file .*no-such\.key does not exist; give the key file the backup was sealed with \(--key-file\)/);
  });

  it('no key, raw or derived, appears in anything a command printed', () => {
    assert.ok(printed.length > 20, 'the commands above printed their output');
    const output = printed.join('\n');
    for (const { key } of [thisKey, otherKey]) {
      for (const secret of [key.toString('base64'), key.toString('hex'), backupSealKey(key).key.toString('hex'), backupSealKey(key).key.toString('base64')]) {
        assert.equal(output.includes(secret), false, 'a key was printed');
      }
    }
  });
});
