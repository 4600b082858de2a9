// Hot reload: models added, replaced and broken in a manifest on disk while a worker keeps running.
// The models are colour-rule test fixtures (test/support/fixture-models.ts), written to a temp dir.
import { copyFile, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../contracts/types.ts';
import { DEFAULT_VIOLATION_LABELS } from '../../models/violation-labels.ts';
import { createModelRegistry, type ModelRegistry, type ReloadResult } from '../../models/registry.ts';
import {
  classifierFixtureEntry,
  colourDetectorFixture,
  coverClassifierFixture,
  detectorFixtureEntry,
  writeFixture,
  writeLabels,
} from '../support/fixture-models.ts';
import { samplePath } from '../support/samples.ts';

let dir: string;
let manifestPath: string;
let mappingPath: string;
let registry: ModelRegistry;
let brownFrame: Frame;
const reloads: ReloadResult[] = [];
const waiters: Array<{ ok: (r: ReloadResult) => boolean; resolve: (r: ReloadResult) => void }> = [];
const logged: Array<{ level: string; msg: string; obj: object }> = [];

/** The next reload result that satisfies `ok` (reloads are driven by the file watcher). */
function reloadWhere(ok: (r: ReloadResult) => boolean): Promise<ReloadResult> {
  const seen = reloads.find(ok);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => waiters.push({ ok, resolve }));
}

async function writeManifest(models: unknown[], atomically = false): Promise<void> {
  const text = `${JSON.stringify({ defaultDetector: (models[0] as { id: string }).id, models }, null, 2)}\n`;
  if (!atomically) return writeFile(manifestPath, text);
  // As editors and deploy scripts do: a new file renamed over the old one.
  await writeFile(`${manifestPath}.tmp`, text);
  await rename(`${manifestPath}.tmp`, manifestPath);
}

let garbageV1: ReturnType<typeof detectorFixtureEntry>;
let garbageV2: ReturnType<typeof detectorFixtureEntry>;
let truckDetector: ReturnType<typeof detectorFixtureEntry>;
let cover: ReturnType<typeof classifierFixtureEntry>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'registry-'));
  manifestPath = path.join(dir, 'manifest.json');
  mappingPath = path.join(dir, 'violation-labels.json');
  await copyFile(DEFAULT_VIOLATION_LABELS, mappingPath);
  await writeLabels(dir, 'garbage.txt', ['garbage']);
  await writeLabels(dir, 'truck.txt', ['truck']);
  await writeLabels(dir, 'cover.txt', ['covered', 'uncovered']);
  const v1 = await writeFixture(dir, 'fixture-garbage-v1.onnx', colourDetectorFixture({ box: [8, 8, 56, 56] }));
  const v2 = await writeFixture(dir, 'fixture-garbage-v2.onnx', colourDetectorFixture({ box: [0, 32, 32, 64] }));
  const truck = await writeFixture(dir, 'fixture-truck.onnx', colourDetectorFixture({ box: [16, 16, 48, 48] }));
  const cls = await writeFixture(dir, 'fixture-cover.onnx', coverClassifierFixture());
  garbageV1 = detectorFixtureEntry('fixture-garbage', 'fixture-garbage-v1.onnx', v1.sha256, 'garbage.txt');
  garbageV2 = { ...detectorFixtureEntry('fixture-garbage', 'fixture-garbage-v2.onnx', v2.sha256, 'garbage.txt'), version: '2' };
  truckDetector = detectorFixtureEntry('fixture-truck', 'fixture-truck.onnx', truck.sha256, 'truck.txt');
  cover = classifierFixtureEntry('fixture-cover', 'fixture-cover.onnx', cls.sha256, 'cover.txt');
  await writeManifest([garbageV1]);

  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="768" height="576"><rect width="768" height="576" fill="#7a4b2a"/><rect x="300" width="80" height="576" fill="#ddd"/></svg>';
  const { data, info } = await sharp(await readFile(samplePath('darknet/dog.jpg')))
    .composite([{ input: Buffer.from(svg), blend: 'over' }]).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  brownFrame = { sourceId: 'cam-1', capturedAt: new Date(0), width: info.width, height: info.height, pixels: data };

  registry = await createModelRegistry({
    manifestPath, mappingPath, debounceMs: 50, plateReader: false, detector: { threads: 1 }, classifier: { threads: 1 },
    logger: {
      info: (obj, msg) => logged.push({ level: 'info', msg, obj }),
      error: (obj, msg) => logged.push({ level: 'error', msg, obj }),
    },
    onReload: (r) => {
      reloads.push(r);
      for (const w of waiters.splice(0)) (w.ok(r) ? w.resolve(r) : waiters.push(w));
    },
  });
});
afterAll(() => registry?.close());

const analysed = (type: string) => registry.status().analysable.find((a) => a.type === type)!.analysed;

