// A camera's own verdict model, end to end on PGlite and the real `training` queue (redis-server):
// illegal-parking cases made from cells of Debian's sample photos (real evidence, captured as a
// worker would) on six cameras, reviewed through the API. Everywhere reviewers confirm the aerial
// views and reject the street ones, except at `cam:north.N` (an id with ":" and "."), where they
// judge the other way round. Once each camera's reviews reach TRAINING_AFTER_REVIEWS, the trigger
// queues the type's run and one per camera with both verdicts; the job trains each camera's model on
// that camera's crops only and measures it against the type's live model on the camera's held-out
// reviews: the north camera's model beats it and is promoted, declared for that camera, and judges
// its sightings and open cases while another camera's keep the type's model; the south camera's
// reviews agree with the type's model, so its candidate cannot beat it and is refused; a camera whose
// cases were all rejected is not queued, and the log says why. Rolled back past its first version,
// the north camera's open case goes back to the type's model, re-scored, not cleared.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { beforeAll, describe, expect, it } from 'vitest';
import { sourcePart } from '../../models/dataset/export-crops.ts';
import { isAttributeName, loadManifest } from '../../models/manifest.ts';
import { loadViolationLabels } from '../../models/violation-labels.ts';
import { liveManifestPath } from '../../models/versions/live-manifest.ts';
import { exportedReviewCrops } from '../../models/versions/reviewed-crops.ts';
import { dueTrainingRuns, type RefusedRun } from '../../models/versions/review-trigger.ts';
import { splitReviews } from '../../models/versions/review-split.ts';
import { runTraining, type TrainingOutcome } from '../../models/versions/training-job.ts';
import { trainingJobId } from '../../models/versions/training-queue.ts';
import type { TrainingService } from '../../models/versions/training-service.ts';
import { getVersion, liveVersions } from '../../models/versions/version-store.ts';
import { createClassifier, type Classifier } from '../../pipeline/classify/classifier.ts';
import { verdictClassifierFor } from '../../pipeline/cases/verdict.ts';
import type { TestApi } from '../support/api.ts';
import type { TestRedis } from '../support/redis-server.ts';
import { reviewerTransport, trainingBench, type LoggedLine } from '../support/training.ts';
import { cellCase } from '../support/sample-cases.ts';

const AFTER = 8;
const TYPE = 'illegal_parking';
const AERIAL = ['opencv/aero1.jpg', 'opencv/aero3.jpg'];
const STREET = ['darknet/dog.jpg', 'darknet/person.jpg', 'darknet/horses.jpg', 'darknet/eagle.jpg', 'darknet/giraffe.jpg', 'darknet/kite.jpg'];

/** A camera name from `stem` whose crops the type's run holds out for measuring (`held`) or trains on, found as the job finds them. */
function camera(held: boolean, stem: string): string {
  for (let i = 0; ; i++) {
    const name = `${stem}${i}`;
    const source = sourcePart(`camera:${name}`);
    if ((splitReviews([{ file: 'x', label: 0, source }]).heldOut.length === 1) === held) return name;
  }
}

const NORTH = camera(false, 'cam:north.');
const SOUTH = camera(false, 'cam-south-');
const ALL_REJECTED = 'cam-bus-lane';
const HELD = camera(true, 'cam-held-');
const OTHERS = [camera(false, 'cam-a-'), camera(false, 'cam-b-')];

let work: string;
let api: TestApi;
let redis: TestRedis;
let service: TrainingService;
let events: QueueEvents;
const logged: LoggedLine[] = [];
const open = {} as Record<'north' | 'other', number>;

/** Unused cells of the sample photos, one per case: no two cases share an image. */
function cells(files: readonly string[]): () => { file: string; cell: [number, number] } {
  const all = files.flatMap((file) => Array.from({ length: 9 }, (_, k) => ({ file, cell: [k % 3, Math.floor(k / 3)] as [number, number] })));
  return () => {
    const next = all.shift();
    if (!next) throw new Error(`no cells of ${files.join(', ')} left`);
    return next;
  };
}
const aerial = cells(AERIAL);
const street = cells(STREET);
let n = 0;

