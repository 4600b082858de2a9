// The models page in Debian's chromium with a fine-tuned detector: registered from the page's form
// (the real API measures it and its base on the held-out photo), shown with AP50 against its base
// and the detector rule's refusal; promoting it asks to overrule the rule and records that, and
// rolling back leaves no aerial detector. Screenshot: /tmp/shots/models-detector.png.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelmeYolo } from '../../models/train/detector-sample-dataset.ts';
import { AERIAL_DETECTOR_TARGET } from '../../models/versions/register-detector.ts';
import { liveVersions, promotionsOf } from '../../models/versions/version-store.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { baseCopy } from './detector-fixture.ts';

const SHOTS = '/tmp/shots';
let work: string;
let api: TestApi;
let browser: Browser;
let page: Page;
let base: string;
let manifest: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'detector-page-'));
  manifest = await baseCopy('same-as-base-1', path.join(work, 'out'), await labelmeYolo(path.join(work, 'data')));
  api = await startTestApi({ kind: 'pglite' }, { modelsDir: path.join(work, 'models') });
  const port = await freePort();
  await api.app.listen({ port, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
  ({ browser, page } = await openBrowserPage());
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('models page with a fine-tuned detector', () => {
  it('registers it from the form and shows its held-out AP50 against the base, and the rule', async () => {
    await page.goto(`${base}/review/models.html#key=${api.keys.admin}`);
    await page.locator('#detector-rule').getByText('AP50').waitFor();
    await page.locator('#register-detector input[name=manifest]').fill(manifest);
    await page.locator('#register-detector input[name=id]').fill('same-as-base-1');
    await page.locator('#register-detector button[type=submit]').click();
    const row = page.locator(`section[data-target="${AERIAL_DETECTOR_TARGET}"] tr[data-version="same-as-base-1"]`);
    await row.waitFor({ timeout: 60_000 });
    expect(await row.locator('.badge.refuse').count()).toBe(1);
    expect(await row.innerText()).toMatch(/AP50 \d\.\d{3} vs nanodet-coco-416 \d\.\d{3}/);
    expect(await row.innerText()).toMatch(/on 1 held-out images, tiled/);
    expect(await row.locator('.reasons').innerText()).toMatch(/\+0\.000 < 0\.01/);
    await page.screenshot({ path: `${SHOTS}/models-detector.png`, fullPage: true });
  }, 90_000);

  it('promoting a refused detector asks to overrule the rule, and the audit says so; rollback empties the target', async () => {
    const dialogs: string[] = [];
    const answer = (d: import('playwright-core').Dialog) => {
      dialogs.push(d.type());
      void (d.type() === 'confirm' ? d.accept() : d.accept('no aerial model yet; better than none'));
    };
    page.on('dialog', answer);
    await page.locator('tr[data-version="same-as-base-1"] button.promote').click();
    await page.locator('tr[data-version="same-as-base-1"] .badge.live').waitFor();
    expect(dialogs).toEqual(['confirm', 'prompt']);
    expect((await liveVersions(api.app.db)).get(AERIAL_DETECTOR_TARGET)).toBe('same-as-base-1');
    await page.locator(`section[data-target="${AERIAL_DETECTOR_TARGET}"] button.rollback`).click();
    await page.locator(`section[data-target="${AERIAL_DETECTOR_TARGET}"] h2`).getByText('no live version').waitFor();
    page.off('dialog', answer);
    const log = await promotionsOf(api.app.db, AERIAL_DETECTOR_TARGET);
    expect(log.map((p) => [p.action, p.versionId, p.reason])).toEqual([
      ['rollback', null, 'no aerial model yet; better than none'],
      ['promote', 'same-as-base-1', 'overriding the promotion rule: no aerial model yet; better than none'],
    ]);
    expect(cspViolations(page)).toEqual([]);
  }, 60_000);
});
