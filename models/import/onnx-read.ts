// Reads an ONNX file back into plain data: nodes with their attributes, initializer shapes and
// values, graph inputs and outputs. The counting and quantising stages work on this, not on
// protobuf objects.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;

export type AttrValue = number | number[] | string;

export interface GraphNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** ONNX attribute types as read (INT and FLOAT look alike as numbers), so a graph can be written back. */
  attrTypes?: Record<string, number>;
}

export interface Initializer {
  dims: number[];
  /** ONNX TensorProto data type (1 float, 6 int32, 7 int64, …). */
  dataType: number;
  /** Values as numbers; int64 beyond 2^53 is not expected in shapes or pads. */
  values: () => number[];
}

export interface ReadGraph {
  nodes: GraphNode[];
  initializers: Map<string, Initializer>;
  /** Graph inputs that are not initializers, with -1 for a symbolic dimension. */
  inputs: { name: string; shape: number[] }[];
  outputs: string[];
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}

export function readGraph(model: ModelProto): ReadGraph {
  const graph = model.graph;
  if (!graph) throw new Error('ONNX model has no graph');
  const initializers = new Map<string, Initializer>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? '', readInitializer(t));
  const inputs = (graph.input ?? [])
    .filter((i) => !initializers.has(i.name ?? ''))
    .map((i) => ({
      name: i.name ?? '',
      shape: (i.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue != null ? Number(d.dimValue) : -1)),
    }));
  const nodes = (graph.node ?? []).map((n) => ({
    opType: n.opType ?? '',
    name: n.name ?? '',
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attrs: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', attrValue(a)])),
    attrTypes: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', a.type ?? 0])),
  }));
  return { nodes, initializers, inputs, outputs: (graph.output ?? []).map((o) => o.name ?? '') };
}

function attrValue(a: onnxProto.onnx.IAttributeProto): AttrValue {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT:
      return Number(a.i);
    case T.FLOAT:
      return a.f ?? 0;
    case T.INTS:
      return (a.ints ?? []).map(Number);
    case T.FLOATS:
      return a.floats ?? [];
    case T.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    default:
      return [];
  }
}

function readInitializer(t: onnxProto.onnx.ITensorProto): Initializer {
  return { dims: (t.dims ?? []).map(Number), dataType: t.dataType ?? 0, values: () => tensorValues(t) };
}

/** An initializer's values as numbers (float, int32, int64, int8, uint8; raw or typed fields). */
export function tensorValues(t: onnxProto.onnx.ITensorProto): number[] {
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const D = onnx.TensorProto.DataType;
    const type = t.dataType;
    const out: number[] = [];
    if (type === D.FLOAT) for (let i = 0; i < raw.length; i += 4) out.push(view.getFloat32(i, true));
    else if (type === D.INT32) for (let i = 0; i < raw.length; i += 4) out.push(view.getInt32(i, true));
    else if (type === D.INT64) for (let i = 0; i < raw.length; i += 8) out.push(Number(view.getBigInt64(i, true)));
    else if (type === D.INT8) for (let i = 0; i < raw.length; i++) out.push(view.getInt8(i));
    else if (type === D.UINT8) for (let i = 0; i < raw.length; i++) out.push(view.getUint8(i));
    else throw new Error(`initializer "${t.name}": data type ${type} is not read here`);
    return out;
  }
  if (t.floatData?.length) return [...t.floatData];
  if (t.int32Data?.length) return [...t.int32Data];
  if (t.int64Data?.length) return t.int64Data.map(Number);
  return [];
}
