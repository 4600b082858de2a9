// The mutable graph the int8 quantiser works on, and the folds it needs first. The TF.js export
// writes padding as a Pad before each Conv and the bias as an Add after it; onnxruntime fuses
// DequantizeLinear → Conv → QuantizeLinear into one integer QLinearConv only when the Conv holds
// both itself, so both are folded into the Conv (same arithmetic, fewer tensors to quantise).
import onnxProto from 'onnx-proto';
import { readGraph, tensorValues, type GraphNode, type ModelProto } from './onnx-read.ts';

export { tensorValues };

const { onnx } = onnxProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export const DataType = onnx.TensorProto.DataType;

export interface WorkGraph {
  nodes: GraphNode[];
  /** Initializers by name, as protobuf tensors (new ones are added as such). */
  tensors: Map<string, TensorProto>;
  inputs: { name: string; shape: number[] }[];
  outputs: string[];
}

export function workGraph(model: ModelProto): WorkGraph {
  const read = readGraph(model);
  const tensors = new Map<string, TensorProto>();
  for (const t of model.graph?.initializer ?? []) tensors.set(t.name ?? '', t);
  return { nodes: read.nodes, tensors, inputs: read.inputs, outputs: read.outputs };
}

export function makeTensor(name: string, dataType: number, dims: number[], values: ArrayLike<number>): TensorProto {
  const D = DataType;
  const width = dataType === D.FLOAT || dataType === D.INT32 ? 4 : dataType === D.INT64 ? 8 : 1;
  const raw = new Uint8Array(values.length * width);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (dataType === D.FLOAT) view.setFloat32(i * 4, v, true);
    else if (dataType === D.INT32) view.setInt32(i * 4, v, true);
    else if (dataType === D.INT64) view.setBigInt64(i * 8, BigInt(v), true);
    else if (dataType === D.INT8) view.setInt8(i, v);
    else if (dataType === D.UINT8) view.setUint8(i, v);
    else throw new Error(`makeTensor: data type ${dataType} not written here`);
  }
  return { name, dataType, dims, rawData: raw };
}

/** How many nodes (and graph outputs) read each tensor. */
export function useCounts(g: WorkGraph): Map<string, number> {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of g.outputs) uses.set(o, (uses.get(o) ?? 0) + 1);
  return uses;
}

/**
 * Pad (constant zeros, spatial only) → Conv becomes the Conv's own pads; Pad (a value no real
 * activation reaches) → MaxPool becomes the pool's pads, which pad with -inf; Conv → Add of a
 * per-channel constant becomes the Conv's bias. Each fold only where the intermediate tensor has
 * no other reader.
 */
export function foldPadsAndBiases(g: WorkGraph): WorkGraph {
  const uses = useCounts(g);
  const producer = new Map<string, GraphNode>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const removed = new Set<GraphNode>();
  const nodes = g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], attrs: { ...n.attrs } }));
  const byOriginal = new Map(g.nodes.map((n, i) => [n, nodes[i]!]));

  for (const node of nodes) {
    if ((node.opType === 'Conv' || node.opType === 'MaxPool') && node.inputs[0]) {
      const pad = producer.get(node.inputs[0]);
      const folded = pad && uses.get(node.inputs[0]) === 1 ? padFold(byOriginal.get(pad)!, node, g) : undefined;
      if (folded) {
        node.inputs[0] = pad!.inputs[0]!;
        node.attrs.pads = folded;
        removed.add(byOriginal.get(pad!)!);
      }
    }
  }
  for (const node of nodes) {
    if (node.opType !== 'Add' || removed.has(node)) continue;
    const [a, b] = node.inputs as [string, string];
    const conv = nodes.find((n) => n.opType === 'Conv' && n.outputs[0] === a && !removed.has(n));
    const bias = g.tensors.get(b);
    if (!conv || conv.inputs[2] || uses.get(a) !== 1 || !bias) continue;
    const weights = g.tensors.get(conv.inputs[1]!);
    const channels = Number(weights?.dims?.[0]);
    const dims = (bias.dims ?? []).map(Number);
    const perChannel = dims.reduce((x, y) => x * y, 1) === channels && dims.filter((d) => d !== 1).every((d) => d === channels);
    if (!perChannel || (dims.length === 4 && dims[1] !== channels) || (dims.length === 3 && dims[0] !== channels)) continue;
    const name = `${b}/as_bias`;
    g.tensors.set(name, makeTensor(name, DataType.FLOAT, [channels], tensorValues(bias)));
    conv.inputs[2] = name;
    conv.outputs[0] = node.outputs[0]!;
    removed.add(node);
  }
  return { ...g, nodes: nodes.filter((n) => !removed.has(n)) };
}

/** The combined pads of a Pad folded into the Conv or MaxPool after it, or undefined if it cannot be. */
function padFold(pad: GraphNode, consumer: GraphNode, g: WorkGraph): number[] | undefined {
  if (pad.opType !== 'Pad' || (pad.attrs.mode ?? 'constant') !== 'constant') return undefined;
  const padsTensor = g.tensors.get(pad.inputs[1] ?? '');
  if (!padsTensor) return undefined;
  const pads = tensorValues(padsTensor);
  const valueTensor = pad.inputs[2] ? g.tensors.get(pad.inputs[2]) : undefined;
  if (pad.inputs[2] && !valueTensor) return undefined;
  const value = valueTensor ? (tensorValues(valueTensor)[0] ?? 0) : 0;
  // Conv pads with zeros; MaxPool's pads never win the max, as a pad far below any activation.
  if (consumer.opType === 'Conv' ? value !== 0 : value > -1e30) return undefined;
  if (pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5]) return undefined;
  const own = (consumer.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0];
  if (consumer.attrs.auto_pad && consumer.attrs.auto_pad !== 'NOTSET') return undefined;
  return [own[0]! + pads[2]!, own[1]! + pads[3]!, own[2]! + pads[6]!, own[3]! + pads[7]!];
}

/** A graph back to ONNX bytes, with the source model's opset, IR version and producer. */
export function encodeWorkGraph(source: ModelProto, g: WorkGraph, extraOutputs: string[] = []): Uint8Array {
  const T = onnx.AttributeProto.AttributeType;
  const referenced = new Set(g.nodes.flatMap((n) => n.inputs));
  const graph = source.graph!;
  const outputs = [
    ...(graph.output ?? []).filter((o) => g.outputs.includes(o.name ?? '')),
    ...extraOutputs.map((name) => ({ name, type: { tensorType: { elemType: DataType.FLOAT } } })),
  ];
  const model = {
    irVersion: source.irVersion,
    opsetImport: source.opsetImport,
    producerName: source.producerName,
    producerVersion: source.producerVersion,
    docString: source.docString,
    graph: {
      name: graph.name,
      node: g.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([name, v]) => {
          const type = n.attrTypes?.[name];
          if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
          if (Array.isArray(v)) return type === T.FLOATS ? { name, type: T.FLOATS, floats: v } : { name, type: T.INTS, ints: v };
          return type === T.FLOAT ? { name, type: T.FLOAT, f: v } : { name, type: T.INT, i: v };
        }),
      })),
      initializer: [...g.tensors.values()].filter((t) => referenced.has(t.name ?? '')),
      input: graph.input,
      output: outputs,
    },
  };
  return onnx.ModelProto.encode(model).finish();
}
