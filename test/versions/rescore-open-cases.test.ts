// Open cases carry the score of the live verdict model, whoever made it live. A
// `verdict_illegal_parking` run on the real `training` queue (redis-server) is promoted by the real
// job, and the training service at once scores the illegal-parking cases still waiting for review on
// their own evidence (cells of Debian's sample photos), through the classifier the version wrote;
// decided cases, other types and a case without a frame are left as they were, and the hold
// threshold then acts on the new scores. A second version trained on the opposite reviews is
// promoted by the job; an admin then rolls back and promotes by hand through the API, and each
// check() brings the open cases to the live version, or clears their scores once the target has
// none; a decided case and a case scored by a model declared by name keep their scores throughout,
// and a check with nothing stale opens no classifier.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RescoreOutcome } from '../../models/versions/rescore-open-cases.ts';
import { trainingJobId } from '../../models/versions/training-queue.ts';
import type { TrainingService } from '../../models/versions/training-service.ts';
import { getVersion } from '../../models/versions/version-store.ts';
import { observation, storedEvidence, type TestApi } from '../support/api.ts';
import type { TestRedis } from '../support/redis-server.ts';
import { trainingBench } from '../support/training.ts';
import { cellCase } from '../support/sample-cases.ts';
import { until } from '../support/until.ts';
import { cutReviewCrops } from './review-crops.ts';

let work: string;
let api: TestApi;
let redis: TestRedis;
let service: TrainingService;
let events: QueueEvents;
const rescored: RescoreOutcome[] = [];
const logged: Array<{ obj: Record<string, unknown>; msg: string }> = [];
const ids = {} as Record<'aerial' | 'street' | 'decided' | 'decidedLater' | 'otherType' | 'noFrame' | 'byName', number>;
const TARGET = 'verdict_illegal_parking';
let reviews: string;
/** The open cases' scores under each version, as it gave them. */
const scoresBy: Record<string, { aerial: number; street: number }> = {};

/**
 * Reviews where aerial crops were confirmed and street ones rejected: a verdict a classifier can
 * learn; `flipped`, the opposite verdicts, so a second version scores the same cases the other way.
 */
async function verdictReviews(dir: string, flipped = false): Promise<string> {
  const tree = await cutReviewCrops(path.join(dir, 'cut'));
  await mkdir(path.join(dir, 'reviews'), { recursive: true });
  await rename(path.join(tree, 'aerial'), path.join(dir, 'reviews', flipped ? 'rejected' : 'confirmed'));
  await rename(path.join(tree, 'street'), path.join(dir, 'reviews', flipped ? 'confirmed' : 'rejected'));
  return path.join(dir, 'reviews');
}

const verdictOf = async (id: number) => (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();
const asAdmin = (url: string) => api.app.inject({ method: 'POST', url, headers: api.headers('admin'), payload: { reason: 'test' } });
/** How many times the service opened a verdict classifier to re-score (its log says each time). */
const opened = () => logged.filter((l) => l.msg === 'live verdict model opened to re-score open cases').length;

async function trainVersion(runKey: string): Promise<unknown> {
  await service.queue.enqueue({ target: TARGET, appliesTo: ['car', 'truck'], runKey });
  return (await service.queue.queue.getJob(trainingJobId(runKey)))!.waitUntilFinished(events, 240_000);
}

const bench = trainingBench('rescore', { afterReviews: 1000, logged, rescore: true, reviewedCrops: async () => reviews, onRescored: (r) => rescored.push(r) });

beforeAll(async () => {
  ({ work, api, redis, service, events } = await bench.start());
  reviews = await verdictReviews(work);
  const parked = { type: 'illegal_parking' as const, label: 'car', camera: 'cam-rescore' };
  ids.aerial = await cellCase(api, { ...parked, name: 'aerial', file: 'opencv/aero3.jpg', cell: [1, 1] });
  ids.street = await cellCase(api, { ...parked, name: 'street', file: 'darknet/kite.jpg', cell: [1, 2] });
  ids.decided = await cellCase(api, { ...parked, name: 'decided', file: 'opencv/aero1.jpg', cell: [0, 0] });
  expect((await api.app.inject({ method: 'POST', url: `/v1/cases/${ids.decided}/confirm`, headers: api.headers('reviewer'), payload: {} })).statusCode).toBe(200);
  ids.decidedLater = await cellCase(api, { ...parked, name: 'decided-later', file: 'opencv/aero1.jpg', cell: [1, 1] });
  ids.otherType = await cellCase(api, { ...parked, type: 'street_vending', label: 'person', name: 'other', file: 'opencv/aero1.jpg', cell: [2, 2] });
  // A sighting whose only evidence is a close-up: nothing to cut the case's box from.
  const noFrame = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ type: 'illegal_parking', dedupeKey: 'illegal_parking:no-frame', evidence: [await storedEvidence(api.objects, 'crop')] }) });
  ids.noFrame = noFrame.json().caseId;
  // Scored by a verdict model the manifest declares by name, not a version of the target: the worker's choice, left alone.
  const byName = await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ type: 'illegal_parking', dedupeKey: 'illegal_parking:by-name', verdict: { score: 0.7, modelId: 'verdict-by-name' }, evidence: [await storedEvidence(api.objects, 'frame')] }) });
  ids.byName = byName.json().caseId;
}, 120_000);


