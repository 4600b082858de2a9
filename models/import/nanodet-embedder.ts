// The default detector's COCO-trained backbone as an appearance model: the same TF.js graph as the
// detector (NanoDet-m, ShuffleNetV2), cut where the backbone hands its stride-16 and stride-32 maps
// to the feature pyramid, with a dynamic batch and a crop-sized input. The stage that uses it
// (pipeline/embed/) pools and normalises the maps; the cut graph computes exactly what those
// tensors hold inside the original (test/embed/embedder-conversion.test.ts).
import { loadTfjsGraphModel } from './tfjs-graph.ts';
import { convertTfjsGraph, type ConvertedModel } from './tfjs-to-onnx.ts';

/** The backbone's last layer at each stride, as the TF.js export names them (the pyramid's lateral inputs). */
export const NANODET_BACKBONE_TENSORS = {
  'PartitionedCall/onnx_tf_prefix_Concat_42': 'features_s16',
  'PartitionedCall/onnx_tf_prefix_Concat_62': 'features_s32',
} as const;

export const EMBEDDER_INPUT_NAME = 'input';
/**
 * Crop side the embedder is converted for: 128 px costs a third of 192 px per crop (5.6 against
 * 16.9 ms at batch 1 on one thread, measured at conversion time) and already separates the same
 * vehicle from another with a wide margin (pipeline/track/appearance.ts).
 */
export const EMBEDDER_INPUT_SIZE = 128;

export async function convertNanodetEmbedder(modelJsonPath: string, size = EMBEDDER_INPUT_SIZE): Promise<ConvertedModel> {
  if (!Number.isInteger(size) || size < 32 || size % 32 !== 0) throw new Error(`embedder input size ${size} is not a positive multiple of 32`);
  const model = await loadTfjsGraphModel(modelJsonPath);
  const input = model.inputs[0];
  if (model.inputs.length !== 1 || !input || input.shape.length !== 4 || input.shape[1] !== 3) {
    throw new Error('expected one NCHW RGB input');
  }
  // The backbone is convolutions, pads and pools only: any batch, and any side the strides divide.
  model.inputs = [{ ...input, shape: [-1, 3, size, size] }];
  return convertTfjsGraph(model, 'nanodet-backbone', {
    inputNames: { [input.ref]: EMBEDDER_INPUT_NAME },
    tensorOutputs: { ...NANODET_BACKBONE_TENSORS },
  });
}
