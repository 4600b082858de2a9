// The case map (/review/map.html) on a real API on PGlite and in Debian's chromium: cases with a
// location become markers (one without stays off the map), a filter hides them, a click opens the
// case page; cameras (position and calibrated ground), a drone survey's area, image footprint,
// candidates and zone layers are drawn; with no tile server configured nothing is fetched from
// anywhere, and with one (a tile server on loopback) tiles load under the page's policy.
// Screenshots land in /tmp/shots/map-*.png for people to look at.
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseObservation } from '../../contracts/case.ts';
import { distanceM } from '../../pipeline/survey/georeference.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { marks, SIX_MARKS, STREET_CAMERA } from '../support/street-camera.ts';
import { droneJpeg } from '../survey/drone-jpeg.ts';
import { multipart } from '../survey/multipart.ts';

const SHOTS = '/tmp/shots';
const square = (lon: number, lat: number, d: number) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] });

async function seed(api: TestApi): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  const ingest = async (name: string, o: Partial<CaseObservation>) => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ evidence: [await storedEvidence(api.objects)], observedAt: new Date().toISOString(), ...o }) });
    expect(res.statusCode, res.body).toBe(201);
    ids[name] = res.json().caseId;
  };
  // About 2 km apart: three separate markers at the zoom that fits them.
  await ingest('parking', { dedupeKey: 'parking', type: 'illegal_parking', location: { lat: 31.23, lon: 121.47, accuracyM: 3 } });
  await ingest('vending', { dedupeKey: 'vending', type: 'street_vending', location: { lat: 31.245, lon: 121.485, accuracyM: 3 } });
  await ingest('garbage', { dedupeKey: 'garbage', type: 'exposed_garbage', source: { kind: 'survey', id: 'survey-x', name: '东区航拍' }, location: { lat: 31.218, lon: 121.492, accuracyM: 5 } });
  await ingest('nowhere', { dedupeKey: 'nowhere', type: 'illegal_parking' });
  expect((await api.app.inject({ method: 'PUT', url: '/v1/units/unit-1', headers: api.headers('operator'), payload: { name: '城管一中队' } })).statusCode).toBe(201);
  for (const move of ['confirm', 'dispatch']) {
    const res = await api.app.inject({ method: 'POST', url: `/v1/cases/${ids.vending}/${move}`, headers: api.headers('reviewer'), payload: move === 'dispatch' ? { unit: 'unit-1' } : {} });
    expect(res.statusCode, res.body).toBe(200);
  }
  // A calibrated camera with a position, and one with neither (not on the map).
  const camera = (id: string, extra: object) => ({ id, name: id === 'cam-square' ? '人民广场' : id, url: 'rtsp://127.0.0.1/stream', zones: [{ id: 'z1', kind: 'no_parking', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }], ...extra });
  for (const body of [camera('cam-square', { location: { lat: STREET_CAMERA.lat, lon: STREET_CAMERA.lon }, ground: { points: marks(STREET_CAMERA, SIX_MARKS) } }), camera('cam-plain', {})]) {
    const res = await api.app.inject({ method: 'PUT', url: `/v1/cameras/${body.id}`, headers: api.headers('operator'), payload: body });
    expect(res.statusCode, res.body).toBe(201);
  }
  // A drone survey with an area, two zone layers and one nadir photo 50 m up with two candidates.
  const survey = await api.app.inject({
    method: 'POST',
    url: '/v1/surveys',
    headers: api.headers('operator'),
    payload: { name: '东区航拍', flownAt: new Date(Date.now() - 3600_000).toISOString(), area: square(121.468, 31.228, 0.004), zones: { noParking: square(121.4695, 31.2295, 0.0008), sidewalks: { type: 'Feature', properties: { name: '人行道' }, geometry: square(121.471, 31.231, 0.0005) } } },
  });
  expect(survey.statusCode, survey.body).toBe(201);
  const surveyId = survey.json().id;
  const bytes = await droneJpeg({ photo: path.join(REPO_ROOT, 'samples/cache/darknet/dog.jpg'), width: 1600, height: 1200, gps: { lat: 31.23, lon: 121.47, altitudeM: 80 }, xmp: { RelativeAltitude: '+50.0', GimbalPitchDegree: '-90.0', FlightYawDegree: '+0.0' }, focalLengthMm: 8.8 });
  const { payload, headers } = await multipart([{ name: 'DJI_0001.JPG', bytes }]);
  const up = await api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images`, headers: { ...api.headers('operator'), ...headers }, payload });
  expect(up.statusCode, up.body).toBe(201);
  const sha = up.json().images[0].sha256;
  const result = {
    status: 'done',
    attempt: 1,
    telemetry: { read: true, lat: 31.23, lon: 121.47, relativeAltitudeM: 50, gimbalPitchDeg: -90, yawDeg: 0, focalLengthPx: 1500 },
    geolocated: true,
    detections: [
      { label: 'car', score: 0.7, box: [970, 155, 1420, 355], kept: true, location: { lat: 31.2301, lon: 121.4702, accuracyM: 3 } },
      { label: 'person', score: 0.3, box: [200, 300, 400, 700], kept: false, dropped: 'score under 0.5', location: { lat: 31.2299, lon: 121.4698, accuracyM: 3 } },
    ],
    violations: [],
  };
  const put = await api.app.inject({ method: 'PUT', url: `/v1/surveys/${surveyId}/images/${sha}/result`, headers: api.headers('ingest'), payload: result });
  expect(put.statusCode, put.body).toBe(200);
  return ids;
}

describe('case map', () => {
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  let base: string;
  let ids: Record<string, number>;
  const outside: string[] = [];

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
    ids = await seed(api);
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    ({ browser, page } = await openBrowserPage());
    page.on('request', (r) => !r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:') && outside.push(r.url()));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('serves the layers: the camera and its calibrated ground, the survey area, footprint, candidates and zones', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v1/map/layers', headers: api.headers('reviewer') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.tiles).toBeNull();
    expect(JSON.stringify(body)).not.toContain('rtsp://');
    const cams = body.cameras.features;
    expect(cams.map((f: { properties: { kind: string; id: string } }) => `${f.properties.kind}:${f.properties.id}`).sort()).toEqual(['camera-view:cam-square', 'camera:cam-square']);
    const kinds = body.surveys.features.map((f: { properties: { kind: string } }) => f.properties.kind).sort();
    expect(kinds).toEqual(['candidate', 'candidate', 'footprint', 'survey-area']);
    // Nadir, 50 m up, 1500 px focal length: 1600x1200 px cover 53.3 m by 40 m around the drone.
    const ring = body.surveys.features.find((f: { properties: { kind: string } }) => f.properties.kind === 'footprint').geometry.coordinates[0] as Array<[number, number]>;
    const at = (i: number) => ({ lon: ring[i]![0], lat: ring[i]![1] });
    expect(distanceM(at(0), at(8))).toBeCloseTo(53.3, 0); // top-left to top-right
    expect(distanceM(at(8), at(16))).toBeCloseTo(40, 0); // top-right to bottom-right
    expect(body.zones.features.map((f: { properties: { layer: string } }) => f.properties.layer).sort()).toEqual(['noParking', 'sidewalks']);
    expect((await api.app.inject({ method: 'GET', url: '/v1/map/layers', headers: api.headers('ingest') })).statusCode).toBe(403);
  });

  it('draws located cases as markers and every vector layer, fetching nothing from outside', async () => {
    await page.goto(`${base}/review/map.html#key=${api.keys.reviewer}`);
    await expect.poll(() => page.locator('.case-marker').count()).toBe(3);
    expect(await page.locator('#shown-count').innerText()).toBe('3');
    const shown = await page.locator('.case-marker').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.caseId)).sort((a, b) => a - b));
    expect(shown).toEqual([ids.parking!, ids.vending!, ids.garbage!].sort((a, b) => a - b));
    expect(await page.locator(`.case-marker[data-case-id="${ids.vending}"]`).getAttribute('class')).toContain('s-dispatched');
    // camera circle, calibrated ground, survey area, footprint, 2 candidates, 2 zones
    expect(await page.locator('.leaflet-overlay-pane path').count()).toBe(8);
    expect(await page.locator('.leaflet-tile').count()).toBe(0);
    expect(await page.locator('.leaflet-control-attribution').innerText()).toContain('MAP_TILE_URL');
    await page.screenshot({ path: path.join(SHOTS, 'map-cases.png') });
    expect(outside).toEqual([]);
    expect(cspViolations(page)).toEqual([]);
  });

  it('hides markers a filter leaves out', async () => {
    await page.selectOption('#f-type', 'illegal_parking');
    await expect.poll(() => page.locator('.case-marker').count()).toBe(1);
    expect(await page.locator('.case-marker').getAttribute('data-case-id')).toBe(String(ids.parking));
    await page.selectOption('#f-type', '');
    await page.selectOption('#f-source', 'kind:survey');
    await expect.poll(() => page.locator('.case-marker').count()).toBe(1);
    expect(await page.locator('.case-marker').getAttribute('data-case-id')).toBe(String(ids.garbage));
    await page.selectOption('#f-source', '');
    await page.selectOption('#f-unit', 'unit-1');
    await expect.poll(() => page.locator('.case-marker').count()).toBe(1);
    expect(await page.locator('#shown-count').innerText()).toBe('1');
    await page.screenshot({ path: path.join(SHOTS, 'map-filtered.png') });
    await page.selectOption('#f-unit', '');
    await page.selectOption('#f-status', 'rejected');
    await expect.poll(() => page.locator('.case-marker').count()).toBe(0);
    await page.selectOption('#f-status', '');
    await expect.poll(() => page.locator('.case-marker').count()).toBe(3);
    // Dates go to the server: from tomorrow on there is nothing yet.
    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    await page.fill('#f-from', day);
    await expect.poll(() => page.locator('#shown-count').innerText()).toBe('0');
    await page.fill('#f-from', '');
    await expect.poll(() => page.locator('.case-marker').count()).toBe(3);
  });

  it('opens the case page when a marker is clicked', async () => {
    await page.locator(`.case-marker[data-case-id="${ids.garbage}"]`).click();
    await page.waitForURL(`**/review/case.html?id=${ids.garbage}`);
    await page.locator('#status').waitFor();
    expect(await page.locator('#title').innerText()).toContain(String(ids.garbage));
  });

  it('keeps the layers readable close in (screenshot)', async () => {
    await page.goto(`${base}/review/map.html`);
    await expect.poll(() => page.locator('.case-marker').count()).toBe(3);
    // Around the parked car: the camera, its calibrated ground, the survey footprint and its zones.
    const car = (await page.locator(`.case-marker[data-case-id="${ids.parking}"]`).boundingBox())!;
    await page.mouse.move(car.x + car.width / 2, car.y + car.height / 2);
    for (let i = 0; i < 3; i++) {
      await page.mouse.wheel(0, -300);
      await page.waitForTimeout(400);
    }
    await page.screenshot({ path: path.join(SHOTS, 'map-close.png') });
    expect(await page.locator('.leaflet-overlay-pane path').count()).toBeGreaterThan(0);
  });

  it('refuses a key that may not read cases', async () => {
    await page.goto('about:blank');
    await page.goto(`${base}/review/map.html#key=${api.keys.ingest}`);
    await page.locator('.login').getByText('不能查看案件').waitFor();
  });
});

