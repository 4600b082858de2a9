// FLOPs counted from an ONNX graph: a small graph built here, counted by hand, and run in
// onnxruntime so the inferred shapes are the ones the runtime produces.
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { findModel, loadManifest } from '../../models/manifest.ts';
import { makeConst } from '../../models/import/constant-folding.ts';
import { countFlops } from '../../models/import/graph-flops.ts';
import { OnnxGraphBuilder } from '../../models/import/onnx-builder.ts';
import { decodeModel, readGraph } from '../../models/import/onnx-read.ts';

const f32 = (shape: number[]) => makeConst('float32', shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i % 7) - 3) / 10));

/** input [1,3,8,8] → Pad 1 → Conv 3→4 3x3 +bias → Relu → depthwise 3x3 stride 2 → MaxPool 2 → Reshape → MatMul → Add. */
function tinyGraph(): Uint8Array {
  const b = new OnnxGraphBuilder(['x', 'y']);
  const x = b.addInput('x', 'float32', [1, 3, 8, 8]);
  const [padded] = b.node('Pad', [x, b.int64('pads', [0, 0, 1, 1, 0, 0, 1, 1])], [{ name: 'padded', dtype: 'float32', shape: [] }]);
  const [conv] = b.node('Conv', [padded!, b.constant('w1', f32([4, 3, 3, 3])), b.constant('b1', f32([4]))], [{ name: 'conv', dtype: 'float32', shape: [] }], [
    { name: 'kernel_shape', ints: [3, 3] },
  ]);
  const [relu] = b.node('Relu', [conv!], [{ name: 'relu', dtype: 'float32', shape: [] }]);
  const [dw] = b.node('Conv', [relu!, b.constant('w2', f32([4, 1, 3, 3]))], [{ name: 'dw', dtype: 'float32', shape: [] }], [
    { name: 'kernel_shape', ints: [3, 3] },
    { name: 'group', i: 4 },
    { name: 'pads', ints: [1, 1, 1, 1] },
    { name: 'strides', ints: [2, 2] },
  ]);
  const [pool] = b.node('MaxPool', [dw!], [{ name: 'pool', dtype: 'float32', shape: [] }], [
    { name: 'kernel_shape', ints: [2, 2] },
    { name: 'strides', ints: [2, 2] },
  ]);
  const [flat] = b.node('Reshape', [pool!, b.int64('shape', [1, -1])], [{ name: 'flat', dtype: 'float32', shape: [] }]);
  const [mm] = b.node('MatMul', [flat!, b.constant('w3', f32([16, 5]))], [{ name: 'mm', dtype: 'float32', shape: [] }]);
  const [y] = b.node('Add', [mm!, b.constant('b3', f32([5]))], [{ name: 'y', dtype: 'float32', shape: [1, 5] }]);
  return b.build([{ value: y!, name: 'y' }], { graphName: 'tiny', producerName: 'test', producerVersion: '1' });
}

describe('countFlops', () => {
  it('equals the hand count of a small graph, at the shapes onnxruntime produces', async () => {
    const bytes = tinyGraph();
    const count = countFlops(readGraph(decodeModel(bytes)));
    // Conv: 4x8x8 outputs x (2·3·3·3 multiply-adds + 1 bias) = 256 x 55
    const conv = 256 * 55;
    const relu = 256;
    // Depthwise: 4x4x4 outputs x 2·1·3·3, no bias
    const depthwise = 64 * 18;
    const pool = 16 * 4;
    const matmul = 2 * 16 * 5;
    const add = 5;
    expect(count.flops).toBe(conv + relu + depthwise + pool + matmul + add);
    expect(count.byOp.Conv).toBe(conv + depthwise);
    expect(count.byOp.Pad).toBe(0);
    expect(count.shapes.get('padded')).toEqual([1, 3, 10, 10]);
    expect(count.shapes.get('dw')).toEqual([1, 4, 4, 4]);

    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(192).fill(0.5), [1, 3, 8, 8]) });
    expect(out.y!.dims).toEqual(count.shapes.get('y'));
    await session.release();
  });

  it('names an op it cannot count instead of counting it as free', () => {
    const b = new OnnxGraphBuilder(['y']);
    const x = b.addInput('x', 'float32', [1, 4]);
    const [y] = b.node('TopK', [x, b.int64('k', [2])], [{ name: 'y', dtype: 'float32', shape: [1, 2] }, { name: 'i', dtype: 'int64', shape: [1, 2] }]);
    const graph = readGraph(decodeModel(b.build([{ value: y!, name: 'y' }], { graphName: 't', producerName: 't', producerVersion: '1' })));
    expect(() => countFlops(graph)).toThrow(/cannot count FLOPs of op TopK/);
  });

  it('asks for the shape of a symbolic input', () => {
    const b = new OnnxGraphBuilder(['y']);
    const x = b.addInput('x', 'float32', [1, -1]);
    const [y] = b.node('Relu', [x], [{ name: 'y', dtype: 'float32', shape: [1, -1] }]);
    const graph = readGraph(decodeModel(b.build([{ value: y!, name: 'y' }], { graphName: 't', producerName: 't', producerVersion: '1' })));
    expect(() => countFlops(graph)).toThrow(/input "x" has a symbolic dimension/);
    expect(countFlops(graph, { x: [1, 10] }).flops).toBe(10);
  });

  it('counts the default detector: its outputs at the declared grid, nearly all the work in Conv', async () => {
    const model = findModel(await loadManifest());
    const count = countFlops(readGraph(decodeModel(await readFile(model.file))));
    expect(count.shapes.get('scores_s8')).toEqual([1, (model.input.width / 8) ** 2, 80]);
    expect(count.byOp.Conv! / count.flops).toBeGreaterThan(0.95);
    // This TF.js export is built of dense 3x3 convolutions (no depthwise ones), heavier than the
    // NanoDet-m paper's 1.5 GMACs at 416 px: about 2.1 GMACs. The bounds catch a unit or a
    // shape off (MACs for FLOPs, a stride lost), not the last digit.
    expect(count.flops / 1e9).toBeGreaterThan(1.5);
    expect(count.flops / 1e9).toBeLessThan(8);
  });
});
