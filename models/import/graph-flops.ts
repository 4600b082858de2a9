// Counts a model's floating-point work from its ONNX graph: static shapes are propagated from the
// graph input through every node, then each node is charged what its op costs at those shapes.
// Conventions (the usual ones in papers, so figures compare): a multiply-add is 2 FLOPs (Conv,
// MatMul, Gemm); an element-wise op or activation is 1 per output element; a pool is its window per
// output element; moving data (Pad, Concat, Reshape, Transpose, Split, nearest Resize, Q/DQ) is 0.
// An op this file does not know is an error naming it, never a silent zero.
import type { GraphNode, ReadGraph } from './onnx-read.ts';

export interface FlopCount {
  /** Total floating-point operations of one inference at the graph's input shape. */
  flops: number;
  /** FLOPs per op type, so a report can say where the work is. */
  byOp: Record<string, number>;
  /** Every tensor's inferred shape. */
  shapes: Map<string, number[]>;
}

const UNARY = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Clip', 'Exp', 'HardSigmoid', 'HardSwish', 'Softmax',
  'BatchNormalization', 'Elu', 'Neg', 'Sqrt', 'Abs', 'Erf',
]);
const SAME_SHAPE_FREE = new Set(['Identity', 'Cast', 'QuantizeLinear', 'DequantizeLinear']);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min']);

/** `inputShapes` fills in symbolic input dimensions (a dynamic batch, say). */
export function countFlops(graph: ReadGraph, inputShapes: Record<string, number[]> = {}): FlopCount {
  const shapes = new Map<string, number[]>();
  for (const [name, init] of graph.initializers) shapes.set(name, init.dims);
  for (const input of graph.inputs) {
    const shape = inputShapes[input.name] ?? input.shape.map((d, i) => (d < 0 && i === 0 ? 1 : d));
    if (shape.some((d) => d < 0)) throw new Error(`input "${input.name}" has a symbolic dimension [${input.shape}]; give its shape`);
    shapes.set(input.name, shape);
  }
  const byOp: Record<string, number> = {};
  let flops = 0;
  for (const node of graph.nodes) {
    const { outShapes, cost } = inferNode(node, graph, shapes);
    node.outputs.forEach((o, i) => {
      if (o && outShapes[i]) shapes.set(o, outShapes[i]!);
    });
    byOp[node.opType] = (byOp[node.opType] ?? 0) + cost;
    flops += cost;
  }
  return { flops, byOp, shapes };
}

