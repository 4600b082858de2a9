// The models page in Debian's chromium, on versions the real training job made: admins only; the
// versions per target with the live one marked, what the promotion rule decided and why; compare
// two; promote one and roll back, each reaching the store. Screenshots: /tmp/shots/models-*.png.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveVersions, promotionsOf } from '../../models/versions/version-store.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { twoSceneVersions } from './review-crops.ts';

const SHOTS = '/tmp/shots';
let work: string;
let api: TestApi;
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'models-page-'));
  api = await startTestApi({ kind: 'pglite' }, { modelsDir: path.join(work, 'models') });
  await twoSceneVersions({ db: api.app.db, modelsDir: path.join(work, 'models') }, work);
  const port = await freePort();
  await api.app.listen({ port, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
  ({ browser, page } = await openBrowserPage());
  await mkdir(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const live = async () => (await liveVersions(api.app.db)).get('scene') ?? null;

describe('models page in chromium', () => {
  it('refuses a reviewer key with words saying it is for admins', async () => {
    await page.goto(`${base}/review/models.html#key=${api.keys.reviewer}`);
    await page.locator('.login').getByText('需要管理员').waitFor();
  });

  it('lists the versions of each target, the live one, and what the rule decided', async () => {
    await page.goto('about:blank'); // a new hash alone would not load the page again
    await page.goto(`${base}/review/models.html#key=${api.keys.admin}`);
    const rows = page.locator('section[data-target="scene"] tbody tr');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.version))).toEqual(['scene-2', 'scene-1']);
    await expect(page.locator('tr[data-version="scene-1"] .badge.live').count()).resolves.toBe(1);
    await expect(page.locator('tr[data-version="scene-2"] .badge.refuse').count()).resolves.toBe(1);
    expect(await page.locator('tr[data-version="scene-2"] .reasons').innerText()).toMatch(/vs live/);
    expect(await page.locator('#rule').innerText()).toMatch(/at least 0.01/);
    await page.screenshot({ path: `${SHOTS}/models-list.png`, fullPage: true });
  });

  it('compares two versions on the same held-out reviews', async () => {
    await page.locator('tr[data-version="scene-1"] input[type=checkbox]').check();
    await page.locator('tr[data-version="scene-2"] input[type=checkbox]').check();
    await page.locator('section[data-target="scene"] button.compare').click();
    const table = page.locator('#compare .comparison');
    await table.waitFor({ timeout: 30_000 });
    expect(await table.locator('h2').innerText()).toMatch(/scene-1 vs scene-2/);
    expect(await table.innerText()).toMatch(/Balanced accuracy/);
    await page.screenshot({ path: `${SHOTS}/models-compare.png`, fullPage: true });
  }, 40_000);

  it('promotes a version and rolls back, each recorded with the admin and the reason', async () => {
    page.once('dialog', (d) => void d.accept('try the new one'));
    await page.locator('tr[data-version="scene-2"] button.promote').click();
    await page.locator('tr[data-version="scene-2"] .badge.live').waitFor();
    expect(await live()).toBe('scene-2');
    await page.screenshot({ path: `${SHOTS}/models-promoted.png`, fullPage: true });
    page.once('dialog', (d) => void d.accept('worse on the street'));
    await page.locator('section[data-target="scene"] button.rollback').click();
    await page.locator('tr[data-version="scene-1"] .badge.live').waitFor();
    expect(await live()).toBe('scene-1');
    const log = await promotionsOf(api.app.db, 'scene');
    expect(log.slice(0, 2).map((p) => [p.action, p.versionId, p.actor, p.reason])).toEqual([
      ['rollback', 'scene-1', 'test admin', 'worse on the street'],
      ['promote', 'scene-2', 'test admin', 'try the new one'],
    ]);
    expect(cspViolations(page)).toEqual([]);
  });
});