describe('model registry', () => {
  it('loads the manifest: detections carry the id and sha256 of their model', async () => {
    expect(registry.status()).toMatchObject({ generation: 1, openModels: 1 });
    const { detections } = await registry.use((m) => m.detectFrame(brownFrame));
    expect(detections).toHaveLength(1);
    expect(detections[0]).toMatchObject({ label: 'garbage', modelId: 'fixture-garbage', modelSha256: garbageV1.sha256 });
    expect(detections[0]!.box.map(Math.round)).toEqual([96, 72, 672, 504]);
    expect(analysed('exposed_garbage')).toBe(true);
    expect(analysed('uncovered_muck_truck')).toBe(false);
  });

  it('replaces and adds models without a restart; a run in flight finishes on the old model', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inFlight = registry.use(async (m) => {
      await gate;
      return m.detectFrame(brownFrame);
    });

    await writeManifest([garbageV2, truckDetector, cover], true);
    const result = await reloadWhere((r) => r.ok && r.generation === 2);
    expect(result).toMatchObject({ ok: true, added: ['fixture-truck', 'fixture-cover'], replaced: ['fixture-garbage'], removed: [] });
    // The old garbage model stays open beside the three new sessions while the run above is not done.
    expect(registry.status().openModels).toBe(4);

    release();
    const old = await inFlight;
    expect(old.detections.map((d) => [d.modelId, d.modelSha256])).toEqual([['fixture-garbage', garbageV1.sha256]]);
    expect(registry.status().openModels).toBe(3);

    const { detections } = await registry.use((m) => m.detectFrame(brownFrame));
    const garbage = detections.find((d) => d.label === 'garbage')!;
    expect(garbage).toMatchObject({ modelId: 'fixture-garbage', modelSha256: garbageV2.sha256 });
    expect(garbage.box.map(Math.round)).toEqual([0, 288, 384, 576]);
    const truck = detections.find((d) => d.label === 'truck')!;
    expect(truck).toMatchObject({ modelId: 'fixture-truck', attributes: { cover: 'uncovered', coverModelId: 'fixture-cover', coverModelSha256: cover.sha256 } });
    expect(analysed('uncovered_muck_truck')).toBe(true);
    expect(logged.some((l) => l.level === 'info' && l.msg === 'models reloaded')).toBe(true);
  });

  it('keeps the running models when the new manifest or model is broken, and logs why', async () => {
    const before = registry.current();
    // A model file that is not the one pinned.
    await writeManifest([{ ...garbageV2, sha256: 'f'.repeat(64) }, truckDetector, cover]);
    const failed = await reloadWhere((r) => !r.ok && /sha256/.test(r.error));
    expect(failed).toMatchObject({ ok: false, generation: 2 });
    expect(failed.ok === false && failed.error).toMatch(/model fixture-garbage: file .*fixture-garbage-v2\.onnx has sha256 [0-9a-f]{64}, but the manifest pins f{64}/);
    expect(registry.current()).toBe(before);
    expect(registry.status().lastError?.message).toMatch(/fixture-garbage-v2\.onnx has sha256/);
    expect(logged.some((l) => l.level === 'error' && l.msg === 'model reload failed; the running models are kept')).toBe(true);

    // Not even JSON.
    await writeFile(manifestPath, '{ "models": [');
    await reloadWhere((r) => !r.ok && /not valid JSON/.test(r.error));
    expect(registry.status().generation).toBe(2);
    expect(registry.status().openModels).toBe(3);
    const { detections } = await registry.use((m) => m.detectFrame(brownFrame));
    expect(detections.map((d) => d.modelSha256)).toContain(garbageV2.sha256);
  });

  it('a manifest that only changes layout reuses every session', async () => {
    const before = registry.current();
    await writeFile(manifestPath, JSON.stringify({ defaultDetector: 'fixture-garbage', models: [garbageV2, truckDetector, cover] }));
    await reloadWhere((r) => r.ok && r.generation === 3);
    const after = registry.current();
    expect(after.detectors.detectors.map((d) => d.model.id)).toEqual(['fixture-garbage', 'fixture-truck']);
    after.detectors.detectors.forEach((d, i) => expect(d).toBe(before.detectors.detectors[i]));
    expect(after.classifiers[0]).toBe(before.classifiers[0]);
    expect(registry.status().lastError).toBeUndefined();
  });

  it('reloads when the label → violation mapping changes', async () => {
    const mapping = JSON.parse(await readFile(mappingPath, 'utf8'));
    mapping.exposed_garbage.labels = ['refuse'];
    await writeFile(mappingPath, JSON.stringify(mapping));
    await reloadWhere((r) => r.ok && r.generation === 4);
    expect(analysed('exposed_garbage')).toBe(false);
    expect(registry.status().openModels).toBe(3);
  });

  it('an explicit reload retries after a missing model file is put in place', async () => {
    const late = { ...garbageV2, file: 'fixture-late.onnx', version: '3' };
    await writeManifest([late]);
    await reloadWhere((r) => !r.ok && /fixture-late\.onnx not found/.test(r.error));
    await copyFile(path.join(dir, 'fixture-garbage-v2.onnx'), path.join(dir, 'fixture-late.onnx'));
    expect(await registry.reload()).toMatchObject({ ok: true, generation: 5, replaced: ['fixture-garbage'], removed: ['fixture-truck', 'fixture-cover'] });
  });

  it('removing a model closes its session', async () => {
    await writeManifest([garbageV2, truckDetector]);
    await reloadWhere((x) => x.ok && x.generation === 6);
    expect(registry.status().openModels).toBe(2);
    await writeManifest([garbageV2]);
    const r = await reloadWhere((x) => x.ok && x.generation === 7);
    expect(r).toMatchObject({ removed: ['fixture-truck'] });
    expect(registry.status().openModels).toBe(1);
  });
});
