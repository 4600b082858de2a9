// The training job end to end on real crops with the real backbone and a real database (PGlite):
// it promotes a model better than the live one, refuses a worse one (trained on randomly labelled
// reviews, judged on the same true held-out reviews), and a rollback restores the previous version
// in a running model registry, which hot-reloads the manifest the promotion wrote.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../api/store/db.ts';
import { migrate } from '../../api/store/migrate.ts';
import { createModelRegistry, type ModelRegistry } from '../../models/registry.ts';
import { liveManifestPath } from '../../models/versions/live-manifest.ts';
import { promoteVersion, rollBack, type VersionsPlace } from '../../models/versions/promotion.ts';
import { runTraining, type ReviewedCrops } from '../../models/versions/training-job.ts';
import { getVersion, promotionsOf } from '../../models/versions/version-store.ts';
import { until } from '../support/until.ts';
import { cutReviewCrops, withRandomTrainingLabels } from './review-crops.ts';

let work: string;
let db: Db;
let place: VersionsPlace;
let truth: string;
let shuffled: string;
let registry: ModelRegistry | undefined;
const admin = { name: 'test admin', role: 'admin' };

const from = (dir: string): ReviewedCrops => async () => dir;
const request = (runKey: string) => ({ target: 'scene', appliesTo: ['car'], runKey });
const liveScene = () => registry!.current().manifest.classifiers.filter((c) => c.attribute === 'scene').map((c) => c.id);

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'versions-job-'));
  db = await openDb({ kind: 'pglite' });
  await migrate(db);
  place = { db, modelsDir: path.join(work, 'models') };
  truth = await cutReviewCrops(path.join(work, 'truth'));
  shuffled = await withRandomTrainingLabels(truth, path.join(work, 'shuffled'));
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await db?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the training job', () => {
  it('promotes the first version when it beats chance, and writes the manifest the workers read', async () => {
    const first = await runTraining(request('run-1'), { place, reviewedCrops: from(truth), threads: 2 });
    expect(first.promoted).toBe(true);
    expect(first.version).toMatchObject({ id: 'scene-1', target: 'scene', parentId: null, live: true, promotedBy: 'training job' });
    expect(first.version.comparison!.decision).toBe('promote');
    expect(first.version.comparison!.rule).toMatch(/balanced accuracy/);
    expect(first.version.comparison!.candidate.balancedAccuracy).toBeGreaterThanOrEqual(0.6);
    const live = JSON.parse(await readFile(liveManifestPath(place.modelsDir), 'utf8'));
    expect(live.models.filter((m: { kind: string }) => m.kind === 'classifier').map((m: { id: string }) => m.id)).toEqual(['scene-1']);
    registry = await createModelRegistry({ manifestPath: liveManifestPath(place.modelsDir), debounceMs: 50, plateReader: false, detector: { threads: 1 }, classifier: { threads: 1 } });
    expect(liveScene()).toEqual(['scene-1']);
  }, 180_000);

  it('is idempotent: the same run again returns its version and trains nothing', async () => {
    const again = await runTraining(request('run-1'), { place, reviewedCrops: async () => { throw new Error('must not export again'); } });
    expect(again.version.id).toBe('scene-1');
  });

  it('refuses a worse version, measured with the live one on the same held-out reviews', async () => {
    const worse = await runTraining(request('run-2'), { place, reviewedCrops: from(shuffled), threads: 2 });
    expect(worse.promoted).toBe(false);
    const c = worse.version.comparison!;
    expect(c.decision).toBe('refuse');
    expect(c.current!.id).toBe('scene-1');
    expect(c.candidate.crops).toBe(c.current!.crops);
    expect(c.candidate.balancedAccuracy as number).toBeLessThan((c.current!.balancedAccuracy as number) - 0.01);
    expect(c.reasons.join(' ')).toMatch(/vs live/);
    expect(worse.version).toMatchObject({ id: 'scene-2', parentId: 'scene-1', live: false, promotedAt: null });
    expect(liveScene()).toEqual(['scene-1']);
  }, 180_000);

  it('an admin promotion and a rollback reach the running registry', async () => {
    await promoteVersion(place, 'scene-2', admin, new Date('2026-05-04T10:00:00Z'), 'try it');
    await until(() => liveScene()[0] === 'scene-2', 10_000, 'scene-2 live in the registry');
    await rollBack(place, 'scene', admin, new Date('2026-05-04T11:00:00Z'), 'worse on the street');
    await until(() => liveScene()[0] === 'scene-1', 10_000, 'scene-1 live in the registry');
    const log = await promotionsOf(db, 'scene');
    expect(log.map((p) => [p.action, p.versionId, p.actor])).toEqual([
      ['rollback', 'scene-1', 'test admin'],
      ['promote', 'scene-2', 'test admin'],
      ['promote', 'scene-1', 'training job'],
    ]);
    expect((await getVersion(db, 'scene-1')).live).toBe(true);
  }, 30_000);

  it('promotes a version better than the live one', async () => {
    await promoteVersion(place, 'scene-2', admin, new Date('2026-05-04T12:00:00Z'), 'the worse one, live again');
    const better = await runTraining(request('run-3'), { place, reviewedCrops: from(truth), threads: 2 });
    expect(better.promoted).toBe(true);
    const c = better.version.comparison!;
    expect(c.current!.id).toBe('scene-2');
    expect(c.candidate.balancedAccuracy as number).toBeGreaterThanOrEqual((c.current!.balancedAccuracy as number) + 0.01);
    await until(() => liveScene()[0] === 'scene-3', 10_000, 'scene-3 live in the registry');
  }, 180_000);

  it('rolling back past the first version leaves the target with no model, and once more is a conflict', async () => {
    await rollBack(place, 'scene', admin, new Date(), null); // scene-3 → scene-2
    await rollBack(place, 'scene', admin, new Date(), null); // scene-2 → scene-1 (live before scene-2 was first promoted)
    await until(() => liveScene()[0] === 'scene-1', 10_000, 'scene-1 live in the registry');
    await rollBack(place, 'scene', admin, new Date(), null); // scene-1 → none
    await until(() => liveScene().length === 0, 10_000, 'no scene model in the registry');
    await expect(rollBack(place, 'scene', admin, new Date(), null)).rejects.toThrow(/no live scene model/);
    await expect(promoteVersion(place, 'nope', admin, new Date())).rejects.toThrow(/no model version "nope"/);
  }, 30_000);
});
