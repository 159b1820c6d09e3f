// The console end to end, on SQLite and on PostgreSQL: the real `wfm web` process, driven in Debian's
// chromium through playwright-core. An administrator signs in with the one-time link, plans a 6.5 migration,
// runs the plan from its page and watches it to the end while a viewer gets the maintenance page; a run
// started with the wfm command appears in Plans & runs and its page follows it live; then the administrator
// reads the verification report, fixes a site in the Organization module and sees its check turn green, and
// opens Users and Backup & restore. Every page is saved as a screenshot at 1366 and at 800 pixels wide in
// artifacts/screenshots (git ignores it), named page-engine-width.png, for anyone to look at.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { withConnection } from '../src/engine/dialect/index.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';

const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../artifacts/screenshots/', import.meta.url));
const CHROMIUM = process.env.WFM_TEST_CHROMIUM ?? '/usr/bin/chromium';
const VIEWER_TOKEN = 'viewer-e2e-token';

function chromiumSkip(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `no chromium at ${CHROMIUM} (apt-get install chromium, or set WFM_TEST_CHROMIUM)`;
  if (process.env.WFM_TEST_REQUIRE_SERVERS === '1') throw new Error(`WFM_TEST_REQUIRE_SERVERS=1 but there is ${reason}`);
  console.error(`\n*** SKIPPING the console's end-to-end tests: ${reason} ***\n`);
  return reason;
}

const skip = chromiumSkip();
const engines = (await testEngines()).filter((e) => e.engine === 'sqlite' || e.engine === 'postgres');
/** The widths every page is looked at: a laptop's, and the narrowest the console is laid out for. */
const WIDTHS = [1366, 800] as const;
const fresh = trackedDatabases();

/** Starts `wfm web` and returns its address and the one-time sign-in link it prints. */
async function startConsole(config: string, directory: string): Promise<{ process: ChildProcess; base: string; link: string }> {
  const child = spawn(process.execPath, [WFM, 'web', '--config', config, '--port', '0', '--runs-dir', join(directory, 'runs'), '--backup-dir', directory, '--key-file', join(directory, 'key')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const started = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wfm web did not start: ${output}`)), 30_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /console at (\S+); sign in once as administrator: (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wfm web exited with ${code}: ${output}`));
    });
  });
  return { process: child, base: started[1] as string, link: started[2] as string };
}

/** The page as it is now, at each width, then back at the first. */
async function shots(page: Page, name: string, engine: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${engine}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 800 });
}

