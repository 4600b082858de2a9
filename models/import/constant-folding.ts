// Evaluates every node whose inputs are all constants, so the ONNX graph carries only the compute
// that depends on the image. Models that went ONNX → TF (onnx-tf) → TF.js keep shape arithmetic —
// here SparseToDense of empty indices, added to a constant, feeding a Reshape — which would
// otherwise cost int64 runtime ops or, for SparseToDense, has no ONNX op at all.
import {
  shapeSize,
  tfDtype,
  topologicalOrder,
  type ConstTensor,
  type TfDtype,
  type TfNode,
} from './tfjs-graph.ts';

export interface FoldedGraph {
  /** Nodes that still need converting (Placeholders included, Const and folded nodes removed), in topological order. */
  nodes: TfNode[];
  /** Tensor reference (`node` or `node:index`) → constant value, for Consts and folded results. */
  constants: Map<string, ConstTensor>;
  /** Names of the nodes evaluated here. */
  folded: string[];
}

type Folder = (node: TfNode, inputs: ConstTensor[]) => ConstTensor[];

export function foldConstants(nodes: readonly TfNode[], constants: ReadonlyMap<string, ConstTensor>): FoldedGraph {
  const values = new Map<string, ConstTensor>(constants);
  const remaining: TfNode[] = [];
  const folded: string[] = [];
  for (const node of topologicalOrder(nodes)) {
    if (node.op === 'Const') continue;
    const folder = FOLDERS[node.op];
    const inputs = node.inputs.map((ref) => values.get(ref));
    if (!folder || node.op === 'Placeholder' || !inputs.every((v): v is ConstTensor => v !== undefined)) {
      remaining.push(node);
      continue;
    }
    let outputs: ConstTensor[];
    try {
      outputs = folder(node, inputs);
    } catch (err) {
      throw new Error(`constant folding ${node.op} node '${node.name}': ${(err as Error).message}`);
    }
    outputs.forEach((t, i) => values.set(i === 0 ? node.name : `${node.name}:${i}`, t));
    folded.push(node.name);
  }
  return { nodes: remaining, constants: values, folded };
}

export function constNumbers(t: ConstTensor): number[] {
  return Array.from(t.data as ArrayLike<number>, Number);
}

export function makeConst(dtype: TfDtype, shape: number[], values: ArrayLike<number>): ConstTensor {
  if (shapeSize(shape) !== values.length) throw new Error(`shape [${shape}] needs ${shapeSize(shape)} values, got ${values.length}`);
  switch (dtype) {
    case 'float32':
      return { dtype, shape, data: Float32Array.from(values) };
    case 'int32':
      return { dtype, shape, data: Int32Array.from(values, truncInt) };
    case 'int64':
      return { dtype, shape, data: Float64Array.from(values, truncInt) };
    case 'bool':
      return { dtype, shape, data: Uint8Array.from(values, (v) => (v ? 1 : 0)) };
  }
}

function truncInt(v: number): number {
  return Math.trunc(v);
}

function attrType(node: TfNode, key: string): TfDtype {
  return tfDtype(node.attr[key]?.type, `node '${node.name}' attr ${key}`);
}

function scalarOf(t: ConstTensor, what: string): number {
  if (t.data.length !== 1) throw new Error(`${what} must be a scalar, has shape [${t.shape}]`);
  return Number(t.data[0]);
}

export function normaliseAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

