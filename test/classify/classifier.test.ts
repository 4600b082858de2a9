// The crop-classifier stage with the mean-colour cover classifier fixture (test/support/fixture-models.ts,
// not a trained model) on a real photo: darknet's dog.jpg, whose parked pick-up gets an earth-brown
// load (uncovered) or a blue tarpaulin (covered) painted over its bed.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Detection, Frame } from '../../contracts/types.ts';
import { parseManifest, type ClassifierEntry } from '../../models/manifest.ts';
import { classifyDetections } from '../../pipeline/classify/classify-stage.ts';
import { createClassifier, softmax, type Classifier } from '../../pipeline/classify/classifier.ts';
import { ModelFormatError } from '../../pipeline/detect/decoders/types.ts';
import { classifierFixtureEntry, coverClassifierFixture, writeFixture, writeLabels } from '../support/fixture-models.ts';
import { samplePath } from '../support/samples.ts';

const TRUCK: Box = [459, 75, 691, 170];
const DOG: Box = [131, 222, 357, 542];
const BROWN = '#7a4b2a';
const BLUE = '#2050c0';

let dir: string;
let labelsFile: string;
let dog: Buffer;
const opened: Classifier[] = [];

async function classifierEntry(bytes: Uint8Array, extra: Record<string, unknown> = {}, labels = labelsFile): Promise<ClassifierEntry> {
  const name = `fixture-${opened.length}-${Math.random().toString(36).slice(2)}.onnx`;
  const { sha256 } = await writeFixture(dir, name, bytes);
  const manifest = await parseManifest(
    { defaultDetector: 'd', models: [
      { id: 'd', version: '1', kind: 'detector', format: 'end-to-end', file: 'd.onnx', sha256: 'a'.repeat(64), input: { width: 8, height: 8 }, labels: 'cover.txt', source: 's', licence: 'l' },
      classifierFixtureEntry('fixture-cover', name, sha256, path.basename(labels), extra),
    ] },
    path.join(dir, 'manifest.json'),
  );
  return manifest.classifiers[0]!;
}

async function open(entry: ClassifierEntry): Promise<Classifier> {
  const c = await createClassifier(entry, { threads: 1 });
  opened.push(c);
  return c;
}