const elements = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function inferNode(node: GraphNode, graph: ReadGraph, shapes: Map<string, number[]>): { outShapes: number[][]; cost: number } {
  const shapeOf = (i: number): number[] => {
    const name = node.inputs[i];
    const s = name ? shapes.get(name) : undefined;
    if (!s) throw new Error(`${node.opType} "${node.name}": shape of input ${i} ("${name}") is unknown`);
    return s;
  };
  const constOf = (i: number): number[] | undefined => {
    const name = node.inputs[i];
    return name ? graph.initializers.get(name)?.values() : undefined;
  };
  const ints = (name: string, fallback: number[]): number[] => (node.attrs[name] as number[] | undefined) ?? fallback;
  const op = node.opType;

  if (op === 'Conv' || op === 'QLinearConv') {
    const q = op === 'QLinearConv';
    const x = shapeOf(0);
    const w = shapeOf(q ? 3 : 1);
    const spatial = convOutput(x.slice(2), w.slice(2), node);
    const out = [x[0]!, w[0]!, ...spatial];
    const hasBias = node.inputs[q ? 8 : 2] ? 1 : 0;
    const perOutput = 2 * elements(w.slice(1)) + hasBias;
    return { outShapes: [out], cost: elements(out) * perOutput };
  }
  if (op === 'MaxPool' || op === 'AveragePool') {
    const x = shapeOf(0);
    const kernel = ints('kernel_shape', []);
    const out = [x[0]!, x[1]!, ...convOutput(x.slice(2), kernel, node)];
    return { outShapes: [out], cost: elements(out) * elements(kernel) };
  }
  if (op === 'GlobalAveragePool' || op === 'GlobalMaxPool') {
    const x = shapeOf(0);
    return { outShapes: [[x[0]!, x[1]!, ...x.slice(2).map(() => 1)]], cost: elements(x) };
  }
  if (UNARY.has(op)) return { outShapes: [shapeOf(0)], cost: elements(shapeOf(0)) };
  if (SAME_SHAPE_FREE.has(op)) return { outShapes: [shapeOf(0)], cost: 0 };
  if (BINARY.has(op)) {
    const out = broadcast(shapeOf(0), shapeOf(1), node);
    return { outShapes: [out], cost: elements(out) };
  }
  if (op === 'MatMul') {
    const a = shapeOf(0);
    const b = shapeOf(1);
    const batch = broadcast(a.slice(0, -2), b.slice(0, -2), node);
    const out = [...batch, a.at(-2)!, b.at(-1)!];
    return { outShapes: [out], cost: 2 * elements(out) * a.at(-1)! };
  }
  if (op === 'Gemm') {
    const a = shapeOf(0);
    const b = shapeOf(1);
    const [m, k] = node.attrs.transA ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
    const n = node.attrs.transB ? b[0]! : b[1]!;
    return { outShapes: [[m, n]], cost: 2 * m * n * k + (node.inputs[2] ? m * n : 0) };
  }
  if (op === 'Pad') {
    const x = shapeOf(0);
    const pads = constOf(1) ?? ints('pads', []);
    if (pads.length !== 2 * x.length) throw new Error(`Pad "${node.name}": pads are not constant`);
    return { outShapes: [x.map((d, i) => d + pads[i]! + pads[i + x.length]!)], cost: 0 };
  }
  if (op === 'Concat') {
    const all = node.inputs.map((_, i) => shapeOf(i));
    const axis = normAxis(node.attrs.axis as number, all[0]!.length);
    const out = [...all[0]!];
    out[axis] = all.reduce((sum, s) => sum + s[axis]!, 0);
    return { outShapes: [out], cost: 0 };
  }
  if (op === 'Split') {
    const x = shapeOf(0);
    const axis = normAxis((node.attrs.axis as number | undefined) ?? 0, x.length);
    const parts = constOf(1) ?? (node.attrs.split as number[] | undefined) ?? node.outputs.map(() => x[axis]! / node.outputs.length);
    return { outShapes: parts.map((p) => x.map((d, i) => (i === axis ? p : d))), cost: 0 };
  }
  if (op === 'Reshape') {
    const x = shapeOf(0);
    const target = constOf(1);
    if (!target) throw new Error(`Reshape "${node.name}": target shape is not constant`);
    const out = target.map((d, i) => (d === 0 ? x[i]! : d));
    const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return { outShapes: [out.map((d) => (d === -1 ? elements(x) / known : d))], cost: 0 };
  }
  if (op === 'Flatten') {
    const x = shapeOf(0);
    const axis = normAxis((node.attrs.axis as number | undefined) ?? 1, x.length);
    return { outShapes: [[elements(x.slice(0, axis)), elements(x.slice(axis))]], cost: 0 };
  }
  if (op === 'Transpose') {
    const x = shapeOf(0);
    const perm = ints('perm', x.map((_, i) => x.length - 1 - i));
    return { outShapes: [perm.map((p) => x[p]!)], cost: 0 };
  }
  if (op === 'Resize') {
    const x = shapeOf(0);
    const sizes = constOf(3);
    const scales = constOf(2);
    const out = sizes?.length ? sizes : scales?.length ? x.map((d, i) => Math.floor(d * scales[i]!)) : undefined;
    if (!out) throw new Error(`Resize "${node.name}": neither scales nor sizes are constant`);
    const nearest = (node.attrs.mode ?? 'nearest') === 'nearest';
    return { outShapes: [out], cost: nearest ? 0 : 4 * elements(out) };
  }
  throw new Error(`cannot count FLOPs of op ${op} ("${node.name}"): not known to models/import/graph-flops.ts`);
}

/** Output spatial size of a windowed op (Conv, pools): pads, strides, dilations, ceil_mode. */
function convOutput(input: number[], kernel: number[], node: GraphNode): number[] {
  const n = input.length;
  const strides = (node.attrs.strides as number[] | undefined) ?? Array(n).fill(1);
  const dilations = (node.attrs.dilations as number[] | undefined) ?? Array(n).fill(1);
  const autoPad = (node.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return input.map((d, i) => Math.ceil(d / strides[i]!));
  const pads = autoPad === 'VALID' ? Array(2 * n).fill(0) : ((node.attrs.pads as number[] | undefined) ?? Array(2 * n).fill(0));
  const round = node.attrs.ceil_mode ? Math.ceil : Math.floor;
  return input.map((d, i) => {
    const span = dilations[i]! * (kernel[i]! - 1) + 1;
    return round((d + pads[i]! + pads[i + n]! - span) / strides[i]!) + 1;
  });
}

function broadcast(a: number[], b: number[], node: GraphNode): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`${node.opType} "${node.name}": shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
