// The stored-XSS sweep of issue 12, kept: every operator- and ingest-controlled string a page shows
// (camera and zone names, labels, plate text, review reasons and notes, key names, case-type names,
// survey name, operator and file names, detector statements, queue job data) is set to markup that
// would run script, then every page is opened in chromium. Each payload must show as text: no
// element is made from it, nothing it carries runs, and no inline handler is even attempted (the
// CSP would report it; the pages' CSP also blocks it, so the DOM check is what proves the pages
// build DOM from text).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../infra/queues.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { cspViolations, openBrowserPage } from '../support/browser.ts';
import { fieldKey } from '../support/field.ts';
import { freePort } from '../support/ports.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { REPO_ROOT, samplePath } from '../support/samples.ts';
import { multipart } from '../survey/multipart.ts';

/** Markup that would call window.xss(field) if a page ever parsed it as HTML. */
const img = (field: string) => `<img src=x onerror=xss('${field}')>`;
const script = (field: string) => `<script>xss('${field}')</script>`;
const both = (field: string) => `${img(field)}${script(field)}`;

let redis: TestRedis;
let api: TestApi;
let base: string;
let browser: Browser;
let page: Page;
const ids: Record<string, number> = {};
let surveyId: string;
let imageSha: string;
let unitKey: string;
const ran: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  api = await startTestApi({ kind: 'pglite' }, { surveys: { redisUrl: redis.url, prefix: 'xss-test' }, now: () => new Date() });
  const port = await freePort();
  await api.app.listen({ port, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
  const as = (role: 'ingest' | 'operator' | 'admin' | 'reviewer') => api.headers(role);
  const ok = async (method: 'POST' | 'PUT' | 'GET', url: string, headers: Record<string, string>, payload?: unknown) => {
    const res = await api.app.inject({ method, url, headers, payload: payload as never });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };

  // Operator: a case-type name. Ingest: camera name, zone, label, plate on two cases.
  const parking = (await ok('GET', '/v1/case-types', as('operator'))).items.find((t: { type: string }) => t.type === 'illegal_parking');
  await ok('PUT', '/v1/case-types/illegal_parking', as('admin'), { nameZh: img('typeName'), handlingLimitMinutes: parking.handlingLimitMinutes, workingTime: parking.workingTime, codes: parking.codes.map((c: { standard: string; code: string; primary?: boolean; isPrimary?: boolean }) => ({ standard: c.standard, code: c.code, primary: c.primary ?? c.isPrimary })) });
  const photo = await readFile(samplePath('darknet/dog.jpg'));
  for (const name of ['pending', 'rejected']) {
    // With a box, so the box editor labels it with the case label.
    const evidence = [{ ...(await storedEvidence(api.objects, 'frame', photo)), box: [100, 120, 300, 260] as [number, number, number, number] }];
    const created = await ok('POST', '/v1/cases', as('ingest'), observation({
      dedupeKey: `illegal_parking:xss-${name}`,
      source: { kind: 'camera', id: `cam-${name}`, name: both('camera') },
      zoneId: both('zone'),
      label: img('label'),
      plate: img('p'),
      evidence,
    }));
    ids[name] = created.caseId;
  }
  // A unit whose name is markup gets a third case, dispatched with a marked-up note: the board,
  // the unit's field page and the assessment show them.
  await ok('PUT', '/v1/units/east-1', as('operator'), { name: both('unitName') });
  unitKey = await fieldKey(api, 'east-1');
  const dispatched = await ok('POST', '/v1/cases', as('ingest'), observation({
    dedupeKey: 'illegal_parking:xss-dispatched',
    source: { kind: 'camera', id: 'cam-dispatched', name: both('camera') },
    zoneId: both('zone'),
    plate: img('p'),
    evidence: [await storedEvidence(api.objects, 'frame', photo)],
  }));
  ids.dispatched = dispatched.caseId;
  await ok('POST', `/v1/cases/${ids.dispatched}/confirm`, as('reviewer'), {});
  await ok('POST', `/v1/cases/${ids.dispatched}/dispatch`, as('reviewer'), { unit: 'east-1', note: both('dispatchNote') });

  // A reviewer key whose name is markup rejects one case with a marked-up reason and note.
  const { key } = await ok('POST', '/v1/keys', as('admin'), { role: 'reviewer', name: both('keyName') });
  await ok('POST', `/v1/cases/${ids.rejected}/reject`, { authorization: `Bearer ${key}` }, { reason: both('reason'), note: both('note') });

  // A survey with a marked-up name, operator, file name and worker result.
  surveyId = (await ok('POST', '/v1/surveys', as('operator'), { name: both('survey'), operator: both('operator'), flownAt: new Date(Date.now() - 3600_000).toISOString() })).id;
  const aerial = await readFile(path.join(REPO_ROOT, 'samples/cache/darknet/dog.jpg'));
  const { payload, headers } = await multipart([{ name: `${img('file')}.jpg`, bytes: aerial }]);
  imageSha = (await ok('POST', `/v1/surveys/${surveyId}/images`, { ...as('operator'), ...headers }, payload)).images[0].sha256;
  await ok('PUT', `/v1/surveys/${surveyId}/images/${imageSha}/result`, as('ingest'), {
    status: 'done',
    attempt: 1,
    detections: [
      { label: img('detection'), score: 0.7, box: [10, 10, 200, 200], kept: true },
      { label: 'person', score: 0.3, box: [20, 20, 60, 90], kept: false, dropped: both('dropped') },
    ],
    violations: [],
    telemetry: { read: false, absent: both('absent') },
    geolocated: false,
    notGeolocated: both('notGeolocated'),
    detector: { models: [{ id: 'nanodet-coco-416', version: '1', sha256: 'a'.repeat(64) }], aerial: false, statement: both('statement'), allowedLabels: { car: 0.5 } },
  });

  // A queue job carrying marked-up data, as the dashboard shows it.
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const dispatch = new Queue(QUEUES.dispatch, { connection, prefix: 'xss-test' });
  await dispatch.add(both('jobName'), { source: { name: both('jobData') } }, { jobId: 'xss-job' });
  await dispatch.close();
  connection.disconnect();

  ({ browser, page } = await openBrowserPage());
  await page.exposeFunction('xss', (field: string) => ran.push(field));
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await redis?.stop();
});

