// Survey image review in a real browser (Debian's chromium via playwright-core), on a real API on
// PGlite: two drone-style photos (darknet's dog.jpg and eagle.jpg at 1600 px wide, with EXIF GPS and
// DJI XMP) uploaded to a survey, a worker result with one kept and one dropped detection, then the
// reviewer lists the surveys, opens the image, draws a missed box, zooms into a tile and draws
// another, moves to the next image and says "nothing here". Every save is read back from the API in
// whole-image pixels. Screenshots land in out/review/ (survey-*.png) for people to look at.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { until } from '../support/wait.ts';
import { droneJpeg } from '../survey/drone-jpeg.ts';
import { multipart } from '../survey/multipart.ts';

const SHOTS = path.join(REPO_ROOT, 'out/review');
const WIDTH = 1600;
const HEIGHT = 1200; // dog.jpg is 768x576 (4:3); eagle.jpg is stretched a little to match

type Box = [number, number, number, number];
const CAR: Box = [970, 155, 1420, 355]; // the pick-up truck of dog.jpg, scaled
const PERSON: Box = [200, 300, 400, 700];

describe('survey image review page', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  let surveyId: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;

    const created = await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name: '东区 航拍复核', flownAt: new Date(Date.now() - 3600_000).toISOString() } });
    expect(created.statusCode).toBe(201);
    surveyId = created.json().id;

    const photo = (file: string, lat: number) =>
      droneJpeg({
        photo: path.join(REPO_ROOT, 'samples/cache/darknet', file),
        width: WIDTH,
        height: HEIGHT,
        gps: { lat, lon: 121.47, altitudeM: 80 },
        xmp: { RelativeAltitude: '+50.0', GimbalPitchDegree: '-90.0', FlightYawDegree: '+12.5' },
        focalLengthMm: 8.8,
      });
    for (const [name, bytes] of [['DJI_0001.JPG', await photo('dog.jpg', 31.23)], ['DJI_0002.JPG', await photo('eagle.jpg', 31.231)]] as const) {
      const { payload, headers } = await multipart([{ name, bytes }]);
      const res = await api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images`, headers: { ...api.headers('operator'), ...headers }, payload });
      expect(res.statusCode).toBe(201);
      expect(res.json().images[0]).toMatchObject({ status: 'queued', width: WIDTH, height: HEIGHT });
      if (name === 'DJI_0001.JPG') first = res.json().images[0].sha256;
      else second = res.json().images[0].sha256;
    }
    const result = {
      status: 'done',
      attempt: 1,
      detections: [
        { label: 'car', score: 0.7, box: CAR, kept: true },
        { label: 'person', score: 0.3, box: PERSON, kept: false, dropped: 'score under 0.5' },
      ],
      violations: [],
    };
    const detector = { models: [{ id: 'nanodet-coco-416', version: '1', sha256: 'a'.repeat(64) }], aerial: false, statement: 'Detector nanodet-coco-416 ran. This is NOT an aerial model.', allowedLabels: { car: 0.5 } };
    const located = { telemetry: { read: true, lat: 31.23, lon: 121.47, relativeAltitudeM: 50, altitudeSource: 'XMP RelativeAltitude', gimbalPitchDeg: -90, yawDeg: 12.5 }, geolocated: true };
    const unlocated = { telemetry: { read: false, absent: 'no GPS in EXIF, XMP or maker notes' }, geolocated: false, notGeolocated: 'no telemetry' };
    for (const [sha, where] of [[first, located], [second, unlocated]] as const) {
      const put = await api.app.inject({ method: 'PUT', url: `/v1/surveys/${surveyId}/images/${sha}/result`, headers: api.headers('ingest'), payload: { ...result, ...where, detector } });
      expect(put.statusCode).toBe(200);
    }
    ({ browser, page } = await openBrowserPage());
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const corrections = async (sha: string) =>
    (await api.app.inject({ url: `/v1/surveys/${surveyId}/images/${sha}/corrections`, headers: api.headers('reviewer') })).json().items as Array<{
      actor: string;
      boxes: Array<{ box: Box; label: string; origin: string }>;
    }>;

  /**
   * Screen position of an image pixel when `region` ([x, y, w, h], default the whole image) fills the
   * image's place on the page, scaled to fit and centred (object-fit: contain / preserveAspectRatio meet).
   */
  async function screenOf(x: number, y: number, region: Box = [0, 0, WIDTH, HEIGHT]): Promise<[number, number]> {
    const r = await page.locator('#main-image').evaluate((img: HTMLImageElement) => {
      const b = img.getBoundingClientRect();
      return { left: b.left, top: b.top, width: b.width, height: b.height };
    });
    const [rx, ry, rw, rh] = region;
    const s = Math.min(r.width / rw, r.height / rh);
    return [r.left + (r.width - rw * s) / 2 + (x - rx) * s, r.top + (r.height - rh * s) / 2 + (y - ry) * s];
  }

  async function drag(from: [number, number], to: [number, number], region?: Box) {
    await page.mouse.move(...(await screenOf(...from, region)));
    await page.mouse.down();
    await page.mouse.move(...(await screenOf((from[0] + to[0]) / 2, (from[1] + to[1]) / 2, region)), { steps: 4 });
    await page.mouse.move(...(await screenOf(...to, region)), { steps: 4 });
    await page.mouse.up();
  }

  const labels = () => page.locator('svg.boxes g.box').evaluateAll((gs) => gs.map((g) => (g as SVGGElement).dataset.label));
  const near = (actual: number[], expected: number[]) => expected.forEach((v, i) => expect(Math.abs(actual[i]! - v)).toBeLessThanOrEqual(2));

  it('refuses a key that may not review (ingest)', async () => {
    await page.goto(`${base}/review/survey.html#key=${api.keys.ingest}`);
    await page.locator('form.login', { hasText: 'may not review surveys' }).waitFor();
    expect(await page.locator('tr.survey-row').count()).toBe(0);
  });

  it('is linked from the review queue', async () => {
    await page.goto(`${base}/review/#key=${api.keys.reviewer}`);
    await page.locator('.bar a.nav[href="survey.html"]').click();
    await page.waitForURL(/survey\.html/);
    await page.locator('tr.survey-row').first().waitFor();
  });

  it('lists the surveys and a survey’s images, and opens an image with the detector’s kept box', async () => {
    await page.goto(`${base}/review/survey.html#key=${api.keys.reviewer}`);
    const row = page.locator(`tr.survey-row[data-survey-id="${surveyId}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('东区 航拍复核');
    await row.click();
    await page.locator('tr.image-row').nth(1).waitFor();
    const rows = await page.locator('tr.image-row').allInnerTexts();
    expect(rows[0]).toContain('DJI_0001.JPG');
    expect(rows[1]).toContain('DJI_0002.JPG');
    await page.screenshot({ path: path.join(SHOTS, 'survey-images.png') });

    await page.locator(`tr.image-row[data-sha256="${first}"] a`).click();
    await page.locator(`.survey-image-view[data-sha256="${first}"] svg.boxes[data-ready="true"]`).waitFor();
    expect(page.url()).toContain(`#survey=${surveyId}&image=${first}`);
    // The kept detection is a box; the dropped one is not, and the side panel says why.
    expect(await labels()).toEqual(['car']);
    const facts = await page.locator('#facts').innerText();
    expect(facts).toContain('score under 0.5');
    expect(facts).toContain('DJI_0001.JPG');
    expect(facts).toContain('31.230000, 121.470000');
    expect(facts).toContain('NOT an aerial model');
    await page.keyboard.press('?');
    const help = await page.locator('#help-dialog').innerText();
    for (const k of ['B', 'Delete', 'Enter', 'Esc', 'Tab', 'L', 'J', 'K', 'Z', '0']) expect(help).toContain(k);
    await page.keyboard.press('Escape');
    await page.locator('#help-dialog').waitFor({ state: 'hidden' });
  });

  it('draws a missed box, labels it, and saves it in image pixels with Enter', async () => {
    await page.keyboard.press('b');
    await page.locator('#draw-box.active').waitFor();
    await drag([200, 700], [500, 950]);
    await page.locator('#label-dialog[open]').waitFor();
    await page.locator('#label-input').fill('garbage');
    await page.keyboard.press('Enter');
    await page.locator('#unsaved').waitFor();
    expect(await labels()).toEqual(['car', 'garbage']);
    await page.screenshot({ path: path.join(SHOTS, 'survey-image-drawn.png') });
    await page.keyboard.press('Enter');
    await until('the correction to be stored', async () => (await corrections(first)).length === 1);
    const [c] = await corrections(first);
    expect(c!.actor).toBe('test reviewer');
    expect(c!.boxes).toHaveLength(2);
    expect(c!.boxes[0]).toEqual({ box: CAR, label: 'car', origin: 'model' });
    expect(c!.boxes[1]).toMatchObject({ label: 'garbage', origin: 'drawn' });
    near(c!.boxes[1]!.box, [200, 700, 500, 950]);
    await page.locator('#unsaved').waitFor({ state: 'detached' });
    await page.locator('#corrections li').first().waitFor();
    expect(await page.locator('#corrections').innerText()).toContain('test reviewer');
  });

  it('zooms into the tile under the pointer and still saves whole-image pixels', async () => {
    // Pointer over the bottom-right ninth of the image: Z zooms into tile 9, [0.6, 0.6] to the corner.
    await page.mouse.move(...(await screenOf(1450, 1050)));
    await page.keyboard.press('z');
    const tile: Box = [0.6 * WIDTH, 0.6 * HEIGHT, 0.4 * WIDTH, 0.4 * HEIGHT];
    await page.locator(`svg.boxes.zoomed[data-view="${tile.join(',')}"]`).waitFor();
    expect(await page.locator('svg.boxes').getAttribute('viewBox')).toBe(tile.join(' '));
    expect(await page.locator('#main-image').evaluate((img) => getComputedStyle(img).visibility)).toBe('hidden');
    expect(await page.locator('svg.boxes image').count()).toBe(1);

    await page.keyboard.press('b');
    await drag([1100, 800], [1250, 900], tile);
    await page.locator('#label-dialog[open]').waitFor();
    await page.locator('#label-input').fill('car');
    await page.keyboard.press('Enter');
    await page.locator('#unsaved').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'survey-image-zoomed.png') });
    await page.keyboard.press('Enter');
    await until('the zoomed-in correction', async () => (await corrections(first)).length === 2);
    const boxes = (await corrections(first))[1]!.boxes;
    expect(boxes.map((b) => b.label)).toEqual(['car', 'garbage', 'car']);
    near(boxes[2]!.box, [1100, 800, 1250, 900]);
    near(boxes[1]!.box, [200, 700, 500, 950]);

    // Tile 1 by number key, then 0 for the whole image again.
    await page.keyboard.press('1');
    await page.locator('svg.boxes.zoomed[data-view="0,0,640,480"]').waitFor();
    await page.keyboard.press('0');
    await page.locator('svg.boxes:not(.zoomed)').waitFor();
    expect(await page.locator('svg.boxes').getAttribute('viewBox')).toBe(`0 0 ${WIDTH} ${HEIGHT}`);
    expect(await page.locator('#main-image').evaluate((img) => getComputedStyle(img).visibility)).toBe('visible');
    expect(await page.locator('svg.boxes image').count()).toBe(0);
  });

  it('moves to the next image with J, where removing the model box and saving says "nothing here"; unsaved changes block J', async () => {
    await page.keyboard.press('j');
    await page.locator(`.survey-image-view[data-sha256="${second}"] svg.boxes[data-ready="true"]`).waitFor();
    expect(await labels()).toEqual(['car']);
    expect(await page.locator('#facts').innerText()).toContain('no GPS in EXIF, XMP or maker notes');
    await page.keyboard.press('Tab');
    await page.locator('svg.boxes g.box.selected').waitFor();
    await page.keyboard.press('Delete');
    await page.locator('#unsaved').waitFor();
    expect(await page.locator('svg.boxes g.box').count()).toBe(0);

    // J and K are held while the change is unsaved.
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.locator('.toast.error', { hasText: 'Save (Enter) or discard (Esc)' }).first().waitFor();
    expect(await page.locator('.survey-image-view').getAttribute('data-sha256')).toBe(second);
    expect(await corrections(second)).toHaveLength(0);
    await page.screenshot({ path: path.join(SHOTS, 'survey-image-nothing-here.png') });

    await page.keyboard.press('Enter');
    await until('the empty correction', async () => (await corrections(second)).length === 1);
    expect((await corrections(second))[0]!.boxes).toEqual([]);
    await page.locator('#unsaved').waitFor({ state: 'detached' });
    const detail = (await api.app.inject({ url: `/v1/surveys/${surveyId}/images/${second}`, headers: api.headers('reviewer') })).json();
    expect(detail.boxes).toEqual([]);

    // Saved: K goes back to the first image, with its corrected boxes.
    await page.keyboard.press('k');
    await page.locator(`.survey-image-view[data-sha256="${first}"] svg.boxes[data-ready="true"]`).waitFor();
    expect(await labels()).toEqual(['car', 'garbage', 'car']);

    // U: the survey's images, with who corrected them.
    await page.keyboard.press('u');
    await page.locator(`tr.image-row[data-sha256="${second}"]`).waitFor();
    const rows = await page.locator('tr.image-row').allInnerTexts();
    expect(rows[0]).toContain('test reviewer');
    expect(rows[1]).toContain('test reviewer');
    await page.screenshot({ path: path.join(SHOTS, 'survey-images-reviewed.png') });
  });

  it('ran under the page’s Content-Security-Policy without a single violation', () => {
    expect(cspViolations(page)).toEqual([]);
  });
});
