// Box corrections on the reviewer page in a real browser (Debian's chromium via playwright-core):
// draw a box with the mouse on an evidence image, label it, save with Enter; resize the model's box
// by its corner; then read the stored correction (who, when, box in image pixels, label) from the
// API and the store. Screenshots land in out/review/ (box-editor*.png) for people to look at.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Violation } from '../../contracts/types.ts';
import { captureEvidence } from '../../pipeline/evidence/capture.ts';
import { observation, startTestApi, type TestApi } from '../support/api.ts';
import { frameFromSample } from '../support/frames.ts';
import { freePort } from '../support/ports.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { until } from '../support/wait.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';

const SHOTS = path.join(REPO_ROOT, 'out/review');

describe('box editor on the reviewer page', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  let caseId: number;
  let frameSha: string;

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    const frame = await frameFromSample('darknet/dog.jpg', 'cam-east', new Date(Date.now() - 60_000));
    const box: [number, number, number, number] = [466, 74, 683, 171];
    const v: Violation = { type: 'illegal_parking', sourceId: 'cam-east', observedAt: frame.capturedAt, box, score: 0.8, label: 'car', evidenceFrames: [frame] };
    const evidence = await captureEvidence(v, api.objects, { sourceName: '东门路口', typeName: '违停' });
    frameSha = evidence.find((e) => e.kind === 'frame')!.sha256;
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: api.headers('ingest'),
      payload: observation({ dedupeKey: 'illegal_parking:dog', type: 'illegal_parking', label: 'car', box, source: { kind: 'camera', id: 'cam-east', name: '东门路口' }, observedAt: frame.capturedAt.toISOString(), evidence }),
    });
    caseId = res.json().caseId;
    ({ browser, page } = await openBrowserPage());
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  /** Screen position of an image pixel on the main image (object-fit: contain letterboxes it). */
  async function screenOf(x: number, y: number): Promise<[number, number]> {
    const r = await page.locator('#main-image').evaluate((img: HTMLImageElement) => {
      const b = img.getBoundingClientRect();
      return { left: b.left, top: b.top, width: b.width, height: b.height, nw: img.naturalWidth, nh: img.naturalHeight };
    });
    const s = Math.min(r.width / r.nw, r.height / r.nh);
    return [r.left + (r.width - r.nw * s) / 2 + x * s, r.top + (r.height - r.nh * s) / 2 + y * s];
  }

  async function drag(from: [number, number], to: [number, number]) {
    await page.mouse.move(...(await screenOf(...from)));
    await page.mouse.down();
    await page.mouse.move(...(await screenOf((from[0] + to[0]) / 2, (from[1] + to[1]) / 2)), { steps: 4 });
    await page.mouse.move(...(await screenOf(...to)), { steps: 4 });
    await page.mouse.up();
  }

  const corrections = async () => (await api.app.inject({ url: `/v1/cases/${caseId}/corrections`, headers: api.headers('reviewer') })).json().items;

  it('draws a box with the mouse, labels it, and saves with Enter', async () => {
    await page.goto(`${base}/review/#key=${api.keys.reviewer}`);
    await page.locator('article.case').waitFor();
    await page.locator('svg.boxes[data-ready="true"]').waitFor();
    // The model's box is shown, labelled with the case's label.
    expect(await page.locator('svg.boxes g.box').evaluateAll((gs) => gs.map((g) => (g as SVGGElement).dataset.label))).toEqual(['car']);

    await page.keyboard.press('b');
    await page.locator('#draw-box.active').waitFor();
    await drag([100, 300], [250, 420]);
    await page.locator('#label-dialog[open]').waitFor();
    await page.locator('#label-input').fill('garbage');
    await page.screenshot({ path: path.join(SHOTS, 'box-editor-label.png') });
    await page.keyboard.press('Enter');
    await page.locator('#unsaved').waitFor();
    expect(await page.locator('svg.boxes g.box.drawn').getAttribute('data-label')).toBe('garbage');
    // Unsaved boxes hold the decision keys: Y does not confirm.
    await page.keyboard.press('y');
    expect((await api.app.db.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [caseId]))[0]!.status).toBe('pending_review');
    await page.screenshot({ path: path.join(SHOTS, 'box-editor.png') });

    await page.keyboard.press('Enter');
    await until('the correction to be stored', async () => (await corrections()).length === 1);
    const [c] = await corrections();
    expect(c).toMatchObject({ caseId, sha256: frameSha, actor: 'test reviewer', actorRole: 'reviewer', imageWidth: 768, imageHeight: 576 });
    expect(Math.abs(Date.now() - Date.parse(c.at))).toBeLessThan(10 * 60_000);
    expect(c.boxes).toHaveLength(2);
    expect(c.boxes[0]).toEqual({ box: [466, 74, 683, 171], label: 'car', origin: 'model' });
    const drawn = c.boxes[1];
    expect(drawn).toMatchObject({ label: 'garbage', origin: 'drawn' });
    // Image pixels, not screen pixels: within 2 px of where the mouse went (the screen is scaled).
    [100, 300, 250, 420].forEach((v, i) => expect(Math.abs(drawn.box[i] - v)).toBeLessThanOrEqual(2));
    await page.locator('#unsaved').waitFor({ state: 'detached' });
    await page.locator('.box-bar .corrected').waitFor();
    expect(await page.locator('#box-bar').innerText()).not.toContain('null');
    // The evidence is untouched.
    const bytes = await api.objects.get(frameSha);
    expect(createHash('sha256').update(bytes!).digest('hex')).toBe(frameSha);
  });

  it('resizes the model box by its corner, picks a label by number, removes a box with Delete', async () => {
    // Select the model box (click inside it), drag its bottom-right corner 40 px right and 30 px down.
    await page.mouse.click(...(await screenOf(560, 120)));
    await page.locator('svg.boxes g.box.selected .h-se').waitFor();
    await drag([683, 171], [723, 201]);
    await page.locator('#unsaved').waitFor();
    // A second drawn box, labelled with number key 2 (the second offered label), then removed again.
    await page.keyboard.press('b');
    await drag([20, 20], [80, 90]);
    await page.locator('#label-dialog[open]').waitFor();
    const second = await page.locator('#label-choices button').nth(1).getAttribute('data-label');
    await page.keyboard.press('2');
    await page.locator('#label-dialog').waitFor({ state: 'hidden' });
    expect(await page.locator('svg.boxes g.box.selected').getAttribute('data-label')).toBe(second);
    expect(await page.locator('svg.boxes g.box').count()).toBe(3);
    await page.keyboard.press('Delete');
    expect(await page.locator('svg.boxes g.box').count()).toBe(2);
    await page.keyboard.press('Enter');
    await until('the second correction', async () => (await corrections()).length === 2);
    const latest = (await corrections())[1];
    expect(latest.boxes.map((b: { label: string }) => b.label)).toEqual(['car', 'garbage']);
    const model = latest.boxes[0].box;
    [466, 74, 723, 201].forEach((v, i) => expect(Math.abs(model[i] - v)).toBeLessThanOrEqual(2));
    // The case detail shows the latest boxes on that image.
    const detail = (await api.app.inject({ url: `/v1/cases/${caseId}`, headers: api.headers('reviewer') })).json();
    expect(detail.evidence.find((e: { sha256: string }) => e.sha256 === frameSha).boxes).toEqual(latest.boxes);
    await page.screenshot({ path: path.join(SHOTS, 'box-editor-resized.png') });
  });

  it('lists the shortcuts in the ? help, and Esc discards unsaved changes', async () => {
    await page.keyboard.press('b');
    await drag([300, 400], [360, 460]);
    await page.locator('#label-dialog[open]').waitFor();
    await page.keyboard.press('Escape'); // no label: no box
    await page.locator('#label-dialog').waitFor({ state: 'hidden' });
    expect(await page.locator('svg.boxes g.box').count()).toBe(2);
    await page.mouse.click(...(await screenOf(560, 120)));
    await page.keyboard.press('Delete');
    await page.locator('#unsaved').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('#unsaved').waitFor({ state: 'detached' });
    expect(await page.locator('svg.boxes g.box').count()).toBe(2);
    expect(await corrections()).toHaveLength(2);
    await page.keyboard.press('?');
    const help = await page.locator('#help-dialog').innerText();
    for (const k of ['B', 'Delete', 'Enter', 'Esc', 'Tab', 'L']) expect(help).toContain(k);
    expect(help).toContain('画框');
  });

  it('ran under the page’s Content-Security-Policy without a single violation', () => {
    expect(cspViolations(page)).toEqual([]);
  });
});