function broadcastShapes(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

function binary(fn: (a: number, b: number, isInt: boolean) => number): Folder {
  return (_node, [a, b]) => {
    if (!a || !b) throw new Error('needs two inputs');
    if (a.dtype !== b.dtype) throw new Error(`mixed dtypes ${a.dtype} and ${b.dtype}`);
    const shape = broadcastShapes(a.shape, b.shape);
    const outStrides = strides(shape);
    const index = (src: number[], flat: number): number => {
      let off = 0;
      const srcStrides = strides(src);
      for (let d = 0; d < shape.length; d++) {
        const sd = d - (shape.length - src.length);
        if (sd < 0) continue;
        const coord = Math.floor(flat / outStrides[d]!) % shape[d]!;
        if (src[sd]! !== 1) off += coord * srcStrides[sd]!;
      }
      return off;
    };
    const av = constNumbers(a);
    const bv = constNumbers(b);
    const isInt = a.dtype !== 'float32';
    const out = new Array<number>(shapeSize(shape));
    for (let i = 0; i < out.length; i++) out[i] = fn(av[index(a.shape, i)]!, bv[index(b.shape, i)]!, isInt);
    return [makeConst(a.dtype, shape, out)];
  };
}

const FOLDERS: Record<string, Folder> = {
  Identity: (_n, [x]) => [x!],
  Add: binary((a, b) => a + b),
  AddV2: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Maximum: binary((a, b) => Math.max(a, b)),
  Minimum: binary((a, b) => Math.min(a, b)),
  FloorDiv: binary((a, b) => Math.floor(a / b)),
  RealDiv: binary((a, b, isInt) => {
    if (isInt) throw new Error('RealDiv on integers');
    return a / b;
  }),

  Cast: (node, [x]) => {
    const to = attrType(node, 'DstT');
    const v = constNumbers(x!);
    // TF truncates float → int casts toward zero; makeConst does the same.
    return [makeConst(to, [...x!.shape], v)];
  },

  Reshape: (_n, [x, shapeT]) => {
    const target = constNumbers(shapeT!);
    const size = x!.data.length;
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const shape = target.map((d) => (d === -1 ? size / known : d));
    return [makeConst(x!.dtype, shape, constNumbers(x!))];
  },

  // Unspecified positions take the default; listed ones take the (possibly scalar) value.
  SparseToDense: (node, [indices, outputShape, values, defaultValue]) => {
    const shape = constNumbers(outputShape!);
    const rank = shape.length;
    const def = scalarOf(defaultValue!, 'default_value');
    const dtype = attrType(node, 'T');
    const out = new Array<number>(shapeSize(shape)).fill(def);
    const idx = constNumbers(indices!);
    const vals = constNumbers(values!);
    // indices: scalar (one 1-D index), [n] (n indices into a 1-D output) or [n, rank].
    const perRow = indices!.shape.length === 2 ? indices!.shape[1]! : 1;
    const rows = indices!.shape.length === 0 ? 1 : indices!.shape[0]!;
    if (perRow !== rank) throw new Error(`indices rows have ${perRow} coordinates, output has rank ${rank}`);
    const st = strides(shape);
    for (let r = 0; r < rows; r++) {
      let flat = 0;
      for (let d = 0; d < rank; d++) {
        const c = idx[r * perRow + d]!;
        if (c < 0 || c >= shape[d]!) throw new Error(`index ${c} out of range in dim ${d}`);
        flat += c * st[d]!;
      }
      out[flat] = vals.length === 1 ? vals[0]! : vals[r]!;
    }
    return [makeConst(dtype, shape, out)];
  },

  ConcatV2: (_node, inputs) => {
    const axisT = inputs[inputs.length - 1]!;
    const parts = inputs.slice(0, -1);
    const first = parts[0]!;
    const rank = first.shape.length;
    const axis = normaliseAxis(scalarOf(axisT, 'axis'), rank);
    const outer = shapeSize(first.shape.slice(0, axis));
    const shape = [...first.shape];
    shape[axis] = parts.reduce((n, p) => n + p.shape[axis]!, 0);
    const out: number[] = [];
    const vals = parts.map(constNumbers);
    for (let o = 0; o < outer; o++) {
      parts.forEach((p, k) => {
        const chunk = shapeSize(p.shape.slice(axis));
        for (let i = o * chunk; i < (o + 1) * chunk; i++) out.push(vals[k]![i]!);
      });
    }
    return [makeConst(first.dtype, shape, out)];
  },

  Pack: (node, inputs) => {
    const first = inputs[0]!;
    const axisAttr = Number(node.attr['axis']?.i ?? 0);
    const axis = normaliseAxis(axisAttr, first.shape.length + 1);
    const outer = shapeSize(first.shape.slice(0, axis));
    const chunk = shapeSize(first.shape.slice(axis));
    const out: number[] = [];
    const vals = inputs.map(constNumbers);
    for (let o = 0; o < outer; o++) for (const v of vals) for (let i = o * chunk; i < (o + 1) * chunk; i++) out.push(v[i]!);
    const shape = [...first.shape];
    shape.splice(axis, 0, inputs.length);
    return [makeConst(first.dtype, shape, out)];
  },

  Transpose: (_n, [x, permT]) => [transposeConst(x!, constNumbers(permT!))],
};

/** out.shape[i] = in.shape[perm[i]], as TF and ONNX define Transpose. */
export function transposeConst(x: ConstTensor, perm: number[]): ConstTensor {
  const inShape = x.shape;
  if (perm.length !== inShape.length) throw new Error(`perm [${perm}] does not fit shape [${inShape}]`);
  const outShape = perm.map((p) => inShape[p]!);
  const inStrides = strides(inShape);
  const permStrides = perm.map((p) => inStrides[p]!);
  const n = x.data.length;
  const src = x.data as ArrayLike<number>;
  const out = new Float64Array(n);
  const coord = new Array<number>(outShape.length).fill(0);
  let srcOff = 0;
  for (let i = 0; i < n; i++) {
    out[i] = src[srcOff]!;
    // Odometer over the output coordinates, tracking the matching input offset incrementally.
    for (let d = outShape.length - 1; d >= 0; d--) {
      coord[d]!++;
      srcOff += permStrides[d]!;
      if (coord[d]! < outShape[d]!) break;
      srcOff -= permStrides[d]! * outShape[d]!;
      coord[d] = 0;
    }
  }
  return makeConst(x.dtype, outShape, out);
}