describe('a promoted verdict model re-scores the open cases of its type', () => {
  it('scores the waiting illegal-parking cases with the new version, and only those', async () => {
    for (const [name, id] of Object.entries(ids)) expect((await verdictOf(id)).verdict, name).toEqual(name === 'byName' ? expect.objectContaining({ modelId: 'verdict-by-name' }) : null);
    const outcome = await trainVersion('verdict_illegal_parking-after-128-reviews');
    expect(outcome).toMatchObject({ promoted: true, version: { id: 'verdict-illegal-parking-1' } });
    await until(async () => rescored.length > 0, 60_000, 'the open cases re-scored');
    expect(rescored).toEqual([{ type: 'illegal_parking', modelId: 'verdict-illegal-parking-1', scored: 3, cleared: 0, skipped: [{ caseId: ids.noFrame, reason: 'no frame image among its evidence' }] }]);

    const aerial = await verdictOf(ids.aerial);
    const street = await verdictOf(ids.street);
    expect(aerial).toMatchObject({ status: 'pending_review', verdict: { modelId: 'verdict-illegal-parking-1', held: false } });
    expect(street).toMatchObject({ status: 'pending_review', verdict: { modelId: 'verdict-illegal-parking-1' } });
    // Like the reviews it learnt from: the aerial view likely confirmed, the street view likely a false alarm.
    expect(aerial.verdict.score).toBeGreaterThan(0.5);
    expect(street.verdict.score).toBeLessThan(0.5);
    scoresBy['verdict-illegal-parking-1'] = { aerial: aerial.verdict.score, street: street.verdict.score };
    // A decided case keeps the score it was reviewed with (none), as do other types and the case without a frame.
    for (const id of [ids.decided, ids.otherType, ids.noFrame]) expect((await verdictOf(id)).verdict, String(id)).toBeNull();
    expect((await verdictOf(ids.byName)).verdict).toMatchObject({ score: 0.7, modelId: 'verdict-by-name' });
    // Reviewed with version 1's score: the score the hold figures measure from now on.
    expect((await verdictOf(ids.decidedLater)).verdict).toMatchObject({ modelId: 'verdict-illegal-parking-1' });
    expect((await api.app.inject({ method: 'POST', url: `/v1/cases/${ids.decidedLater}/confirm`, headers: api.headers('reviewer'), payload: {} })).statusCode).toBe(200);
  }, 300_000);

  it('lets the hold threshold act on the new scores at once', async () => {
    const put = await api.app.inject({ method: 'PUT', url: '/v1/verdict-hold', headers: api.headers('admin'), payload: { thresholds: { illegal_parking: 0.5 } } });
    expect(put.statusCode).toBe(200);
    const held = (await api.app.inject({ method: 'GET', url: '/v1/cases?type=illegal_parking&held=true', headers: api.headers('reviewer') })).json();
    expect(held.items.map((c: { id: number }) => c.id)).toEqual([ids.street]);
    expect((await verdictOf(ids.street)).verdict.held).toBe(true);
  });
});