/** dog.jpg as a camera frame with the truck's bed (its camper shell) painted `colour`. */
async function frameWithBed(colour: string): Promise<Frame> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="768" height="576"><rect x="478" y="82" width="125" height="50" fill="${colour}"/></svg>`;
  const { data, info } = await sharp(dog).composite([{ input: Buffer.from(svg) }]).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { sourceId: 'cam-1', capturedAt: new Date(0), width: info.width, height: info.height, pixels: data };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'classifier-'));
  labelsFile = await writeLabels(dir, 'cover.txt', ['covered', 'uncovered']);
  dog = await readFile(samplePath('darknet/dog.jpg'));
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
});

describe('classifier stage', () => {
  const detections = (): Detection[] => [
    { label: 'truck', score: 0.38, box: TRUCK, modelId: 'nanodet-coco-416' },
    { label: 'dog', score: 0.44, box: DOG, modelId: 'nanodet-coco-416' },
  ];

  it('sets the cover attribute on trucks from their crop, with score and model', async () => {
    const cover = await open(await classifierEntry(coverClassifierFixture()));
    const uncovered = await classifyDetections(await frameWithBed(BROWN), detections(), [cover]);
    expect(uncovered[0]!.attributes).toMatchObject({ cover: 'uncovered', coverModelId: 'fixture-cover', coverModelSha256: cover.model.sha256 });
    expect(uncovered[0]!.attributes!.coverScore).toBeGreaterThan(0.5);
    expect(uncovered[0]!.modelId).toBe('nanodet-coco-416');
    const covered = await classifyDetections(await frameWithBed(BLUE), detections(), [cover]);
    expect(covered[0]!.attributes).toMatchObject({ cover: 'covered' });
  });

  it('classifies only the labels it applies to, and leaves the input untouched', async () => {
    const cover = await open(await classifierEntry(coverClassifierFixture()));
    const input = detections();
    const out = await classifyDetections(await frameWithBed(BROWN), input, [cover]);
    expect(out[1]!.attributes).toBeUndefined();
    expect(input[0]!.attributes).toBeUndefined();
  });

  it('looks at the crop, not the whole frame', async () => {
    // The same painted frame, but the "truck" box is on the yellow porch wall: not brown at all.
    const cover = await open(await classifierEntry(coverClassifierFixture()));
    const [wall] = await classifyDetections(await frameWithBed(BROWN), [{ label: 'truck', score: 0.5, box: [600, 260, 700, 400] }], [cover]);
    const [truck] = await classifyDetections(await frameWithBed(BROWN), [{ label: 'truck', score: 0.5, box: TRUCK }], [cover]);
    expect(truck!.attributes!.coverScore).not.toBeCloseTo(wall!.attributes!.coverScore as number, 2);
    expect(truck!.attributes!.cover).toBe('uncovered');
  });

  it('works on encoded image bytes as on frames', async () => {
    const cover = await open(await classifierEntry(coverClassifierFixture()));
    const frame = await frameWithBed(BROWN);
    const png = await sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } }).png().toBuffer();
    const [fromBytes] = await classifyDetections(png, detections(), [cover]);
    const [fromFrame] = await classifyDetections(frame, detections(), [cover]);
    expect(fromBytes!.attributes!.coverScore).toBeCloseTo(fromFrame!.attributes!.coverScore as number, 5);
  });

  it('gives no attribute for a box outside the image rather than a guess', async () => {
    const cover = await open(await classifierEntry(coverClassifierFixture()));
    const [out] = await classifyDetections(await frameWithBed(BROWN), [{ label: 'truck', score: 0.5, box: [900, 700, 950, 760] }], [cover]);
    expect(out!.attributes).toBeUndefined();
  });

  it('accepts a model that already outputs probabilities when declared so', async () => {
    const entry = await classifierEntry(coverClassifierFixture({ probabilities: true }), { output: { activation: 'none' } });
    const cover = await open(entry);
    const [truck] = await classifyDetections(await frameWithBed(BROWN), detections(), [cover]);
    expect(truck!.attributes!.cover).toBe('uncovered');
    const logits = await open(await classifierEntry(coverClassifierFixture()));
    const [same] = await classifyDetections(await frameWithBed(BROWN), detections(), [logits]);
    expect(truck!.attributes!.coverScore).toBeCloseTo(same!.attributes!.coverScore as number, 4);
  });
});

describe('classifier models that do not fit their declaration', () => {
  it('more outputs than labels', async () => {
    const entry = await classifierEntry(coverClassifierFixture({ classes: 3 }));
    const error = await createClassifier(entry).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(/model fixture-cover: output "scores" is float32 \[1,3\], but 2 labels \(covered, uncovered\) need 2 float32 values/);
  });

  it('logits declared as probabilities', async () => {
    const entry = await classifierEntry(coverClassifierFixture(), { output: { activation: 'none' } });
    // A blank crop gives logits [0, 0]: they sum to 0, not 1.
    await expect(createClassifier(entry)).rejects.toThrow(/activation is "none" but the outputs \[0\.000, 0\.000\] are not probabilities; declare "softmax"/);
  });

  it('an input size the model does not take', async () => {
    const entry = await classifierEntry(coverClassifierFixture(), { input: { width: 64, height: 64, resize: 'stretch' } });
    await expect(createClassifier(entry)).rejects.toThrow(/model fixture-cover: a blank \[1,3,64,64\] input fails/);
  });
});

describe('softmax', () => {
  it('is stable for large logits and sums to one', () => {
    const p = softmax([1000, 1001]);
    expect(p[0]! + p[1]!).toBeCloseTo(1, 9);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 9);
  });
});
