// The survey page's before/after slider, in Debian's chromium on a real API (PGlite) with a real
// redis-server for the dedupe index: two surveys registered, their orthomosaics (written by the test
// from real aerial photos, a block of buildings added) compared, the new structure raised as a case
// of the later survey; its page shows the case with both pictures, and the slider follows a drag
// and the arrow keys. Screenshots in /tmp/shots/survey-change-*.png for people to look at.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseObservation } from '../../contracts/case.ts';
import { compareOrthomosaics } from '../../pipeline/change/compare-orthomosaics.ts';
import { reportConstructionCases } from '../../pipeline/change/construction-cases.ts';
import { createDedupe } from '../../pipeline/dedupe/dedupe.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { afterOrtho, beforeOrtho, GEOREF, writeOrtho } from './ortho-pairs.ts';

const SHOTS = '/tmp/shots';

describe('survey page: what changed since the survey before', () => {
  let dir: string;
  let api: TestApi;
  let redis: TestRedis;
  let client: Redis;
  let browser: Browser;
  let page: Page;
  let base: string;
  let june: string;
  let march: string;
  let caseId: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'change-page-'));
    await writeOrtho(path.join(dir, 'march.tif'), await beforeOrtho(), GEOREF);
    await writeOrtho(path.join(dir, 'june.tif'), await afterOrtho(), GEOREF);
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    const survey = async (name: string, flownAt: string) => {
      const res = await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name, flownAt } });
      expect(res.statusCode).toBe(201);
      return res.json().id as string;
    };
    march = await survey('海淀 三月 March', '2026-03-01T02:00:00Z');
    june = await survey('海淀 六月 June', '2026-06-01T02:00:00Z');
    redis = await startRedis();
    client = new Redis(redis.url);
    const comparison = await compareOrthomosaics({ before: path.join(dir, 'march.tif'), after: path.join(dir, 'june.tif') });
    const report = await reportConstructionCases(
      comparison,
      { before: { name: '海淀 三月 March', date: new Date('2026-03-01T02:00:00Z'), surveyId: march }, after: { name: '海淀 六月 June', date: new Date('2026-06-01T02:00:00Z'), surveyId: june } },
      {
        objects: api.objects,
        dedupe: createDedupe(client, { prefix: 'page' }),
        dispatch: {
          enqueue: async (o: CaseObservation) => {
            const res = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: o });
            expect(res.statusCode).toBeLessThan(300);
            caseId = res.json().caseId;
          },
        },
      },
    );
    expect(report.cases).toHaveLength(1);
    ({ browser, page } = await openBrowserPage());
    await mkdir(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    client?.disconnect();
    await redis?.stop();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const position = () => page.locator('.before-after').getAttribute('data-position').then(Number);

  it('shows the new structure of the later survey with both pictures under a slider', async () => {
    await page.goto(`${base}/review/survey.html#key=${api.keys.reviewer}`);
    await page.locator(`tr.survey-row[data-survey-id="${june}"]`).click();
    const card = page.locator(`.change-card[data-case-id="${caseId}"]`);
    await card.waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('.before-after img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    const text = await card.innerText();
    expect(text).toMatch(/\d+\.\d m²/);
    expect(text).toContain('海淀 三月 March');
    expect(text).toContain('海淀 六月 June');
    expect(await position()).toBe(50);
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'survey-change-slider-50.png') });
    // The earlier survey raised nothing of its own: no section there.
    await page.goto(`${base}/review/survey.html#survey=${march}`);
    await page.locator('tr.image-row, .empty').first().waitFor();
    expect(await page.locator('.survey-changes').count()).toBe(0);
    expect(cspViolations(page)).toEqual([]);
  });

  it('follows a drag and the arrow keys', async () => {
    await page.goto(`${base}/review/survey.html#survey=${june}`);
    const slider = page.locator('.before-after');
    await slider.waitFor();
    const box = (await slider.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    expect(Math.abs((await position()) - 20)).toBeLessThanOrEqual(1);
    // Left of the handle is the before picture: the after one is cut away there.
    expect(await page.locator('.before-after img.after').evaluate((i) => (i as HTMLElement).style.clipPath)).toMatch(/^inset\(0(px)? 0(px)? 0(px)? (19|20|21)(\.\d+)?%\)$/);
    await page.screenshot({ path: path.join(SHOTS, 'survey-change-slider-20.png') });
    await page.locator('.before-after .handle').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(Math.abs((await position()) - 30)).toBeLessThanOrEqual(1);
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.screenshot({ path: path.join(SHOTS, 'survey-change-slider-90.png') });
    expect(Math.abs((await position()) - 90)).toBeLessThanOrEqual(1);
  });
});
