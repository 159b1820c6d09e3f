// What `wfm` loads as it starts: help, and a command that fails before it opens a server, load none of the
// database server drivers, the object storage SDK or the console's web server. These packages are CommonJS,
// so a module preloaded into the `wfm` process lists them from the require cache as it exits.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { wfm } from './helpers/cli.ts';

/** The packages a command loads only once it needs them. */
const LOADED_ON_USE = ['pg', 'pg-copy-streams', 'pg-cursor', 'mysql2', 'tedious', 'oracledb', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'fastify'];

const folder = mkdtempSync(join(tmpdir(), 'wfm-startup-'));
const probe = join(folder, 'probe.mjs');
const listing = join(folder, 'loaded.json');
writeFileSync(
  probe,
  `import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
process.on('exit', () => writeFileSync(${JSON.stringify(listing)}, JSON.stringify(Object.keys(require.cache))));
`,
);

/** The packages of LOADED_ON_USE that `wfm args` loaded, with its result. */
function packagesLoadedBy(args: string[]): { loaded: string[]; status: number | null; stderr: string; stdout: string } {
  rmSync(listing, { force: true });
  const result = wfm(args, { NODE_OPTIONS: `--import ${probe}` });
  const files = JSON.parse(readFileSync(listing, 'utf8')) as string[];
  const loaded = LOADED_ON_USE.filter((name) => files.some((file) => file.includes(`/node_modules/${name}/`)));
  return { ...result, loaded };
}

describe('wfm start', () => {
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('the probe sees a driver that a command does load', () => {
    const run = packagesLoadedBy(['info', '--db', 'postgres://wfm@127.0.0.1:1/wfm_no_such_database']);
    assert.equal(run.status, 3, run.stderr);
    assert.ok(run.loaded.includes('pg'), `pg not seen among ${run.loaded.join(', ')}`);
    assert.ok(!run.loaded.includes('mysql2'), 'a PostgreSQL connection loads only its own driver');
  });

  for (const args of [['--help'], ['info', '--help'], ['bru', '--help'], ['web', '--help']]) {
    it(`wfm ${args.join(' ')} lists its commands and loads no driver, SDK or web server`, () => {
      const run = packagesLoadedBy(args);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /^Usage: wfm /);
      assert.deepEqual(run.loaded, []);
    });
  }

  it('a command that fails on a SQLite file loads no server driver', () => {
    const run = packagesLoadedBy(['info', '--db', `sqlite:${join(folder, 'missing', 'wfm.db')}`]);
    assert.equal(run.status, 2, run.stderr);
    assert.deepEqual(run.loaded, []);
  });
});
