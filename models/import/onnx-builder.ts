// Accumulates an ONNX graph (nodes, initializers, static shapes) and serialises it. Everything is
// kept in insertion order and no field carries a time, host or path, so the same conversion gives
// the same bytes — the model manifest pins the file's sha256.
import onnxProto from 'onnx-proto';
import { makeConst, transposeConst } from './constant-folding.ts';
import type { ConstTensor, TfDtype } from './tfjs-graph.ts';

const { onnx } = onnxProto;

// Opset 17 is well inside what onnxruntime-node 1.30 runs; ONNX 1.12 pairs it with IR version 8.
export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

/** A tensor in the graph being built. `shape` uses -1 for a dimension not known statically. */
export interface OnnxValue {
  name: string;
  dtype: TfDtype;
  shape: number[];
}

export type OnnxAttr =
  | { name: string; i: number }
  | { name: string; f: number }
  | { name: string; s: string }
  | { name: string; ints: number[] }
  | { name: string; floats: number[] };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: OnnxAttr[];
}

export interface ModelMeta {
  graphName: string;
  producerName: string;
  producerVersion: string;
  docString?: string;
}

const ELEM_TYPE: Record<TfDtype, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

export class OnnxGraphBuilder {
  private readonly used = new Set<string>();
  private readonly reserved: Set<string>;
  private readonly nodes: OnnxNode[] = [];
  private readonly producers = new Map<string, OnnxNode>();
  private readonly initializers = new Map<string, ConstTensor>();
  private readonly inputs: OnnxValue[] = [];
  private readonly values = new Map<string, OnnxValue>();

  /** `reserved` names (graph input/output names) are never handed out to intermediate tensors. */
  constructor(reserved: Iterable<string> = []) {
    this.reserved = new Set(reserved);
  }

  uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name) || this.reserved.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  addInput(name: string, dtype: TfDtype, shape: number[]): OnnxValue {
    if (this.used.has(name)) throw new Error(`graph input name '${name}' is already taken`);
    this.used.add(name);
    const v = { name, dtype, shape };
    this.inputs.push(v);
    this.values.set(name, v);
    return v;
  }

  constant(base: string, t: ConstTensor): OnnxValue {
    const name = this.uniqueName(base);
    this.initializers.set(name, t);
    const v = { name, dtype: t.dtype, shape: [...t.shape] };
    this.values.set(name, v);
    return v;
  }

  int64(base: string, values: number[], shape: number[] = [values.length]): OnnxValue {
    return this.constant(base, makeConst('int64', shape, values));
  }

  constValue(v: OnnxValue): ConstTensor | undefined {
    return this.initializers.get(v.name);
  }

  producerOf(v: OnnxValue): OnnxNode | undefined {
    return this.producers.get(v.name);
  }

  valueOf(name: string): OnnxValue {
    const v = this.values.get(name);
    if (!v) throw new Error(`no tensor named '${name}' in the graph`);
    return v;
  }

  /**
   * Adds a node named after its first output (tensor names are unique, so node names are too).
   * `null` inputs become ONNX's empty name for an omitted optional input.
   */
  node(
    opType: string,
    inputs: (OnnxValue | null)[],
    outputs: { name: string; dtype: TfDtype; shape: number[] }[],
    attrs: OnnxAttr[] = [],
  ): OnnxValue[] {
    const outs = outputs.map((o) => ({ name: this.uniqueName(o.name), dtype: o.dtype, shape: o.shape }));
    const node: OnnxNode = {
      opType,
      name: outs[0]?.name ?? opType,
      inputs: inputs.map((i) => (i ? i.name : '')),
      outputs: outs.map((o) => o.name),
      attrs,
    };
    this.nodes.push(node);
    for (const o of outs) {
      this.producers.set(o.name, node);
      this.values.set(o.name, o);
    }
    return outs;
  }

  /**
   * Transpose with the layout bookkeeping done here rather than left to the runtime: constants are
   * transposed in place, and a Transpose of a Transpose collapses into one (or into nothing when
   * they cancel, which is what NCHW↔NHWC round trips around TF ops reduce to).
   */
  transpose(x: OnnxValue, perm: number[], name: string): OnnxValue {
    if (perm.every((p, i) => p === i)) return x;
    const shape = perm.map((p) => x.shape[p]!);
    const c = this.constValue(x);
    if (c) return this.constant(name, transposeConst(c, perm));
    const prev = this.producerOf(x);
    if (prev?.opType === 'Transpose') {
      const inner = attrInts(prev, 'perm');
      const src = this.valueOf(prev.inputs[0]!);
      const composed = perm.map((p) => inner[p]!);
      if (composed.every((p, i) => p === i)) return src;
      return this.node('Transpose', [src], [{ name, dtype: x.dtype, shape }], [{ name: 'perm', ints: composed }])[0]!;
    }
    return this.node('Transpose', [x], [{ name, dtype: x.dtype, shape }], [{ name: 'perm', ints: perm }])[0]!;
  }

  /**
   * Serialises the graph. Nodes whose results no output needs are dropped (the transpose
   * peepholes leave some behind), and each output is given its public name by renaming the tensor
   * where possible, falling back to an Identity.
   */
  build(outputs: { value: OnnxValue; name: string }[], meta: ModelMeta): Uint8Array {
    const live = this.liveNodes(outputs.map((o) => o.value.name));
    const rename = new Map<string, string>();
    const extra: OnnxNode[] = [];
    const inputNames = new Set(this.inputs.map((i) => i.name));
    // A copy, so that building twice gives the same result.
    const used = new Set(this.used);
    for (const { value, name } of outputs) {
      if (value.name === name && !rename.has(value.name)) {
        rename.set(value.name, name);
      } else if (this.producers.has(value.name) && !inputNames.has(value.name) && !rename.has(value.name) && !used.has(name)) {
        rename.set(value.name, name);
        used.add(name);
      } else {
        // Graph inputs, initializers and tensors already exported under another name keep theirs.
        if (used.has(name)) throw new Error(`output name '${name}' collides with another tensor`);
        used.add(name);
        extra.push({ opType: 'Identity', name, inputs: [value.name], outputs: [name], attrs: [] });
      }
    }
    const r = (n: string): string => rename.get(n) ?? n;
    const nodes = [...live, ...extra].map((n) => ({ ...n, inputs: n.inputs.map(r), outputs: n.outputs.map(r) }));
    const referenced = new Set(nodes.flatMap((n) => n.inputs));

    const graph = {
      name: meta.graphName,
      node: nodes.map(encodeNode),
      initializer: [...this.initializers]
        .filter(([name]) => referenced.has(name))
        .map(([name, t]) => encodeTensor(name, t)),
      input: this.inputs.map((v) => valueInfo(v.name, v.dtype, v.shape)),
      output: outputs.map(({ value, name }) => valueInfo(name, value.dtype, value.shape)),
    };
    const model = {
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: meta.producerName,
      producerVersion: meta.producerVersion,
      docString: meta.docString ?? '',
      graph,
    };
    const err = onnx.ModelProto.verify(model);
    if (err) throw new Error(`internal error building ONNX model: ${err}`);
    return onnx.ModelProto.encode(model).finish();
  }

  private liveNodes(outputNames: string[]): OnnxNode[] {
    const needed = new Set(outputNames);
    const keep = new Set<OnnxNode>();
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (!n.outputs.some((o) => needed.has(o))) continue;
      keep.add(n);
      for (const inp of n.inputs) if (inp) needed.add(inp);
    }
    return this.nodes.filter((n) => keep.has(n));
  }
}

