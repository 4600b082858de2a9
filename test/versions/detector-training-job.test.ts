// The `training` queue's detector kind on a real redis-server: a fine-tune of a dataset export
// (Debian's labelme photos as `dataset:export` lays them out) queued twice under one key is one job;
// the worker trains with the real trainer, registers the next aerial-detector version measured
// against its base on the held-out photo, and promotes it exactly when the rule says so; a retried
// run returns the version it stored.
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../infra/queues.ts';
import { labelmeYolo, tempDir } from '../../models/train/detector-sample-dataset.ts';
import { runDetectorTraining, type DetectorTrainingRequest } from '../../models/versions/detector-training-job.ts';
import { AERIAL_DETECTOR_TARGET } from '../../models/versions/register-detector.ts';
import { createTrainingQueue, startTrainingWorker, trainingJobId, type TrainingQueue, type TrainingWorker } from '../../models/versions/training-queue.ts';
import { listVersions, liveVersions } from '../../models/versions/version-store.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { runScript } from '../support/run-script.ts';

let work: string;
let api: TestApi;
let redis: TestRedis;
let queue: TrainingQueue;
let worker: TrainingWorker;
let events: QueueEvents;
let request: DetectorTrainingRequest;

beforeAll(async () => {
  work = await tempDir('job');
  api = await startTestApi({ kind: 'pglite' }, { modelsDir: path.join(work, 'models') });
  redis = await startRedis();
  queue = createTrainingQueue({ redisUrl: redis.url });
  events = new QueueEvents(QUEUES.training, { connection: { host: '127.0.0.1', port: redis.port } });
  await events.waitUntilReady();
  request = {
    kind: 'detector', runKey: 'aerial-export-2026-05-04', dataset: await labelmeYolo(path.join(work, 'export')), base: 'nanodet-coco-416',
    classes: ['person', 'car', 'bus'], epochs: 2, freezeBackbone: true, replay: [], batch: 2, lr: 1e-3, minViewsPerEpoch: 4,
  };
}, 60_000);

afterAll(async () => {
  await worker?.close();
  await events?.close();
  await queue?.close();
  await redis?.stop();
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the training queue, detector kind', () => {
  it('npm run models -- queue-detector puts a fine-tune of a dataset export on the queue, once per run key', async () => {
    const args = ['queue-detector', '--dataset', request.dataset, '--minutes', '240', '--classes', 'car,bus', '--freeze-backbone', '--run-key', 'nightly-1', '--redis', redis.url];
    const first = await runScript('scripts/models.ts', args);
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe(`queued detector training nightly-1 of ${request.dataset} (base nanodet-coco-416) on the training queue\n`);
    expect((await runScript('scripts/models.ts', args)).code).toBe(0);
    const job = await queue.queue.getJob(trainingJobId('nightly-1'));
    expect(job!.name).toBe('train-detector');
    expect(job!.data).toEqual({ kind: 'detector', runKey: 'nightly-1', dataset: request.dataset, base: 'nanodet-coco-416', minutes: 240, classes: ['car', 'bus'], freezeBackbone: true });
    expect(await queue.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    const bad = await runScript('scripts/models.ts', ['queue-detector', '--dataset', request.dataset, '--minutes', 'soon', '--redis', redis.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--minutes must be a positive number (got "soon")');
    await job!.remove(); // a 4-hour run is not for this test
  }, 60_000);

  it('fine-tunes once per key, registers the next aerial-detector version and applies the rule', async () => {
    await queue.enqueueDetector(request);
    await queue.enqueueDetector(request);
    expect(await queue.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    const place = { db: api.app.db, modelsDir: path.join(work, 'models') };
    worker = startTrainingWorker({ redisUrl: redis.url }, { place, reviewedCrops: async () => { throw new Error('a detector run exports no crops'); } });
    const job = await queue.queue.getJob(trainingJobId(request.runKey));
    const outcome = await job!.waitUntilFinished(events, 240_000);
    expect(outcome.version).toMatchObject({ id: 'aerial-1', kind: 'detector', target: AERIAL_DETECTOR_TARGET, createdBy: 'training job', training: { runKey: request.runKey } });
    expect(outcome.version.comparison.current).toMatchObject({ id: 'nanodet-coco-416', base: true });
    expect(outcome.promoted).toBe(outcome.version.comparison.decision === 'promote');
    expect((await liveVersions(api.app.db)).get(AERIAL_DETECTOR_TARGET) ?? null).toBe(outcome.promoted ? 'aerial-1' : null);
    const again = await runDetectorTraining(request, { place });
    expect(again.version.id).toBe('aerial-1');
    expect((await listVersions(api.app.db, { target: AERIAL_DETECTOR_TARGET })).map((v) => v.id)).toEqual(['aerial-1']);
  }, 300_000);
});
