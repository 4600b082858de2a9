// Survey page additions in Debian's chromium: image and case counts in the survey list, the
// detector statement and dropped-detection reasons in Chinese with English, dropped detections
// drawn faintly on the image, and a hint where the capture time is the flight time rather than the
// photo's clock. A worker result is put through the API as the survey worker would.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectorStatement } from '../../pipeline/survey/air-analysis.ts';
import { flownAtFromPhotos } from '../../pipeline/survey/upload-folder.ts';
import { loadManifest, findModel } from '../../models/manifest.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { REPO_ROOT, samplePath } from '../support/samples.ts';
import { droneJpeg } from '../survey/drone-jpeg.ts';
import { multipart } from '../survey/multipart.ts';

const SHOTS = '/tmp/survey-page';

describe('survey page: counts, Chinese labels, faint dropped detections, capture time', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  let surveyId: string;
  let sha: string;

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    surveyId = (await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name: '东区 航拍', flownAt: new Date().toISOString() } })).json().id;
    const bytes = await droneJpeg({ photo: path.join(REPO_ROOT, 'samples/cache/darknet/dog.jpg'), width: 1600, height: 1200, gps: { lat: 31.23, lon: 121.47, altitudeM: 80 }, xmp: { RelativeAltitude: '+50.0', GimbalPitchDegree: '-90.0' }, focalLengthMm: 8.8 });
    const { payload, headers } = await multipart([{ name: 'DJI_0001.JPG', bytes }]);
    sha = (await api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images`, headers: { ...api.headers('operator'), ...headers }, payload })).json().images[0].sha256;
    const model = findModel(await loadManifest());
    const result = {
      status: 'done',
      attempt: 1,
      warnings: ["the photo's clock says 2015:03:01 10:00:00, more than 2 days from the survey's flight time; the flight time is used"],
      telemetry: { read: true, lat: 31.23, lon: 121.47, relativeAltitudeM: 50, capturedAt: new Date().toISOString() },
      geolocated: true,
      detector: detectorStatement([model], [], { car: 0.4, truck: 0.4 }, 0.2),
      detections: [
        { label: 'truck', score: 0.71, box: [970, 155, 1420, 355], kept: true },
        { label: 'toilet', score: 0.52, box: [200, 600, 520, 900], kept: false, dropped: 'label "toilet" is not on the allow-list for this source' },
        { label: 'car', score: 0.21, box: [1100, 700, 1400, 900], kept: false, dropped: 'score 0.21 is under the 0.4 threshold for "car"' },
      ],
      violations: [
        { type: 'illegal_parking', label: 'truck', observationId: 'o1', dedupeKey: 'illegal_parking:a', location: { lat: 31.23, lon: 121.47, accuracyM: 5 } },
        { type: 'illegal_parking', label: 'truck', observationId: 'o2', dedupeKey: 'illegal_parking:a', location: { lat: 31.23, lon: 121.47, accuracyM: 5 } },
      ],
    };
    const put = await api.app.inject({ method: 'PUT', url: `/v1/surveys/${surveyId}/images/${sha}/result`, headers: api.headers('ingest'), payload: result });
    expect(put.statusCode, put.body).toBe(200);
    ({ browser, page } = await openBrowserPage());
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('lists each survey with its analysed and total images and the cases it raised', async () => {
    await page.goto(`${base}/review/survey.html#key=${api.keys.reviewer}`);
    const row = page.locator(`tr[data-survey-id="${surveyId}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    expect(cells).toContain('1 / 1');
    expect(cells[4]).toBe('1'); // two sightings of one case
  });

  it('says in Chinese why detections were dropped and what the detector is, and draws the dropped ones faintly', async () => {
    await page.goto(`${base}/review/survey.html#survey=${surveyId}&image=${sha}`);
    await page.locator('#detector-zh').waitFor();
    const facts = await page.locator('#facts').innerText();
    expect(facts).toContain('标签 “toilet” 不在此来源的允许名单中');
    expect(facts).toContain('分数 0.21 低于 “car” 的阈值 0.4');
    expect(await page.locator('#detector-zh').innerText()).toMatch(/检测器不是航拍模型.*car ≥ 0\.4, truck ≥ 0\.4/);
    expect(await page.locator('#capture-hint').innerText()).toContain('使用了航拍的飞行时间');
    expect(await page.locator('svg.dropped-boxes rect').count()).toBe(2);
    await page.screenshot({ path: `${SHOTS}/image.png` });
    expect(cspViolations(page)).toEqual([]);
  });

  it('takes a survey’s flight time from the photos’ own clocks when none is given, and says when none has one', async () => {
    const dated = await sharp(samplePath('darknet/dog.jpg')).resize(320).withExif({ IFD2: { DateTimeOriginal: '2015:03:01 10:00:00' } }).jpeg().toBuffer();
    const dir = '/tmp/survey-page/dated';
    await mkdir(dir, { recursive: true });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/a.jpg`, dated);
    const found = await flownAtFromPhotos([`${dir}/a.jpg`, samplePath('opencv/aero1.jpg')]);
    expect(found?.at.toISOString()).toBe('2015-03-01T02:00:00.000Z');
    expect(await flownAtFromPhotos([samplePath('opencv/aero1.jpg')])).toBeUndefined();
  });
});