export function attrInts(node: OnnxNode, name: string): number[] {
  const a = node.attrs.find((x) => x.name === name);
  if (!a || !('ints' in a)) throw new Error(`node '${node.name}' has no ints attribute '${name}'`);
  return a.ints;
}

function encodeNode(n: OnnxNode) {
  const T = onnx.AttributeProto.AttributeType;
  return {
    name: n.name,
    opType: n.opType,
    input: n.inputs,
    output: n.outputs,
    attribute: n.attrs.map((a) => {
      if ('i' in a) return { name: a.name, type: T.INT, i: a.i };
      if ('f' in a) return { name: a.name, type: T.FLOAT, f: a.f };
      if ('s' in a) return { name: a.name, type: T.STRING, s: new TextEncoder().encode(a.s) };
      if ('ints' in a) return { name: a.name, type: T.INTS, ints: a.ints };
      return { name: a.name, type: T.FLOATS, floats: a.floats };
    }),
  };
}

function encodeTensor(name: string, t: ConstTensor) {
  const n = t.data.length;
  const width = t.dtype === 'bool' ? 1 : t.dtype === 'int64' ? 8 : 4;
  const raw = new Uint8Array(n * width);
  const view = new DataView(raw.buffer);
  // Explicit little-endian writes: ONNX raw_data is little-endian whatever the host is.
  for (let i = 0; i < n; i++) {
    const v = Number(t.data[i]);
    if (t.dtype === 'float32') view.setFloat32(i * 4, v, true);
    else if (t.dtype === 'int32') view.setInt32(i * 4, v, true);
    else if (t.dtype === 'int64') view.setBigInt64(i * 8, BigInt(v), true);
    else view.setUint8(i, v ? 1 : 0);
  }
  return { name, dims: t.shape, dataType: ELEM_TYPE[t.dtype], rawData: raw };
}

function valueInfo(name: string, dtype: TfDtype, shape: number[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPE[dtype],
        shape: { dim: shape.map((d, i) => (d >= 0 ? { dimValue: d } : { dimParam: `${name}_d${i}` })) },
      },
    },
  };
}