/** Starts `wfm run` with the console's runs folder and resolves with the run id it prints first. */
function runFromCommandLine(args: string[]): { process: ChildProcess; runId: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [WFM, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const runId = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const first = /^(run-\S+)\n/.exec(printed);
      if (first) resolve(first[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`wfm run exited with ${code} before printing its run id: ${printed}${errors}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, runId, exit };
}

/** A login of the database whose role holds Allow Backup/Restore. */
async function backupLogin(database: TestDatabase): Promise<string> {
  const rows = await withConnection(database.url, (c) =>
    c.query("SELECT u.login FROM wfm_user u JOIN role_privilege rp ON rp.role_id = u.role_id WHERE rp.privilege = 'general.allow_backup_restore' AND u.disabled = 0 ORDER BY u.login"),
  );
  const login = rows[0]?.login;
  assert.ok(login, 'the migrated users include one who may back up and restore');
  return String(login);
}

for (const engine of engines) {
  describe(`the console in a browser on ${engine.engine}`, { skip: skip ?? engine.skip }, () => {
    const name = engine.engine;
    let server: { process: ChildProcess; base: string; link: string };
    let browser: Browser;
    let admin: Page;
    let viewer: Page;
    let directory: string;
    let legacy: TestDatabase;
    let target: TestDatabase;
    let commandLineTarget: TestDatabase;

    before(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      directory = mkdtempSync(join(tmpdir(), 'wfm-web-e2e-'));
      // Large enough that a run's maintenance window lasts seconds, for the viewer to run into it and for
      // a run started on the command line to be watched while it goes on.
      legacy = await generatedDatabase(fresh, engine as TestEngine, 'web-legacy', '6.5.104', { agents: 300, days: 14, seed: 7 });
      target = await fresh(engine as TestEngine, 'web-852');
      commandLineTarget = await fresh(engine as TestEngine, 'web-852-cli');
      const config = join(directory, 'wfm.yaml');
      writeFileSync(
        config,
        `databases:\n  legacy:\n    connection: "${legacy.url}"\n  wfm:\n    connection: "${target.url}"\n` +
          `applications:\n  WFM Web:\n    type: web\n    release: 6.5.104\n    connections: [wfm]\n    options:\n      Options:\n        ViewerToken: ${VIEWER_TOKEN}\n`,
      );
      server = await startConsole(config, directory);
      browser = await chromium.launch({ executablePath: CHROMIUM });
      admin = await (await browser.newContext({ viewport: { width: WIDTHS[0], height: 800 } })).newPage();
      viewer = await (await browser.newContext({ viewport: { width: WIDTHS[0], height: 800 } })).newPage();
    });

    after(async () => {
      await browser?.close();
      server?.process.kill('SIGTERM');
    });

    it('signs the administrator in once with the printed link, and a viewer with the viewer token', async () => {
      await admin.goto(server.link);
      assert.equal(new URL(admin.url()).pathname, '/');
      assert.equal(await admin.locator('h1').first().textContent(), 'Overview');
      const again = await viewer.goto(server.link);
      assert.equal(again?.status(), 401, 'the one-time link signs in only once');
      await shots(viewer, 'sign-in', name);
      await viewer.fill('input[name=token]', VIEWER_TOKEN);
      await viewer.click('button');
      assert.equal(await viewer.locator('h1').first().textContent(), 'Overview');
    });

    it('plans a 6.5 migration, runs the plan from its page and follows it to the end, while a viewer gets the maintenance page', async () => {
      await admin.goto(`${server.base}/runs`);
      await admin.fill('input[name=from]', 'legacy');
      await admin.fill('input[name=to]', 'wfm');
      await admin.click('button[value=plan]');
      await admin.waitForURL(/\/plan\?/);
      assert.match((await admin.locator('.verdict').textContent()) ?? '', /^Ready: migration to 8\.5\.2, no check fails/);
      assert.ok((await admin.locator('#checks tbody tr').count()) >= 4, 'every check has its row');
      assert.match((await admin.locator('#downtime').textContent()) ?? '', /^about /);
      await shots(admin, 'plan', name);
      await admin.click('button:has-text("Run this plan")');
      await admin.waitForURL(/\/runs\/run-\d{8}T\d{6}Z$/);

      const viewerBlocked = (async () => {
        for (let tries = 0; tries < 600; tries++) {
          const response = await viewer.goto(`${server.base}/`);
          if (response?.status() === 503) return true;
          if ((await admin.locator('#state').textContent()) !== 'running') return false;
          await viewer.waitForTimeout(100);
        }
        return false;
      })();
      assert.equal(await viewerBlocked, true, 'a viewer sees the maintenance page during the run');
      assert.match((await viewer.locator('h1').textContent()) ?? '', /Under construction/);
      await shots(viewer, 'maintenance', name);

      await admin.waitForFunction(() => document.querySelector('#state')?.textContent !== 'running', undefined, { timeout: 180_000 });
      assert.equal(await admin.locator('#state').textContent(), 'done', (await admin.locator('#log').textContent()) ?? '');
      assert.deepEqual(await admin.locator('#steps tbody td:nth-child(2)').allTextContents(), Array(8).fill('done'));
      assert.equal(await admin.locator('#percent').textContent(), '100%');
      const migrated = admin.locator('details[data-step="migrate or update"]');
      await migrated.locator('summary').click();
      const percents = await migrated.locator('.pct').allTextContents();
      assert.ok(percents.length >= 20, `every table has a bar (${percents.length})`);
      assert.deepEqual([...new Set(percents)], ['100%']);
      assert.equal(await admin.locator('#rate-chart path.rate').count(), 1, 'the chart of rows per second');
      await shots(admin, 'run', name);

      const back = await viewer.goto(`${server.base}/`);
      assert.equal(back?.status(), 200, 'access is back for everyone after the run');
      await admin.goto(`${server.base}/`);
      await shots(admin, 'overview', name);
    });

    it('lists a run started with the wfm command, and its page follows it live to the end', async () => {
      const run = runFromCommandLine(['--from', legacy.url, '--to', commandLineTarget.url, '--runs-dir', join(directory, 'runs'), '--backup-dir', directory, '--force']);
      try {
        const runId = await run.runId;
        await admin.goto(`${server.base}/runs`);
        const row = admin.locator(`tr[data-run="${runId}"]`);
        assert.equal(await row.count(), 1, 'the run is in the list as soon as its journal exists');
        await shots(admin, 'plans-and-runs', name);
        await row.locator(`a[href="/runs/${runId}"]`).click();
        await admin.waitForURL(new RegExp(`/runs/${runId}$`));
        assert.equal(await admin.locator('#state').textContent(), 'running', 'the page opened while the run goes on');
        await admin.evaluate(() => document.body.setAttribute('data-opened', 'once'));
        await admin.waitForSelector('#run-live h3', { timeout: 120_000 });
        const [firstTables, runningStep] = await admin.evaluate(() => [document.querySelector('#run-live h3')?.textContent, document.querySelector('#steps td.running')?.parentElement?.firstElementChild?.textContent]);
        assert.ok(firstTables === runningStep || runningStep === undefined, `the current step’s tables come first (${firstTables}, ${runningStep})`);
        await shots(admin, 'run-live', name);
        await admin.waitForFunction(() => document.querySelector('#state')?.textContent !== 'running', undefined, { timeout: 180_000 });
        assert.equal(await admin.locator('#state').textContent(), 'done', (await admin.locator('#log').textContent()) ?? '');
        assert.equal(await admin.locator('body').getAttribute('data-opened'), 'once', 'followed without a reload');
        assert.match((await admin.locator('#log').textContent()) ?? '', new RegExp(`^\\s+0 ms  ${runId}: migration of `), 'the log from the first second');
        assert.deepEqual(await admin.locator('#steps tbody td:nth-child(2)').allTextContents(), Array(8).fill('done'));
        assert.equal(await run.exit, 0);
      } finally {
        run.process.kill('SIGTERM');
      }
    });

    it('shows the verification report, and a site fixed in the Organization module turns green', async () => {
      await admin.goto(`${server.base}/verify`);
      await shots(admin, 'verification', name);
      const row = admin.locator('tr[data-object=site]:has(td.warn)').first();
      const site = await row.getAttribute('data-name');
      assert.ok(site, 'the migrated organization leaves a site setting to fix');
      assert.doesNotMatch((await row.locator('td.check').textContent()) ?? '', /no agent/, 'the site has agents, so its Data Aggregator settings are all there is to fix');
      await row.locator('a', { hasText: 'fix it' }).click();
      await admin.waitForURL(/\/organization/);
      await shots(admin, 'organization', name);
      const card = admin.locator('.card', { has: admin.locator(`input[name=name][value="${site.replaceAll('"', '\\"')}"]`) }).filter({ has: admin.locator('input[name=object][value=site]') });
      await card.locator('input[name=dataAggregator]').fill('DataAggregator_East');
      await card.locator('input[name=tenant]').fill('Environment');
      await card.locator('input[name=password]').fill('da-secret-e2e');
      await card.locator('input[name=timeProfile]').fill('Default');
      await card.locator('input[name=wfmServer]').fill('WFMServer_East');
      await card.locator('button').click();
      await admin.waitForURL(/\/organization$/);
      assert.ok(!(await admin.content()).includes('da-secret-e2e'), 'the password is write-only');

      await admin.goto(`${server.base}/verify`);
      const fixed = admin.locator(`tr[data-object=site][data-name="${site.replaceAll('"', '\\"')}"] td.check`);
      assert.equal(await fixed.getAttribute('class'), 'ok check');
      assert.equal(await fixed.evaluate((cell) => getComputedStyle(cell).color), 'rgb(26, 127, 55)', 'the check is green');
      await shots(admin, 'verification-fixed', name);
    });

    it('shows the Users and Backup & restore modules', async () => {
      await admin.goto(`${server.base}/users`);
      assert.equal(await admin.locator('h1').textContent(), 'Users');
      assert.ok((await admin.locator('form[action="/users"]').count()) > 0, 'a form per user');
      await shots(admin, 'users', name);
      await admin.goto(`${server.base}/backups`);
      await admin.fill('input[name=login]', await backupLogin(target));
      await admin.click('button:has-text("Use this user")');
      await admin.waitForURL(/\/backups$/);
      assert.equal(await admin.locator('h1').textContent(), 'Backup & restore');
      assert.ok((await admin.locator('#backups tr[data-backup]').count()) >= 2, 'the backups the two runs took');
      await shots(admin, 'backup-and-restore', name);
    });
  });
}
