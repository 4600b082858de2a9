// Static int8 quantisation of a float ONNX model, by the product's own importer: the graph is
// folded (quantise-graph.ts), every activation's range is measured on calibration inputs, and
// QuantizeLinear → DequantizeLinear pairs (QDQ) are written around activations and weights, which
// onnxruntime's graph optimiser turns into integer kernels (QLinearConv, QLinearAdd, …) at load.
//
// Choices: activations uint8 asymmetric, one scale per tensor, from the min/max seen in
// calibration; Conv weights 8-bit symmetric per output channel (the ranges of channels differ by
// orders of magnitude), stored as int8 (WEIGHT_MAX says why not uint8 or 7 bits); biases int32 at
// input scale × weight scale, as QLinearConv wants them. Ops that only move data (MaxPool,
// Reshape, Transpose, Split, Resize, Pad) reuse their input's scale, so onnxruntime can drop their
// QDQ and run them on bytes. Graph outputs stay float. Ranges are rounded outward to a coarse
// grid, so last-bit differences between CPUs' float kernels during calibration give the same bytes
// (the manifest pins the file's sha256).
import ort from 'onnxruntime-node';
import { decodeModel, type GraphNode } from './onnx-read.ts';
import { DataType, encodeWorkGraph, foldPadsAndBiases, makeTensor, tensorValues, workGraph, type WorkGraph } from './quantise-graph.ts';

export interface QuantiseOptions {
  /** Input tensors (the model's preprocessing already applied), one inference each. */
  calibration: Float32Array[];
  /** Dimensions of one calibration input, e.g. [1, 3, 416, 416]. */
  inputDims: number[];
  /**
   * How Conv weights are stored: `int8` (zero point 0, the default: U8S8 kernels) or `uint8` (zero
   * point 128: U8U8 kernels, which cannot saturate but measured no faster than fp32; see WEIGHT_MAX).
   */
  weights?: WeightType;
}

export type WeightType = 'uint8' | 'int8';

export interface QuantisedModel {
  onnx: Uint8Array;
  /** Activations given a scale, Conv weights made 8-bit. */
  quantisedTensors: number;
  quantisedWeights: number;
}

type Range = { min: number; max: number };

/**
 * Weights use 8 bits (±127 steps per channel). Stored as int8, onnxruntime runs U8S8 kernels: on x86
 * CPUs without VNNI they multiply through vpmaddubsw, whose int16 pair sums (255 × 127 × 2) can
 * saturate. Both ways round it were measured on coco128 and rejected: 7-bit weights cost 1.5
 * AP50-95 points against fp32 (8 bits cost 0.6); the same 8-bit integers stored as uint8 around a
 * zero point of 128 run as U8U8, which MLAS widens to 16 bits (no saturation on any CPU) with the
 * same AP, but no faster than fp32 (0.97× it, against 2.2× for U8S8, on a VNNI machine): an int8
 * model that is not faster has no reason to exist. So int8, as onnxruntime's own quantiser writes by
 * default; VNNI machines and ARM have no such saturation. The uint8 zero point is one value for all
 * channels because onnxruntime's CPU QLinearConv refuses per-channel weight zero points that differ
 * (microsoft/onnxruntime#28447).
 */
const WEIGHT_MAX = 127;
const UINT8_WEIGHT_ZERO = 128;
type QParams = { scale: string; zeroPoint: string };

