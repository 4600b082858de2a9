// Re-scoring the queue with a new verdict model: a `verdict_illegal_parking` run on the real
// `training` queue (redis-server) is promoted by the real job, and the training service at once
// scores the illegal-parking cases still waiting for review on their own evidence (cells of Debian's
// sample photos), through the classifier the version wrote; decided cases, other types and a case
// without a frame are left as they were, and the hold threshold then acts on the new scores.
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../infra/queues.ts';
import type { RescoreOutcome } from '../../models/versions/rescore-open-cases.ts';
import { trainingJobId } from '../../models/versions/training-queue.ts';
import { startTrainingService, type TrainingService } from '../../models/versions/training-service.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { cellCase } from '../support/sample-cases.ts';
import { until } from '../support/until.ts';
import { cutReviewCrops } from './review-crops.ts';

let work: string;
let api: TestApi;
let redis: TestRedis;
let service: TrainingService;
let events: QueueEvents;
const rescored: RescoreOutcome[] = [];
const ids = {} as Record<'aerial' | 'street' | 'decided' | 'otherType' | 'noFrame', number>;

/** Reviews where aerial crops were confirmed and street ones rejected: a verdict a classifier can learn. */
async function verdictReviews(dir: string): Promise<string> {
  const tree = await cutReviewCrops(path.join(dir, 'cut'));
  await mkdir(path.join(dir, 'reviews'), { recursive: true });
  await rename(path.join(tree, 'aerial'), path.join(dir, 'reviews', 'confirmed'));
  await rename(path.join(tree, 'street'), path.join(dir, 'reviews', 'rejected'));
  return path.join(dir, 'reviews');
}

const verdictOf = async (id: number) => (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'rescore-'));
  const modelsDir = path.join(work, 'models');
  api = await startTestApi({ kind: 'pglite' }, { modelsDir });
  redis = await startRedis();
  const reviews = await verdictReviews(work);
  service = startTrainingService({
    db: api.app.db,
    modelsDir,
    redisUrl: redis.url,
    afterReviews: 1000,
    everyMs: 3_600_000,
    threads: 2,
    reviewedCrops: async () => reviews,
    objects: api.objects,
    onRescored: (r) => rescored.push(r),
    log: () => undefined,
  });
  events = new QueueEvents(QUEUES.training, { connection: { host: '127.0.0.1', port: redis.port } });
  await events.waitUntilReady();
  const parked = { type: 'illegal_parking' as const, label: 'car', camera: 'cam-rescore' };
  ids.aerial = await cellCase(api, { ...parked, name: 'aerial', file: 'opencv/aero3.jpg', cell: [1, 1] });
  ids.street = await cellCase(api, { ...parked, name: 'street', file: 'darknet/kite.jpg', cell: [1, 2] });
  ids.decided = await cellCase(api, { ...parked, name: 'decided', file: 'opencv/aero1.jpg', cell: [0, 0] });
  expect((await api.app.inject({ method: 'POST', url: `/v1/cases/${ids.decided}/confirm`, headers: api.headers('reviewer'), payload: {} })).statusCode).toBe(200);
  ids.otherType = await cellCase(api, { ...parked, type: 'street_vending', label: 'person', name: 'other', file: 'opencv/aero1.jpg', cell: [2, 2] });
  // A sighting whose only evidence is a close-up: nothing to cut the case's box from.
  const noFrame = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ type: 'illegal_parking', dedupeKey: 'illegal_parking:no-frame', evidence: [await storedEvidence(api.objects, 'crop')] }) });
  ids.noFrame = noFrame.json().caseId;
}, 120_000);

afterAll(async () => {
  await events?.close();
  await service?.close();
  await redis?.stop();
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a promoted verdict model re-scores the open cases of its type', () => {
  it('scores the waiting illegal-parking cases with the new version, and only those', async () => {
    for (const id of Object.values(ids)) expect((await verdictOf(id)).verdict).toBeNull();
    const request = { target: 'verdict_illegal_parking', appliesTo: ['car', 'truck'], runKey: 'verdict_illegal_parking-after-128-reviews' };
    await service.queue.enqueue(request);
    const outcome = await (await service.queue.queue.getJob(trainingJobId(request.runKey)))!.waitUntilFinished(events, 240_000);
    expect(outcome).toMatchObject({ promoted: true, version: { id: 'verdict-illegal-parking-1' } });
    await until(async () => rescored.length > 0, 60_000, 'the open cases re-scored');
    expect(rescored).toEqual([{ type: 'illegal_parking', modelId: 'verdict-illegal-parking-1', scored: 2, skipped: [{ caseId: ids.noFrame, reason: 'no frame image among its evidence' }] }]);

    const aerial = await verdictOf(ids.aerial);
    const street = await verdictOf(ids.street);
    expect(aerial).toMatchObject({ status: 'pending_review', verdict: { modelId: 'verdict-illegal-parking-1', held: false } });
    expect(street).toMatchObject({ status: 'pending_review', verdict: { modelId: 'verdict-illegal-parking-1' } });
    // Like the reviews it learnt from: the aerial view likely confirmed, the street view likely a false alarm.
    expect(aerial.verdict.score).toBeGreaterThan(0.5);
    expect(street.verdict.score).toBeLessThan(0.5);
    // A decided case keeps the score it was reviewed with (none), as do other types and the case without a frame.
    for (const id of [ids.decided, ids.otherType, ids.noFrame]) expect((await verdictOf(id)).verdict, String(id)).toBeNull();
  }, 300_000);

  it('lets the hold threshold act on the new scores at once', async () => {
    const put = await api.app.inject({ method: 'PUT', url: '/v1/verdict-hold', headers: api.headers('admin'), payload: { thresholds: { illegal_parking: 0.5 } } });
    expect(put.statusCode).toBe(200);
    const held = (await api.app.inject({ method: 'GET', url: '/v1/cases?type=illegal_parking&held=true', headers: api.headers('reviewer') })).json();
    expect(held.items.map((c: { id: number }) => c.id)).toEqual([ids.street]);
    expect((await verdictOf(ids.street)).verdict.held).toBe(true);
  });
});
