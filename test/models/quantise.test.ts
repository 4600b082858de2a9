// Static int8 quantisation by the product's importer: a small graph quantised here tracks its float
// outputs; the int8 default detector set-up generated loads, runs on integer kernels, and finds
// what the fp32 one finds on real images.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../contracts/types.ts';
import { makeConst } from '../../models/import/constant-folding.ts';
import { OnnxGraphBuilder } from '../../models/import/onnx-builder.ts';
import { decodeModel, readGraph } from '../../models/import/onnx-read.ts';
import { activationParams, quantiseStatic } from '../../models/import/quantise.ts';
import { findModel, loadManifest } from '../../models/manifest.ts';
import { createDetector, type Detector } from '../../pipeline/detect/detector.ts';
import { cameraFrames } from '../../scripts/bench/camera-frames.ts';
import { samplePath } from '../support/samples.ts';

const INT8_ID = 'nanodet-coco-416-int8';

/** input [1,3,16,16] → Pad 1 → Conv 3→8 3x3 → Add bias → LeakyRelu → Conv 8→4 1x1: the detector's building block. */
function block(): Uint8Array {
  const b = new OnnxGraphBuilder(['x', 'y']);
  const values = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) / 2);
  const x = b.addInput('x', 'float32', [1, 3, 16, 16]);
  const [padded] = b.node('Pad', [x, b.int64('pads', [0, 0, 1, 1, 0, 0, 1, 1])], [{ name: 'padded', dtype: 'float32', shape: [1, 3, 18, 18] }]);
  const [conv] = b.node('Conv', [padded!, b.constant('w1', makeConst('float32', [8, 3, 3, 3], values(216, 1.3)))], [{ name: 'conv', dtype: 'float32', shape: [1, 8, 16, 16] }], [
    { name: 'kernel_shape', ints: [3, 3] },
  ]);
  const [biased] = b.node('Add', [conv!, b.constant('b1', makeConst('float32', [1, 8, 1, 1], values(8, 0.7)))], [{ name: 'biased', dtype: 'float32', shape: [1, 8, 16, 16] }]);
  const [act] = b.node('LeakyRelu', [biased!], [{ name: 'act', dtype: 'float32', shape: [1, 8, 16, 16] }], [{ name: 'alpha', f: 0.1 }]);
  const [y] = b.node('Conv', [act!, b.constant('w2', makeConst('float32', [4, 8, 1, 1], values(32, 2.1)))], [{ name: 'y', dtype: 'float32', shape: [1, 4, 16, 16] }], [
    { name: 'kernel_shape', ints: [1, 1] },
  ]);
  return b.build([{ value: y!, name: 'y' }], { graphName: 'block', producerName: 'test', producerVersion: '1' });
}

const image = (seed: number) => Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => Math.sin(i * 0.37 + seed) * 2);

async function run(bytes: Uint8Array, input: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ x: new ort.Tensor('float32', input, [1, 3, 16, 16]) });
  await session.release();
  return out.y!.data as Float32Array;
}

// The weights of each Conv, as the DequantizeLinear in front of it reads them: values, zero points, scales.
function convWeights(onnx: Uint8Array) {
  const graph = readGraph(decodeModel(onnx));
  const byOutput = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  return graph.nodes
    .filter((n) => n.opType === 'Conv')
    .map((conv) => {
      const dq = byOutput.get(conv.inputs[1]!)!;
      const [values, scales, zeros] = dq.inputs.map((i) => graph.initializers.get(i!)!);
      return { dq, values: values!, scales: scales!, zeros: zeros! };
    });
}

