// The dispatch board in Debian's chromium: who may open it, cases by status with reopened and
// overdue standing out, filters and search, and dispatching a selection with the keyboard. The
// store is checked after each step; screenshots land in /tmp/board-page/ for people to look at.
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { addUnits, fieldKey, handleWithPhoto } from '../support/field.ts';
import { freePort } from '../support/ports.ts';
import { caseFromSample } from '../support/sample-cases.ts';
import { until } from '../support/wait.ts';

const SHOTS = '/tmp/board-page';

describe('dispatch board in chromium', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  let offsetMs = 0;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date(Date.now() + offsetMs) });
    await addUnits(api, '城管一中队', '环卫所');
    const move = (id: number, m: string, body: object = {}) => api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${m}`, headers: api.headers('reviewer'), payload: body });
    ids.truck = await caseFromSample(api, 'darknet/dog.jpg', [466, 74, 683, 171], { plate: '沪A12345', source: { kind: 'camera', id: 'cam-east', name: '东门路口' }, zoneId: 'no-parking-east' });
    ids.horses = await caseFromSample(api, 'darknet/horses.jpg', [215, 70, 420, 380], { type: 'street_vending', source: { kind: 'camera', id: 'cam-plaza', name: '广场' }, zoneId: 'sidewalk-1' });
    ids.eagle = await caseFromSample(api, 'darknet/eagle.jpg', [120, 80, 600, 470], { type: 'exposed_garbage', source: { kind: 'survey', id: 'survey-7', name: '东区航拍' } });
    ids.late = await caseFromSample(api, 'darknet/giraffe.jpg', [150, 30, 450, 500], { plate: '沪C55555' });
    ids.back = await caseFromSample(api, 'darknet/person.jpg', [180, 90, 280, 380], { type: 'street_vending' });
    ids.pending = await caseFromSample(api, 'darknet/kite.jpg', [100, 100, 300, 300]);
    for (const id of [ids.truck, ids.horses, ids.eagle, ids.late, ids.back]) await move(id!, 'confirm');
    // Dispatched three hours ago with a one-hour limit: overdue now.
    offsetMs = -3 * 3600_000;
    await move(ids.late!, 'dispatch', { unit: '环卫所' });
    offsetMs = 0;
    // Handled, then seen again: reopened.
    await move(ids.back!, 'dispatch', { unit: '城管一中队' });
    await handleWithPhoto(api, ids.back!, await fieldKey(api, '城管一中队'));
    const reopened = await api.app.inject({ method: 'POST', url: `/v1/cases/${ids.back}/reopen`, headers: api.headers('reviewer'), payload: { note: '又出现了' } });
    expect(reopened.statusCode).toBe(200);
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

  const statusOf = async (id: number) => (await api.app.db.query<{ status: string; unit: string | null }>('SELECT status, unit FROM cases WHERE id = $1', [id]))[0]!;
  const rowIds = async () => page.locator('#board-table tbody tr').evaluateAll((trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.caseId)));

  it('refuses ingest and field keys with words saying who may use it', async () => {
    await page.goto(`${base}/review/board.html#key=${api.keys.ingest}`);
    await page.locator('.login').getByText('不能使用派遣看板').waitFor();
    await page.goto(`${base}/review/board.html#key=${await fieldKey(api, '环卫所')}`);
    await page.locator('.login').getByText('不能使用派遣看板').waitFor();
  });

  it('lists confirmed cases with counts per status; reopened and overdue stand out', async () => {
    await page.goto(`${base}/review/board.html#tab=confirmed&key=${api.keys.reviewer}`);
    await page.locator('#board-table').waitFor();
    expect(page.url()).not.toContain('key=');
    expect(new Set(await rowIds())).toEqual(new Set([ids.truck, ids.horses, ids.eagle]));
    const tab = (id: string) => page.locator(`.tab[data-tab="${id}"]`);
    expect(await tab('confirmed').locator('.n').innerText()).toBe('3');
    expect(await tab('overdue').getAttribute('class')).toContain('alert');
    expect(await tab('reopened').getAttribute('class')).toContain('alert');
    expect(await tab('pending_review').getAttribute('class')).not.toContain('alert');
    await expect.poll(() => page.locator('#board-table img.thumb-s').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length)).toBe(3);
    expect(await page.locator('#board-table').innerText()).toContain('已立案 confirmed');

    await page.keyboard.press('4'); // overdue
    await expect.poll(rowIds).toEqual([ids.late]);
    const late = page.locator(`tr[data-case-id="${ids.late}"]`);
    expect(await late.getAttribute('class')).toContain('overdue');
    expect(await late.innerText()).toContain('超时 overdue');
    await page.screenshot({ path: `${SHOTS}/overdue.png` });
    await page.keyboard.press('6'); // reopened
    await expect.poll(rowIds).toEqual([ids.back]);
    expect(await page.locator(`tr[data-case-id="${ids.back}"]`).getAttribute('class')).toContain('reopened');
    expect(await page.locator(`tr[data-case-id="${ids.back}"]`).innerText()).toContain('已重开 reopened');
  });

  it('filters by type and source, and finds a case by plate or number', async () => {
    await page.keyboard.press('2'); // confirmed
    await expect.poll(async () => (await rowIds()).length).toBe(3);
    await page.selectOption('#f-type', 'street_vending');
    await page.click('#filters button[type=submit]');
    await expect.poll(rowIds).toEqual([ids.horses]);
    await page.click('#f-clear');
    await page.selectOption('#f-kind', 'survey');
    await page.click('#filters button[type=submit]');
    await expect.poll(rowIds).toEqual([ids.eagle]);
    await page.click('#f-clear');
    await page.keyboard.press('/');
    await page.keyboard.type('a123');
    await page.keyboard.press('Enter');
    await expect.poll(rowIds).toEqual([ids.truck]);
    await page.fill('#f-q', `#${ids.horses}`);
    await page.keyboard.press('Enter');
    await expect.poll(rowIds).toEqual([ids.horses]);
    await page.click('#f-clear');
    await expect.poll(async () => (await rowIds()).length).toBe(3);
  });

  it('dispatches a selection with the keyboard, showing each type’s due time first', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    for (const id of [ids.truck, ids.eagle]) {
      await page.click(`tr[data-case-id="${id}"] td.where`);
      await page.keyboard.press('x');
    }
    await expect.poll(() => page.locator('#selected-count').innerText()).toContain('已选 2');
    await page.keyboard.press('d');
    await page.locator('#dispatch-dialog[open]').waitFor();
    const due = (await api.app.inject({ method: 'GET', url: '/v1/dispatch/due-times', headers: api.headers('reviewer') })).json().byType;
    await expect.poll(() => page.locator('#dispatch-due li').count()).toBe(2);
    const preview = await page.locator('#dispatch-due').innerText();
    expect(preview).toContain('违停 illegal_parking');
    expect(preview).toContain('暴露垃圾 exposed_garbage');
    // The page shows local time; the same instant as the API's due time for garbage.
    const garbageDue = await page.evaluate((iso) => { const d = new Date(iso); const p = (n: number) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`; }, due.exposed_garbage);
    expect(preview).toContain(garbageDue);
    await page.selectOption('#dispatch-unit', '城管一中队');
    await page.fill('#dispatch-note', '今天下班前');
    await page.screenshot({ path: `${SHOTS}/dispatch-dialog.png` });
    await page.locator('#dispatch-note').press('Enter');
    await until('both cases dispatched', async () => (await statusOf(ids.truck!)).status === 'dispatched' && (await statusOf(ids.eagle!)).status === 'dispatched');
    expect((await statusOf(ids.truck!)).unit).toBe('城管一中队');
    expect((await statusOf(ids.horses!)).status).toBe('confirmed');
    await expect.poll(rowIds).toEqual([ids.horses]);
    await page.locator('.toast.ok').first().waitFor();
    await page.keyboard.press('3');
    await expect.poll(async () => new Set(await rowIds())).toEqual(new Set([ids.truck, ids.eagle, ids.late]));
    await page.screenshot({ path: `${SHOTS}/dispatched.png` });
    expect(cspViolations(page)).toEqual([]);
  });
});
