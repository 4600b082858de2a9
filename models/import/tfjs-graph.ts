// Reads a TensorFlow.js graph model (model.json + weight shards) into plain typed data: the node
// list with decoded attributes' raw form, and every weight as a dequantised constant tensor. Kept
// free of @tensorflow/tfjs so the converter runs in production without the dev-only dependency.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type TfDtype = 'float32' | 'int32' | 'int64' | 'bool';

/** A constant tensor. int64 values are held as numbers: TF.js stores them as int32 anyway. */
export type ConstTensor =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'int32' | 'int64'; shape: number[]; data: Int32Array | Float64Array }
  | { dtype: 'bool'; shape: number[]; data: Uint8Array };

/** One attribute value exactly as the JSON carries it (TensorFlow AttrValue in proto3 JSON form). */
export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  list?: { s?: string[]; i?: (string | number)[]; f?: number[]; b?: boolean[]; type?: string[] };
  tensor?: unknown;
  func?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  /** Data inputs as `node` or `node:index`; control inputs (`^node`) are dropped on load. */
  inputs: string[];
  attr: Record<string, TfAttrValue>;
}

export interface TfTensorSpec {
  /** Tensor reference in `node` / `node:index` form (the `:0` suffix removed). */
  ref: string;
  dtype: TfDtype;
  /** -1 for an unknown dimension. */
  shape: number[];
}

export interface TfjsGraphModel {
  nodes: TfNode[];
  /** Const node name → value. */
  constants: Map<string, ConstTensor>;
  inputs: TfTensorSpec[];
  outputs: TfTensorSpec[];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

interface ModelJson {
  format?: string;
  modelTopology?: { node?: RawNode[] };
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  signature?: {
    inputs?: Record<string, RawSignatureTensor>;
    outputs?: Record<string, RawSignatureTensor>;
  };
}

interface RawNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
}

interface RawSignatureTensor {
  name: string;
  dtype?: string;
  tensorShape?: { dim?: { size?: string | number }[] };
}

export async function loadTfjsGraphModel(modelJsonPath: string): Promise<TfjsGraphModel> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
  const dir = path.dirname(modelJsonPath);
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    const parts = await Promise.all(group.paths.map((p) => readFile(path.join(dir, p))));
    // A group's shards are one byte stream split for HTTP caching; weights may straddle shards.
    shards.push(concatBytes(parts));
  }
  return parseTfjsGraphModel(json, shards);
}

/** `weightGroups[i]` is the concatenated shard bytes of `weightsManifest[i]`. */
export function parseTfjsGraphModel(modelJson: unknown, weightGroups: Uint8Array[]): TfjsGraphModel {
  const json = modelJson as ModelJson;
  if (json.format !== undefined && json.format !== 'graph-model') {
    throw new Error(`not a TF.js graph model (format '${json.format}')`);
  }
  const rawNodes = json.modelTopology?.node;
  if (!rawNodes) throw new Error('model JSON has no modelTopology.node list');

  const nodes: TfNode[] = rawNodes.map((n) => ({
    name: n.name,
    op: n.op,
    inputs: (n.input ?? []).filter((i) => !i.startsWith('^')).map(normaliseRef),
    attr: n.attr ?? {},
  }));

  const weights = new Map<string, ConstTensor>();
  (json.weightsManifest ?? []).forEach((group, gi) => {
    const bytes = weightGroups[gi];
    if (!bytes) throw new Error(`missing weight data for manifest group ${gi}`);
    let offset = 0;
    for (const spec of group.weights) {
      const { tensor, byteLength } = decodeWeight(spec, bytes, offset);
      weights.set(spec.name, tensor);
      offset += byteLength;
    }
    if (offset !== bytes.byteLength) {
      throw new Error(`weight group ${gi}: manifest describes ${offset} bytes, shards hold ${bytes.byteLength}`);
    }
  });

  const constants = new Map<string, ConstTensor>();
  for (const node of nodes) {
    if (node.op !== 'Const') continue;
    const w = weights.get(node.name);
    if (!w) throw new Error(`Const node '${node.name}' has no weight in the manifest`);
    // The converter narrows int64 to int32 when writing weights; the node keeps the real type,
    // which matters downstream (ONNX Reshape wants int64 shapes).
    const declared = node.attr['dtype']?.type;
    constants.set(node.name, declared === 'DT_INT64' && w.dtype === 'int32' ? retypeInt(w, 'int64') : w);
  }

  return {
    nodes,
    constants,
    inputs: signatureSpecs(json.signature?.inputs, nodes, 'Placeholder'),
    outputs: signatureSpecs(json.signature?.outputs, nodes, undefined),
  };
}

export function normaliseRef(ref: string): string {
  return ref.endsWith(':0') ? ref.slice(0, -2) : ref;
}

