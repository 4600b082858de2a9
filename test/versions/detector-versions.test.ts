// Fine-tuned detectors as model versions, on a real API (PGlite): a detector trained here for a few
// steps with the real trainer on Debian's labelme photos is registered as an aerial-detector
// version, measured with the product's evaluator against its base on the trainer's held-out photo,
// promoted, picked up by a running survey registry (and kept off the camera path), used by the
// survey analysis, and rolled back. The refusals: a missing or non-JSON manifest, an altered file,
// a base of a family the trainer does not know, an id taken, the rule's refusal, and a version
// whose files are gone.
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel, loadManifest } from '../../models/manifest.ts';
import { createModelRegistry, type ModelRegistry } from '../../models/registry.ts';
import { labelmeYolo, tempDir } from '../../models/train/detector-sample-dataset.ts';
import { trainDetector, type TrainedDetector } from '../../models/train/train-detector.ts';
import { measureDetector } from '../../models/versions/detector-held-out.ts';
import { decideDetectorPromotion } from '../../models/versions/detector-promotion-rule.ts';
import { liveManifestPath } from '../../models/versions/live-manifest.ts';
import { syncLiveManifest } from '../../models/versions/promotion.ts';
import { AERIAL_DETECTOR_TARGET } from '../../models/versions/register-detector.ts';
import { analyseSurveyImage } from '../../pipeline/survey/survey-image.ts';
import { DEFAULT_ALLOW_LISTS } from '../../pipeline/survey/label-allow-list.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { defaultModel } from '../support/default-detector.ts';
import { samplePath } from '../support/samples.ts';
import { runScript } from '../support/run-script.ts';
import { until } from '../support/until.ts';
import { baseCopy as baseCopyOf } from './detector-fixture.ts';

let work: string;
let api: TestApi;
let modelsDir: string;
let dataset: string;
let trained: TrainedDetector;
let surveyRegistry: ModelRegistry;
let cameraRegistry: ModelRegistry;

beforeAll(async () => {
  work = await tempDir('versions');
  dataset = await labelmeYolo(path.join(work, 'data'));
  trained = await trainDetector({
    dataset, base: 'nanodet-coco-416', id: 'aerial-tuned-1', out: path.join(work, 'out'), classes: ['person', 'car', 'bus'],
    epochs: 3, freezeBackbone: true, replay: [], batch: 2, lr: 1e-3, minViewsPerEpoch: 4,
  });
  modelsDir = path.join(work, 'models');
  api = await startTestApi({ kind: 'pglite' }, { modelsDir });
  await syncLiveManifest(api.app.db, { modelsDir });
  // int8 pinned off: the test is of aerial versions, not of the int8 stand-in this CPU may run.
  surveyRegistry = await createModelRegistry({ manifestPath: liveManifestPath(modelsDir), aerialDetectors: true, int8Exact: { exact: false, why: 'pinned by the test' }, plateReader: false, debounceMs: 50 });
  cameraRegistry = await createModelRegistry({ manifestPath: liveManifestPath(modelsDir), plateReader: false, debounceMs: 50 });
}, 300_000);

