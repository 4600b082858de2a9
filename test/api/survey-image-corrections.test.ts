// Box corrections on drone survey images that raised no case, through the HTTP API on PGlite and on
// a real PostgreSQL: the image detail starts from the detections the worker kept, a save is the
// complete set of boxes (empty: nothing there), the latest counts, rows are append-only and belong to
// a case or a survey image, never both; bad input is refused naming the field; the image is served
// only when it still hashes to its sha256; the export lists reviewed images by their latest save.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SurveyImageResult } from '../../contracts/survey.ts';
import { sha256Hex } from '../../infra/object-store.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { dbBackends } from '../support/db-backends.ts';
import { droneJpeg } from '../survey/drone-jpeg.ts';
import { multipart } from '../survey/multipart.ts';

const backends = dbBackends('survey_corrections');

const result: SurveyImageResult = {
  status: 'done',
  attempt: 1,
  telemetry: { read: true, lat: 31.2301, lon: 121.4702, relativeAltitudeM: 60 },
  geolocated: true,
  detections: [
    { label: 'car', score: 0.71, box: [40, 50, 120, 90], kept: true },
    { label: 'person', score: 0.31, box: [200, 100, 215, 130], kept: false, dropped: 'score 0.31 under the 0.5 threshold from the air' },
  ],
  violations: [],
};

