// Several detectors on one frame: the real default detector plus a colour-rule "garbage detector"
// test fixture (test/support/fixture-models.ts, not a trained model).
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../contracts/types.ts';
import { parseManifest, type ModelEntry } from '../../models/manifest.ts';
import { createDetectorSet, mergeAcrossModels, type DetectorSet } from '../../pipeline/detect/detector-set.ts';
import { defaultModel } from '../support/default-detector.ts';
import { colourDetectorFixture, detectorFixtureEntry, writeFixture, writeLabels } from '../support/fixture-models.ts';
import { samplePath } from '../support/samples.ts';

let set: DetectorSet;
let nanodet: ModelEntry;
let garbage: ModelEntry;
let dog: Buffer;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'detector-set-'));
  const { sha256 } = await writeFixture(dir, 'fixture-garbage.onnx', colourDetectorFixture());
  await writeLabels(dir, 'garbage.txt', ['garbage']);
  const manifest = await parseManifest(
    { defaultDetector: 'fixture-garbage', models: [detectorFixtureEntry('fixture-garbage', 'fixture-garbage.onnx', sha256, 'garbage.txt')] },
    path.join(dir, 'manifest.json'),
  );
  garbage = manifest.models[0]!;
  nanodet = await defaultModel();
  set = await createDetectorSet([nanodet, garbage, { ...nanodet, id: 'switched-off', enabled: false }], { threads: 2 });
  dog = await readFile(samplePath('darknet/dog.jpg'));
});
afterAll(() => set?.close());

describe('detector set', () => {
  it('runs every enabled detector and says which model found each box', async () => {
    expect(set.detectors.map((d) => d.model.id)).toEqual(['nanodet-coco-416', 'fixture-garbage']);
    const r = await set.detectImage(dog, 'dog.jpg');
    expect(r.perModel.map((p) => p.modelId)).toEqual(['nanodet-coco-416', 'fixture-garbage']);
    expect(r.perModel[0]!.modelSha256).toBe(nanodet.sha256);
    const dogBox = r.detections.find((d) => d.label === 'dog');
    expect(dogBox).toMatchObject({ modelId: 'nanodet-coco-416', modelSha256: nanodet.sha256 });
    // A yellow porch is not garbage to the colour rule.
    expect(r.detections.some((d) => d.label === 'garbage')).toBe(false);
  });

  it('adds the second model\'s finds to the first\'s on the same frame', async () => {
    // An earth-brown heap dumped over the lower porch.
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="768" height="576"><ellipse cx="384" cy="420" rx="390" ry="200" fill="#7a4b2a"/></svg>';
    const { data, info } = await sharp(dog).composite([{ input: Buffer.from(svg) }]).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const r = await set.detectFrame({ sourceId: 'cam-1', capturedAt: new Date(0), width: info.width, height: info.height, pixels: data });
    const pile = r.detections.find((d) => d.label === 'garbage');
    expect(pile).toMatchObject({ modelId: 'fixture-garbage', modelSha256: garbage.sha256 });
    // The fixture's box [8, 8, 56, 56] of its 64x64 stretched input, in frame pixels.
    expect(pile!.box.map(Math.round)).toEqual([96, 72, 672, 504]);
    expect(r.detections.some((d) => d.modelId === 'nanodet-coco-416')).toBe(true);
  });
});

describe('merging the same object found by two models', () => {
  const d = (label: string, score: number, box: Detection['box'], modelId: string): Detection => ({ label, score, box, modelId });
  it('keeps the higher-scoring box of one label across models, and everything else', () => {
    const out = mergeAcrossModels([
      d('truck', 0.5, [0, 0, 100, 50], 'coco'),
      d('truck', 0.8, [2, 1, 101, 52], 'muck'),
      d('car', 0.6, [0, 0, 100, 50], 'coco'),
      d('truck', 0.4, [300, 0, 400, 50], 'coco'),
      // Same model, overlapping: its own NMS already judged these, so both stay.
      d('person', 0.9, [0, 0, 10, 30], 'coco'),
      d('person', 0.7, [1, 0, 11, 30], 'coco'),
    ], 0.7);
    expect(out.map((x) => `${x.label}/${x.modelId}/${x.score}`).sort()).toEqual(
      ['car/coco/0.6', 'person/coco/0.7', 'person/coco/0.9', 'truck/coco/0.4', 'truck/muck/0.8'],
    );
  });
});