/** A case of `cam` on the next cell, reviewed `verdict` (or left pending); its detector score says nothing about the verdict. */
async function reviewedCase(cam: string, cell: () => { file: string; cell: [number, number] }, verdict: 'confirm' | 'reject' | 'pending'): Promise<number> {
  const i = n++;
  const id = await cellCase(api, { ...cell(), name: `case-${i}`, camera: cam, type: TYPE, label: 'car', score: 0.5 + (i % 5) * 0.1 });
  if (verdict === 'pending') return id;
  const res = await api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${verdict}`, headers: api.headers('reviewer'), payload: verdict === 'reject' ? { reason: '误报' } : {} });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

async function camerasReviews(cam: string, perClass: number, aerialVerdict: 'confirm' | 'reject'): Promise<void> {
  const streetVerdict = aerialVerdict === 'confirm' ? 'reject' : 'confirm';
  for (let k = 0; k < perClass; k++) {
    await reviewedCase(cam, aerial, aerialVerdict);
    await reviewedCase(cam, street, streetVerdict);
  }
}

const verdictOf = async (id: number) => (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json().verdict;
const cameraTarget = (cam: string) => `verdict_${TYPE}@${cam}`;

async function finished(runKey: string): Promise<TrainingOutcome> {
  const job = await service.queue.queue.getJob(trainingJobId(runKey));
  return (await job!.waitUntilFinished(events, 300_000)) as TrainingOutcome;
}

const bench = trainingBench('camera-verdict', { afterReviews: AFTER, logged, rescore: true });

beforeAll(async () => {
  ({ work, api, redis, service, events } = await bench.start());
  await camerasReviews(SOUTH, AFTER / 2, 'confirm');
  for (let k = 0; k < AFTER; k++) await reviewedCase(ALL_REJECTED, street, 'reject');
  for (const cam of [HELD, ...OTHERS]) await camerasReviews(cam, 3, 'confirm');
  // Street views still waiting for review: the type's model calls them false alarms, the north camera's reviewers would not.
  open.north = await reviewedCase(NORTH, street, 'pending');
  open.other = await reviewedCase(OTHERS[0]!, street, 'pending');
}, 240_000);


describe('verdict models per camera', () => {
  const typeRun = `verdict_${TYPE}-after-34-reviews`;
  const northRun = `${cameraTarget(NORTH)}-after-8-reviews`;
  const southRun = `${cameraTarget(SOUTH)}-after-8-reviews`;
  let typeWide: TrainingOutcome;
  let north: TrainingOutcome;
  /** The north camera's open case as its own model scored it. */
  let northScore: number;
  /** The type's live version: the north camera's reviews also call for a new one, which may or may not be promoted. */
  const typeWideLive = async () => (await liveVersions(api.app.db)).get(`verdict_${TYPE}`)!;

  it('queues the type\'s run, then one per camera with enough reviews of both verdicts; a camera with one verdict only is logged, not queued', async () => {
    const refused: RefusedRun[] = [];
    const due = await dueTrainingRuns(api.app.db, await loadViolationLabels(), AFTER, { refused: (r) => refused.push(r) });
    // The type's run first, so each camera's is measured against the type's newest model.
    expect(due[0]!.runKey).toBe(typeRun);
    expect(due.slice(1)).toEqual([{ target: cameraTarget(SOUTH), appliesTo: ['car', 'truck', 'bus', 'motorcycle'], runKey: southRun }]);
    expect(refused).toEqual([
      { target: cameraTarget(ALL_REJECTED), reviews: AFTER, reason: `${cameraTarget(ALL_REJECTED)}: all 8 reviewed cases rejected; a verdict model needs confirmed and rejected cases, so training waits for a confirmed one` },
    ]);
    expect(await service.check()).toEqual(due.map((r) => r.runKey));
    expect(logged.filter((l) => l.msg === 'training run not queued: one class only').map((l) => l.obj.target)).toEqual([cameraTarget(ALL_REJECTED)]);
  });

  it('refuses the south camera\'s model: its reviews agree with the type\'s model, which it does not beat', async () => {
    typeWide = await finished(typeRun);
    expect(typeWide).toMatchObject({ promoted: true, version: { id: 'verdict-illegal-parking-1', target: `verdict_${TYPE}` } });
    const south = await finished(southRun);
    const c = south.version.comparison!;
    expect(south.promoted).toBe(false);
    expect(south.version).toMatchObject({ target: cameraTarget(SOUTH), live: false, parentId: null });
    expect(c).toMatchObject({ decision: 'refuse', current: { id: typeWide.version.id } });
    expect(c.candidate.balancedAccuracy as number).toBeLessThan((c.current!.balancedAccuracy as number) + 0.01);
    expect(c.reasons[0]).toMatch(/vs the type's live verdict-illegal-parking-1 .* < 0\.01/);
  }, 600_000);

  it('trains the north camera\'s model on its own crops and promotes it over the type\'s model, declared for that camera', async () => {
    // Reviewed after the type's version was trained (the job stamps versions with the real time).
    api.clock.now = new Date(Date.now() + 60_000);
    await camerasReviews(NORTH, AFTER / 2, 'reject');
    // Eight new reviews of the type too: its run comes first, so the camera's faces the newest type model.
    const due = await service.check();
    expect(due).toEqual([`verdict_${TYPE}-after-42-reviews`, northRun]);
    await finished(due[0]!);
    north = await finished(northRun);
    const c = north.version.comparison!;
    expect(north.promoted, c.reasons.join('; ')).toBe(true);
    expect(north.version).toMatchObject({ target: cameraTarget(NORTH), parentId: null, live: true });
    // The trainer's id form: lower case, "@" as "-at-", ":" as "-".
    expect(north.version.id).toBe(`verdict-illegal-parking-at-${NORTH.replace(':', '-')}-1`);
    expect(north.version.id).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
    // Only the camera's reviews: its eight crops, held out and trained on.
    expect(north.version.training.reviews).toBe(AFTER);
    const heldOut = path.join(work, 'models', north.version.dir, 'held-out');
    const files = (await Promise.all(['confirmed', 'rejected'].map((k) => readdir(path.join(heldOut, k))))).flat();
    expect(c.heldOut).toMatchObject({ crops: files.length, splitBy: 'case' });
    for (const f of files) expect(f.startsWith(sourcePart(`camera:${NORTH}`))).toBe(true);
    // Measured against the model that judged the camera until now, on the same crops.
    const typeLive = await typeWideLive();
    expect(c.current).toMatchObject({ id: typeLive, crops: c.candidate.crops });
    expect(c.rule).toMatch(/camera's own verdict model/);
    // Listed by its target, with the rule it was judged by, as the models page shows it.
    const list = (await api.app.inject({ method: 'GET', url: `/v1/models/versions?target=${encodeURIComponent(cameraTarget(NORTH))}`, headers: api.headers('admin') })).json();
    expect(list.items.map((v: { id: string }) => v.id)).toEqual([north.version.id]);
    expect(list.cameraRule).toBe(c.rule);
    expect(c.reasons[0]).toContain(`vs the type's live ${typeLive}`);
    expect(c.candidate.balancedAccuracy as number).toBeGreaterThan((c.current!.balancedAccuracy as number) + 0.01);
    const live = (await loadManifest(liveManifestPath(path.join(work, 'models')))).classifiers;
    expect(live.find((m) => m.id === north.version.id)).toMatchObject({ attribute: cameraTarget(NORTH), labels: expect.arrayContaining(['confirmed', 'rejected']) });
  }, 600_000);

  it('picks the camera\'s model for its sightings and the type\'s for another camera\'s', async () => {
    const live = (await loadManifest(liveManifestPath(path.join(work, 'models')))).classifiers.filter((m) => m.attribute.startsWith('verdict_'));
    const classifiers: Classifier[] = [];
    try {
      for (const m of live) classifiers.push(await createClassifier(m, { threads: 1 }));
      expect(verdictClassifierFor({ type: TYPE, sourceId: NORTH }, classifiers)?.model.id).toBe(north.version.id);
      expect(verdictClassifierFor({ type: TYPE, sourceId: OTHERS[0]! }, classifiers)?.model.id).toBe((await typeWideLive()));
      expect(verdictClassifierFor({ type: TYPE, sourceId: SOUTH }, classifiers)?.model.id).toBe((await typeWideLive()));
    } finally {
      for (const c of classifiers) await c.close();
    }
  });

  it('scores the north camera\'s open case with its own model and another camera\'s with the type\'s', async () => {
    await service.rescoreStale();
    const [northCase, otherCase] = [await verdictOf(open.north), await verdictOf(open.other)];
    expect(northCase).toMatchObject({ modelId: north.version.id });
    expect(otherCase).toMatchObject({ modelId: (await typeWideLive()) });
    // A street view: a false alarm to the type's model; the north camera's, taught by reviewers who
    // confirm street views there, scores it higher than the type's does (the last test compares).
    expect(otherCase.score).toBeLessThan(0.5);
    northScore = northCase.score;
    expect(logged).toContainEqual({ msg: 'open cases re-scored with the live verdict model', obj: expect.objectContaining({ target: cameraTarget(NORTH), camera: NORTH, modelId: north.version.id, scored: 1 }) });
    // Up to date: nothing more to do.
    expect(await service.rescoreStale()).toEqual([]);
  });

  it('rolled back past its first version, the camera\'s open case is re-scored by the type\'s model, not cleared', async () => {
    const other = await verdictOf(open.other);
    // By an admin through the API: the camera's target, ":" and "@" included, is one path segment.
    const res = await api.app.inject({ method: 'POST', url: `/v1/models/targets/${encodeURIComponent(cameraTarget(NORTH))}/rollback`, headers: api.headers('admin'), payload: { reason: 'test' } });
    expect(res.json()).toMatchObject({ action: 'rollback', target: cameraTarget(NORTH), versionId: null });
    expect((await getVersion(api.app.db, north.version.id)).live).toBe(false);
    expect(await service.rescoreStale()).toEqual([{ type: TYPE, modelId: (await typeWideLive()), scored: 1, cleared: 0, skipped: [] }]);
    const northCase = await verdictOf(open.north);
    expect(northCase).toMatchObject({ modelId: (await typeWideLive()) });
    expect(northCase.score).toBeLessThan(0.5);
    expect(northCase.score).toBeLessThan(northScore);
    expect(await verdictOf(open.other)).toEqual(other);
    const live = (await loadManifest(liveManifestPath(path.join(work, 'models')))).classifiers;
    expect(live.some((m) => m.attribute === cameraTarget(NORTH))).toBe(false);
  });

  it('a camera id that cannot name a model is logged, not queued', async () => {
    const odd = 'cam 9/east';
    for (let k = 0; k < AFTER / 2; k++) {
      await reviewedCase(odd, street, 'reject');
      await reviewedCase(odd, street, 'confirm');
    }
    const refused: RefusedRun[] = [];
    const due = await dueTrainingRuns(api.app.db, await loadViolationLabels(), AFTER, { refused: (r) => refused.push(r) });
    expect(due.map((r) => r.target)).not.toContain(cameraTarget(odd));
    expect(refused).toContainEqual({ target: cameraTarget(odd), reviews: AFTER, reason: expect.stringContaining(`camera id "${odd}" cannot name a model`) });
  });

  it('a camera target whose camera has no reviewed crops is refused naming the camera and the file names looked for', async () => {
    const crops = exportedReviewCrops(reviewerTransport(api));
    await expect(crops(cameraTarget('cam-nobody'), path.join(work, 'nobody'))).rejects.toThrow(
      `no reviewed crops for "${cameraTarget('cam-nobody')}": none of crops/${TYPE}/ is from camera "cam-nobody" (files camera-cam-nobody__*)`,
    );
    await expect(crops(`verdict_${TYPE}@../etc`, path.join(work, 'x'))).rejects.toThrow(/is not an attribute name/);
  }, 60_000);

  it('a camera id differing from another only in characters a file name replaces shares its crops but gets its own version ids', async () => {
    const twin = NORTH.replace(':', '-');
    const outcome = await runTraining({ target: cameraTarget(twin), appliesTo: ['car'], runKey: 'twin-1' }, {
      place: { db: api.app.db, modelsDir: path.join(work, 'models') },
      reviewedCrops: exportedReviewCrops(reviewerTransport(api)),
      threads: 2,
    });
    // One stem for both ("cam:north.N" and "cam-north.N" are "cam-north.N" in an id): numbered on, not reused.
    expect(outcome.version).toMatchObject({ id: `verdict-illegal-parking-at-${twin}-2`, target: cameraTarget(twin) });
    expect(outcome.version.training.reviews).toBe(north.version.training.reviews);
  }, 300_000);

  it('the manifest takes a camera\'s verdict attribute, and only that form with "@"', () => {
    expect(isAttributeName(cameraTarget(NORTH))).toBe(true);
    for (const bad of [`verdict_${TYPE}@cam 9/east`, `verdict_${TYPE}@`, `cover@${SOUTH}`, `verdict_${TYPE}@a@b`]) expect(isAttributeName(bad), bad).toBe(false);
  });
});
