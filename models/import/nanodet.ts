// NanoDet-specific naming on top of the generic converter: the TF.js export calls its six heads
// Identity … Identity_5, whose order says nothing; the decoder wants them by stride and kind.
import path from 'node:path';
import { loadTfjsGraphModel, type TfTensorSpec } from './tfjs-graph.ts';
import { convertTfjsGraph, type ConvertedModel, type ConvertOptions } from './tfjs-to-onnx.ts';

export const NANODET_INPUT_NAME = 'input';

export interface NanodetHeadShape {
  /** COCO: 80. */
  numClasses: number;
  /** Box sides are distributions over 0..regMax bins, so box outputs have 4 * (regMax + 1) values. */
  regMax: number;
}

/**
 * TF output → `scores_s8`, `boxes_s8`, `scores_s16`, … in that order (stride ascending, scores
 * first). Stride comes from the grid: N = (inputSize / stride)², so it holds for any input size.
 */
export function nanodetOutputNames(
  outputs: readonly TfTensorSpec[],
  inputSize: number,
  head: NanodetHeadShape = { numClasses: 80, regMax: 10 },
): Record<string, string> {
  const boxDim = 4 * (head.regMax + 1);
  const named = outputs.map((o) => {
    const [, n, c] = o.shape;
    if (o.shape.length !== 3 || n === undefined || c === undefined) throw new Error(`NanoDet output '${o.ref}' is not [1, N, C]: [${o.shape}]`);
    const side = Math.round(Math.sqrt(n));
    const stride = inputSize / side;
    if (side * side !== n || !Number.isInteger(stride)) throw new Error(`NanoDet output '${o.ref}': ${n} anchors is not a square grid over ${inputSize}px`);
    const kind = c === head.numClasses ? 'scores' : c === boxDim ? 'boxes' : undefined;
    if (!kind) throw new Error(`NanoDet output '${o.ref}': last dim ${c} is neither ${head.numClasses} classes nor ${boxDim} box bins`);
    return { ref: o.ref, stride, kind, name: `${kind}_s${stride}` };
  });
  named.sort((a, b) => a.stride - b.stride || (a.kind === b.kind ? 0 : a.kind === 'scores' ? -1 : 1));
  const names = named.map((x) => x.name);
  if (new Set(names).size !== names.length) throw new Error(`NanoDet outputs do not pair up by stride: ${names.join(', ')}`);
  return Object.fromEntries(named.map((x) => [x.ref, x.name]));
}

/**
 * Converts the NanoDet TF.js model with input `input` [batch,3,H,W] and the stride-named outputs
 * [batch,N,C]. `batch: 'dynamic'` (what set-up uses) lets one session.run take several survey tiles
 * or camera frames; 1 keeps the export's fixed batch of one.
 */
export async function convertNanodet(modelJsonPath: string, head?: NanodetHeadShape, batch: 'dynamic' | 1 = 'dynamic'): Promise<ConvertedModel> {
  const model = await loadTfjsGraphModel(modelJsonPath);
  const input = model.inputs[0];
  if (model.inputs.length !== 1 || !input || input.shape.length !== 4 || input.shape[1] !== 3) {
    throw new Error('expected one NCHW RGB input');
  }
  const options: ConvertOptions = {
    inputNames: { [input.ref]: NANODET_INPUT_NAME },
    outputNames: nanodetOutputNames(model.outputs, input.shape[2]!, head),
  };
  if (batch === 'dynamic') {
    // The graph's reshapes and resizes keep the batch axis (tfjs-ops-to-onnx.ts), so only the
    // declared shapes change.
    model.inputs = [{ ...input, shape: [-1, ...input.shape.slice(1)] }];
    model.outputs = model.outputs.map((o) => ({ ...o, shape: [-1, ...o.shape.slice(1)] }));
  }
  return convertTfjsGraph(model, path.basename(modelJsonPath, '.json'), options);
}
