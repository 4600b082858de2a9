// A crop classifier built from one manifest entry (kind `classifier`): one onnxruntime session, fed
// a crop prepared exactly as the entry's input spec says, giving one probability per label.
import ort from 'onnxruntime-node';
import type { Box } from '../../contracts/types.ts';
import type { ClassifierEntry } from '../../models/manifest.ts';
import { cropRegion, openRaw, type RawImage } from '../detect/crop.ts';
import { ModelFormatError } from '../detect/decoders/types.ts';
import { openModelSession } from '../detect/onnx-session.ts';
import { prepareInput, tensorDims } from '../detect/preprocess.ts';

export interface ClassifierOptions {
  threads?: number;
}

export interface Classification {
  label: string;
  score: number;
  /** One per label, in the entry's label order. */
  probabilities: number[];
}

export interface Classifier {
  readonly model: ClassifierEntry;
  /** Classifies the box (grown by the entry's cropMargin) of a decoded image; undefined for an empty crop. */
  classifyBox(image: RawImage, box: Box): Promise<Classification | undefined>;
  /** The bare model call on a prepared tensor, for validation and benchmarks. */
  runTensor(tensor: Float32Array): Promise<number[]>;
  close(): Promise<void>;
}

export async function createClassifier(model: ClassifierEntry, options: ClassifierOptions = {}): Promise<Classifier> {
  const session = await openModelSession(model, options.threads !== undefined ? { threads: options.threads } : {});
  const inputName = model.input.name ?? session.inputNames[0]!;
  if (!session.inputNames.includes(inputName) || (model.input.name === undefined && session.inputNames.length !== 1)) {
    await session.release();
    throw new ModelFormatError(model.id, `inputs are ${session.inputNames.join(', ')}; name the image input in input.name`);
  }
  const dims = tensorDims(model.input);
  const n = model.labels.length;

  const runTensor = async (tensor: Float32Array): Promise<number[]> => {
    const results = await session.run({ [inputName]: new ort.Tensor('float32', tensor, dims) });
    const out = results[session.outputNames[0]!] as ort.Tensor;
    // [n], [1, n] or [1, n, 1, 1] are all one probability per label; anything else is a different model.
    if (out.type !== 'float32' || out.data.length !== n) {
      throw new ModelFormatError(
        model.id,
        `output "${session.outputNames[0]}" is ${out.type} [${out.dims.join(',')}], but ${n} labels (${model.labels.join(', ')}) need ${n} float32 values`,
      );
    }
    const values = Array.from(out.data as Float32Array);
    return model.output.activation === 'softmax' ? softmax(values) : values;
  };

  const classifier: Classifier = {
    model,
    async classifyBox(image, box) {
      const region = cropRegion(box, image.width, image.height, model.cropMargin);
      if (region.width === 0 || region.height === 0) return undefined;
      const prepared = await prepareInput(openRaw(image).extract(region), region.width, region.height, model.input);
      const probabilities = await runTensor(prepared.tensor);
      let best = 0;
      for (let i = 1; i < n; i++) if (probabilities[i]! > probabilities[best]!) best = i;
      return { label: model.labels[best]!, score: probabilities[best]!, probabilities };
    },
    runTensor,
    close: () => session.release(),
  };

  // A blank crop must give n probabilities; a model declared "already probabilities" must really
  // give values in [0, 1] that sum to 1, or its scores would be compared with thresholds wrongly.
  try {
    const p = await runTensor(new Float32Array(dims.reduce((a, b) => a * b, 1)));
    const sum = p.reduce((a, b) => a + b, 0);
    if (model.output.activation === 'none' && (p.some((v) => !(v >= -1e-4 && v <= 1 + 1e-4)) || Math.abs(sum - 1) > 1e-3)) {
      throw new ModelFormatError(
        model.id,
        `output.activation is "none" but the outputs [${p.map((v) => v.toFixed(3)).join(', ')}] are not probabilities; declare "softmax" if the model outputs logits`,
      );
    }
  } catch (error) {
    await session.release();
    if (error instanceof ModelFormatError) throw error;
    // Typically an input size or layout the model does not have; onnxruntime says which.
    throw new ModelFormatError(model.id, `a blank [${dims.join(',')}] input fails: ${(error as Error).message.split('\n')[0]}`);
  }
  return classifier;
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
