// The trainer end to end on real crops with the real backbone: it learns a task the backbone can
// separate, the ONNX file it writes loads through the manifest and gives what the TypeScript head
// gives on the same crop, and the held-out crops come from sources training never saw.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../models/manifest.ts';
import { CLASS_POOLING, createCropFeatures, DEFAULT_POOLING, type CropFeatures } from '../../models/train/crop-features.ts';
import { readImageFolder } from '../../models/train/image-folder.ts';
import { headProbabilities } from '../../models/train/softmax-head.ts';
import { trainClassifier, type TrainedClassifier } from '../../models/train/train-classifier.ts';
import { createClassifier, type Classifier } from '../../pipeline/classify/classifier.ts';
import { toRawImage } from '../../pipeline/detect/crop.ts';
import { cropBatch } from '../../pipeline/embed/crop-batch.ts';
import { cutCropTree, tempDir } from './crop-tree.ts';

let crops: string;
let out: string;
let trained: TrainedClassifier;
let classifier: Classifier;
let features: CropFeatures;
const lines: string[] = [];

beforeAll(async () => {
  crops = await cutCropTree(await tempDir('crops'));
  out = await tempDir('out');
  trained = await trainClassifier({ crops, id: 'scene-v1', out, appliesTo: ['car'], threads: 2, log: (l) => lines.push(l) });
  const manifest = await loadManifest(path.join(out, 'manifest.json'));
  classifier = await createClassifier(manifest.classifiers[0]!, { threads: 2 });
  features = await createCropFeatures((await loadManifest()).embedder!, CLASS_POOLING, 2);
}, 120_000);

afterAll(async () => {
  await classifier?.close();
  await features?.close();
});

describe('npm run train -- classifier', () => {
  it('learns two visually distinct classes and measures itself on held-out sources', () => {
    expect(trained.heldOut.count).toBeGreaterThan(0);
    expect(trained.heldOut.perClass.every((c) => c.support > 0)).toBe(true);
    expect(trained.heldOut.balancedAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(lines.join('\n')).toMatch(/balanced accuracy/);
    expect(lines.join('\n')).toMatch(/confusion/);
  });

  it('declares a classifier entry with labels, pinned sha256, data summary and held-out metrics', async () => {
    const raw = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
    const entry = raw.models[0];
    expect(entry).toMatchObject({ id: 'scene-v1', kind: 'classifier', attribute: 'class', appliesTo: ['car'], sha256: trained.sha256 });
    expect(entry.training.classes).toEqual({ aerial: 18, street: 27 });
    // The choices measured on street crops (models/README.md) are the defaults, and the entry says so.
    expect(entry.training.pooling).toEqual(CLASS_POOLING);
    expect(entry.training.head).toMatchObject({ kind: 'nearest class mean', temperature: 10 });
    expect(entry.metrics.heldOut.balancedAccuracy).toBeCloseTo(trained.heldOut.balancedAccuracy, 10);
    expect(classifier.model.labels).toEqual(['aerial', 'street']);
  });

  it('the ONNX file equals the TypeScript head on the same crops', async () => {
    const tree = await readImageFolder(crops);
    for (const crop of [tree.crops[0]!, tree.crops[tree.crops.length - 1]!]) {
      const raw = await toRawImage(await readFile(crop.file), crop.file);
      const tensor = await cropBatch(raw, [[0, 0, raw.width, raw.height]], classifier.model.input, 0);
      const fromOnnx = await classifier.runTensor(tensor);
      const [vector] = await features.featuresOfTensor(tensor, 1);
      const fromTs = Array.from(headProbabilities(trained.head.head, vector!));
      expect(fromOnnx).toHaveLength(2);
      fromOnnx.forEach((p, i) => expect(Math.abs(p - fromTs[i]!)).toBeLessThan(1e-4));
    }
  });

  it('trains softmax regression on the richer pooling when asked, and its ONNX file equals that head too', async () => {
    const softOut = await tempDir('out-softmax');
    const soft = await trainClassifier({ crops, id: 'scene-soft', out: softOut, appliesTo: ['car'], head: 'softmax', pooling: DEFAULT_POOLING, threads: 2 });
    const entry = JSON.parse(await readFile(path.join(softOut, 'manifest.json'), 'utf8')).models[0];
    expect(entry.training.head.kind).toBe('softmax regression');
    expect(entry.training.pooling).toEqual(DEFAULT_POOLING);
    expect(soft.heldOut.balancedAccuracy).toBeGreaterThanOrEqual(0.8);
    const softClassifier = await createClassifier((await loadManifest(path.join(softOut, 'manifest.json'))).classifiers[0]!, { threads: 2 });
    const richer = await createCropFeatures((await loadManifest()).embedder!, DEFAULT_POOLING, 2);
    try {
      const crop = (await readImageFolder(crops)).crops[0]!;
      const raw = await toRawImage(await readFile(crop.file), crop.file);
      const tensor = await cropBatch(raw, [[0, 0, raw.width, raw.height]], softClassifier.model.input, 0);
      const fromOnnx = await softClassifier.runTensor(tensor);
      const fromTs = Array.from(headProbabilities(soft.head.head, (await richer.featuresOfTensor(tensor, 1))[0]!));
      fromOnnx.forEach((p, i) => expect(Math.abs(p - fromTs[i]!)).toBeLessThan(1e-4));
    } finally {
      await softClassifier.close();
      await richer.close();
    }
  });

  it('given the caller’s held-out tree (the training job’s), trains on every crop of its own and is measured on those', async () => {
    const own = await cutCropTree(await tempDir('own'), { aerial: ['opencv/aero1.jpg'], street: ['darknet/dog.jpg', 'darknet/person.jpg'] });
    const held = await cutCropTree(await tempDir('held'), { aerial: ['opencv/aero3.jpg'], street: ['darknet/horses.jpg'] });
    const heldOut = await tempDir('out-held');
    const log: string[] = [];
    const r = await trainClassifier({ crops: own, heldOut: held, id: 'scene-held', out: heldOut, appliesTo: ['car'], threads: 2, log: (l) => log.push(l) });
    const entry = JSON.parse(await readFile(path.join(heldOut, 'manifest.json'), 'utf8')).models[0];
    // Nothing of its own tree held out: all 27 crops trained on; the 18 of the caller's measured.
    expect(entry.training).toMatchObject({ trainCrops: 27, heldOutCrops: 18, splitBy: `held out by the caller: ${held}` });
    expect(r.heldOut.count).toBe(18);
    expect(r.heldOut.perClass.map((c) => c.support)).toEqual([9, 9]);
    expect(r.heldOut.balancedAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(log.join('\n')).toContain(`held out by the caller (${held}): 18 crops`);
  });

  it('classifies a detection box of a whole photo through the classify stage path', async () => {
    const raw = await toRawImage(await readFile(path.join(crops, 'street', 'dog__4.jpg')));
    const result = await classifier.classifyBox(raw, [0, 0, raw.width, raw.height]);
    expect(result?.label).toBe('street');
  });
});