describe('quantiseStatic on a small graph', () => {
  it('folds pad and bias into the Conv, writes QDQ with int8 weights, and tracks the float outputs', async () => {
    const fp32 = block();
    const calibration = [0, 1, 2, 3].map(image);
    const q = await quantiseStatic(fp32, { calibration, inputDims: [1, 3, 16, 16] });
    const graph = readGraph(decodeModel(q.onnx));
    const ops = graph.nodes.map((n) => n.opType);
    expect(ops).not.toContain('Pad');
    expect(ops).not.toContain('Add');
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(2);
    expect(ops).toContain('QuantizeLinear');
    expect([...graph.initializers.values()].filter((t) => t.dataType === 3 /* INT8 */).length).toBeGreaterThanOrEqual(2);
    expect(q.quantisedWeights).toBe(2);

    // An input not in the calibration set: error within a few output quantisation steps.
    const input = image(7);
    const [want, got] = await Promise.all([run(fp32, input), run(q.onnx, input)]);
    let peak = 0;
    let worst = 0;
    for (let i = 0; i < want.length; i++) {
      peak = Math.max(peak, Math.abs(want[i]!));
      worst = Math.max(worst, Math.abs(want[i]! - got[i]!));
    }
    expect(worst / peak).toBeLessThan(0.05);
    expect(worst).toBeGreaterThan(0); // it really is quantised
  });

  it('stores Conv weights as int8 at full 8 bits: zero point 0, each channel reaching ±127', async () => {
    const q = await quantiseStatic(block(), { calibration: [image(0), image(1)], inputDims: [1, 3, 16, 16] });
    const convs = convWeights(q.onnx);
    expect(convs).toHaveLength(2);
    for (const { dq, values, scales, zeros } of convs) {
      expect(dq.opType).toBe('DequantizeLinear');
      expect(dq.attrs.axis).toBe(0);
      expect(values.dataType).toBe(3 /* INT8 */);
      expect(zeros.dataType).toBe(3);
      expect(zeros.values().every((z) => z === 0)).toBe(true);
      const channels = values.dims[0]!;
      expect(scales.dims).toEqual([channels]);
      const v = values.values();
      const per = v.length / channels;
      // Not 7-bit: the largest weight of every channel is at ±127 (none beyond).
      for (let c = 0; c < channels; c++) expect(Math.max(...v.slice(c * per, (c + 1) * per).map(Math.abs))).toBe(127);
    }
  });

  it('can store the same weights as uint8 around zero point 128 (U8U8), which onnxruntime runs and which tracks the float outputs', async () => {
    const fp32 = block();
    const options = { calibration: [0, 1, 2, 3].map(image), inputDims: [1, 3, 16, 16] };
    const [signed, unsigned] = await Promise.all([quantiseStatic(fp32, options), quantiseStatic(fp32, { ...options, weights: 'uint8' })]);
    const s = convWeights(signed.onnx);
    const u = convWeights(unsigned.onnx);
    const graph = readGraph(decodeModel(unsigned.onnx));
    expect([...graph.initializers.values()].filter((t) => t.dataType === 3 /* INT8 */)).toHaveLength(0);
    for (let i = 0; i < u.length; i++) {
      expect(u[i]!.values.dataType).toBe(2 /* UINT8 */);
      expect(u[i]!.zeros.dataType).toBe(2);
      // One zero point for every channel: onnxruntime's CPU QLinearConv refuses differing ones.
      expect(u[i]!.zeros.values().every((z) => z === 128)).toBe(true);
      expect(u[i]!.values.values()).toEqual(s[i]!.values.values().map((v) => v + 128));
      expect(u[i]!.scales.values()).toEqual(s[i]!.scales.values());
    }
    const input = image(7);
    const [want, got, gotSigned] = await Promise.all([run(fp32, input), run(unsigned.onnx, input), run(signed.onnx, input)]);
    let peak = 0;
    let worst = 0;
    let apart = 0;
    for (let i = 0; i < want.length; i++) {
      peak = Math.max(peak, Math.abs(want[i]!));
      worst = Math.max(worst, Math.abs(want[i]! - got[i]!));
      apart = Math.max(apart, Math.abs(got[i]! - gotSigned[i]!));
    }
    expect(worst / peak).toBeLessThan(0.05);
    expect(worst).toBeGreaterThan(0);
    // The same integers, so the same results as int8 weights to within one output step.
    expect(apart / peak).toBeLessThan(0.02);
  });

  it('gives the same bytes twice (the manifest pins them)', async () => {
    const options = { calibration: [image(0), image(1)], inputDims: [1, 3, 16, 16] };
    const [a, b] = await Promise.all([quantiseStatic(block(), options), quantiseStatic(block(), options)]);
    expect(Buffer.from(a.onnx).equals(Buffer.from(b.onnx))).toBe(true);
  });

  it('refuses to quantise without calibration inputs', async () => {
    await expect(quantiseStatic(block(), { calibration: [], inputDims: [1, 3, 16, 16] })).rejects.toThrow(/needs at least one calibration input/);
  });

  it('keeps 0 exact and the range inside uint8', () => {
    for (const range of [{ min: -3.2, max: 7.9 }, { min: 0, max: 1 }, { min: 0.5, max: 0.6 }, { min: -2, max: -1 }, { min: 0, max: 0 }]) {
      const { scale, zeroPoint } = activationParams(range);
      expect(zeroPoint).toBeGreaterThanOrEqual(0);
      expect(zeroPoint).toBeLessThanOrEqual(255);
      expect(scale).toBeGreaterThan(0);
      expect(-zeroPoint * scale).toBeLessThanOrEqual(Math.min(range.min, 0) + 1e-9);
      expect((255 - zeroPoint) * scale).toBeGreaterThanOrEqual(Math.max(range.max, 0) - 1e-6);
    }
  });
});

