// `wfm demo` as a new user runs it, at a small size: every story completes and checks what it claims; with
// no key file it says nothing of seals, and with the installation's default key file its backup is sealed.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { backupSealKey } from '../src/wfm/backup-seal.ts';
import { wfm } from './helpers/cli.ts';

describe('wfm demo', () => {
  it('tells the two-step migration, the backup and the update, each verified', () => {
    // A folder with no default key file: the demo needs no setup, and its backup is not sealed.
    const result = wfm(['demo', '--agents', '30', '--days', '2'], {}, mkdtempSync(join(tmpdir(), 'wfm-demo-test-')));
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Step one \(.*wfm\.yaml: WFM Client Options\.AllowMigratePerformance = 0\)/);
    assert.match(result.stdout, /the 6\.5 database was only read \(every table hashes as before\)/);
    assert.match(result.stdout, /The 8\.5\.2 Data Aggregator starts \(http:\/\/127\.0\.0\.1:\d+, registered with a heartbeat\)/);
    assert.match(result.stdout, /every interval present exactly once; ([\d,]+) interactions offered in the database = \1 sent/);
    assert.match(result.stdout, /The restored database equals the original: all \d+ tables, row for row/);
    assert.match(result.stdout, /Done: a WFM 8\.5\.2 database\./);
    assert.doesNotMatch(result.stdout + result.stderr, /seal|key file/i);
  });

  it('seals its backup with the default key file when one exists, and checks the seal', () => {
    const installation = mkdtempSync(join(tmpdir(), 'wfm-demo-key-'));
    const key = randomBytes(32);
    writeFileSync(join(installation, 'wfm-secret.key'), key.toString('base64'), { mode: 0o600 });
    const { id } = backupSealKey(key);
    const result = wfm(['demo', '--agents', '30', '--days', '2'], {}, installation);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`1\\. wfm bru -BACKUP: .*, sealed by the key file wfm-secret\\.key \\(key id ${id}\\)`));
    assert.match(result.stdout, new RegExp(`2\\. wfm bru -VERIFY: intact: .*; seal: sealed by this key \\(key id ${id}\\): written by a holder of the key file, and not altered since`));
    assert.match(result.stdout, /The restored database equals the original: all \d+ tables, row for row/);
  });
});
