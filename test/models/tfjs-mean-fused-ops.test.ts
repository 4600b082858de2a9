// The converters MobileNetV3 graphs need (CenterNet's backbone): TF Mean as ReduceMean, and the
// grappler-fused convolutions (_FusedConv2D, FusedDepthwiseConv2dNative with BiasAdd and an
// activation). Each tiny graph is converted, run under onnxruntime and compared with the value
// worked out by hand from the same inputs and weights.
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseTfjsGraphModel } from '../../models/import/tfjs-graph.ts';
import { convertTfjsGraph } from '../../models/import/tfjs-to-onnx.ts';

interface Weight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
}

type Attr = Record<string, unknown>;

const FLOAT = { T: { type: 'DT_FLOAT' } };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const nhwc = { data_format: { s: b64('NHWC') }, padding: { s: b64('SAME') }, strides: { list: { i: ['1', '1', '1', '1'] } } };

/** A TF.js graph model JSON with one NHWC input `x` of `shape` and its weights, converted to an ORT session. */
async function session(shape: number[], weights: Weight[], nodes: { name: string; op: string; input: string[]; attr?: Attr }[], out: string) {
  const dim = shape.map((s) => ({ size: String(s) }));
  const json = {
    format: 'graph-model',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim } } } },
        ...weights.map((w) => ({ name: w.name, op: 'Const', attr: { dtype: { type: w.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } })),
        ...nodes.map((n) => ({ ...n, attr: { ...FLOAT, ...n.attr } })),
      ],
    },
    signature: { inputs: { 'x:0': { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: { dim } } }, outputs: { [`${out}:0`]: { name: `${out}:0`, dtype: 'DT_FLOAT' } } },
    weightsManifest: [{ paths: [], weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
  };
  const bytes = Buffer.concat(weights.map((w) => Buffer.from((w.dtype === 'int32' ? Int32Array.from(w.values) : Float32Array.from(w.values)).buffer)));
  const converted = convertTfjsGraph(parseTfjsGraphModel(json, [new Uint8Array(bytes)]), 'tiny', { outputNames: { [out]: 'y' } });
  return { converted, session: await ort.InferenceSession.create(converted.onnx) };
}

async function run(s: ort.InferenceSession, x: number[], shape: number[]): Promise<{ data: number[]; dims: readonly number[] }> {
  const r = await s.run({ x: new ort.Tensor('float32', Float32Array.from(x), shape) });
  return { data: Array.from(r['y']!.data as Float32Array), dims: r['y']!.dims };
}

// x[n, h, w, c] of a [1, 2, 3, 2] image, laid out NHWC: pixel p = h*3+w holds channels (p, 10 - 2p).
const H = 2;
const W = 3;
const X = Array.from({ length: H * W }, (_, p) => [p, 10 - 2 * p]).flat();
const pixel = (p: number, c: number) => X[p * 2 + c]!;

