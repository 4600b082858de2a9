// Reviewers' attribute labels call for a classifier of that attribute: truck cases made from
// cells of Debian's sample photos (real evidence, captured as a worker would) on several cameras, confirmed
// and labelled through the API on PGlite; once TRAINING_AFTER_REVIEWS labels are in and two classes
// are present, the trigger queues a `cover` run on the real `training` queue (redis-server), and
// the worker exports the reviewed crops, trains, measures and promotes cover-1 for the truck labels.
// With one class only (every cover "covered", every case confirmed) nothing is queued and the
// logged reason says why.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTE_LABELS } from '../../api/case/attribute-labels.ts';
import { loadViolationLabels } from '../../models/violation-labels.ts';
import { liveManifestPath } from '../../models/versions/live-manifest.ts';
import { dueTrainingRuns, type RefusedRun } from '../../models/versions/review-trigger.ts';
import { splitReviews } from '../../models/versions/review-split.ts';
import { trainingJobId } from '../../models/versions/training-queue.ts';
import type { TrainingService } from '../../models/versions/training-service.ts';
import { listVersions } from '../../models/versions/version-store.ts';
import type { TestApi } from '../support/api.ts';
import type { TestRedis } from '../support/redis-server.ts';
import { trainingBench, type LoggedLine } from '../support/training.ts';
import { capturedCase, cellCase } from '../support/sample-cases.ts';

/** Cases per class; every case is labelled, so the trigger is set at all of them. */
const PER_CLASS = 16;
const AFTER = 2 * PER_CLASS;
/** Aerial photos stand in for covered beds and street photos for open ones: a task a classifier can learn. */
const PHOTOS = { covered: ['opencv/aero1.jpg', 'opencv/aero3.jpg'], uncovered: ['darknet/dog.jpg', 'darknet/horses.jpg', 'darknet/eagle.jpg', 'darknet/kite.jpg'] } as const;

let work: string;
let api: TestApi;
let redis: TestRedis;
let service: TrainingService;
let events: QueueEvents;
const logged: LoggedLine[] = [];
const cases: Record<'covered' | 'uncovered', number[]> = { covered: [], uncovered: [] };

/** Cameras whose crops the job holds out for measuring (`held`) or trains on, found as the job finds them. */
function cameras(held: boolean, n: number, stem: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const name = `${stem}${i}`;
    if ((splitReviews([{ file: 'x', label: 0, source: `camera-${name}` }]).heldOut.length === 1) === held) out.push(name);
  }
  return out;
}

/** PER_CLASS truck cases of one class: ninths of its photos, two cases per camera, a quarter of the cameras held out. */
async function truckCases(kind: 'covered' | 'uncovered'): Promise<number[]> {
  const cams = [...cameras(true, 2, `${kind}-held-`), ...cameras(false, 6, `${kind}-cam-`)];
  const ninths = PHOTOS[kind].flatMap((file) => Array.from({ length: 9 }, (_, k) => ({ file, cell: [k % 3, Math.floor(k / 3)] as [number, number] })));
  const ids: number[] = [];
  for (const [i, { file, cell }] of ninths.slice(0, PER_CLASS).entries()) ids.push(await cellCase(api, { name: `${kind}-${i}`, file, cell, camera: cams[i % cams.length]!, type: 'uncovered_muck_truck', label: 'truck' }));
  return ids;
}

const label = (id: number, value: string) => api.app.inject({ method: 'PUT', url: `/v1/cases/${id}/labels/cover`, headers: api.headers('reviewer'), payload: { value } });

const bench = trainingBench('attribute-training', { afterReviews: AFTER, logged });

