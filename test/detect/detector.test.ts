// The default detector on real photos, and every way a model or an image can be wrong.
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../contracts/types.ts';
import type { ModelEntry } from '../../models/manifest.ts';
import { ModelFileError, sha256OfFile } from '../../models/model-file.ts';
import { ModelFormatError } from '../../pipeline/detect/decoders/types.ts';
import { createDetector, type Detector } from '../../pipeline/detect/detector.ts';
import { ImageInputError } from '../../pipeline/detect/image-input.ts';
import { withClaimedSize } from '../support/images.ts';
import { defaultDetector, defaultModel } from '../support/default-detector.ts';
import { samplePath } from '../support/samples.ts';

let detector: Detector;
beforeAll(async () => {
  detector = await defaultDetector();
});
afterAll(() => detector?.close());

const best = (ds: Detection[], label: string) => ds.filter((d) => d.label === label).sort((a, b) => b.score - a.score)[0];
const centre = (d: Detection) => [(d.box[0] + d.box[2]) / 2, (d.box[1] + d.box[3]) / 2] as const;

describe('default detector on real photos (darknet samples)', () => {
  it('finds the dog, the bicycle and the truck in dog.jpg, where they are', async () => {
    // The pick-up is small and half hidden by the tree: NanoDet scores it about 0.35.
    const loose = await defaultDetector({ thresholds: { default: 0.3 } });
    const { width, height, detections } = await loose.detectImage(await readFile(samplePath('darknet/dog.jpg')), 'dog.jpg');
    expect([width, height]).toEqual([768, 576]);
    const dog = best(detections, 'dog');
    const bicycle = best(detections, 'bicycle');
    const vehicle = best(detections, 'truck') ?? best(detections, 'car');
    expect(dog, JSON.stringify(detections)).toBeDefined();
    expect(bicycle).toBeDefined();
    expect(vehicle).toBeDefined();
    // The dog sits lower left, the bicycle spans the middle, the pick-up is parked top right.
    expect(centre(dog!)[0]).toBeLessThan(384);
    expect(centre(dog!)[1]).toBeGreaterThan(288);
    expect(bicycle!.box[2] - bicycle!.box[0]).toBeGreaterThan(250);
    expect(centre(vehicle!)[0]).toBeGreaterThan(450);
    expect(centre(vehicle!)[1]).toBeLessThan(200);
    for (const d of detections) {
      expect(d.box[0]).toBeGreaterThanOrEqual(0);
      expect(d.box[2]).toBeLessThanOrEqual(768);
      expect(d.box[3]).toBeLessThanOrEqual(576);
      expect(d.box[0]).toBeLessThan(d.box[2]);
      expect(d.modelId).toBe('nanodet-coco-416');
    }
    await loose.close();
  });

  it('finds a person, a horse and a dog in person.jpg', async () => {
    const { detections } = await detector.detectImage(await readFile(samplePath('darknet/person.jpg')), 'person.jpg');
    const labels = new Set(detections.map((d) => d.label));
    expect(labels, JSON.stringify(detections)).toContain('person');
    expect(labels).toContain('horse');
    expect(labels).toContain('dog');
    // Left to right in the photo: dog, person, horse.
    const xs = ['dog', 'person', 'horse'].map((l) => centre(best(detections, l)!)[0]);
    expect(xs[0]).toBeLessThan(xs[1]!);
    expect(xs[1]).toBeLessThan(xs[2]!);
  });

  it('gives the same objects for a decoded camera frame as for the encoded file', async () => {
    const bytes = await readFile(samplePath('darknet/dog.jpg'));
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const fromFrame = await detector.detectFrame({
      sourceId: 'cam-1', capturedAt: new Date(), width: info.width, height: info.height, pixels: data,
    });
    const fromFile = await detector.detectImage(bytes, 'dog.jpg');
    const dogA = best(fromFrame.detections, 'dog')!;
    const dogB = best(fromFile.detections, 'dog')!;
    // Shrink-on-load and resize-from-raw resample slightly differently; the object must not move.
    for (let i = 0; i < 4; i++) expect(Math.abs(dogA.box[i]! - dogB.box[i]!)).toBeLessThan(8);
  });

  it('takes a frame already at the model size straight to the tensor, with the same result', async () => {
    const { data, info } = await sharp(await readFile(samplePath('darknet/dog.jpg'))).resize(416, 416, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    const direct = await detector.detectFrame({ sourceId: 'tile', capturedAt: new Date(), width: info.width, height: info.height, pixels: data });
    const png = await sharp(data, { raw: { width: 416, height: 416, channels: 3 } }).png().toBuffer();
    const viaSharp = await detector.detectImage(png, 'tile.png');
    expect(direct.detections.map((d) => d.label)).toEqual(viaSharp.detections.map((d) => d.label));
    direct.detections.forEach((d, i) => expect(d.score).toBeCloseTo(viaSharp.detections[i]!.score, 4));
  });

  it('applies per-label thresholds', async () => {
    const strict = await defaultDetector({ thresholds: { default: 0.3, perLabel: { dog: 0.999 } } });
    try {
      const { detections } = await strict.detectImage(await readFile(samplePath('darknet/dog.jpg')), 'dog.jpg');
      expect(detections.some((d) => d.label === 'dog')).toBe(false);
      expect(detections.some((d) => d.label === 'bicycle')).toBe(true);
    } finally {
      await strict.close();
    }
  });
});

describe('bad images give errors that name the file', () => {
  it.each([
    ['empty.jpg', () => Buffer.alloc(0), /^empty\.jpg: empty file/],
    ['notes.txt', () => Buffer.from('not an image at all'), /^notes\.txt: not a readable image/],
  ])('%s', async (name, make, message) => {
    const error = await detector.detectImage(make(), name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageInputError);
    expect((error as Error).message).toMatch(message);
  });

  it('a truncated JPEG', async () => {
    const bytes = await readFile(samplePath('darknet/dog.jpg'));
    const error = await detector.detectImage(bytes.subarray(0, bytes.length >> 1), 'cut.jpg').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageInputError);
    expect((error as Error).message).toMatch(/^cut\.jpg: corrupt or truncated image data/);
  });

  it('a JPEG whose header claims 30000x30000 pixels', async () => {
    const huge = withClaimedSize(await readFile(samplePath('darknet/dog.jpg')), 30000, 30000);
    await expect(detector.detectImage(huge, 'huge.jpg')).rejects.toThrow(/^huge\.jpg: image is 30000x30000/);
  });
});

