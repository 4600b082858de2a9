// The review page's verdict scores, the "likely false alarm" list with its threshold's precision
// and recall, and labelling a truck's cover with single keys, in Debian's chromium on real photos;
// the store is checked after each key. Screenshots: /tmp/shots/review-verdict-*.png.
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Violation } from '../../contracts/types.ts';
import { captureEvidence } from '../../pipeline/evidence/capture.ts';
import { observationIdFor } from '../../pipeline/cases/observation.ts';
import { frameFromSample } from '../support/frames.ts';
import { freePort } from '../support/ports.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { openBrowserPage } from '../support/browser.ts';

const SHOTS = '/tmp/shots';

describe('review page: verdict scores, held cases and cover labels in chromium', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  const ids = {} as Record<'horses' | 'eagle' | 'truck', number>;

  async function photoCase(name: keyof typeof ids, type: Violation['type'], file: string, label: string, box: Box, verdict: number, minutesAgo: number): Promise<void> {
    const seen = await frameFromSample(file, 'cam-east', new Date(api.clock.now.getTime() - minutesAgo * 60_000));
    const v: Violation = { type, sourceId: 'cam-east', zoneId: 'z1', observedAt: seen.capturedAt, box, score: 0.6, label, evidenceFrames: [seen] };
    const evidence = await captureEvidence(v, api.objects, { sourceName: '东门路口' });
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: api.headers('ingest'),
      payload: observation({ dedupeKey: `${type}:${name}`, observationId: observationIdFor(v), type, label, box, source: { kind: 'camera', id: 'cam-east', name: '东门路口' }, observedAt: v.observedAt.toISOString(), score: 0.6, verdict: { score: verdict, modelId: `verdict-${type}-1` }, evidence }),
    });
    expect(res.statusCode, res.body).toBe(201);
    ids[name] = res.json().caseId;
  }

  /** Reviewed street-vending history: confirmed at 0.8, 0.6, 0.2; rejected at 0.5, 0.25, 0.1. */
  async function reviewedHistory(): Promise<void> {
    for (const [score, action] of [[0.8, 'confirm'], [0.6, 'confirm'], [0.2, 'confirm'], [0.5, 'reject'], [0.25, 'reject'], [0.1, 'reject']] as const) {
      const obs = observation({ type: 'street_vending', dedupeKey: `street_vending:history-${score}`, observedAt: new Date(api.clock.now.getTime() - 86_400_000).toISOString(), verdict: { score, modelId: 'verdict-street_vending-1' }, evidence: [await storedEvidence(api.objects)] });
      const id = (await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: obs })).json().caseId;
      const moved = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${action}`, headers: api.headers('reviewer'), payload: action === 'reject' ? { reason: '误报：不是违规' } : {} });
      expect(moved.statusCode).toBe(200);
    }
  }

  beforeAll(async () => {
    api = await startTestApi();
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    await reviewedHistory();
    await photoCase('horses', 'street_vending', 'darknet/horses.jpg', 'person', [215, 70, 420, 380], 0.12, 30);
    // The eagle called a car: no attribute of the vocabulary applies to it.
    await photoCase('eagle', 'illegal_parking', 'darknet/eagle.jpg', 'car', [120, 80, 600, 470], 0.55, 20);
    await photoCase('truck', 'illegal_parking', 'darknet/dog.jpg', 'truck', [466, 74, 683, 171], 0.92, 25);
    const hold = await api.app.inject({ method: 'PUT', url: '/v1/verdict-hold', headers: api.headers('admin'), payload: { thresholds: { street_vending: 0.3 } } });
    expect(hold.statusCode).toBe(200);
    ({ browser, page } = await openBrowserPage());
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const shownCase = async () => Number(await page.locator('article.case').getAttribute('data-case-id'));
  const queueIds = async () => (await page.locator('#queue .item').evaluateAll((items) => items.map((i) => Number((i as HTMLElement).dataset.caseId))));
  const labelsOf = async (id: number) => api.app.db.query<{ attribute: string; value: string; actor: string }>('SELECT attribute, value, actor FROM case_labels WHERE case_id = $1', [id]);

  it('shows each case’s verdict score in words, keeps held cases out of the queue, and orders by verdict score', async () => {
    await page.goto(`${base}/review/#key=${api.keys.reviewer}`);
    await page.locator('article.case').waitFor();
    // Newest first: the eagle (20 min ago), then the truck; the held horses case is not in the queue.
    expect(await queueIds()).toEqual([ids.eagle, ids.truck]);
    expect(await page.locator('#queue .item').first().locator('.verdict').innerText()).toBe('可能成立 likely confirmed 0.55');
    await page.selectOption('#sort', 'verdict');
    await expect.poll(queueIds).toEqual([ids.truck, ids.eagle]);
    await expect.poll(shownCase).toBe(ids.truck);
    await expect.poll(() => page.locator('.facts').innerText()).toContain('可能成立 likely confirmed 0.92');
    expect(await page.locator('#tab-held').innerText()).toContain('1');
  });

  it('labels the truck’s cover with single keys, changing it, and stores each with the reviewer', async () => {
    expect(await shownCase()).toBe(ids.truck);
    await page.locator('#label-bar').waitFor();
    await page.keyboard.press('o');
    await expect.poll(() => labelsOf(ids.truck)).toEqual([{ attribute: 'cover', value: 'uncovered', actor: 'test reviewer' }]);
    await expect.poll(() => page.locator('#label-bar .chosen').innerText()).toContain('未覆盖 uncovered');
    await page.keyboard.press('v');
    await expect.poll(async () => (await labelsOf(ids.truck))[0]?.value).toBe('covered');
    await expect.poll(() => page.locator('#label-bar .chosen').innerText()).toContain('已覆盖 covered');
    await page.screenshot({ path: `${SHOTS}/review-verdict-label.png` });
    // The case is still waiting for its decision: a label is not a verdict.
    expect((await api.app.db.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [ids.truck]))[0]!.status).toBe('pending_review');
  });

  it('offers no labelling keys on a case no attribute applies to (a car)', async () => {
    await page.keyboard.press('j');
    await expect.poll(shownCase).toBe(ids.eagle);
    expect(await page.locator('#label-bar').count()).toBe(0);
    await page.keyboard.press('e');
    await page.keyboard.press('o');
    // Nothing was sent: give a stray request the time to land, then look.
    await page.waitForTimeout(300);
    expect(await labelsOf(ids.eagle)).toEqual([]);
  });

  it('lists held cases under "likely false alarm" with the precision and recall the threshold had on reviewed cases', async () => {
    await page.keyboard.press('h');
    await expect.poll(queueIds).toEqual([ids.horses]);
    await expect.poll(shownCase).toBe(ids.horses);
    expect(await page.locator('#queue .item .verdict').innerText()).toBe('可能误报 likely false alarm 0.12');
    await expect.poll(() => page.locator('.facts').innerText()).toContain('below the hold threshold 0.3');
    // At 0.3 on the six reviewed cases: passed 0.8, 0.6 (confirmed) and 0.5 (rejected); held 0.2 (confirmed), 0.25, 0.1 (rejected).
    const row = page.locator('#hold-summary .hold-row[data-type="street_vending"]');
    await expect.poll(() => row.innerText()).toContain('precision 0.67 · recall 0.67');
    expect(await row.innerText()).toContain('(6 reviewed; 2 false alarms and 1 real ones below it)');
    await page.screenshot({ path: `${SHOTS}/review-verdict-held.png` });
    // A held case is still a case for a person: Y confirms it from this list.
    await page.keyboard.press('y');
    await expect.poll(async () => (await api.app.db.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [ids.horses]))[0]!.status).toBe('confirmed');
    await page.keyboard.press('h');
    await expect.poll(queueIds).toEqual([ids.truck, ids.eagle]);
  });
});
