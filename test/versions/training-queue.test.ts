// The `training` queue on a real redis-server: a run queued twice under one key is one job, the
// worker trains and stores one version; and the review trigger asks for a verdict model run once
// N reviews of a type are in (reviews made through the real API on PGlite).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadViolationLabels } from '../../models/violation-labels.ts';
import { dueTrainingRuns } from '../../models/versions/review-trigger.ts';
import { createTrainingQueue, startTrainingWorker, trainingJobId, type TrainingQueue, type TrainingWorker } from '../../models/versions/training-queue.ts';
import { listVersions } from '../../models/versions/version-store.ts';
import { QUEUES } from '../../infra/queues.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { caseFromSample } from '../support/sample-cases.ts';
import { cutReviewCrops } from './review-crops.ts';

let work: string;
let api: TestApi;
let redis: TestRedis;
let queue: TrainingQueue;
let worker: TrainingWorker;
let events: QueueEvents;
let truth: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'training-queue-'));
  api = await startTestApi({ kind: 'pglite' }, { modelsDir: path.join(work, 'models') });
  redis = await startRedis();
  truth = await cutReviewCrops(path.join(work, 'truth'));
  queue = createTrainingQueue({ redisUrl: redis.url });
  events = new QueueEvents(QUEUES.training, { connection: { host: '127.0.0.1', port: redis.port } });
  await events.waitUntilReady();
}, 60_000);

afterAll(async () => {
  await worker?.close();
  await events?.close();
  await queue?.close();
  await redis?.stop();
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the training queue', () => {
  it('runs a run queued twice under one key once, and stores its version', async () => {
    const request = { target: 'scene', appliesTo: ['car'], runKey: 'scene-after-128-reviews' };
    await queue.enqueue(request);
    await queue.enqueue(request);
    expect(await queue.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    worker = startTrainingWorker({ redisUrl: redis.url }, { place: { db: api.app.db, modelsDir: path.join(work, 'models') }, reviewedCrops: async () => truth, threads: 2 });
    const job = await queue.queue.getJob(trainingJobId(request.runKey));
    const outcome = await job!.waitUntilFinished(events, 120_000);
    expect(outcome).toMatchObject({ promoted: true, version: { id: 'scene-1', live: true } });
    expect((await listVersions(api.app.db)).map((v) => v.id)).toEqual(['scene-1']);
  }, 150_000);

  it('asks for a verdict model of a type once it has N new reviews', async () => {
    const ids = [];
    for (const [sample, box] of [['darknet/dog.jpg', [466, 74, 683, 171]], ['darknet/giraffe.jpg', [150, 30, 450, 500]], ['darknet/kite.jpg', [100, 100, 300, 300]]] as const) {
      ids.push(await caseFromSample(api, sample, [...box]));
    }
    const move = (id: number, m: string, payload: object = {}) => api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${m}`, headers: api.headers('reviewer'), payload });
    expect((await move(ids[0]!, 'confirm')).statusCode).toBe(200);
    expect((await move(ids[1]!, 'confirm')).statusCode).toBe(200);
    const mapping = await loadViolationLabels();
    expect(await dueTrainingRuns(api.app.db, mapping, 3)).toEqual([]);
    expect((await move(ids[2]!, 'reject', { reason: 'not parked' })).statusCode).toBe(200);
    expect(await dueTrainingRuns(api.app.db, mapping, 3)).toEqual([
      { target: 'verdict_illegal_parking', appliesTo: mapping.types.illegal_parking!.labels, runKey: 'verdict_illegal_parking-after-3-reviews' },
    ]);
    expect(await dueTrainingRuns(api.app.db, mapping, 4)).toEqual([]);
  });
});