describe('open cases follow the live verdict version, whoever made it live', () => {
  const v1 = 'verdict-illegal-parking-1';
  const v2 = 'verdict-illegal-parking-2';
  let decidedLater: { score: number; modelId: string };
  const unscorable = () => [{ caseId: ids.noFrame, reason: 'no frame image among its evidence' }];

  /** The open cases carry `version`'s id and the scores it gave them before. */
  async function expectScoredBy(version: string) {
    const [aerial, street] = [await verdictOf(ids.aerial), await verdictOf(ids.street)];
    expect(aerial).toMatchObject({ status: 'pending_review', verdict: { modelId: version } });
    expect(street).toMatchObject({ status: 'pending_review', verdict: { modelId: version } });
    expect(aerial.verdict.score).toBeCloseTo(scoresBy[version]!.aerial, 6);
    expect(street.verdict.score).toBeCloseTo(scoresBy[version]!.street, 6);
  }

  /** What no live model may change: decided cases, other types, a score from a model declared by name. */
  async function expectUntouched() {
    expect((await verdictOf(ids.decidedLater)).verdict).toMatchObject(decidedLater);
    for (const id of [ids.decided, ids.otherType, ids.noFrame]) expect((await verdictOf(id)).verdict, String(id)).toBeNull();
    expect((await verdictOf(ids.byName)).verdict).toMatchObject({ score: 0.7, modelId: 'verdict-by-name' });
  }

  /** One check(); the outcome it reported, if any. */
  async function checked(): Promise<RescoreOutcome | undefined> {
    const before = rescored.length;
    expect(await service.check()).toEqual([]);
    expect(rescored.length - before).toBeLessThanOrEqual(1);
    return rescored[before];
  }

  beforeAll(async () => {
    decidedLater = (await verdictOf(ids.decidedLater)).verdict;
    expect(decidedLater).toMatchObject({ modelId: v1, score: expect.any(Number) });
  });

  it('a check with nothing stale changes nothing and opens no classifier', async () => {
    const before = opened();
    expect(await checked()).toBeUndefined();
    expect(await service.rescoreStale()).toEqual([]);
    expect(opened()).toBe(before);
    await expectScoredBy(v1);
  });

  it('a version the job promotes scores the queue through the same stage', async () => {
    reviews = await verdictReviews(path.join(work, 'flipped'), true);
    const before = rescored.length;
    expect(await trainVersion('verdict_illegal_parking-flipped')).toMatchObject({ promoted: true, version: { id: v2, parentId: v1 } });
    await until(async () => rescored.length > before, 60_000, 'the open cases re-scored by version 2');
    // The case without a frame is tried once more by the new model, and said so once.
    expect(rescored.slice(before)).toEqual([{ type: 'illegal_parking', modelId: v2, scored: 2, cleared: 0, skipped: unscorable() }]);
    const [aerial, street] = [await verdictOf(ids.aerial), await verdictOf(ids.street)];
    // Taught the opposite verdicts, it scores the same cases the other way.
    expect(aerial.verdict.score).toBeLessThan(0.5);
    expect(street.verdict.score).toBeGreaterThan(0.5);
    scoresBy[v2] = { aerial: aerial.verdict.score, street: street.verdict.score };
    await expectScoredBy(v2);
    await expectUntouched();
  }, 300_000);

  it('after a rollback by hand, one check brings back the restored version\'s scores', async () => {
    expect((await asAdmin(`/v1/models/targets/${TARGET}/rollback`)).json()).toMatchObject({ action: 'rollback', versionId: v1 });
    await expectScoredBy(v2);
    expect(await checked()).toEqual({ type: 'illegal_parking', modelId: v1, scored: 2, cleared: 0, skipped: unscorable() });
    await expectScoredBy(v1);
    await expectUntouched();
    const before = opened();
    expect(await checked()).toBeUndefined();
    expect(opened()).toBe(before);
  }, 120_000);

  it('after a promotion by hand, one check gives the open cases that version\'s scores', async () => {
    expect((await asAdmin(`/v1/models/versions/${v2}/promote`)).json()).toMatchObject({ action: 'promote', versionId: v2, previousId: v1 });
    expect(await checked()).toEqual({ type: 'illegal_parking', modelId: v2, scored: 2, cleared: 0, skipped: unscorable() });
    await expectScoredBy(v2);
    await expectUntouched();
  }, 120_000);

  it('rolled back past the first version, the open cases\' scores are cleared, not shown as current', async () => {
    expect((await asAdmin(`/v1/models/targets/${TARGET}/rollback`)).json()).toMatchObject({ versionId: v1 });
    expect((await asAdmin(`/v1/models/targets/${TARGET}/rollback`)).json()).toMatchObject({ versionId: null });
    const before = opened();
    expect(await checked()).toEqual({ type: 'illegal_parking', modelId: null, scored: 0, cleared: 2, skipped: [] });
    expect(logged.at(-1)).toMatchObject({ msg: "open cases' verdict scores cleared: no live verdict model", obj: { type: 'illegal_parking', cleared: 2 } });
    for (const id of [ids.aerial, ids.street]) expect(await verdictOf(id), String(id)).toMatchObject({ status: 'pending_review', verdict: null });
    await expectUntouched();
    expect(await checked()).toBeUndefined();
    expect(opened()).toBe(before);
  }, 120_000);

  it('promoted again, the version scores the cases it finds without a score', async () => {
    expect((await asAdmin(`/v1/models/versions/${v1}/promote`)).json()).toMatchObject({ versionId: v1, previousId: null });
    expect(await checked()).toEqual({ type: 'illegal_parking', modelId: v1, scored: 2, cleared: 0, skipped: unscorable() });
    await expectScoredBy(v1);
    await expectUntouched();
  }, 120_000);

  it('a sighting a lagging worker scored with a version no longer live loses that score when the live one cannot score it', async () => {
    // Reported by a worker that has not reloaded the manifest yet: scored by version 2, which is no longer live.
    const lagging = async (name: string, evidence: Awaited<ReturnType<typeof storedEvidence>>) =>
      (await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ type: 'illegal_parking', dedupeKey: `illegal_parking:${name}`, verdict: { score: 0.9, modelId: v2 }, evidence: [evidence] }) })).json().caseId as number;
    const closeUpOnly = await lagging('lagging-close-up', await storedEvidence(api.objects, 'crop'));
    // A 16-pixel frame: the sighting's box lies outside it.
    const tinyFrame = await lagging('lagging-tiny-frame', await storedEvidence(api.objects, 'frame'));
    for (const id of [closeUpOnly, tinyFrame]) expect((await verdictOf(id)).verdict).toMatchObject({ modelId: v2 });
    const before = opened();
    expect(await checked()).toEqual({
      type: 'illegal_parking', modelId: v1, scored: 0, cleared: 2,
      skipped: [{ caseId: closeUpOnly, reason: 'no frame image among its evidence' }, { caseId: tinyFrame, reason: 'box [100, 120, 300, 260] is empty on its frame' }],
    });
    // Opened for the tiny frame, the only one with an image to judge.
    expect(opened()).toBe(before + 1);
    for (const id of [closeUpOnly, tinyFrame]) expect((await verdictOf(id)).verdict, String(id)).toBeNull();
    await expectScoredBy(v1);
    await expectUntouched();
    // Found unscorable by this version: not tried again at every check.
    expect(await checked()).toBeUndefined();
    expect(opened()).toBe(before + 1);
  }, 120_000);

  it('a live version whose model file was altered is logged once with why, and the check goes on until it is whole again', async () => {
    const version = await getVersion(api.app.db, v1);
    const file = path.join(work, 'models', version.dir, version.entry.file as string);
    const whole = await readFile(file);
    const stale = (await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ type: 'illegal_parking', dedupeKey: 'illegal_parking:lagging-while-broken', verdict: { score: 0.9, modelId: v2 }, evidence: [await storedEvidence(api.objects, 'frame')] }) })).json().caseId as number;
    await writeFile(file, Buffer.concat([whole, Buffer.from('altered')]));
    try {
      const failures = () => logged.filter((l) => l.msg === 're-scoring open cases failed');
      expect(await checked()).toBeUndefined();
      expect(failures()).toEqual([{ msg: 're-scoring open cases failed', obj: { target: TARGET, err: expect.stringMatching(/sha256/) } }]);
      expect(failures()[0]!.obj.err).toContain(v1);
      // Said once, not at every check; what could not be replaced is left as it was.
      expect(await checked()).toBeUndefined();
      expect(failures()).toHaveLength(1);
      expect((await verdictOf(stale)).verdict).toMatchObject({ modelId: v2 });
    } finally {
      await writeFile(file, whole);
    }
    expect(await checked()).toEqual({ type: 'illegal_parking', modelId: v1, scored: 0, cleared: 1, skipped: [{ caseId: stale, reason: 'box [100, 120, 300, 260] is empty on its frame' }] });
    expect((await verdictOf(stale)).verdict).toBeNull();
  }, 120_000);
});
