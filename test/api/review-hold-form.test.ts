// The admin's hold-threshold form on the review page's "likely false alarm" tab, in Debian's
// chromium: figures measured live for a typed threshold, a bad one refused in place, save, clear,
// the auto-reject switch; a reviewer key sees the figures and no form. Screenshots:
// /tmp/shots/review-hold-*.png.
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { openBrowserPage } from '../support/browser.ts';

const SHOTS = '/tmp/shots';

describe('review page: the hold-threshold form in chromium', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  const pending: Record<string, number> = {};

  /** A street-vending case with a verdict score, decided by a reviewer when `action` is given. */
  async function scoredCase(score: number, action?: 'confirm' | 'reject'): Promise<number> {
    const obs = observation({ type: 'street_vending', dedupeKey: `street_vending:${score}-${action ?? 'pending'}`, observedAt: new Date(api.clock.now.getTime() - 3_600_000).toISOString(), verdict: { score, modelId: 'verdict-street-vending-1' }, evidence: [await storedEvidence(api.objects)] });
    const res = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: obs });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().caseId as number;
    if (action) {
      const moved = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${action}`, headers: api.headers('reviewer'), payload: action === 'reject' ? { reason: '误报：不是违规' } : {} });
      expect(moved.statusCode).toBe(200);
    }
    return id;
  }

  const hold = async () => (await api.app.inject({ method: 'GET', url: '/v1/verdict-hold', headers: api.headers('admin') })).json();
  const heldIds = async () => (await page.locator('#queue .item').evaluateAll((items) => items.map((i) => Number((i as HTMLElement).dataset.caseId))));
  const row = (type: string) => page.locator(`#hold-dialog tr[data-type="${type}"]`);

  beforeAll(async () => {
    api = await startTestApi();
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    // Reviewed: confirmed at 0.8, 0.6, 0.2; rejected at 0.5, 0.25, 0.1.
    for (const [score, action] of [[0.8, 'confirm'], [0.6, 'confirm'], [0.2, 'confirm'], [0.5, 'reject'], [0.25, 'reject'], [0.1, 'reject']] as const) await scoredCase(score, action);
    pending.low = await scoredCase(0.15);
    pending.mid = await scoredCase(0.45);
    ({ browser, page } = await openBrowserPage());
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows a reviewer key the figures only: no form, and says thresholds take an admin key', async () => {
    expect((await api.app.inject({ method: 'PUT', url: '/v1/verdict-hold', headers: api.headers('admin'), payload: { thresholds: { street_vending: 0.3 } } })).statusCode).toBe(200);
    await page.goto(`${base}/review/#key=${api.keys.reviewer}`);
    await page.locator('#tab-held').waitFor();
    await page.keyboard.press('h');
    await expect.poll(heldIds).toEqual([pending.low]);
    await expect.poll(() => page.locator('#hold-summary').innerText()).toContain('Thresholds are set with an admin key');
    expect(await page.locator('#hold-edit').count()).toBe(0);
    // A reviewer's GET says the form is not theirs; the PUT refuses them anyway.
    expect((await api.app.inject({ method: 'GET', url: '/v1/verdict-hold', headers: api.headers('reviewer') })).json().editable).toBe(false);
  });

  it('measures a typed threshold live on reviewed cases, refuses one outside 0–1 in place, and saves', async () => {
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${base}/review/#key=${api.keys.admin}`);
    await page.locator('#tab-held').waitFor();
    await page.keyboard.press('h');
    await expect.poll(heldIds).toEqual([pending.low]);
    await page.locator('#hold-edit').click();
    await page.locator('#hold-dialog').waitFor();
    const vending = row('street_vending');
    // The saved threshold 0.3: passed 0.8, 0.6 (confirmed), 0.5 (rejected).
    expect(await vending.locator('input').inputValue()).toBe('0.3');
    expect(await vending.locator('.hold-figures').innerText()).toContain('precision 0.67 · recall 0.67');
    // Typing keys in the field must not confirm or reject the case behind the dialog.
    await vending.locator('input').fill('');
    await vending.locator('input').pressSequentially('0.55');
    // At 0.55: passed 0.8, 0.6 (both confirmed); below it 0.5, 0.25, 0.1 rejected and 0.2 confirmed.
    await expect.poll(() => vending.locator('.hold-figures').innerText()).toContain('precision 1.00 · recall 0.67');
    expect(await vending.locator('.hold-figures').innerText()).toContain('below it 3 false alarms, 1 real');
    const parking = row('illegal_parking');
    await parking.locator('input').fill('1.5');
    await expect.poll(() => parking.locator('.hold-figures').innerText()).toContain('outside 0–1');
    expect(await page.locator('#hold-save').isDisabled()).toBe(true);
    expect(await page.locator('#hold-problem').innerText()).toContain('illegal_parking');
    await page.screenshot({ path: `${SHOTS}/review-hold-form.png` });
    await parking.locator('.hold-clear').click();
    expect(await page.locator('#hold-save').isDisabled()).toBe(false);
    await page.locator('#hold-save').click();
    await expect.poll(async () => (await hold()).thresholds).toEqual({ street_vending: 0.55 });
    expect((await hold()).autoReject).toBe(false);
    // The new threshold holds the 0.45 case too, at once.
    await expect.poll(async () => (await heldIds()).sort()).toEqual([pending.low, pending.mid].sort());
    expect(await page.locator('#hold-dialog').count()).toBe(0);
    expect(await page.locator('#hold-summary').innerText()).toContain('< 0.55');
    await page.screenshot({ path: `${SHOTS}/review-hold-saved.png` });
    // Nothing was decided while the admin typed.
    const statuses = await api.app.db.query<{ status: string }>('SELECT status FROM cases WHERE id = ANY($1::bigint[])', [[pending.low, pending.mid]]);
    expect(statuses.map((s) => s.status)).toEqual(['pending_review', 'pending_review']);
  });

  it('turns auto-reject on, and clearing a type’s threshold sends its cases back to the queue', async () => {
    await page.locator('#hold-edit').click();
    await page.locator('#hold-auto-reject').check();
    await page.locator('#hold-save').click();
    await expect.poll(async () => (await hold()).autoReject).toBe(true);
    await expect.poll(() => page.locator('#hold-summary').innerText()).toContain('Auto-reject is on');
    await page.locator('#hold-edit').click();
    expect(await page.locator('#hold-auto-reject').isChecked()).toBe(true);
    await row('street_vending').locator('.hold-clear').click();
    await expect.poll(() => row('street_vending').locator('.hold-figures').innerText()).toContain('6 reviewed · 不暂缓 nothing held');
    await page.locator('#hold-auto-reject').uncheck();
    await page.locator('#hold-save').click();
    await expect.poll(hold).toMatchObject({ thresholds: {}, autoReject: false });
    await expect.poll(heldIds).toEqual([]);
    await page.keyboard.press('h');
    await expect.poll(async () => (await heldIds()).sort()).toEqual([pending.low, pending.mid].sort());
  });
});
