// The appearance embedder: object crops → unit vectors whose dot product says "the same object"
// (pipeline/embed/similarity.ts). The model is the manifest's `embedder` entry: today the default
// detector's own COCO-trained backbone (models/import/nanodet-embedder.ts), so nothing new is
// downloaded and the features are those the detector already relies on to find the object.
//
// Crops go through the model in batches (the converted backbone has a dynamic batch): one call per
// `maxBatch` crops, which costs less per crop than one call each (npm run bench:embed).
import ort from 'onnxruntime-node';
import type { Box } from '../../contracts/types.ts';
import type { EmbedderEntry } from '../../models/manifest.ts';
import type { RawImage } from '../detect/crop.ts';
import { ModelFormatError } from '../detect/decoders/types.ts';
import { openModelSession } from '../detect/onnx-session.ts';
import { cropBatch } from './crop-batch.ts';
import { poolFeatures, type FeatureMap } from './pool-features.ts';

export interface EmbedderOptions {
  threads?: number;
  /** Crops per model call. */
  maxBatch?: number;
}

export interface Embedder {
  readonly model: EmbedderEntry;
  /** Length of every embedding. */
  readonly dimensions: number;
  /** One embedding per crop: `boxes[i]` cut out of `images[i]` (the same image may repeat). */
  embedCrops(images: readonly RawImage[], boxes: readonly Box[]): Promise<Float32Array[]>;
  /** The bare model call on prepared crops [N, 3, H, W], for benchmarks. */
  runTensor(tensor: Float32Array, count: number): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export async function createEmbedder(model: EmbedderEntry, options: EmbedderOptions = {}): Promise<Embedder> {
  const session = await openModelSession(model, options.threads !== undefined ? { threads: options.threads } : {});
  const inputName = model.input.name ?? session.inputNames[0]!;
  const missing = model.output.features.filter((f) => !session.outputNames.includes(f));
  if (!session.inputNames.includes(inputName) || missing.length > 0) {
    await session.release();
    throw new ModelFormatError(
      model.id,
      missing.length > 0
        ? `output.features names ${missing.join(', ')}, but the model's outputs are ${session.outputNames.join(', ')}`
        : `inputs are ${session.inputNames.join(', ')}; name the crop input in input.name`,
    );
  }
  const maxBatch = options.maxBatch ?? 16;
  const { width, height } = model.input;

  const runTensor = async (tensor: Float32Array, count: number): Promise<Float32Array[]> => {
    const results = await session.run({ [inputName]: new ort.Tensor('float32', tensor, [count, 3, height, width]) }, model.output.features);
    const maps: FeatureMap[] = model.output.features.map((name) => {
      const t = results[name] as ort.Tensor;
      if (t.type !== 'float32' || t.dims.length !== 4 || t.dims[0] !== count) {
        throw new ModelFormatError(model.id, `output "${name}" is ${t.type} [${t.dims.join(',')}], expected float32 [${count}, C, H, W]`);
      }
      return { data: t.data as Float32Array, dims: t.dims };
    });
    return poolFeatures(maps, model.output.grid);
  };

  let dimensions: number;
  try {
    // A blank crop through the model: a wrong input size or a fixed batch fails here, at start, not on the first car.
    dimensions = (await runTensor(new Float32Array(2 * 3 * width * height), 2))[0]!.length;
  } catch (error) {
    await session.release();
    if (error instanceof ModelFormatError) throw error;
    throw new ModelFormatError(model.id, `a blank batch of two ${width}x${height} crops fails: ${(error as Error).message.split('\n')[0]}`);
  }

  return {
    model,
    dimensions,
    async embedCrops(images, boxes) {
      if (images.length !== boxes.length) throw new RangeError(`${images.length} images for ${boxes.length} boxes: give one image per box`);
      const out: Float32Array[] = [];
      for (let start = 0; start < boxes.length; start += maxBatch) {
        const end = Math.min(boxes.length, start + maxBatch);
        const parts: Float32Array[] = [];
        // Consecutive boxes of one image are cropped from one sharp input.
        for (let i = start; i < end; ) {
          let j = i + 1;
          while (j < end && images[j] === images[i]) j++;
          parts.push(await cropBatch(images[i]!, boxes.slice(i, j), model.input, model.cropMargin));
          i = j;
        }
        const tensor = parts.length === 1 ? parts[0]! : concat(parts);
        out.push(...(await runTensor(tensor, end - start)));
      }
      return out;
    },
    runTensor,
    close: () => session.release(),
  };
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
