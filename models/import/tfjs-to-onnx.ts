// TF.js graph model → ONNX ModelProto bytes: load, fold constants, convert the nodes the outputs
// depend on, name the graph's inputs and outputs, serialise. The bytes depend only on the model
// files and the options (see onnx-builder.ts), so the sha256 of a conversion can be pinned.
import path from 'node:path';
import { foldConstants } from './constant-folding.ts';
import { OnnxGraphBuilder, type OnnxValue } from './onnx-builder.ts';
import { convertNode, type ConvertContext } from './tfjs-ops-to-onnx.ts';
import {
  loadTfjsGraphModel,
  normaliseRef,
  refNode,
  tfDtype,
  type TfjsGraphModel,
  type TfNode,
} from './tfjs-graph.ts';

export interface ConvertOptions {
  /**
   * TF output tensor (`Identity:0` or `Identity`) → ONNX output name. Graph outputs follow this
   * map's order; outputs it does not mention come after, under their TF names, in signature order.
   */
  outputNames?: Record<string, string>;
  /** Placeholder (`input_1` or `input_1:0`) → ONNX input name. Unmapped inputs keep the Placeholder's name. */
  inputNames?: Record<string, string>;
  /**
   * Any tensors of the graph (`node` or `node:1`) → ONNX output name. When given, the graph outputs
   * are exactly these, in this order, instead of the signature's: a sub-model such as a detector's
   * backbone, cut from the same graph and so computing the same values.
   */
  tensorOutputs?: Record<string, string>;
}

export interface TensorDesc {
  name: string;
  dims: number[];
}

export interface ConvertedModel {
  onnx: Uint8Array;
  inputs: TensorDesc[];
  outputs: TensorDesc[];
}

export const PRODUCER_NAME = 'chengguan-violations tfjs-to-onnx';
// Bump when a change to the converter changes its output bytes, so pinned hashes say why they moved.
export const PRODUCER_VERSION = '1';

export async function convertTfjsGraphModel(modelJsonPath: string, options: ConvertOptions = {}): Promise<ConvertedModel> {
  const model = await loadTfjsGraphModel(modelJsonPath);
  return convertTfjsGraph(model, path.basename(modelJsonPath, '.json'), options);
}

