// The field page (/field/) in Debian's chromium at a phone's size: a field key sees its unit's
// dispatched cases nearest first (the browser's position), never another unit's; a case is
// handled only with an after-photo and a note; a photo that is not an image is refused with words;
// an upload cut off by the network is retried. The store is checked after each step; screenshots
// land in /tmp/field-page/.
import { mkdir, writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { addUnits, fieldKey } from '../support/field.ts';
import { freePort } from '../support/ports.ts';
import { caseFromSample } from '../support/sample-cases.ts';
import { samplePath } from '../support/samples.ts';
import { until } from '../support/wait.ts';

const SHOTS = '/tmp/field-page';

describe('field page in chromium', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  let east: string;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    await addUnits(api, 'east-1', 'west-2');
    await api.app.inject({ method: 'PUT', url: '/v1/units/east-1', headers: api.headers('operator'), payload: { name: '东区一中队' } });
    east = await fieldKey(api, 'east-1', '东区一中队 手机');
    const place = (lat: number, lon: number) => ({ location: { lat, lon, accuracyM: 4 } });
    ids.far = await caseFromSample(api, 'darknet/dog.jpg', [466, 74, 683, 171], { plate: '沪A12345', source: { kind: 'camera', id: 'cam-north', name: '北门' }, ...place(31.26, 121.5) });
    ids.near = await caseFromSample(api, 'darknet/horses.jpg', [215, 70, 420, 380], { type: 'street_vending', source: { kind: 'camera', id: 'cam-plaza', name: '人民广场' }, ...place(31.2305, 121.4738) });
    ids.theirs = await caseFromSample(api, 'darknet/eagle.jpg', [120, 80, 600, 470], { type: 'exposed_garbage', ...place(31.2306, 121.474) });
    const move = (id: number, m: string, body: object = {}) => api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${m}`, headers: api.headers('reviewer'), payload: body });
    for (const id of Object.values(ids)) await move(id, 'confirm');
    await move(ids.far!, 'dispatch', { unit: 'east-1' });
    await move(ids.near!, 'dispatch', { unit: 'east-1', note: '广场东侧，摊贩常在午后出现' });
    await move(ids.theirs!, 'dispatch', { unit: 'west-2' });
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    ({ browser, page } = await openBrowserPage());
    await page.setViewportSize({ width: 390, height: 844 });
    await page.context().grantPermissions(['geolocation'], { origin: base });
    await page.context().setGeolocation({ latitude: 31.2304, longitude: 121.4737 });
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  // The page loads its list after sign-in; on a loaded machine that takes longer than poll's 1 s default.
  const PAGE_WAIT = { timeout: 15_000 };
  const statusOf = async (id: number) => (await api.app.db.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [id]))[0]!.status;
  const cardIds = () => page.locator('article.card').evaluateAll((cs) => cs.map((c) => Number((c as HTMLElement).dataset.caseId)));

  it('is served at /field/ under the reviewer pages’ policy, and refuses a key that is not a field key', async () => {
    const res = await fetch(`${base}/field`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const index = await fetch(`${base}/field/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${base}/field/..%2Fapp.ts`)).status).toBe(404);
    await page.goto(`${base}/field/#key=${api.keys.reviewer}`);
    await page.locator('.login').getByText('不是外勤密钥').waitFor();
  });

  it('lists the unit’s cases nearest first with a navigation link, and nothing of another unit', async () => {
    await page.goto(`${base}/field/#key=${east}`);
    await expect.poll(cardIds, PAGE_WAIT).toEqual([ids.near, ids.far]);
    expect(page.url()).not.toContain('key=');
    expect(await page.locator('#unit').innerText()).toBe('东区一中队');
    const near = page.locator(`article.card[data-case-id="${ids.near}"]`);
    expect(await near.locator('a.nav').getAttribute('href')).toMatch(/^geo:31\.230500,121\.473800\?q=/);
    expect(await near.innerText()).toContain('广场东侧');
    expect(await near.innerText()).toMatch(/\d+ 米 m/);
    await expect.poll(() => page.locator('article.card img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length), PAGE_WAIT).toBe(2);
    await page.screenshot({ path: `${SHOTS}/list.png`, fullPage: true });
    // Another unit's case by its address: refused, nothing shown.
    await page.goto(`${base}/field/#case=${ids.theirs}`);
    await page.getByText(`case ${ids.theirs} is not dispatched to unit east-1`).waitFor();
    expect(await page.locator('.evidence img').count()).toBe(0);
  });

  it('refuses a file that is not an image and will not mark handled without a photo', async () => {
    await page.goto(`${base}/field/#case=${ids.near}`);
    await page.locator('#handle-form').waitFor();
    await page.fill('#handle-note', '已劝离');
    await page.click('#handle-submit');
    await page.getByText('至少需要一张处置后照片').waitFor();
    const fake = '/tmp/field-page/not-a-photo.jpg';
    await writeFile(fake, '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await page.setInputFiles('#photo-input', fake);
    await page.locator('.photo.failed').waitFor();
    expect(await page.locator('#problem').innerText()).toContain('not a JPEG, PNG or WebP image');
    expect(await statusOf(ids.near!)).toBe('dispatched');
    expect((await api.app.db.query('SELECT 1 FROM after_photos WHERE case_id = $1', [ids.near])).length).toBe(0);
  });

  it('retries an upload the network dropped, then marks the case handled with the photo and the note', async () => {
    await page.goto(`${base}/field/#case=${ids.far}`);
    await page.locator('#handle-form').waitFor();
    let dropped = 0;
    await page.route('**/after-photos', async (route) => {
      if (dropped++ === 0) return route.abort('connectionreset');
      return route.continue();
    });
    await page.setInputFiles('#photo-input', samplePath('darknet/person.jpg'));
    await page.locator('.photo.done').waitFor({ timeout: 20_000 });
    expect(dropped).toBe(2);
    await page.fill('#handle-note', '车辆已拖离 towed away');
    await page.screenshot({ path: `${SHOTS}/handle.png`, fullPage: true });
    await page.click('#handle-submit');
    await until('the case to be handled', async () => (await statusOf(ids.far!)) === 'handled');
    const photos = await api.app.db.query<{ kind: string; sha256: string }>("SELECT kind, sha256 FROM evidence WHERE case_id = $1 AND kind = 'after_photo'", [ids.far]);
    expect(photos).toHaveLength(1);
    const [audit] = await api.app.db.query<{ actor: string; note: string }>("SELECT actor, note FROM audit WHERE case_id = $1 AND action = 'handle'", [ids.far]);
    expect(audit).toMatchObject({ actor: '东区一中队 手机', note: '车辆已拖离 towed away' });
    await expect.poll(cardIds, PAGE_WAIT).toEqual([ids.near]);
    expect(cspViolations(page)).toEqual([]);
  });
});