export function tfDtype(type: string | undefined, where: string): TfDtype {
  switch (type) {
    case 'DT_FLOAT':
      return 'float32';
    case 'DT_INT32':
      return 'int32';
    case 'DT_INT64':
      return 'int64';
    case 'DT_BOOL':
      return 'bool';
    default:
      throw new Error(`${where}: unsupported TensorFlow dtype ${type ?? '(none)'}`);
  }
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function signatureSpecs(
  entries: Record<string, RawSignatureTensor> | undefined,
  nodes: TfNode[],
  fallbackOp: string | undefined,
): TfTensorSpec[] {
  if (entries && Object.keys(entries).length > 0) {
    return Object.values(entries)
      .map((e) => ({
        ref: normaliseRef(e.name),
        dtype: tfDtype(e.dtype, `signature tensor '${e.name}'`),
        shape: (e.tensorShape?.dim ?? []).map((d) => Number(d.size ?? -1)),
      }))
      .sort((a, b) => compareNatural(a.ref, b.ref));
  }
  // Old converters wrote no signature: inputs are the Placeholders, outputs are not knowable here.
  if (!fallbackOp) throw new Error('model JSON has no signature outputs; cannot tell which tensors are outputs');
  return nodes
    .filter((n) => n.op === fallbackOp)
    .map((n) => ({
      ref: n.name,
      dtype: tfDtype(n.attr['dtype']?.type, `node '${n.name}'`),
      shape: (n.attr['shape']?.shape?.dim ?? []).map((d) => Number(d.size ?? -1)),
    }));
}

/** `Identity_2` before `Identity_10`: signature order in the JSON is a hash order, not meaningful. */
function compareNatural(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

function decodeWeight(spec: WeightSpec, bytes: Uint8Array, offset: number): { tensor: ConstTensor; byteLength: number } {
  const size = shapeSize(spec.shape);
  const q = spec.quantization;
  const storedDtype = q ? q.dtype : spec.dtype;
  const bpv = BYTES_PER_VALUE[storedDtype];
  if (bpv === undefined) throw new Error(`weight '${spec.name}': unsupported stored dtype ${storedDtype}`);
  const byteLength = size * bpv;
  if (offset + byteLength > bytes.byteLength) throw new Error(`weight '${spec.name}' runs past the end of its shards`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, byteLength);
  const shape = [...spec.shape];

  if (q) {
    const raw = new Float64Array(size);
    if (q.dtype === 'float16') {
      if (spec.dtype !== 'float32') throw new Error(`weight '${spec.name}': float16 quantisation of ${spec.dtype}`);
      for (let i = 0; i < size; i++) raw[i] = float16ToNumber(view.getUint16(i * 2, true));
      return { tensor: { dtype: 'float32', shape, data: Float32Array.from(raw) }, byteLength };
    }
    if (q.dtype !== 'uint8' && q.dtype !== 'uint16') {
      throw new Error(`weight '${spec.name}': unsupported quantisation ${q.dtype}`);
    }
    if (q.scale === undefined || q.min === undefined) throw new Error(`weight '${spec.name}': ${q.dtype} quantisation without scale/min`);
    for (let i = 0; i < size; i++) {
      const v = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
      raw[i] = v * q.scale + q.min;
    }
    if (spec.dtype === 'float32') return { tensor: { dtype: 'float32', shape, data: Float32Array.from(raw) }, byteLength };
    // Same rounding as tf.io.decodeWeights, so folded int constants agree with TF.js.
    if (spec.dtype === 'int32') return { tensor: { dtype: 'int32', shape, data: Int32Array.from(raw, Math.round) }, byteLength };
    throw new Error(`weight '${spec.name}': ${q.dtype} quantisation of ${spec.dtype}`);
  }

  switch (spec.dtype) {
    case 'float32': {
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = view.getFloat32(i * 4, true);
      return { tensor: { dtype: 'float32', shape, data }, byteLength };
    }
    case 'int32': {
      const data = new Int32Array(size);
      for (let i = 0; i < size; i++) data[i] = view.getInt32(i * 4, true);
      return { tensor: { dtype: 'int32', shape, data }, byteLength };
    }
    case 'bool': {
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = view.getUint8(i) ? 1 : 0;
      return { tensor: { dtype: 'bool', shape, data }, byteLength };
    }
    default:
      throw new Error(`weight '${spec.name}': unsupported dtype ${spec.dtype}`);
  }
}

function retypeInt(t: ConstTensor, dtype: 'int32' | 'int64'): ConstTensor {
  if (t.dtype !== 'int32' && t.dtype !== 'int64') throw new Error(`cannot retype ${t.dtype} as ${dtype}`);
  return { dtype, shape: t.shape, data: t.data };
}

/** IEEE 754 half → number, exact (every half is representable in float32), including inf/NaN/subnormals. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** The node that produces a `node` / `node:index` reference. */
export function refNode(ref: string): string {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? m[1]! : ref;
}

/**
 * Kahn's algorithm, always taking the ready node that comes first in the JSON, so the order (and
 * so the ONNX bytes) depends only on the model file. TF.js JSON is usually but not always sorted.
 */
export function topologicalOrder(nodes: readonly TfNode[]): TfNode[] {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const pending = nodes.map(() => 0);
  const consumers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const ref of n.inputs) {
      const p = index.get(refNode(ref));
      if (p === undefined) throw new Error(`node '${n.name}' (${n.op}) reads '${ref}', which no node produces`);
      pending[i]!++;
      consumers[p]!.push(i);
    }
  });
  // A binary heap would be asymptotically better; graphs here have hundreds of nodes, not millions.
  const ready: number[] = [];
  pending.forEach((c, i) => c === 0 && ready.push(i));
  const order: TfNode[] = [];
  while (ready.length > 0) {
    let best = 0;
    for (let k = 1; k < ready.length; k++) if (ready[k]! < ready[best]!) best = k;
    const i = ready.splice(best, 1)[0]!;
    order.push(nodes[i]!);
    for (const c of consumers[i]!) if (--pending[c]! === 0) ready.push(c);
  }
  if (order.length !== nodes.length) {
    const stuck = nodes.filter((_, i) => pending[i]! > 0).map((n) => n.name);
    throw new Error(`graph has a cycle through: ${stuck.slice(0, 5).join(', ')}`);
  }
  return order;
}