/** Ops whose output is a rearrangement of their input's values: same scale in, same out. */
const SAME_SCALE = new Set(['MaxPool', 'Reshape', 'Transpose', 'Split', 'Resize', 'Pad', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

export async function quantiseStatic(fp32: Uint8Array, options: QuantiseOptions): Promise<QuantisedModel> {
  if (options.calibration.length === 0) throw new Error('int8 quantisation needs at least one calibration input');
  const source = decodeModel(fp32);
  const graph = foldPadsAndBiases(workGraph(source));
  const ranges = await calibrate(source, graph, options);
  const { quantised, tensors, weights } = insertQdq(graph, ranges, options.weights ?? 'int8');
  return { onnx: encodeWorkGraph(source, quantised), quantisedTensors: tensors, quantisedWeights: weights };
}

/** Float activations: graph inputs and node outputs that no graph output is. */
function activations(g: WorkGraph): string[] {
  const outputs = new Set(g.outputs);
  return [...g.inputs.map((i) => i.name), ...g.nodes.flatMap((n) => n.outputs)].filter((t) => t && !outputs.has(t) && !g.tensors.has(t));
}

/** Every activation exposed as an output, one inference per calibration input, min and max kept. */
async function calibrate(source: ReturnType<typeof decodeModel>, g: WorkGraph, options: QuantiseOptions): Promise<Map<string, Range>> {
  const names = activations(g);
  const exposed = names.filter((n) => !g.inputs.some((i) => i.name === n));
  // One thread and no graph rewrites: the measured tensors are exactly the graph's, computed the
  // same way on any machine as far as onnxruntime allows.
  const session = await ort.InferenceSession.create(encodeWorkGraph(source, g, exposed), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  const ranges = new Map<string, Range>();
  const widen = (name: string, data: Float32Array) => {
    const r = ranges.get(name) ?? { min: Infinity, max: -Infinity };
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < r.min) r.min = v;
      if (v > r.max) r.max = v;
    }
    ranges.set(name, r);
  };
  try {
    const inputName = g.inputs[0]!.name;
    for (const input of options.calibration) {
      const results = await session.run({ [inputName]: new ort.Tensor('float32', input, options.inputDims) }, exposed);
      widen(inputName, input);
      for (const name of exposed) widen(name, results[name]!.data as Float32Array);
    }
  } finally {
    await session.release();
  }
  return ranges;
}

/** uint8 asymmetric parameters over a range that holds 0, on a grid coarse enough to be stable. */
export function activationParams(range: Range): { scale: number; zeroPoint: number } {
  let lo = Math.min(range.min, 0);
  let hi = Math.max(range.max, 0);
  if (hi - lo < 1e-8) hi = lo + 1e-8;
  const step = 2 ** (Math.floor(Math.log2(hi - lo)) - 7);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const scale = Math.fround((hi - lo) / 255);
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

function insertQdq(g: WorkGraph, ranges: Map<string, Range>, weightType: WeightType): { quantised: WorkGraph; tensors: number; weights: number } {
  const tensors = new Map(g.tensors);
  const params = new Map<string, QParams & { scaleValue: number }>();
  const producer = new Map<string, GraphNode>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);

  const paramsOf = (name: string): (QParams & { scaleValue: number }) | undefined => {
    if (params.has(name)) return params.get(name);
    const made = producer.get(name);
    // Data movement reuses its input's parameters (then onnxruntime drops the pair around it).
    if (made && SAME_SCALE.has(made.opType) && made.inputs[0] && params.has(made.inputs[0])) {
      const shared = params.get(made.inputs[0])!;
      params.set(name, shared);
      return shared;
    }
    const range = ranges.get(name);
    if (!range) return undefined;
    const { scale, zeroPoint } = activationParams(range);
    const p = { scale: `${name}/q_scale`, zeroPoint: `${name}/q_zero`, scaleValue: scale };
    tensors.set(p.scale, makeTensor(p.scale, DataType.FLOAT, [], [scale]));
    tensors.set(p.zeroPoint, makeTensor(p.zeroPoint, DataType.UINT8, [], [zeroPoint]));
    params.set(name, p);
    return p;
  };

  const nodes: GraphNode[] = [];
  const dequantised = new Map<string, string>();
  const qdq = (name: string) => {
    const p = paramsOf(name);
    if (!p) return;
    const q = `${name}/quantised`;
    const dq = `${name}/dequantised`;
    nodes.push({ opType: 'QuantizeLinear', name: q, inputs: [name, p.scale, p.zeroPoint], outputs: [q], attrs: {} });
    nodes.push({ opType: 'DequantizeLinear', name: dq, inputs: [q, p.scale, p.zeroPoint], outputs: [dq], attrs: {} });
    dequantised.set(name, dq);
  };
  const reading = (name: string) => dequantised.get(name) ?? name;

  const outputs = new Set(g.outputs);
  for (const input of g.inputs) qdq(input.name);
  let weights = 0;
  for (const node of g.nodes) {
    const inputs = node.inputs.map((i) => (i ? reading(i) : i));
    if (node.opType === 'Conv' && tensors.has(node.inputs[1]!) && params.has(node.inputs[0]!)) {
      const x = params.get(node.inputs[0]!)!;
      const w = quantiseWeights(node, tensors, x.scaleValue, weightType);
      nodes.push(...w.nodes);
      inputs[1] = w.weights;
      if (w.bias) inputs[2] = w.bias;
      weights++;
    }
    nodes.push({ ...node, inputs });
    for (const o of node.outputs) if (o && !outputs.has(o)) qdq(o);
  }
  return { quantised: { ...g, nodes, tensors }, tensors: dequantised.size, weights };
}

/**
 * Conv weights to 8 bits, one symmetric scale per output channel, behind a DequantizeLinear on axis
 * 0; the bias to int32 at input scale × weight scale (what QLinearConv adds to its accumulator).
 */
function quantiseWeights(node: GraphNode, tensors: Map<string, ReturnType<typeof makeTensor>>, inputScale: number, weightType: WeightType): { weights: string; bias?: string; nodes: GraphNode[] } {
  const wName = node.inputs[1]!;
  const w = tensors.get(wName)!;
  const dims = (w.dims ?? []).map(Number);
  const values = tensorValues(w);
  const channels = dims[0]!;
  const per = values.length / channels;
  const scales = new Float32Array(channels);
  const q = new Int8Array(values.length);
  for (let c = 0; c < channels; c++) {
    let peak = 0;
    for (let i = c * per; i < (c + 1) * per; i++) peak = Math.max(peak, Math.abs(values[i]!));
    // A channel of zeros still needs a valid (non-zero) scale.
    scales[c] = Math.fround(peak > 0 ? peak / WEIGHT_MAX : 1);
    for (let i = c * per; i < (c + 1) * per; i++) q[i] = Math.max(-WEIGHT_MAX, Math.min(WEIGHT_MAX, Math.round(values[i]! / scales[c]!)));
  }
  const base = `${wName}/${weightType}`;
  const unsigned = weightType === 'uint8';
  tensors.set(base, unsigned ? makeTensor(base, DataType.UINT8, dims, Uint8Array.from(q, (v) => v + UINT8_WEIGHT_ZERO)) : makeTensor(base, DataType.INT8, dims, q));
  tensors.set(`${base}/scale`, makeTensor(`${base}/scale`, DataType.FLOAT, [channels], scales));
  const zero = unsigned ? makeTensor(`${base}/zero`, DataType.UINT8, [channels], new Uint8Array(channels).fill(UINT8_WEIGHT_ZERO)) : makeTensor(`${base}/zero`, DataType.INT8, [channels], new Int8Array(channels));
  tensors.set(`${base}/zero`, zero);
  const weights = `${wName}/dequantised`;
  const nodes: GraphNode[] = [{ opType: 'DequantizeLinear', name: weights, inputs: [base, `${base}/scale`, `${base}/zero`], outputs: [weights], attrs: { axis: 0 } }];

  const bName = node.inputs[2];
  if (!bName || !tensors.has(bName)) return { weights, nodes };
  const b = tensorValues(tensors.get(bName)!);
  const bScales = Float32Array.from(scales, (s) => Math.fround(s * inputScale));
  const bq = Int32Array.from(b, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / bScales[c]!))));
  const bBase = `${bName}/int32`;
  tensors.set(bBase, makeTensor(bBase, DataType.INT32, [channels], bq));
  tensors.set(`${bBase}/scale`, makeTensor(`${bBase}/scale`, DataType.FLOAT, [channels], bScales));
  tensors.set(`${bBase}/zero`, makeTensor(`${bBase}/zero`, DataType.INT32, [channels], new Int32Array(channels)));
  const bias = `${bName}/dequantised`;
  nodes.push({ opType: 'DequantizeLinear', name: bias, inputs: [bBase, `${bBase}/scale`, `${bBase}/zero`], outputs: [bias], attrs: { axis: 0 } });
  return { weights, bias, nodes };
}