beforeAll(async () => {
  ({ work, api, redis, service, events } = await bench.start());
  for (const kind of ['covered', 'uncovered'] as const) cases[kind] = await truckCases(kind);
  for (const id of [...cases.covered, ...cases.uncovered]) {
    const res = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/confirm`, headers: api.headers('reviewer'), payload: {} });
    expect(res.statusCode, res.body).toBe(200);
  }
}, 120_000);


describe('attribute labels trigger their classifier’s training', () => {
  it('queues nothing while every label is one class (and every case confirmed), and logs why', async () => {
    for (const id of [...cases.covered, ...cases.uncovered]) expect((await label(id, 'covered')).statusCode).toBe(200);
    const refused: RefusedRun[] = [];
    expect(await dueTrainingRuns(api.app.db, await loadViolationLabels(), AFTER, { refused: (r) => refused.push(r) })).toEqual([]);
    expect(refused).toEqual([
      { target: 'verdict_uncovered_muck_truck', reviews: AFTER, reason: expect.stringMatching(/all 32 reviewed cases confirmed; a verdict model needs confirmed and rejected cases, so training waits for a rejected one/) },
      { target: 'cover', reviews: AFTER, reason: expect.stringMatching(/every labelled reviewed case is "covered"; a classifier needs two classes, so training waits for a case labelled "uncovered" or "empty_bed"/) },
    ]);
    expect(await service.check()).toEqual([]);
    expect(logged.filter((l) => l.msg === 'training run not queued: one class only').map((l) => l.obj.target)).toEqual(['verdict_uncovered_muck_truck', 'cover']);
    // Checked again with nothing new: the same reasons are not logged again.
    await service.check();
    expect(logged.filter((l) => l.msg === 'training run not queued: one class only')).toHaveLength(2);
    expect(await service.queue.queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
  });

  it('labels of a pending case do not count: its crop is not exported yet', async () => {
    const { caseId } = await capturedCase(api, { name: 'pending-truck', file: 'darknet/dog.jpg', camera: 'pending-cam', type: 'uncovered_muck_truck', label: 'truck', box: [466, 74, 683, 171] });
    expect((await label(caseId, 'uncovered')).statusCode).toBe(200);
    expect(await dueTrainingRuns(api.app.db, await loadViolationLabels(), AFTER)).toEqual([]);
  });

  it('queues a run of the cover classifier once two classes are labelled, and the worker trains and promotes it for trucks', async () => {
    for (const id of cases.uncovered) expect((await label(id, 'uncovered')).statusCode).toBe(200);
    const due = await dueTrainingRuns(api.app.db, await loadViolationLabels(), AFTER);
    // 32 labels, then 16 changed: 48 labellings of reviewed cases.
    expect(due).toEqual([{ target: 'cover', appliesTo: ATTRIBUTE_LABELS.cover!.appliesTo, runKey: 'cover-after-48-labels' }]);
    expect(await service.check()).toEqual(['cover-after-48-labels']);
    expect(await service.check()).toEqual(['cover-after-48-labels']);
    expect(await service.queue.queue.getJobCounts('waiting', 'active', 'completed')).toMatchObject({ completed: 0 });
    const job = await service.queue.queue.getJob(trainingJobId('cover-after-48-labels'));
    const outcome = await job!.waitUntilFinished(events, 240_000);
    expect(outcome).toMatchObject({ promoted: true, version: { id: 'cover-1', target: 'cover', live: true } });
    const [version] = await listVersions(api.app.db, { target: 'cover' });
    expect(version!.training.classes).toEqual({ covered: expect.any(Number), uncovered: expect.any(Number) });
    expect(version!.comparison).toMatchObject({ decision: 'promote', current: null });
    // The workers' manifest now declares the cover classifier for the truck labels.
    const live = JSON.parse(await readFile(liveManifestPath(path.join(work, 'models')), 'utf8')) as { models: Array<{ id: string; attribute?: string; appliesTo?: string[] }> };
    expect(live.models.find((m) => m.id === 'cover-1')).toMatchObject({ attribute: 'cover', appliesTo: ATTRIBUTE_LABELS.cover!.appliesTo });
    // Checked twice, queued once: and said once.
    expect(logged.filter((l) => l.msg === 'training run queued').map((l) => l.obj.runKey)).toEqual(['cover-after-48-labels']);
    // Nothing new since cover-1: nothing due.
    expect((await dueTrainingRuns(api.app.db, await loadViolationLabels(), AFTER)).map((r) => r.target)).toEqual([]);
  }, 300_000);
});