describe('the int8 default detector from set-up', () => {
  let fp32: Detector;
  let int8: Detector;
  beforeAll(async () => {
    const manifest = await loadManifest();
    [fp32, int8] = await Promise.all([
      // A floor below the compared scores, so a detection just under 0.3 on one side is still seen on the other.
      createDetector(findModel(manifest), { threads: 1, thresholds: { default: 0.2 } }),
      createDetector(findModel(manifest, INT8_ID), { threads: 1, thresholds: { default: 0.2 } }),
    ]);
  });
  afterAll(async () => {
    await fp32?.close();
    await int8?.close();
  });

  it('runs on integer kernels: onnxruntime turns every Conv into a QLinearConv', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'int8-'));
    try {
      const optimised = path.join(dir, 'optimised.onnx');
      const session = await ort.InferenceSession.create(int8.model.file, { graphOptimizationLevel: 'extended', optimizedModelFilePath: optimised });
      await session.release();
      const ops = readGraph(decodeModel(await readFile(optimised))).nodes.map((n) => n.opType);
      const convs = readGraph(decodeModel(await readFile(fp32.model.file))).nodes.filter((n) => n.opType === 'Conv').length;
      expect(ops.filter((o) => o === 'QLinearConv')).toHaveLength(convs);
      expect(ops).not.toContain('Conv');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stores every Conv weight of the set-up file as int8 per output channel at full 8 bits', async () => {
    const convs = convWeights(await readFile(int8.model.file));
    expect(convs.length).toBeGreaterThanOrEqual(30);
    let full = 0;
    for (const { values, zeros } of convs) {
      expect(values.dataType).toBe(3 /* INT8 */);
      expect(zeros.values().every((z) => z === 0)).toBe(true);
      const v = values.values();
      const per = v.length / values.dims[0]!;
      for (let c = 0; c < values.dims[0]!; c++) {
        const peak = Math.max(...v.slice(c * per, (c + 1) * per).map(Math.abs));
        expect(peak).toBeLessThanOrEqual(127);
        if (peak === 127) full++;
      }
    }
    // Channels of all-zero weights keep peak 0; every other channel spans the full ±127.
    const channels = convs.reduce((n, c) => n + c.values.dims[0]!, 0);
    expect(full / channels).toBeGreaterThan(0.95);
  });

  // Every fp32 detection scored 0.3 or more has an int8 detection of the same label with IoU ≥ 0.8
  // and a score within 0.1, and the other way round. dog.jpg is among the calibration photos; the
  // vtest.avi frame (street plaza, people) is not.
  it('finds what fp32 finds on dog.jpg and on a street frame, within IoU 0.8 and score 0.1', async () => {
    const FLOOR = 0.3;
    const dog = await readFile(samplePath('darknet/dog.jpg'));
    const [frame] = await cameraFrames(samplePath('opencv/vtest.avi'), 1, { width: 1280 });
    const pairs: Array<[Detection[], Detection[]]> = [
      [(await fp32.detectImage(dog, 'dog.jpg')).detections, (await int8.detectImage(dog, 'dog.jpg')).detections],
      [(await fp32.detectFrame(frame!)).detections, (await int8.detectFrame(frame!)).detections],
    ];
    const labels = pairs[0]![0].filter((d) => d.score >= FLOOR).map((d) => d.label);
    expect(labels).toEqual(expect.arrayContaining(['dog', 'bicycle', 'truck']));
    let compared = 0;
    for (const [a, b] of pairs) {
      for (const [from, to] of [[a, b], [b, a]] as const) {
        for (const d of from.filter((x) => x.score >= FLOOR)) {
          const match = to.filter((o) => o.label === d.label).map((o) => ({ iou: iou(d.box, o.box), score: o.score })).sort((x, y) => y.iou - x.iou)[0];
          expect(match, `${d.modelId} ${d.label} ${d.score.toFixed(2)}`).toBeDefined();
          expect(match!.iou).toBeGreaterThanOrEqual(0.8);
          expect(Math.abs(match!.score - d.score)).toBeLessThanOrEqual(0.1);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(20);
    expect(int8.model.sha256).not.toBe(fp32.model.sha256);
  }, 30_000);
});

function iou(a: Detection['box'], b: Detection['box']): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}
