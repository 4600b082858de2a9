// Review-page additions in Debian's chromium: undoing one's own confirm or reject (U), an admin
// sending a rejected case back to review, statuses and plate reasons in Chinese with English, the
// closed pill readable, and a case page showing after-photos and the camera's second look with
// who did what. The store is checked after each step; screenshots land in /tmp/review-page/.
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { addUnits, fieldKey, handleWithPhoto } from '../support/field.ts';
import { freePort } from '../support/ports.ts';
import { caseFromSample } from '../support/sample-cases.ts';
import { until } from '../support/wait.ts';

const SHOTS = '/tmp/review-page';

describe('review page: undo, labels and the loop after review', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    await addUnits(api, 'east-1');
    ids.first = await caseFromSample(api, 'darknet/horses.jpg', [215, 70, 420, 380], { type: 'street_vending' });
    ids.second = await caseFromSample(api, 'darknet/dog.jpg', [466, 74, 683, 171], { plate: 'unreadable: low confidence' });
    ids.closed = await caseFromSample(api, 'darknet/giraffe.jpg', [150, 30, 450, 500]);
    const move = (id: number, m: string, body: object = {}, role: 'reviewer' | 'ingest' = 'reviewer') =>
      api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${m}`, headers: api.headers(role), payload: body });
    await move(ids.closed!, 'confirm');
    await move(ids.closed!, 'dispatch', { unit: 'east-1' });
    await handleWithPhoto(api, ids.closed!, await fieldKey(api, 'east-1'), '已拖离');
    const look = await move(ids.closed!, 'look-again', { outcome: 'gone', evidence: [await storedEvidence(api.objects)] }, 'ingest');
    expect(look.statusCode, look.body).toBe(200);
    await move(ids.closed!, 'close');
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    ({ browser, page } = await openBrowserPage());
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const statusOf = async (id: number) => (await api.app.db.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [id]))[0]!.status;
  const actions = async (id: number) => (await api.app.db.query<{ action: string }>('SELECT action FROM audit WHERE case_id = $1 ORDER BY id', [id])).map((a) => a.action);
  const shownCase = async () => Number(await page.locator('article.case').getAttribute('data-case-id'));

  it('shows the plate reason and the status in Chinese with English', async () => {
    await page.goto(`${base}/review/#key=${api.keys.reviewer}`);
    await expect.poll(shownCase).toBe(ids.second);
    const text = await page.locator('article.case').innerText();
    expect(text).toContain('无法识别：识别置信度低 · unreadable: low confidence');
    expect(await page.locator('article.case .status').innerText()).toBe('待审核 pending review');
  });

  it('takes back a confirm with U: the case returns to the queue and the audit says so', async () => {
    await page.keyboard.press('y');
    await until('confirmed', async () => (await statusOf(ids.second!)) === 'confirmed');
    await page.locator('#undo-bar').waitFor();
    await page.screenshot({ path: `${SHOTS}/undo-bar.png` });
    await page.keyboard.press('u');
    await until('back to review', async () => (await statusOf(ids.second!)) === 'pending_review');
    await expect.poll(shownCase).toBe(ids.second);
    expect(await actions(ids.second!)).toEqual(['created', 'confirm', 'undo']);
    await expect.poll(() => page.locator('#undo-bar').count()).toBe(0);
  });

  it('takes back a reject with the button, clearing its reason', async () => {
    await page.keyboard.press('n');
    await page.locator('#reject-dialog[open]').waitFor();
    await page.keyboard.press('Enter');
    await until('rejected', async () => (await statusOf(ids.second!)) === 'rejected');
    await page.locator('#undo').click();
    await until('back to review', async () => (await statusOf(ids.second!)) === 'pending_review');
    const [row] = await api.app.db.query<{ reject_reason: string | null }>('SELECT reject_reason FROM cases WHERE id = $1', [ids.second]);
    expect(row!.reject_reason).toBeNull();
  });

  it('lets only an admin send a rejected case back to review from its case page', async () => {
    await api.app.inject({ method: 'POST', url: `/v1/cases/${ids.first}/reject`, headers: api.headers('reviewer'), payload: { reason: '误报：不是违规' } });
    await page.goto(`${base}/review/case.html#id=${ids.first}&key=${api.keys.reviewer}`);
    await page.locator('button[data-move="reopen-rejected"]').click();
    await page.locator('.toast.error').getByText('role reviewer may not').waitFor();
    expect(await statusOf(ids.first!)).toBe('rejected');
    await page.goto(`${base}/review/case.html#id=${ids.first}&key=${api.keys.admin}`);
    await page.locator('button[data-move="reopen-rejected"]').click();
    await until('back to review', async () => (await statusOf(ids.first!)) === 'pending_review');
    await expect.poll(() => page.locator('#status').innerText()).toBe('待审核 pending review');
    expect((await actions(ids.first!)).at(-1)).toBe('reopen_rejected');
  });

  it('shows a closed case with a readable pill, its after-photo and the camera’s second look by the system', async () => {
    await page.goto(`${base}/review/case.html#id=${ids.closed}&key=${api.keys.reviewer}`);
    await page.locator('#follow-up').waitFor();
    expect(await page.locator('#status').innerText()).toBe('已结案 closed');
    const [fg, bg] = await page.locator('#status').evaluate((n) => [getComputedStyle(n).color, getComputedStyle(n).backgroundColor]);
    expect(fg).toBe('rgb(249, 250, 251)');
    expect(bg).toBe('rgb(55, 65, 81)');
    expect(await page.locator('#follow-up figure').evaluateAll((fs) => fs.map((f) => (f as HTMLElement).dataset.kind))).toEqual(['after_photo', 'verify_frame']);
    await expect.poll(() => page.locator('#follow-up img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length)).toBe(2);
    const timeline = await page.locator('#timeline').innerText();
    expect(timeline).toContain('系统复查 the system (camera looked again)');
    expect(timeline).toContain('已处置 handled → 已核查 verified');
    await page.screenshot({ path: `${SHOTS}/closed-case.png`, fullPage: true });
    expect(cspViolations(page)).toEqual([]);
  });
});
