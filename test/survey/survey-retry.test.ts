// Retrying failed survey images: a survey worker pointed at the wrong object store (an empty folder)
// gives up on each image and reports it failed; once the worker can read the images, the operator's
// POST /v1/surveys/:id/retry-failed (here through `survey:upload --retry-failed`, as an operator
// would) puts them back on the queue with their attempts counted from zero, and the same worker
// analyses them. Real redis-server, the API on PGlite, the real survey
// worker with the default detector (what it detects does not matter here: the image is "done").
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openObjectStore } from '../../infra/object-store.ts';
import { QUEUES } from '../../infra/queues.ts';
import { surveyImageJobId } from '../../infra/survey-queue.ts';
import { createModelRegistry, type ModelRegistry } from '../../models/registry.ts';
import { createCaseReporter, type CaseReporter } from '../../pipeline/cases/reporter.ts';
import { startSurveyWorker, type SurveyWorker } from '../../pipeline/survey/worker.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { runScript } from '../support/run-script.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { until } from '../support/wait.ts';
import { droneJpeg } from './drone-jpeg.ts';
import { multipart } from './multipart.ts';

const PREFIX = 'retry-test';

describe('retrying failed survey images', () => {
  let dir: string;
  let redis: TestRedis;
  let api: TestApi;
  let registry: ModelRegistry;
  let reporter: CaseReporter;
  let worker: SurveyWorker;
  let queue: Queue;
  let connection: Redis;
  let surveyId: string;
  let images: Array<{ sha256: string; fileName: string }>;
  let url: string;
  const apiObjects = () => path.join(dir, 'api-objects');
  const workerObjects = () => path.join(dir, 'worker-objects');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'survey-retry-'));
    await mkdir(workerObjects(), { recursive: true });
    redis = await startRedis();
    // One try per image: the first failure is final, so the test does not wait out back-offs.
    api = await startTestApi({ kind: 'pglite' }, { objects: { kind: 'folder', dir: apiObjects() }, surveys: { redisUrl: redis.url, prefix: PREFIX, attempts: 1 } });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
    const objects = await openObjectStore({ kind: 'folder', dir: workerObjects() });
    registry = await createModelRegistry({ plateReader: false });
    reporter = createCaseReporter({ redisUrl: redis.url, objects, prefix: PREFIX });
    worker = startSurveyWorker({ redisUrl: redis.url, prefix: PREFIX, api: { url, key: api.keys.ingest }, objects, registry, cases: reporter.deps });
    connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUES.surveyImages, { connection, prefix: PREFIX });
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    connection?.disconnect();
    await reporter?.close();
    await registry?.close();
    await api?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const report = async () => (await api.app.inject({ url: `/v1/surveys/${surveyId}`, headers: api.headers('operator') })).json();
  const retry = (role: 'operator' | 'reviewer' = 'operator', id = surveyId) => api.app.inject({ method: 'POST', url: `/v1/surveys/${id}/retry-failed`, headers: api.headers(role) });

  it('reports images failed when the worker cannot read them', async () => {
    const created = await api.app.inject({ method: 'POST', url: '/v1/surveys', headers: api.headers('operator'), payload: { name: 'retry', flownAt: '2026-03-02T01:00:00Z', flightHeightM: 60 } });
    surveyId = created.json().id;
    const files = [
      { name: 'DJI_0101.JPG', bytes: await droneJpeg({ width: 320, height: 240, gps: { lat: 31.23, lon: 121.47 }, xmp: { RelativeAltitude: '+60.0', GimbalPitchDegree: '-90.0' } }) },
      { name: 'DJI_0102.JPG', bytes: await droneJpeg({ width: 320, height: 240, background: '#808080', gps: { lat: 31.2302, lon: 121.4702 }, xmp: { RelativeAltitude: '+60.0', GimbalPitchDegree: '-90.0' } }) },
    ];
    await mkdir(path.join(dir, 'flight'));
    for (const f of files) await writeFile(path.join(dir, 'flight', f.name), f.bytes);
    const { payload, headers } = await multipart(files);
    const up = await api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images`, headers: { ...api.headers('operator'), ...headers }, payload });
    expect(up.statusCode, up.body).toBe(201);
    images = up.json().images;
    const r = await until('both images to fail', async () => {
      const x = await report();
      return x.progress.failed === 2 ? x : undefined;
    });
    expect(r.failed.map((f: { error: string }) => f.error)).toEqual([expect.stringMatching(/^gave up after 1 attempts: object [0-9a-f]{64} is not in the object store/), expect.stringMatching(/not in the object store/)]);
    // Uploading the same bytes again does not bring them back: the image is known.
    const again = await api.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/images`, headers: { ...api.headers('operator'), ...headers }, payload });
    expect(again.json().images.map((i: { status: string }) => i.status)).toEqual(['duplicate', 'duplicate']);
    expect((await report()).progress.failed).toBe(2);
  });

  it('analyses them again after retry-failed, attempts counted from zero', async () => {
    // The worker's store gets the images (the outage is over).
    for (const i of images) {
      const to = path.join(workerObjects(), i.sha256.slice(0, 2), i.sha256.slice(2, 4));
      await mkdir(to, { recursive: true });
      await copyFile(path.join(apiObjects(), i.sha256.slice(0, 2), i.sha256.slice(2, 4), i.sha256), path.join(to, i.sha256));
    }
    expect((await retry('reviewer')).statusCode).toBe(403);
    expect((await retry('operator', '999999')).statusCode).toBe(404);
    // The operator uploads the folder again with --retry-failed: nothing new to send, both images retried.
    const cli = await runScript(path.join(REPO_ROOT, 'scripts/survey-upload.ts'), [path.join(dir, 'flight'), '--survey', surveyId, '--retry-failed', '--wait', '60', '--api', url, '--key', api.keys.operator]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain('0 uploaded, 2 already there');
    expect(cli.stderr).toMatch(/retrying 2 failed image\(s\): DJI_010[12]\.JPG, DJI_010[12]\.JPG/);
    expect(cli.stdout).toContain('2 images, 2 done, 0 failed, 0 queued');
    const r = await until('both images analysed', async () => {
      const x = await report();
      return x.progress.done === 2 ? x : undefined;
    }, 60_000);
    expect(r.progress).toMatchObject({ images: 2, done: 2, failed: 0, queued: 0, complete: true });
    expect(r.images.map((i: { attempt: number; reports: number }) => [i.attempt, i.reports])).toEqual([
      [1, 2],
      [1, 2],
    ]);
    // Still one job per image.
    const job = await queue.getJob(surveyImageJobId(surveyId, images[0]!.sha256));
    expect(await job!.getState()).toBe('completed');
    // Nothing failed is left: a second retry requeues nothing.
    expect((await retry()).json()).toEqual({ requeued: [], awaitingQueue: 0 });
  });
});