/** After a page settled: the payloads it shows are text, none became an element, none ran. */
async function expectShownAsText(fields: string[]) {
  for (const field of fields) await expect.poll(() => page.evaluate(() => document.body.textContent ?? ''), { message: field }).toContain(`xss('${field}')`);
  const made = await page.evaluate(() => [...document.querySelectorAll('img[src="x"], script:not([src]):not([type="application/json"])')].map((e) => e.outerHTML));
  expect(made).toEqual([]);
  expect(ran).toEqual([]);
  expect(cspViolations(page)).toEqual([]);
}

describe('stored markup shows as text on every page', () => {
  it('review queue: camera, zone, label, plate and type name', async () => {
    await page.goto(`${base}/review/#key=${api.keys.reviewer}`);
    await page.locator('article.case').waitFor();
    await expectShownAsText(['camera', 'zone', 'typeName', 'p', 'label']);
  });

  it('case page: reject reason, the reviewer key’s name, camera, zone, type name and plate', async () => {
    await page.goto(`${base}/review/case.html#id=${ids.rejected}`);
    await page.locator('#timeline li.audit').nth(1).waitFor();
    await expectShownAsText(['reason', 'keyName', 'camera', 'zone', 'typeName', 'p']);
  });

  it('survey pages: survey name, operator, file name, detections, dropped reasons, statement', async () => {
    await page.goto(`${base}/review/survey.html#key=${api.keys.reviewer}`);
    await page.locator('.survey-row').first().waitFor();
    await expectShownAsText(['survey', 'operator']);
    await page.goto(`${base}/review/survey.html#survey=${surveyId}`);
    await page.locator('.image-row').first().waitFor();
    await expectShownAsText(['survey', 'file']);
    await page.goto(`${base}/review/survey.html#survey=${surveyId}&image=${imageSha}`);
    await page.locator('ul.detections').first().waitFor();
    await expectShownAsText(['detection', 'dropped', 'statement', 'notGeolocated']);
  });

  it('dispatch board: camera, zone, type name and plate of a dispatched case', async () => {
    await page.goto(`${base}/review/board.html#key=${api.keys.reviewer}&tab=dispatched`);
    await page.locator('#board-table').waitFor();
    await expectShownAsText(['camera', 'zone', 'typeName', 'p']);
  });

  it('field page: the unit’s case with its camera, zone, plate and the dispatcher’s note', async () => {
    await page.goto(`${base}/field/#key=${unitKey}`);
    await page.locator('.place').first().waitFor();
    await expectShownAsText(['camera', 'zone', 'typeName', 'p', 'dispatchNote']);
  });

  it('assessment: the unit’s name', async () => {
    await page.goto(`${base}/review/assessment.html#key=${api.keys.reviewer}`);
    await page.locator('table.report').waitFor();
    await expectShownAsText(['unitName']);
  });

  it('queue dashboard: a job’s name and data', async () => {
    await page.goto(`${base}/admin/queues-login#key=${api.keys.admin}`);
    await page.waitForURL(`${base}/admin/queues/`);
    await page.goto(`${base}/admin/queues/queue/${QUEUES.dispatch}?status=waiting`);
    await page.getByText('xss-job').first().waitFor();
    await expectShownAsText(['jobName', 'jobData']);
  });
});