afterAll(async () => {
  await surveyRegistry?.close();
  await cameraRegistry?.close();
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const post = (url: string, payload: object) => api.app.inject({ method: 'POST', url, headers: api.headers('admin'), payload });
const register = (payload: object) => post('/v1/models/detector-versions', payload);
const detectorIds = (r: ModelRegistry) => r.current().detectors.detectors.map((d) => d.model.id);

const baseCopy = (id: string, into: string) => baseCopyOf(id, into, dataset);

describe('a fine-tuned detector as a model version', () => {
  let beforePromotion: string;

  it('registers with its base, training summary, metrics and a held-out comparison against its base', async () => {
    const res = await register({ manifest: trained.manifest, id: 'aerial-tuned-1' });
    expect(res.statusCode).toBe(201);
    const v = res.json();
    const base = await defaultModel();
    expect(v).toMatchObject({ id: 'aerial-tuned-1', kind: 'detector', target: AERIAL_DETECTOR_TARGET, parentId: null, live: false, createdBy: expect.any(String) });
    expect(v.training.base).toEqual({ id: base.id, sha256: base.sha256 });
    expect(v.training.train.boxes).toHaveProperty('person');
    expect(v.metrics.exportParity.maxAbsDiff).toBeLessThanOrEqual(1e-3);
    expect(v.entry).toMatchObject({ aerial: true, file: 'aerial-tuned-1.onnx', sha256: trained.sha256 });
    // The trainer held one of the three photos out; it is kept with the version.
    const heldOutDir = path.join(modelsDir, v.dir, 'held-out');
    const kept = readdirSync(path.join(heldOutDir, 'images'));
    expect(kept).toHaveLength(1);
    expect(v.comparison.heldOut).toMatchObject({ images: 1, tiled: true });
    expect(v.comparison.current).toMatchObject({ id: base.id, base: true });
    // Both measured on that photo: the base measured again there gives the stored figures.
    const again = await measureDetector(base, heldOutDir, ['person', 'car', 'bus'], { tiles: true });
    expect(v.comparison.current.ap50).toBeCloseTo(again.ap50, 10);
    expect(v.comparison.current.ap50to95).toBeCloseTo(again.ap50to95, 10);
    expect(v.comparison.candidate.objects).toBeGreaterThan(0);
    const expected = decideDetectorPromotion(v.comparison.candidate, v.comparison.current, `base ${base.id}`, true);
    expect(v.comparison.decision).toBe(expected.decision);
    expect(v.comparison.reasons).toEqual(expected.reasons);
    expect(v.comparison.rule).toMatch(/AP50 .* at least 0.01.*AP50-95 is not lower by more than 0.01/);
    const list = (await api.app.inject({ method: 'GET', url: '/v1/models/versions', headers: api.headers('admin') })).json();
    expect(list.detectorRule).toBe(v.comparison.rule);
  }, 120_000);

  it('promotes into the live manifest; the survey registry loads it, the camera registry does not', async () => {
    beforePromotion = await readFile(liveManifestPath(modelsDir), 'utf8');
    const res = await post('/v1/models/versions/aerial-tuned-1/promote', { reason: 'first aerial model', override: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ target: AERIAL_DETECTOR_TARGET, versionId: 'aerial-tuned-1', previousId: null, action: 'promote' });
    const live = findModel(await loadManifest(liveManifestPath(modelsDir)), 'aerial-tuned-1');
    expect(live).toMatchObject({ aerial: true, sha256: trained.sha256, labels: ['person', 'car', 'bus'] });
    await until(() => detectorIds(surveyRegistry).includes('aerial-tuned-1'), 30_000, 'the survey registry to load the promoted detector');
    expect(detectorIds(surveyRegistry)).toContain('nanodet-coco-416');
    await until(() => cameraRegistry.current().manifest.models.some((m) => m.id === 'aerial-tuned-1'), 30_000, 'the camera registry to reload');
    expect(detectorIds(cameraRegistry)).not.toContain('aerial-tuned-1');
  }, 60_000);

  it('the survey analysis runs only the aerial detector and says it is one', async () => {
    const bytes = await readFile(samplePath('opencv/aero1.jpg'));
    const survey = { surveyId: 's1', name: 'test survey', flownAt: new Date('2026-05-04T01:00:00Z'), timezone: 'Asia/Shanghai', zones: {} };
    const analysed = await surveyRegistry.use((models) =>
      analyseSurveyImage(bytes, { sha256: 'x', fileName: 'aero1.jpg' }, survey, models, { allow: DEFAULT_ALLOW_LISTS.survey, aerialModels: [], overlap: 0.2 }),
    );
    const detector = analysed.result.detector!;
    expect(detector.models.map((m) => m.id)).toEqual(['aerial-tuned-1']);
    expect(detector.aerial).toBe(true);
    expect(detector.statement).toMatch(/aerial-tuned-1 v1 .* promoted aerial-detector version/);
    expect((analysed.result.detections ?? []).every((d) => ['person', 'car', 'bus'].includes(d.label))).toBe(true);
  }, 120_000);

  it('rolls back to the manifest as it was, and the survey registry drops it', async () => {
    const res = await post(`/v1/models/targets/${AERIAL_DETECTOR_TARGET}/rollback`, { reason: 'test' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ versionId: null, previousId: null, action: 'rollback' });
    expect(await readFile(liveManifestPath(modelsDir), 'utf8')).toBe(beforePromotion);
    await until(() => !detectorIds(surveyRegistry).includes('aerial-tuned-1'), 30_000, 'the survey registry to drop the rolled-back detector');
  }, 60_000);
});

describe('detector version refusals', () => {
  it('a missing manifest, one that is not JSON, or one without the id: 400 naming it', async () => {
    const missing = path.join(work, 'nowhere', 'manifest.json');
    expect((await register({ manifest: missing, id: 'x-1' })).json().message).toBe(`${missing}: no such file (the trainer's OUT/manifest.json)`);
    const bad = path.join(work, 'bad.json');
    await writeFile(bad, '{"models": [');
    const res = await register({ manifest: bad, id: 'x-1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/bad\.json: not a JSON manifest/);
    expect((await register({ manifest: trained.manifest, id: 'x-1' })).json().message).toBe(`${trained.manifest} declares no model "x-1" (it declares: aerial-tuned-1)`);
  });

  it('an id already registered is a conflict', async () => {
    const res = await register({ manifest: trained.manifest, id: 'aerial-tuned-1' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toBe('model version "aerial-tuned-1" exists already; train it again under another --id');
  });

  it('a model file altered after training is refused and nothing is stored', async () => {
    const out = path.join(work, 'altered');
    const manifest = await baseCopy('altered-1', out);
    await appendFile(path.join(out, 'altered-1.onnx'), Buffer.from([0]));
    const res = await register({ manifest, id: 'altered-1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/altered-1\.onnx has sha256 [0-9a-f]{64}, but its manifest pins [0-9a-f]{64}: the file changed after training; not registered/);
    expect((await api.app.inject({ method: 'GET', url: '/v1/models/versions/altered-1', headers: api.headers('admin') })).statusCode).toBe(404);
    expect(existsSync(path.join(modelsDir, 'versions', 'altered-1'))).toBe(false);
  });

  it('a detector of a family the trainer does not know, or a base not in the manifest, is refused naming it', async () => {
    const out = path.join(work, 'family');
    const manifest = await baseCopy('family-1', out);
    const raw = JSON.parse(await readFile(manifest, 'utf8'));
    raw.models[0].format = 'yolov8';
    await writeFile(manifest, JSON.stringify(raw));
    expect((await register({ manifest, id: 'family-1' })).json().message).toBe(`${manifest}: "family-1" is a yolov8 detector; only nanodet detectors the trainer writes can be registered`);
    raw.models[0].format = 'nanodet';
    raw.models[0].base = { id: 'some-other-detector', sha256: 'a'.repeat(64) };
    await writeFile(manifest, JSON.stringify(raw));
    const res = await register({ manifest, id: 'family-1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^its base "some-other-detector" is not a detector of .*manifest\.json/);
  });

  it('the rule refuses a detector no better than its base; overriding needs a reason; a version whose file is gone is never made live', async () => {
    const out = path.join(work, 'same');
    const manifest = await baseCopy('same-as-base-1', out);
    const res = await register({ manifest, id: 'same-as-base-1' });
    expect(res.statusCode).toBe(201);
    const v = res.json();
    expect(v.comparison.decision).toBe('refuse');
    expect(v.comparison.candidate.ap50).toBe(v.comparison.current.ap50);
    expect(v.comparison.reasons[0]).toMatch(/^AP50 \d\.\d{3} vs base nanodet-coco-416 \d\.\d{3}: \+0\.000 < 0\.01$/);
    const before = await readFile(liveManifestPath(modelsDir), 'utf8');
    const refused = await post('/v1/models/versions/same-as-base-1/promote', { reason: 'try' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/^the promotion rule refused "same-as-base-1" \(AP50 .*\); to promote it anyway, override the rule and give a reason$/);
    const noReason = await post('/v1/models/versions/same-as-base-1/promote', { override: true });
    expect(noReason.json().message).toBe('overriding the promotion rule for "same-as-base-1" needs a reason, for the audit');
    await unlink(path.join(modelsDir, v.dir, 'same-as-base-1.onnx'));
    const gone = await post('/v1/models/versions/same-as-base-1/promote', { reason: 'try', override: true });
    expect(gone.statusCode).toBe(409);
    expect(gone.json().message).toBe(`model version "same-as-base-1": its model file ${path.join(modelsDir, v.dir, 'same-as-base-1.onnx')} is gone; it cannot be made live`);
    expect(await readFile(liveManifestPath(modelsDir), 'utf8')).toBe(before);
  }, 120_000);
});

describe('npm run models -- register / promote / rollback', () => {
  it('registers, promotes (overruling the rule only when told) and rolls back on the API\'s own database', async () => {
    const dataDir = path.join(work, 'cli-data');
    const registered = await runScript('scripts/models.ts', ['register', trained.manifest, '--id', 'aerial-tuned-1', '--data-dir', dataDir, '--promote', '--override', '--reason', 'cli test']);
    expect(registered.stderr).not.toMatch(/^error:/m);
    expect(registered.code).toBe(0);
    expect(registered.stdout).toMatch(/^registered aerial-tuned-1 as a aerial-detector version in /m);
    expect(registered.stdout).toMatch(/^ {2}AP50 \d\.\d{3} vs base nanodet-coco-416 \d\.\d{3}: [+-]\d\.\d{3} [≥<] 0\.01$/m);
    expect(registered.stdout).toMatch(/^aerial-tuned-1 is the live aerial-detector model; the survey workers reload it$/m);
    const liveFile = liveManifestPath(path.join(dataDir, 'models'));
    expect(findModel(await loadManifest(liveFile), 'aerial-tuned-1').aerial).toBe(true);
    const again = await runScript('scripts/models.ts', ['promote', 'aerial-tuned-1', '--data-dir', dataDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('error: model version "aerial-tuned-1" is already the live aerial-detector model');
    const back = await runScript('scripts/models.ts', ['rollback', AERIAL_DETECTOR_TARGET, '--data-dir', dataDir, '--reason', 'cli test']);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/^aerial-detector: no model is live again/);
    expect((await loadManifest(liveFile)).models.map((m) => m.id)).not.toContain('aerial-tuned-1');
  }, 120_000);
});

describe('the detector promotion rule', () => {
  const base = { ap50: 0.4, ap50to95: 0.2, objects: 12 };
  it('promotes a gain of at least 0.01 in AP50 that costs at most 0.01 of AP50-95', () => {
    expect(decideDetectorPromotion({ ap50: 0.42, ap50to95: 0.195, objects: 12 }, base, 'live a-1', true)).toEqual({
      decision: 'promote',
      reasons: ['AP50 0.420 vs live a-1 0.400: +0.020 ≥ 0.01', 'AP50-95 0.195 vs live a-1 0.200: -0.005 not lower by more than 0.01'],
    });
  });
  it('refuses a smaller gain, a larger AP50-95 loss, nothing held out, or no boxes', () => {
    expect(decideDetectorPromotion({ ap50: 0.405, ap50to95: 0.2, objects: 12 }, base, 'live a-1', true).decision).toBe('refuse');
    const costly = decideDetectorPromotion({ ap50: 0.5, ap50to95: 0.18, objects: 12 }, base, 'live a-1', true);
    expect(costly).toMatchObject({ decision: 'refuse' });
    expect(costly.reasons[1]).toBe('AP50-95 0.180 vs live a-1 0.200: -0.020 lower by more than 0.01');
    expect(decideDetectorPromotion({ ap50: 0.5, ap50to95: 0.3, objects: 12 }, base, 'live a-1', false).reasons[0]).toMatch(/^nothing was held out/);
    expect(decideDetectorPromotion({ ap50: Number.NaN, ap50to95: Number.NaN, objects: 0 }, base, 'live a-1', true)).toMatchObject({
      decision: 'refuse', reasons: ['the held-out images hold no boxes of its classes', 'AP50 n/a vs live a-1 0.400: n/a < 0.01', 'AP50-95 n/a vs live a-1 0.200: n/a lower by more than 0.01'],
    });
  });
});