export function convertTfjsGraph(model: TfjsGraphModel, graphName: string, options: ConvertOptions = {}): ConvertedModel {
  const inputNames = normaliseKeys(options.inputNames);
  const outputNames = normaliseKeys(options.outputNames);
  const outputs = options.tensorOutputs ? innerTensors(model, normaliseKeys(options.tensorOutputs)) : orderOutputs(model, outputNames);

  const { nodes, constants } = foldConstants(model.nodes, model.constants);
  const needed = neededNodes(nodes, outputs.map((o) => o.ref));

  const inputSpecs = new Map(model.inputs.map((s) => [s.ref, s]));
  const publicInputs = nodes.filter((n) => n.op === 'Placeholder' && needed.has(n.name)).map((n) => inputNames.get(n.name) ?? n.name);
  const b = new OnnxGraphBuilder([...publicInputs, ...outputs.map((o) => o.name)]);

  const values = new Map<string, OnnxValue>();
  const valueOf = (ref: string, reader: string): OnnxValue => {
    const v = values.get(ref);
    if (v) return v;
    const c = constants.get(ref);
    if (!c) throw new Error(`'${reader}' reads '${ref}', which was not converted`);
    const init = b.constant(ref, c);
    values.set(ref, init);
    return init;
  };

  for (const node of nodes) {
    if (!needed.has(node.name)) continue;
    if (node.op === 'Placeholder') {
      const spec = inputSpecs.get(node.name);
      const dtype = spec?.dtype ?? tfDtype(node.attr['dtype']?.type, `Placeholder '${node.name}'`);
      const shape = spec?.shape ?? (node.attr['shape']?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
      values.set(node.name, b.addInput(inputNames.get(node.name) ?? node.name, dtype, shape));
      continue;
    }
    const ctx: ConvertContext = {
      node,
      b,
      input: (i) => valueOf(requireInput(node, i), node.name),
      constInput: (i) => constants.get(requireInput(node, i)),
      outName: (i) => (i === 0 ? node.name : `${node.name}:${i}`),
    };
    convertNode(ctx).forEach((v, i) => values.set(i === 0 ? node.name : `${node.name}:${i}`, v));
  }

  const graphOutputs = outputs.map((o) => {
    const v = valueOf(o.ref, `output '${o.name}'`);
    if (o.shape.length > 0 && !shapesAgree(o.shape, v.shape)) {
      throw new Error(`output '${o.ref}': signature says [${o.shape}], conversion gives [${v.shape}]`);
    }
    const shape = v.shape.map((d, i) => (d >= 0 ? d : (o.shape[i] ?? -1)));
    return { value: { ...v, shape }, name: o.name };
  });

  const bytes = b.build(graphOutputs, {
    graphName,
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    docString: `Converted from the TF.js graph model '${graphName}'.`,
  });
  return {
    onnx: bytes,
    inputs: publicInputs.map((name) => ({ name, dims: [...b.valueOf(name).shape] })),
    outputs: graphOutputs.map((o) => ({ name: o.name, dims: o.value.shape })),
  };
}

function requireInput(node: TfNode, i: number): string {
  const ref = node.inputs[i];
  if (ref === undefined) throw new Error(`${node.op} node '${node.name}' has no input ${i}`);
  return ref;
}

function normaliseKeys(map: Record<string, string> | undefined): Map<string, string> {
  return new Map(Object.entries(map ?? {}).map(([k, v]) => [normaliseRef(k), v]));
}

function orderOutputs(model: TfjsGraphModel, names: Map<string, string>): { ref: string; name: string; shape: number[] }[] {
  const specs = new Map(model.outputs.map((s) => [s.ref, s]));
  for (const ref of names.keys()) {
    if (!specs.has(ref)) throw new Error(`outputNames mentions '${ref}', which is not a model output (${[...specs.keys()].join(', ')})`);
  }
  const mapped = [...names.keys()].map((ref) => specs.get(ref)!);
  const rest = model.outputs.filter((s) => !names.has(s.ref));
  const all = [...mapped, ...rest].map((s) => ({ ref: s.ref, name: names.get(s.ref) ?? s.ref, shape: s.shape }));
  const seen = new Set<string>();
  for (const o of all) {
    if (seen.has(o.name)) throw new Error(`two outputs would be named '${o.name}'`);
    seen.add(o.name);
  }
  return all;
}

function innerTensors(model: TfjsGraphModel, names: Map<string, string>): { ref: string; name: string; shape: number[] }[] {
  const nodes = new Set(model.nodes.map((n) => n.name));
  const out = [...names].map(([ref, name]) => {
    if (!nodes.has(refNode(ref))) throw new Error(`tensorOutputs mentions '${ref}', which no node of the graph produces`);
    return { ref, name, shape: [] as number[] };
  });
  if (new Set(out.map((o) => o.name)).size !== out.length) throw new Error('tensorOutputs gives two tensors the same name');
  if (out.length === 0) throw new Error('tensorOutputs names no tensor');
  return out;
}

/** Nodes the outputs depend on: anything else (training leftovers, dead branches) is not converted. */
function neededNodes(nodes: readonly TfNode[], outputRefs: string[]): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const needed = new Set<string>();
  const stack = outputRefs.map(refNode);
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (needed.has(name)) continue;
    const node = byName.get(name);
    if (!node) continue; // a constant
    needed.add(name);
    for (const ref of node.inputs) stack.push(refNode(ref));
  }
  return needed;
}

function shapesAgree(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d < 0 || b[i]! < 0 || d === b[i]);
}
