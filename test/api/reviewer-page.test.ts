// The reviewer page in a real browser (Debian's chromium through playwright-core): open it with a
// reviewer key, confirm with the keyboard, reject with a reason, read the timeline; check the
// store after each step. Screenshots land in out/review/ for people to look at.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Violation } from '../../contracts/types.ts';
import { captureEvidence } from '../../pipeline/evidence/capture.ts';
import { observationIdFor } from '../../pipeline/cases/observation.ts';
import { frameFromSample } from '../support/frames.ts';
import { freePort } from '../support/ports.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { observation, startTestApi, type TestApi } from '../support/api.ts';
import { until } from '../support/wait.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { addUnits } from '../support/field.ts';

const SHOTS = path.join(REPO_ROOT, 'out/review');

describe('reviewer page in chromium', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    await addUnits(api, '城管一中队');
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    // Three cases with real evidence, the newest last.
    const cases: Array<[string, Violation['type'], string, [number, number, number, number], string | undefined]> = [
      ['horses', 'street_vending', 'darknet/horses.jpg', [215, 70, 420, 380], undefined],
      ['eagle', 'exposed_garbage', 'darknet/eagle.jpg', [120, 80, 600, 470], undefined],
      ['dog', 'illegal_parking', 'darknet/dog.jpg', [466, 74, 683, 171], '沪A12345'],
    ];
    const now = Date.now();
    for (const [i, [name, type, file, box, plate]] of cases.entries()) {
      const began = await frameFromSample(file, 'cam-east', new Date(now - (30 - i) * 60_000));
      const seen = await frameFromSample(file, 'cam-east', new Date(now - (20 - i) * 60_000));
      const v: Violation = { type, sourceId: 'cam-east', zoneId: 'z1', observedAt: seen.capturedAt, startedAt: began.capturedAt, box, score: 0.7 + i / 10, label: name, evidenceFrames: [began, seen], attributes: plate ? { plate } : undefined };
      const evidence = await captureEvidence(v, api.objects, { sourceName: '东门路口', typeName: { street_vending: '占道经营', exposed_garbage: '暴露垃圾', illegal_parking: '违停' }[type as string] });
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: api.headers('ingest'),
        payload: observation({ dedupeKey: `${type}:${name}`, observationId: observationIdFor(v), type, source: { kind: 'camera', id: 'cam-east', name: '东门路口' }, observedAt: v.observedAt.toISOString(), startedAt: v.startedAt!.toISOString(), box, score: v.score, plate, evidence }),
      });
      ids[name] = res.json().caseId;
    }
    ({ browser, page } = await openBrowserPage());
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const statusOf = async (id: number) => (await api.app.db.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [id]))[0]!.status;
  const auditOf = async (id: number) => api.app.db.query<{ action: string; actor: string; actor_role: string; note: string | null }>('SELECT action, actor, actor_role, note FROM audit WHERE case_id = $1 ORDER BY id', [id]);
  const shownCase = async () => Number(await page.locator('article.case').getAttribute('data-case-id'));

  it('asks for a key when it has none, and refuses an ingest key', async () => {
    await page.goto(`${base}/review/`);
    await page.locator('#key-input').waitFor();
    await page.goto(`${base}/review/#key=${api.keys.ingest}`);
    await page.locator('.login').getByText('没有审核权限').waitFor();
  });

  it('shows the newest pending case with its evidence, and confirms it with the Y key', async () => {
    await page.goto(`${base}/review/#key=${api.keys.reviewer}`);
    await page.locator('article.case').waitFor();
    expect(page.url()).not.toContain('key='); // the key leaves the address bar
    expect(await shownCase()).toBe(ids.dog);
    await expect.poll(() => page.locator('#main-image').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(768);
    await expect.poll(() => page.locator('#queue .item img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length)).toBe(3);
    const text = await page.locator('article.case').innerText();
    expect(text).toContain('违停');
    expect(text).toContain('东门路口');
    expect(text).toContain('沪A12345');
    expect(text).toContain('09009');
    expect(await page.locator('.thumbs .thumb').count()).toBe(4); // frame, first seen / confirmed side by side, close-up, first frame
    await page.screenshot({ path: path.join(SHOTS, 'queue.png') });

    await page.keyboard.press('y');
    await until('the case to be confirmed in the store', async () => (await statusOf(ids.dog!)) === 'confirmed');
    const audit = await auditOf(ids.dog!);
    expect(audit.at(-1)).toMatchObject({ action: 'confirm', actor: 'test reviewer', actor_role: 'reviewer' });
    await expect.poll(shownCase).toBe(ids.eagle);
    await page.locator('.toast.ok').first().waitFor();
  });

  it('rejects with a reason chosen by number key and moves on', async () => {
    expect(await shownCase()).toBe(ids.eagle);
    await page.keyboard.press('n');
    await page.locator('#reject-dialog[open]').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'reject.png') });
    await page.keyboard.press('2');
    await page.keyboard.press('Enter');
    await until('the case to be rejected in the store', async () => (await statusOf(ids.eagle!)) === 'rejected');
    expect((await auditOf(ids.eagle!)).at(-1)).toMatchObject({ action: 'reject', note: '重复案件' });
    await expect.poll(shownCase).toBe(ids.horses);
    await expect.poll(async () => page.locator('#pending-count').innerText()).toBe('1');
  });

  it('confirms with the button too, then shows an empty queue', async () => {
    await page.getByRole('button', { name: /确认立案/ }).click();
    await until('the last case to be confirmed', async () => (await statusOf(ids.horses!)) === 'confirmed');
    await page.getByText('队列已清空').waitFor();
  });

  it('shows a case’s timeline on its case page', async () => {
    await page.goto(`${base}/review/case.html#id=${ids.dog}`);
    await page.locator('#timeline').waitFor();
    const entries = await page.locator('#timeline li.audit').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.action));
    expect(entries).toEqual(['created', 'confirm']);
    expect(await page.locator('#timeline').innerText()).toContain('test reviewer');
    expect(await page.locator('#status').innerText()).toBe('已立案 confirmed');
    await expect.poll(() => page.locator('.gallery img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length)).toBe(5); // frame, crop, first frame, the two side by side and the clean copy
    await page.screenshot({ path: path.join(SHOTS, 'case.png'), fullPage: true });
    // Lifecycle from the case page: dispatch asks for a unit.
    page.once('dialog', (d) => d.accept('城管一中队'));
    await page.locator('button[data-move="dispatch"]').click();
    await until('the case to be dispatched', async () => (await statusOf(ids.dog!)) === 'dispatched');
    await expect.poll(async () => page.locator('#status').innerText()).toBe('已派遣 dispatched');
  });

  it('ran under the page’s Content-Security-Policy without a single violation', () => {
    expect(cspViolations(page)).toEqual([]);
  });
});
