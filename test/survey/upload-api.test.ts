// The survey API at the edge: creating a survey, uploading good and bad files (each refusal names
// the file and the problem), the same image twice stored and queued once, roles, and the report
// before and after a worker's result.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../infra/queues.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { withClaimedSize } from '../support/images.ts';
import { droneJpeg } from './drone-jpeg.ts';
import { multipart } from './multipart.ts';

const PREFIX = 'upload-test';

describe('survey upload API', () => {
  let redis: TestRedis;
  let api: TestApi;
  let queue: Queue;
  let connection: Redis;
  let surveyId: string;
  let good: Buffer;

  beforeAll(async () => {
    redis = await startRedis();
    api = await startTestApi({ kind: 'pglite' }, { surveys: { redisUrl: redis.url, prefix: PREFIX, maxFileBytes: 300_000, maxPixels: 20_000_000 } });
    connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUES.surveyImages, { connection, prefix: PREFIX });
    good = await droneJpeg({ width: 400, height: 300, gps: { lat: 31.23, lon: 121.47 }, xmp: { RelativeAltitude: '+50.0', GimbalPitchDegree: '-90.0' } });
    const res = await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name: '东区 3月', flownAt: '2026-03-02T01:00:00Z', operator: 'pilot 7', flightHeightM: 80 } });
    expect(res.statusCode).toBe(201);
    surveyId = res.json().id;
  });
  afterAll(async () => {
    await queue?.close();
    connection?.disconnect();
    await api?.close();
    await redis?.stop();
  });

  const upload = async (files: Array<{ name: string; bytes: Buffer }>, role: 'operator' | 'reviewer' = 'operator', id = surveyId) => {
    const { payload, headers } = await multipart(files);
    return api.app.inject({ method: 'POST', url: `/v1/surveys/${id}/images`, headers: { ...api.headers(role), ...headers }, payload });
  };

  it('refuses a survey without a flight time, naming the field', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('flownAt');
  });

  it('refuses bad files with the file name and the problem', async () => {
    const text = await upload([{ name: 'notes.jpg', bytes: Buffer.from('flight notes: battery 2 was weak\n') }]);
    expect(text.statusCode).toBe(415);
    expect(text.json().message).toMatch(/^notes\.jpg: not a JPEG, PNG or TIFF image \(it starts with text "flight notes"\)/);

    const truncated = await upload([{ name: 'DJI_0007.JPG', bytes: good.subarray(0, 200) }]);
    expect(truncated.statusCode).toBe(422);
    expect(truncated.json().message).toMatch(/^DJI_0007\.JPG: not a readable image/);

    const noise = await sharp({ create: { width: 700, height: 700, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg({ quality: 100 }).toBuffer();
    expect(noise.length).toBeGreaterThan(300_000);
    const big = await upload([{ name: 'big.jpg', bytes: noise }]);
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toMatch(/^big\.jpg: larger than the .* limit per file/);

    const huge = await upload([{ name: 'huge.jpg', bytes: withClaimedSize(good, 30_000, 30_000) }]);
    expect(huge.statusCode).toBe(413);
    expect(huge.json().message).toMatch(/^huge\.jpg: image is 30000x30000 \(900\.0 megapixels\), above the 20\.0 megapixels limit/);

    const gif = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#000' } }).gif().toBuffer();
    const unsupported = await upload([{ name: 'map.gif', bytes: gif }]);
    expect(unsupported.statusCode).toBe(415);
    expect(unsupported.json().message).toMatch(/^map\.gif: not a JPEG, PNG or TIFF/);

    // Nothing refused was stored or queued.
    const images = await api.app.inject({ method: 'GET', url: `/v1/surveys/${surveyId}/images`, headers: api.headers('operator') });
    expect(images.json().items).toEqual([]);
    expect(await queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed')).toBe(0);
  });

  it('stores and queues the same image once, whatever its name, and accepts TIFF and PNG by content', async () => {
    const first = await upload([{ name: 'DJI_0001.JPG', bytes: good }]);
    expect(first.statusCode).toBe(201);
    expect(first.json().images[0]).toMatchObject({ fileName: 'DJI_0001.JPG', status: 'queued', width: 400, height: 300 });
    const again = await upload([{ name: 'copy of DJI_0001.JPG', bytes: good }]);
    expect(again.statusCode).toBe(200);
    expect(again.json().images[0]).toMatchObject({ status: 'duplicate', sha256: first.json().images[0].sha256 });

    const tiff = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a5' } }).tiff().toBuffer();
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a53' } }).png().toBuffer();
    const both = await upload([{ name: 'ortho.tif', bytes: tiff }, { name: 'ortho.dat', bytes: png }]);
    expect(both.statusCode).toBe(201);
    expect(both.json().images.map((i: { status: string }) => i.status)).toEqual(['queued', 'queued']);

    const items = (await api.app.inject({ method: 'GET', url: `/v1/surveys/${surveyId}/images`, headers: api.headers('operator') })).json().items;
    expect(items).toHaveLength(3);
    expect(await queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed')).toBe(3);
    const job = await queue.getJob(`survey-${surveyId}-${first.json().images[0].sha256}`);
    expect(job?.data).toMatchObject({ surveyId, fileName: 'DJI_0001.JPG', key: first.json().images[0].sha256 });
    expect(await api.objects.get(first.json().images[0].sha256)).toEqual(good);
  });

  it('lets only operators upload and only the ingest role report results', async () => {
    expect((await upload([{ name: 'a.jpg', bytes: good }], 'reviewer')).statusCode).toBe(403);
    expect((await upload([{ name: 'a.jpg', bytes: good }], 'operator', '999')).statusCode).toBe(404);
    const sha = (await api.app.inject({ method: 'GET', url: `/v1/surveys/${surveyId}/images`, headers: api.headers('operator') })).json().items[0].sha256;
    const put = (role: 'operator' | 'ingest') =>
      api.app.inject({ method: 'PUT', url: `/v1/surveys/${surveyId}/images/${sha}/result`, headers: api.headers(role), payload: { status: 'failed', error: 'x', attempt: 1 } });
    expect((await put('operator')).statusCode).toBe(403);
  });

  it('reports progress, and says no detector has run before any result', async () => {
    const before = (await api.app.inject({ method: 'GET', url: `/v1/surveys/${surveyId}`, headers: api.headers('reviewer') })).json();
    expect(before.progress).toMatchObject({ images: 3, queued: 3, analysing: 0, done: 0, failed: 0, complete: false });
    expect(before.detector.statement).toMatch(/no image has been analysed yet/);

    const [first, second] = (await api.app.inject({ method: 'GET', url: `/v1/surveys/${surveyId}/images`, headers: api.headers('operator') })).json().items;
    const detector = { models: [{ id: 'nanodet-coco-416', version: '1', sha256: 'a'.repeat(64) }], aerial: false, statement: 'Detector nanodet-coco-416 ran. This is NOT an aerial model.' };
    const done = {
      status: 'done', attempt: 1, width: 400, height: 300, geolocated: true, detector,
      telemetry: { read: true, lat: 31.23, lon: 121.47 },
      analysis: [{ type: 'illegal_construction', analysed: false, detail: 'not analysed: no model (…)' }],
      detections: [{ label: 'car', score: 0.6, box: [1, 2, 3, 4], kept: true, anchor: 'centre', location: { lat: 31.23, lon: 121.47, accuracyM: 3.2 } }],
      violations: [],
    };
    expect((await api.app.inject({ method: 'PUT', url: `/v1/surveys/${surveyId}/images/${first.sha256}/result`, headers: api.headers('ingest'), payload: done })).statusCode).toBe(200);
    const failed = { status: 'failed', attempt: 1, error: 'ortho.tif: corrupt image data (…)' };
    expect((await api.app.inject({ method: 'PUT', url: `/v1/surveys/${surveyId}/images/${second.sha256}/result`, headers: api.headers('ingest'), payload: failed })).statusCode).toBe(200);
    const bad = await api.app.inject({ method: 'PUT', url: `/v1/surveys/${surveyId}/images/${second.sha256}/result`, headers: api.headers('ingest'), payload: { status: 'finished', attempt: 1 } });
    expect(bad.statusCode).toBe(400);

    const after = (await api.app.inject({ method: 'GET', url: `/v1/surveys/${surveyId}`, headers: api.headers('operator') })).json();
    expect(after.progress).toMatchObject({ images: 3, queued: 1, done: 1, failed: 1 });
    expect(after.failed).toEqual([{ sha256: second.sha256, fileName: second.fileName, error: failed.error }]);
    expect(after.detector).toMatchObject({ aerial: false });
    expect(after.detector.statement).toContain('NOT an aerial model');
    const img = after.images.find((i: { sha256: string }) => i.sha256 === first.sha256);
    expect(img.detections[0].location).toEqual({ lat: 31.23, lon: 121.47, accuracyM: 3.2 });
  });

  it('tells the images a worker holds now from those still waiting', async () => {
    // A BullMQ worker that takes one job and holds it until told: a survey worker mid-analysis
    // (the analysis itself is not what is under test here; the API's view of the queue is).
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let taken!: (sha256: string) => void;
    const took = new Promise<string>((r) => (taken = r));
    const images = (await api.app.inject({ url: `/v1/surveys/${surveyId}/images`, headers: api.headers('operator') })).json().items;
    const waiting = images.find((i: { status: string }) => i.status === 'queued').sha256;
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    // The images that already have a result pass straight through; the one still queued is held.
    const worker = new Worker<{ sha256: string }>(QUEUES.surveyImages, async (job) => {
      if (job.data.sha256 !== waiting) return;
      taken(job.data.sha256);
      await held;
    }, { connection, prefix: PREFIX, concurrency: 1 });
    try {
      const sha256 = await took;
      const report = (await api.app.inject({ url: `/v1/surveys/${surveyId}`, headers: api.headers('operator') })).json();
      expect(report.progress).toMatchObject({ queued: 1, analysing: 1 });
      expect(sha256).toBe(waiting);
      expect(report.images.filter((i: { analysing?: boolean }) => i.analysing).map((i: { sha256: string }) => i.sha256)).toEqual([waiting]);
    } finally {
      release();
      await worker.close();
      connection.disconnect();
    }
    const after = (await api.app.inject({ url: `/v1/surveys/${surveyId}`, headers: api.headers('operator') })).json();
    expect(after.progress.analysing).toBe(0);
  });
});