describe('case map with the city’s tile server', () => {
  let api: TestApi;
  let tiles: Server;
  let browser: Browser;
  let page: Page;
  const asked: string[] = [];

  beforeAll(async () => {
    const png = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 200, g: 220, b: 200 } } }).png().toBuffer();
    tiles = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
    const tilePort = (tiles.address() as AddressInfo).port;
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date(), map: { tileUrl: `http://localhost:${tilePort}/tiles/{z}/{x}/{y}.png?tk=secret`, tileAttribution: '测试底图 test tiles' } });
    await seed(api);
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    ({ browser, page } = await openBrowserPage());
    await page.goto(`http://127.0.0.1:${port}/review/map.html#key=${api.keys.reviewer}`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await new Promise((resolve) => tiles?.close(resolve));
  });

  it('loads base tiles from the configured server, allowed by the page policy and nothing wider', async () => {
    await expect.poll(() => page.locator('.leaflet-tile-loaded').count()).toBeGreaterThan(0);
    expect(asked.every((u) => /^\/tiles\/\d+\/\d+\/\d+\.png\?tk=secret$/.test(u))).toBe(true);
    expect(await page.locator('.leaflet-control-attribution').innerText()).toContain('测试底图 test tiles');
    const res = await api.app.inject({ method: 'GET', url: '/review/map.html' });
    const imgSrc = /img-src ([^;]+)/.exec(res.headers['content-security-policy'] as string)![1]!;
    // data: is Leaflet's way of cancelling a tile (a 1x1 GIF); nothing else beyond the tile server.
    expect(imgSrc.split(' ').sort()).toEqual(["'self'", 'data:', `http://localhost:${(tiles.address() as AddressInfo).port}`]);
    // Other pages are not widened.
    const review = await api.app.inject({ method: 'GET', url: '/review/index.html' });
    expect(review.headers['content-security-policy']).not.toContain('localhost');
    await expect.poll(() => page.locator('.case-marker').count()).toBe(3);
    await page.screenshot({ path: path.join(SHOTS, 'map-tiles.png') });
    expect(cspViolations(page)).toEqual([]);
  });

  it('refuses a tile template without {z}/{x}/{y} at start, naming the variable', async () => {
    await expect(startTestApi({ kind: 'pglite' }, { map: { tileUrl: 'https://tiles.example.gov.cn/map.png?tk=abc' } })).rejects.toThrow(/MAP_TILE_URL has no \{z\}/);
  });
});
