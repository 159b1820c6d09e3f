// `wfm demo` as a new user runs it, at a small size: every story completes and checks what it claims.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { wfm } from './helpers/cli.ts';

describe('wfm demo', () => {
  it('tells the two-step migration, the backup and the update, each verified', () => {
    const result = wfm(['demo', '--agents', '30', '--days', '2']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Step one \(.*wfm\.yaml: WFM Client Options\.AllowMigratePerformance = 0\)/);
    assert.match(result.stdout, /the 6\.5 database was only read \(every table hashes as before\)/);
    assert.match(result.stdout, /The 8\.5\.2 Data Aggregator starts \(http:\/\/127\.0\.0\.1:\d+, registered with a heartbeat\)/);
    assert.match(result.stdout, /every interval present exactly once; ([\d,]+) interactions offered in the database = \1 sent/);
    assert.match(result.stdout, /The restored database equals the original: all \d+ tables, row for row/);
    assert.match(result.stdout, /Done: a WFM 8\.5\.2 database\./);
  });
});
