// "Verify your connections and settings" on real migrated databases: each finding names the object and
// the command that fixes it, and running that command makes the finding go away. Passwords are never
// echoed and are stored protected.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connect, describeTarget, parseConnectionString } from '../src/engine/dialect/index.ts';
import { migrateLegacy } from '../src/wfm/migrate.ts';
import { loadKey, reveal } from '../src/wfm/secrets.ts';
import type { SettingFinding } from '../src/wfm/settings.ts';
import { wfm } from './helpers/cli.ts';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const engines = (await testEngines()).filter((e) => e.engine !== 'mysql');
const fresh = trackedDatabases();

async function migrated(engine: TestEngine): Promise<string> {
  const legacy = await generatedDatabase(fresh, engine, 'settingslegacy', '6.5.201', { agents: 12, days: 1, seed: 8 });
  const target = await fresh(engine, 'settings');
  await migrateLegacy(parseConnectionString(legacy.url), parseConnectionString(target.url), { allowMigratePerformance: false });
  return target.url;
}

function findings(url: string): SettingFinding[] {
  const result = wfm(['verify', '--db', url, '--settings', '--json']);
  return (JSON.parse(result.stdout) as { findings: SettingFinding[] }).findings;
}

for (const engine of engines) {
  describe(`wfm verify --settings on ${engine.engine}`, { skip: engine.skip }, () => {
    it('names every setting a migration leaves to set, and each fix command clears its finding', async () => {
      const url = await migrated(engine);
      const before = findings(url);
      const text = wfm(['verify', '--db', url, '--settings']);
      assert.equal(text.status, 1);
      const site = before.find((f) => f.object === 'site' && f.problem === 'Data Aggregator password is not set');
      assert.ok(site, JSON.stringify(before.slice(0, 5)));
      assert.equal(site.fix, `wfm org set --db "${describeTarget(parseConnectionString(url))}" --site "${site.name}" --da-password-env VARIABLE`);
      assert.ok(before.some((f) => f.object === 'user' && f.problem === 'WFM Builder is not set'));

      const directory = mkdtempSync(join(tmpdir(), 'wfm-settings-'));
      const keyFile = join(directory, 'wfm-secret.key');
      const set = wfm(
        ['org', 'set', '--db', url, '--site', site.name, '--data-aggregator', 'DA 8.5', '--tenant', 'Resources', '--da-password-env', 'DA_SECRET', '--time-profile', 'Default', '--wfm-server', 'WFMServer1', '--key-file', keyFile],
        { DA_SECRET: 'hunter2-very-secret' },
      );
      assert.equal(set.status, 0, set.stderr);
      assert.ok(!set.stdout.includes('hunter2') && !set.stderr.includes('hunter2'), 'the password is never echoed');
      assert.match(set.stdout, /password set \(stored protected\)/);
      const stored = await (async () => {
        const c = await connect(url);
        const [row] = await c.query(`SELECT data_aggregator_password FROM site WHERE name = ${c.compiler.parameter(1)}`, [site.name]);
        await c.close();
        return String(row?.data_aggregator_password);
      })();
      assert.ok(!stored.includes('hunter2'), 'stored protected');
      assert.equal(reveal(stored, loadKey(keyFile, false)), 'hunter2-very-secret');

      const user = before.find((f) => f.object === 'user') as SettingFinding;
      const roles = wfm(['user', 'set', '--db', url, '--login', user.name, '--role', 'No such role']);
      assert.equal(roles.status, 2);
      assert.match(roles.stderr, /has no role named "No such role"; its roles are "/);
      assert.equal(wfm(['user', 'set', '--db', url, '--login', user.name, '--time-zone', 'Europe/Paris', '--builder', 'Builder 1']).status, 0);

      const after = findings(url);
      assert.ok(!after.some((f) => f.object === 'site' && f.name === site.name && f.problem !== 'no agent is assigned to it'), JSON.stringify(after.filter((f) => f.name === site.name)));
      assert.ok(!after.some((f) => f.object === 'user' && f.name === user.name && f.problem !== 'has no role'));
      assert.ok(after.length < before.length);
      assert.equal(wfm(['org', 'set', '--db', url, '--site', 'Nowhere', '--tenant', 'x']).stderr.includes('has no site named "Nowhere"'), true);
    });
  });
}
