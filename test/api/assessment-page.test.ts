// The assessment page and the weekly 通报 in Debian's chromium, on the histories of
// assessment-history.ts (real API, PGlite, controlled clock): the table shows the hand-worked
// figures, both charts draw, the CSV and XLSX downloads parse back to the same figures, tabs switch
// the grouping, and the weekly report prints. Screenshots in /tmp/shots/assessment-*.png.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { A, walkHistory } from './assessment-history.ts';

const SHOTS = '/tmp/shots';

describe('assessment page', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    api = await startTestApi();
    await walkHistory(api);
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    ({ browser, page } = await openBrowserPage());
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const cells = (key: string) => page.locator(`table.report tr[data-key="${key}"] > *`).allInnerTexts();

  it('shows each unit’s figures in the table and draws both charts', async () => {
    await page.goto(`${base}/review/assessment.html#key=${api.keys.reviewer}`);
    await page.locator('table.report').waitFor();
    await page.fill('#from', '2026-03-02');
    await page.fill('#to', '2026-03-15');
    await page.click('#range button[type="submit"]');
    await expect.poll(async () => (await cells(A))[0]).toBe('城管一中队 (unit-1)');
    // dispatched, handled, on time, overdue, open, on-time rate, average, p90, reopened, reopen rate, then the two weeks
    expect(await cells(A)).toEqual(['城管一中队 (unit-1)', '11', '10', '9', '2', '0', '81.8%', '34.5', '54.0', '1', '10.0%', '11', '0']);
    expect((await page.locator('table.report tfoot tr > *').allInnerTexts()).slice(0, 4)).toEqual(['合计 Total', '13', '12', '10']);
    expect(await page.locator('#bars').getAttribute('data-series')).toBe('4');
    expect(await page.locator('#trend').getAttribute('data-series')).toBe('3'); // two units and the total
    expect(await page.locator('#bars canvas').count()).toBe(1);
    // A tooltip, drawn the policy's way (no inline styles).
    const box = (await page.locator('#bars').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6);
    await page.locator('.chart-tip').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'assessment-units.png'), fullPage: true });
    expect(cspViolations(page)).toEqual([]);
  });

  it('downloads the same report as CSV and as XLSX', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv')]);
    expect(csv.suggestedFilename()).toBe('assessment-unit-2026-03-02-2026-03-15.csv');
    const text = (await readFile((await csv.path())!, 'utf8')).replace(/^\uFEFF/, '');
    const lines = text.trim().split(/\r\n/).map((l) => l.split(','));
    expect(lines[0]![0]).toBe('处置单位 Unit');
    const a = lines.find((l) => l[0] === '城管一中队 (unit-1)')!;
    expect(a.slice(1, 4)).toEqual(['11', '10', '9']);
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('#dl-xlsx')]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile((await xlsx.path())!);
    const sheet = book.worksheets[0]!;
    const row = sheet.getRows(2, 2)!.map((r) => (r.values as unknown[]).slice(1)).find((v) => v[0] === '城管一中队 (unit-1)')!;
    expect(row.slice(1, 4)).toEqual([11, 10, 9]);
    expect(row[7]).toBe(34.5);
  });

  it('switches to types, with their counts and weekly trend', async () => {
    await page.click('#tabs button[data-group="type"]');
    await page.locator('table.report[data-group-by="type"]').waitFor();
    const parking = await cells('illegal_parking');
    expect(parking[0]).toBe('违停 illegal_parking');
    expect(parking[1]).toBe('14'); // found
    expect(parking.slice(-2)).toEqual(['11', '3']); // per week
    await page.click('#tabs button[data-group="source"]');
    await page.locator('table.report[data-group-by="source"]').waitFor();
    expect((await cells('survey')).slice(0, 6)).toEqual(['无人机 drone survey', '3', '0', '3', '1', '33.3%']);
    await page.screenshot({ path: path.join(SHOTS, 'assessment-sources.png'), fullPage: true });
    expect(cspViolations(page)).toEqual([]);
  });

  it('says what is wrong with a reversed range', async () => {
    await page.fill('#from', '2026-03-15');
    await page.fill('#to', '2026-03-01');
    await page.click('#range button[type="submit"]');
    await page.locator('.toast.error').getByText('reversed').waitFor();
  });

  it('opens on the range up to today in the city, not in the browser’s zone', async () => {
    // 00:30 on Monday 16 March in Shanghai is still Sunday 15 March in the browser's UTC.
    api.clock.now = new Date('2026-03-15T16:30:00Z');
    await page.goto('about:blank'); // a fresh load, not a hash change on the open page
    await page.goto(`${base}/review/assessment.html#key=${api.keys.reviewer}`);
    await page.locator('table.report').waitFor();
    expect(await page.locator('#to').inputValue()).toBe('2026-03-16');
    expect(await page.locator('#from').inputValue()).toBe('2026-02-23'); // three weeks before that Monday
    await page.goto(`${base}/review/report-weekly.html`);
    await page.locator('#summary').waitFor();
    expect(await page.locator('#week').inputValue()).toBe('2026-03-09'); // last week, counted from the city's Monday
  });

  it('prints the weekly 通报 for a chosen week', async () => {
    await page.goto(`${base}/review/report-weekly.html?week=2026-03-04`);
    await page.locator('#summary').waitFor();
    expect(await page.locator('#week').inputValue()).toBe('2026-03-02'); // the Monday of that week
    const summary = await page.locator('#summary').innerText();
    expect(summary).toContain('本周共发现问题 12 件');
    expect(summary).toContain('派遣 11 件');
    expect(summary).toContain('按期处置率 81.8%');
    expect(await page.locator('.subtitle').innerText()).toContain('2026 年第 10 周');
    await page.screenshot({ path: path.join(SHOTS, 'assessment-weekly.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.bar').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(SHOTS, 'assessment-weekly-print.png'), fullPage: true });
    await page.pdf({ path: path.join(SHOTS, 'weekly.pdf'), format: 'A4' });
    await page.emulateMedia({ media: 'screen' });
    expect(cspViolations(page)).toEqual([]);
  });
});
