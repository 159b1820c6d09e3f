// The end of `wfm demo`, at a small size: an ETL cycle over the demo's days into an ETL database, and
// adherence by site read back from it, each site's figure a percentage.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { wfm } from './helpers/cli.ts';

describe('wfm demo, its ETL story', () => {
  it('ends with an ETL cycle over the demo days and a report of adherence by site', () => {
    const result = wfm(['demo', '--agents', '30', '--days', '2']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /wfm etl create: the ETL schema at 8\.5 in .*wfm-etl\.db/);
    assert.match(result.stdout, /wfm etl run: [\d,]+ fact rows for 2024-01-01\.\.2024-01-02 in 1 transaction/);
    const report = result.stdout.slice(result.stdout.indexOf('Adherence by site, 2024-01-01..2024-01-02'));
    const sites = report.split('\n').filter((line) => /^\s+\S.*\s\d+(\.\d)?%$/.test(line));
    assert.ok(sites.length > 0, `a line per site with its adherence:\n${report}`);
    for (const line of sites) {
      const percent = Number(/([\d.]+)%$/.exec(line)?.[1]);
      assert.ok(percent >= 0 && percent <= 100, line);
    }
  });
});
