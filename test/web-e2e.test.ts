// The console end to end: the real `wfm web` process, driven in Debian's chromium through playwright-core.
// An administrator signs in with the one-time link, starts a 6.5 migration from the page and watches every
// table reach 100% live while a viewer gets the maintenance page; then reads the verification report, fixes a
// site in the Organization module and sees its check turn green. Each main page is saved as a screenshot in
// artifacts/screenshots (git ignores it) for anyone to look at.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testEngines, trackedDatabases, type TestEngine } from './helpers/databases.ts';
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
const sqlite = (await testEngines()).find((e) => e.engine === 'sqlite') as TestEngine;
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

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe('the console in a browser', { skip }, () => {
  let server: { process: ChildProcess; base: string; link: string };
  let browser: Browser;
  let admin: Page;
  let viewer: Page;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const directory = mkdtempSync(join(tmpdir(), 'wfm-web-e2e-'));
    // Large enough that the run's maintenance window lasts seconds, for the viewer to run into it.
    const legacy = await generatedDatabase(fresh, sqlite, 'web-legacy', '6.5.104', { agents: 300, days: 14, seed: 7 });
    const target = await fresh(sqlite, 'web-852');
    const config = join(directory, 'wfm.yaml');
    writeFileSync(
      config,
      `databases:\n  legacy:\n    connection: "${legacy.url}"\n  wfm:\n    connection: "${target.url}"\n` +
        `applications:\n  WFM Web:\n    type: web\n    release: 6.5.104\n    connections: [wfm]\n    options:\n      Options:\n        ViewerToken: ${VIEWER_TOKEN}\n`,
    );
    server = await startConsole(config, directory);
    browser = await chromium.launch({ executablePath: CHROMIUM });
    admin = await (await browser.newContext({ viewport: { width: 1366, height: 800 } })).newPage();
    viewer = await (await browser.newContext({ viewport: { width: 1366, height: 800 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    server?.process.kill('SIGTERM');
  });

  it('signs the administrator in once with the printed link, and a viewer with the viewer token', async () => {
    await admin.goto(server.link);
    assert.equal(new URL(admin.url()).pathname, '/');
    assert.equal(await admin.locator('h1').first().textContent(), 'Overview');
    await shot(admin, 'overview');
    const again = await viewer.goto(server.link);
    assert.equal(again?.status(), 401, 'the one-time link signs in only once');
    await shot(viewer, 'sign-in');
    await viewer.fill('input[name=token]', VIEWER_TOKEN);
    await viewer.click('button');
    assert.equal(await viewer.locator('h1').first().textContent(), 'Overview');
  });

  it('starts a migration from the page and watches every table reach 100% live, while a viewer gets the maintenance page', async () => {
    await admin.goto(`${server.base}/runs`);
    await shot(admin, 'plans-and-runs');
    await admin.fill('input[name=from]', 'legacy');
    await admin.fill('input[name=to]', 'wfm');
    await admin.click('button[value=run]');
    await admin.waitForURL(/\/jobs\//);

    const viewerBlocked = (async () => {
      for (let tries = 0; tries < 600; tries++) {
        const response = await viewer.goto(`${server.base}/`);
        if (response?.status() === 503) return true;
        if ((await admin.locator('#state').textContent()) !== 'running') return false;
        await viewer.waitForTimeout(100);
      }
      return false;
    })();

    await admin.waitForFunction(() => document.querySelector('#tables tr') !== null && document.querySelector('#state')?.textContent === 'running', undefined, { timeout: 60_000 });
    assert.equal(await viewerBlocked, true, 'a viewer sees the maintenance page during the run');
    assert.match((await viewer.locator('h1').textContent()) ?? '', /Under construction/);
    await shot(viewer, 'maintenance');

    await admin.waitForFunction(() => document.querySelector('#state')?.textContent !== 'running', undefined, { timeout: 180_000 });
    assert.equal(await admin.locator('#state').textContent(), 'done', await admin.locator('#log').textContent() ?? '');
    const percents = await admin.locator('#tables .pct').allTextContents();
    assert.ok(percents.length >= 20, `every table has a bar (${percents.length})`);
    assert.deepEqual([...new Set(percents)], ['100%']);
    const steps = await admin.locator('#steps tr td:nth-child(2)').allTextContents();
    assert.deepEqual(steps, Array(8).fill('done'));
    await shot(admin, 'run');

    const back = await viewer.goto(`${server.base}/`);
    assert.equal(back?.status(), 200, 'access is back for everyone after the run');
  });

  it('shows the verification report, and a site fixed in the Organization module turns green', async () => {
    await admin.goto(`${server.base}/verify`);
    await shot(admin, 'verification');
    const row = admin.locator('tr[data-object=site]:has(td.warn)').first();
    const site = await row.getAttribute('data-name');
    assert.ok(site, 'the migrated organization leaves a site setting to fix');
    assert.doesNotMatch((await row.locator('td.check').textContent()) ?? '', /no agent/, 'the site has agents, so its Data Aggregator settings are all there is to fix');
    await row.locator('a', { hasText: 'fix it' }).click();
    await admin.waitForURL(/\/organization/);
    await shot(admin, 'organization');
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
    await shot(admin, 'verification-fixed');
  });

  it('shows the Users and Backup & restore modules', async () => {
    await admin.goto(`${server.base}/users`);
    assert.equal(await admin.locator('h1').textContent(), 'Users');
    assert.ok((await admin.locator('form[action="/users"]').count()) > 0, 'a form per user');
    await shot(admin, 'users');
    await admin.goto(`${server.base}/backups`);
    assert.equal(await admin.locator('h1').textContent(), 'Backup & restore');
    await shot(admin, 'backup-and-restore');
  });
});