describe('bad models are refused when the detector is built', () => {
  let dir: string;
  let model: ModelEntry;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'models-'));
    model = await defaultModel();
  });

  it('a missing model file', async () => {
    const missing = { ...model, file: path.join(dir, 'gone.onnx') };
    await expect(createDetector(missing)).rejects.toThrow(ModelFileError);
    await expect(createDetector(missing)).rejects.toThrow(/model nanodet-coco-416: file .*gone\.onnx not found \(it is generated at set-up: run `npm run models:import`\)/);
  });

  it('a file that is not the one the manifest pins', async () => {
    const other = { ...model, sha256: 'f'.repeat(64) };
    await expect(createDetector(other)).rejects.toThrow(/has sha256 [0-9a-f]{64}, but the manifest pins f{64}/);
  });

  it('a file that is not an ONNX model', async () => {
    const file = path.join(dir, 'text.onnx');
    await copyFile(samplePath('darknet/dog.jpg'), file);
    const fake = { ...model, file, sha256: await sha256OfFile(file) };
    await expect(createDetector(fake)).rejects.toThrow(/model nanodet-coco-416: .*text\.onnx is not a loadable ONNX model/);
  });

  it('outputs that do not fit the declared format (NanoDet declared as YOLOv8)', async () => {
    const error = await createDetector({ ...model, format: 'yolov8' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(/^model nanodet-coco-416: /);
  });

  it('labels that do not fit the outputs (20 labels for an 80-class model)', async () => {
    const error = await createDetector({ ...model, labels: model.labels.slice(0, 20) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(/80/);
  });

  it('an input size that is not the model\'s', async () => {
    const error = await createDetector({ ...model, input: { ...model.input, width: 320, height: 320 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(/input "[^"]+" has shape \[(1|input_d0),3,416,416\], but the manifest declares \[1,3,320,320\]/);
  });
});