describe.each(backends)('survey image corrections on %s', (_name, settings) => {
  let api: TestApi;
  let surveyId: string;
  let first: string;
  let second: string;
  let firstBytes: Buffer;

  beforeAll(async () => {
    api = await startTestApi(await settings());
    const created = await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name: '西区 11月', flownAt: '2026-03-02T01:00:00Z' } });
    surveyId = created.json().id;
    firstBytes = await droneJpeg({ width: 400, height: 300, gps: { lat: 31.2301, lon: 121.4702 }, xmp: { RelativeAltitude: '+60.0' } });
    const secondBytes = await droneJpeg({ width: 320, height: 240, background: '#556b2f' });
    const { payload, headers } = await multipart([
      { name: 'DJI_0001.JPG', bytes: firstBytes },
      { name: 'DJI_0002.JPG', bytes: secondBytes },
    ]);
    const up = await api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images`, headers: { ...api.headers('operator'), ...headers }, payload });
    expect(up.statusCode, up.body).toBe(201);
    [first, second] = up.json().images.map((i: { sha256: string }) => i.sha256);
    const put = await api.app.inject({ method: 'PUT', url: `/v1/surveys/${surveyId}/images/${first}/result`, headers: api.headers('ingest'), payload: result });
    expect(put.statusCode, put.body).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
  });

  const detail = async (sha256: string) => api.app.inject({ url: `/v1/surveys/${surveyId}/images/${sha256}`, headers: api.headers('reviewer') });
  const correct = (sha256: string, body: object, role: 'reviewer' | 'operator' | 'ingest' = 'reviewer', survey = surveyId) =>
    api.app.inject({ method: 'POST', url: `/v1/surveys/${survey}/images/${sha256}/corrections`, headers: api.headers(role), payload: body });

  it('shows an image that raised no case with the detections the worker kept as its boxes', async () => {
    const res = await detail(first);
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({ sha256: first, fileName: 'DJI_0001.JPG', width: 400, height: 300, status: 'done', violations: [], correction: null, corrections: [] });
    expect(d.boxes).toEqual([{ box: [40, 50, 120, 90], label: 'car', origin: 'model' }]);
    expect(d.detections).toHaveLength(2);
    // The signed link serves the bytes to a browser, which sends no key.
    const file = await api.app.inject({ url: d.url });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/jpeg');
    expect(sha256Hex(file.rawPayload)).toBe(first);
    // An image the worker has not reported on yet starts with no boxes.
    expect((await detail(second)).json()).toMatchObject({ status: 'queued', boxes: [], detections: [] });
  });

  it('stores the complete set of boxes with who and when; the latest save counts and the history is kept', async () => {
    api.clock.now = new Date('2026-03-02T03:00:00Z');
    const saved = await correct(first, {
      boxes: [
        { box: [42, 48, 125.04, 93], label: 'car', origin: 'model' },
        { box: [300, 200, 360, 260], label: 'garbage', origin: 'drawn' },
      ],
      note: 'pile behind the wall',
    });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json()).toMatchObject({ caseId: null, surveyId, sha256: first, imageWidth: 400, imageHeight: 300, actor: 'test reviewer', actorRole: 'reviewer', at: '2026-03-02T03:00:00.000Z', note: 'pile behind the wall' });
    expect(saved.json().boxes[0].box).toEqual([42, 48, 125, 93]);

    api.clock.now = new Date('2026-03-02T03:05:00Z');
    const again = await correct(first, { boxes: [{ box: [300, 200, 360, 260], label: 'garbage', origin: 'drawn' }] });
    expect(again.statusCode).toBe(201);
    const d = (await detail(first)).json();
    expect(d.boxes).toEqual([{ box: [300, 200, 360, 260], label: 'garbage', origin: 'drawn' }]);
    expect(d.correction).toEqual({ id: again.json().id, actor: 'test reviewer', at: '2026-03-02T03:05:00.000Z' });
    expect(d.corrections.map((c: { id: number }) => c.id)).toEqual([saved.json().id, again.json().id]);
    const history = await api.app.inject({ url: `/v1/surveys/${surveyId}/images/${first}/corrections`, headers: api.headers('operator') });
    expect(history.json().items).toHaveLength(2);

    // "Nothing here" is a correction too: the queued image, saved with no boxes.
    const empty = await correct(second, { boxes: [] });
    expect(empty.statusCode).toBe(201);
    expect((await detail(second)).json()).toMatchObject({ boxes: [], correction: { id: empty.json().id } });

    const review = (await api.app.inject({ url: `/v1/surveys/${surveyId}/review`, headers: api.headers('reviewer') })).json();
    expect(review.items.map((i: { fileName: string; kept: number; boxes: number; correction: unknown }) => [i.fileName, i.kept, i.boxes, i.correction !== null])).toEqual([
      ['DJI_0001.JPG', 1, 1, true],
      ['DJI_0002.JPG', 0, 0, true],
    ]);
  });

  it('refuses bad corrections naming the problem, and stores nothing for them', async () => {
    const before = (await api.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM box_corrections'))[0]!.n;
    const outside = await correct(first, { boxes: [{ box: [350, 250, 420, 290], label: 'car', origin: 'drawn' }] });
    expect(outside.statusCode).toBe(400);
    expect(outside.json()).toMatchObject({ field: 'boxes.0.box', message: 'boxes.0.box [350, 250, 420, 290] is outside the 400x300 image' });
    const flat = await correct(first, { boxes: [{ box: [10, 10, 10, 40], label: 'car', origin: 'drawn' }] });
    expect(flat.json().message).toBe('boxes.0.box [10, 10, 10, 40] must have x2 > x1 and y2 > y1');
    const label = await correct(first, { boxes: [{ box: [10, 10, 20, 40], label: '<b>', origin: 'drawn' }] });
    expect(label.statusCode).toBe(400);
    expect(label.json().message).toMatch(/label/);
    const noBoxes = await correct(first, {});
    expect(noBoxes.statusCode).toBe(400);
    expect(noBoxes.json().message).toMatch(/boxes/);
    const unknown = await correct('0'.repeat(64), { boxes: [] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toBe(`survey ${surveyId} has no image ${'0'.repeat(64)}`);
    // The image exists, but in another survey.
    const other = await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name: 'other', flownAt: '2026-03-02T01:00:00Z' } });
    expect((await correct(first, { boxes: [] }, 'reviewer', other.json().id)).statusCode).toBe(404);
    // Reviewers correct; operators and the worker may not.
    expect((await correct(first, { boxes: [] }, 'operator')).statusCode).toBe(403);
    expect((await correct(first, { boxes: [] }, 'ingest')).statusCode).toBe(403);
    expect((await api.app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM box_corrections'))[0]!.n).toBe(before);
  });

  it('keeps corrections append-only and each on exactly one case or survey image', async () => {
    await expect(api.app.db.query('UPDATE box_corrections SET boxes = $1 WHERE survey_id IS NOT NULL', ['[]'])).rejects.toThrow(/append-only/);
    await expect(api.app.db.query('DELETE FROM box_corrections WHERE survey_id IS NOT NULL')).rejects.toThrow(/append-only/);
    const insert = (caseId: number | null, survey: number | null, sha256: string) =>
      api.app.db.query(
        `INSERT INTO box_corrections (case_id, survey_id, evidence_sha256, image_width, image_height, boxes, at, actor, actor_role)
         VALUES ($1, $2, $3, 10, 10, '[]', now(), 'x', 'reviewer')`,
        [caseId, survey, sha256],
      );
    await expect(insert(null, null, first)).rejects.toThrow(/box_corrections_one_subject/);
    // A survey image the survey does not have.
    await expect(insert(null, Number(surveyId), 'f'.repeat(64))).rejects.toThrow(/box_corrections_survey_image/);
  });

  it('never serves an image that no longer matches its sha256', async () => {
    const [row] = await api.app.db.query<{ object_key: string }>('SELECT object_key FROM survey_images WHERE survey_id = $1 AND sha256 = $2', [Number(surveyId), second]);
    // Flip one byte of the object behind the image (the folder store keeps it at aa/bb/<key>).
    const key = row!.object_key;
    const file = path.join(api.objects.describe().replace(/^folder /, ''), key.slice(0, 2), key.slice(2, 4), key);
    const bytes = await readFile(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await writeFile(file, bytes);
    const res = await api.app.inject({ url: `/v1/surveys/${surveyId}/images/${second}/file`, headers: api.headers('reviewer') });
    expect(res.statusCode).toBe(500);
    expect(res.json().message).toBe(`image ${second} of survey ${surveyId} no longer matches its sha256; not served`);
    // A signed link for one image does not open another.
    const url = (await detail(first)).json().url as string;
    expect((await api.app.inject({ url: url.replace(first, second) })).statusCode).toBe(401);
  });

  it('lists reviewed images for the export by their latest save, paged, within since/until', async () => {
    const page = async (q: string) => (await api.app.inject({ url: `/v1/export/reviewed-survey-images?${q}`, headers: api.headers('reviewer') })).json();
    const all = await page('since=2026-03-01T00:00:00Z');
    expect(all.items.map((i: { sha256: string }) => i.sha256).sort()).toEqual([first, second].sort());
    const one = all.items.find((i: { sha256: string }) => i.sha256 === first);
    expect(one).toMatchObject({ surveyId, surveyName: '西区 11月', fileName: 'DJI_0001.JPG', width: 400, height: 300, location: { lat: 31.2301, lon: 121.4702 }, reviewedAt: '2026-03-02T03:05:00.000Z' });
    expect(one.boxes).toEqual([{ box: [300, 200, 360, 260], label: 'garbage', origin: 'drawn' }]);
    // Paged one at a time, the same images in the same order.
    const p1 = await page('since=2026-03-01T00:00:00Z&limit=1');
    const p2 = await page(`since=2026-03-01T00:00:00Z&limit=1&cursor=${p1.nextCursor}`);
    expect([...p1.items, ...p2.items]).toEqual(all.items);
    expect(p2.nextCursor).toBeNull();
    // The first image's latest save (03:05) is after this until; its earlier one does not bring it back.
    const early = await page('since=2026-03-01T00:00:00Z&until=2026-03-02T03:04:00Z');
    expect(early.items.map((i: { sha256: string }) => i.sha256)).not.toContain(first);
    const bad = await api.app.inject({ url: '/v1/export/reviewed-survey-images?since=2026-03-01T00:00:00Z&cursor=12', headers: api.headers('reviewer') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/cursor/);
    expect((await api.app.inject({ url: '/v1/export/reviewed-survey-images?since=2026-03-01T00:00:00Z', headers: api.headers('operator') })).statusCode).toBe(403);
  });
});