describe('TF Mean → ReduceMean', () => {
  it('averages over height and width with keep_dims, as squeeze-excite pools', async () => {
    const { converted, session: s } = await session(
      [1, H, W, 2],
      [{ name: 'axes', shape: [2], dtype: 'int32', values: [1, 2] }],
      [{ name: 'm', op: 'Mean', input: ['x', 'axes'], attr: { keep_dims: { b: true }, Tidx: { type: 'DT_INT32' } } }],
      'm',
    );
    expect(converted.outputs).toEqual([{ name: 'y', dims: [1, 1, 1, 2] }]);
    const y = await run(s, X, [1, H, W, 2]);
    // By hand: channel 0 is 0..5 (mean 2.5), channel 1 is 10, 8, …, 0 (mean 5).
    expect(y.dims).toEqual([1, 1, 1, 2]);
    expect(y.data[0]).toBeCloseTo(2.5, 6);
    expect(y.data[1]).toBeCloseTo(5, 6);
  });

  it('drops the reduced axis without keep_dims, and reads a negative axis from the end', async () => {
    const { converted, session: s } = await session(
      [1, H, W, 2],
      [{ name: 'axes', shape: [], dtype: 'int32', values: [-1] }],
      [{ name: 'm', op: 'Mean', input: ['x', 'axes'], attr: { keep_dims: { b: false } } }],
      'm',
    );
    expect(converted.outputs).toEqual([{ name: 'y', dims: [1, H, W] }]);
    const y = await run(s, X, [1, H, W, 2]);
    // Each pixel's two channels: (p + 10 - 2p) / 2 = 5 - p/2.
    expect(y.data.map((v) => Number(v.toFixed(6)))).toEqual(Array.from({ length: H * W }, (_, p) => 5 - p / 2));
  });

  it('averages a fused 1x1 conv output (BiasAdd, Relu) taken in its NCHW layout', async () => {
    // Output channel 0 = x0 - x1 + 1 (negative on the first pixels, so Relu matters), channel 1 = 2 x0.
    const weights: Weight[] = [
      { name: 'w', shape: [1, 1, 2, 2], dtype: 'float32', values: [1, 2, -1, 0] },
      { name: 'bias', shape: [2], dtype: 'float32', values: [1, 0] },
      { name: 'axes', shape: [2], dtype: 'int32', values: [2, 1] },
    ];
    const { session: s } = await session(
      [1, H, W, 2],
      weights,
      [
        { name: 'conv', op: '_FusedConv2D', input: ['x', 'w', 'bias'], attr: { ...nhwc, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } }, num_args: { i: '1' } } },
        { name: 'm', op: 'Mean', input: ['conv', 'axes'], attr: { keep_dims: { b: true } } },
      ],
      'm',
    );
    const y = await run(s, X, [1, H, W, 2]);
    const pixels = Array.from({ length: H * W }, (_, p) => p);
    const c0 = pixels.reduce((a, p) => a + Math.max(0, pixel(p, 0) - pixel(p, 1) + 1), 0) / pixels.length;
    const c1 = pixels.reduce((a, p) => a + 2 * pixel(p, 0), 0) / pixels.length;
    expect(y.dims).toEqual([1, 1, 1, 2]);
    expect(y.data[0]).toBeCloseTo(c0, 5);
    expect(y.data[1]).toBeCloseTo(c1, 5);
  });

  it('names the node when the axes are not constant', async () => {
    await expect(
      session([1, H, W, 2], [], [{ name: 'm', op: 'Mean', input: ['x', 'x'], attr: { keep_dims: { b: true } } }], 'm'),
    ).rejects.toThrow(/Mean node 'm'.*reduction_indices .* must be constant/);
  });
});

describe('fused convolutions', () => {
  it('runs FusedDepthwiseConv2dNative with BiasAdd and Relu6 per channel', async () => {
    const { session: s } = await session(
      [1, H, W, 2],
      [
        { name: 'w', shape: [1, 1, 2, 1], dtype: 'float32', values: [2, -1] },
        { name: 'bias', shape: [2], dtype: 'float32', values: [-1, 7] },
      ],
      [{ name: 'dw', op: 'FusedDepthwiseConv2dNative', input: ['x', 'w', 'bias'], attr: { ...nhwc, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } }, num_args: { i: '1' } } }],
      'dw',
    );
    const y = await run(s, X, [1, H, W, 2]);
    const relu6 = (v: number) => Math.min(6, Math.max(0, v));
    const expected = Array.from({ length: H * W }, (_, p) => [relu6(2 * pixel(p, 0) - 1), relu6(-pixel(p, 1) + 7)]).flat();
    expect(y.dims).toEqual([1, H, W, 2]);
    expect(y.data).toEqual(expected);
  });

  it('refuses a fused activation it does not know, naming it and the node', async () => {
    await expect(
      session(
        [1, H, W, 2],
        [
          { name: 'w', shape: [1, 1, 2, 2], dtype: 'float32', values: [1, 0, 0, 1] },
          { name: 'bias', shape: [2], dtype: 'float32', values: [0, 0] },
        ],
        [{ name: 'conv', op: '_FusedConv2D', input: ['x', 'w', 'bias'], attr: { ...nhwc, fused_ops: { list: { s: [b64('BiasAdd'), b64('Elu')] } }, num_args: { i: '1' } } }],
        'conv',
      ),
    ).rejects.toThrow(/_FusedConv2D node 'conv'.*fused_ops \[BiasAdd, Elu\] not supported/);
  });
});
