// Crops → feature vectors with the frozen backbone of the manifest's `embedder` entry (the default
// detector's COCO-trained backbone, pipeline/embed/). How the maps are pooled is a choice made by
// measurement (models/README.md): which maps, the pooling grid, and whether the mirror image of the
// crop is averaged in. The exported ONNX classifier repeats exactly these steps (classifier-onnx.ts).
import { readFile } from 'node:fs/promises';
import type { EmbedderEntry } from '../manifest.ts';
import { toRawImage } from '../../pipeline/detect/crop.ts';
import { cropBatch } from '../../pipeline/embed/crop-batch.ts';
import { createEmbedder, type Embedder } from '../../pipeline/embed/embedder.ts';

export interface Pooling {
  /** Backbone outputs pooled and concatenated, e.g. ["features_s16", "features_s32"]. */
  features: string[];
  /** Cells per side each map is averaged over. */
  grid: number;
  /** Average the crop's features with its mirror image's. */
  flip: boolean;
}

/** The verdict heads' pooling: stride-16 and stride-32 maps over 2×2 quadrants, mirror averaged. */
export const DEFAULT_POOLING: Pooling = { features: ['features_s16', 'features_s32'], grid: 2, flip: true };

/**
 * Classes of things (attributes, zone states, object kinds): the stride-32 map averaged over the
 * whole crop and its mirror. With the nearest-class-mean head it beat every richer pooling on coco128
 * street crops, 5-fold cross-validation by image repeated 10 times (models/README.md): a few
 * hundred crops cannot fill 3,072 features, 512 they can.
 */
export const CLASS_POOLING: Pooling = { features: ['features_s32'], grid: 1, flip: true };

export interface CropFeatures {
  embedder: Embedder;
  /** One vector per file, or throws naming every file that could not be read. */
  featuresOf(files: readonly string[], progress?: (done: number, total: number) => void): Promise<Float32Array[]>;
  /** The vectors of prepared crop tensors [N, 3, H, W], as the exported model computes them. */
  featuresOfTensor(tensor: Float32Array, count: number): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export class UnreadableCropsError extends Error {
  override name = 'UnreadableCropsError';
}

const BATCH = 16;

export async function createCropFeatures(entry: EmbedderEntry, pooling: Pooling, threads?: number): Promise<CropFeatures> {
  // The whole file is the crop: the tree holds crops already cut with their context.
  const model: EmbedderEntry = { ...entry, output: { features: pooling.features, grid: pooling.grid }, cropMargin: 0 };
  const embedder = await createEmbedder(model, { maxBatch: BATCH, ...(threads !== undefined ? { threads } : {}) });
  const { width, height } = model.input;

  const featuresOfTensor = async (tensor: Float32Array, count: number): Promise<Float32Array[]> => {
    const plain = await embedder.runTensor(tensor, count);
    if (!pooling.flip) return plain;
    const mirrored = await embedder.runTensor(mirror(tensor, count, width, height), count);
    return plain.map((v, i) => {
      const m = mirrored[i]!;
      const out = new Float32Array(v.length);
      for (let k = 0; k < v.length; k++) out[k] = (v[k]! + m[k]!) / 2;
      return out;
    });
  };

  return {
    embedder,
    featuresOfTensor,
    async featuresOf(files, progress) {
      const out: Float32Array[] = [];
      const unreadable: string[] = [];
      const size = 3 * width * height;
      for (let start = 0; start < files.length; start += BATCH) {
        const batch = files.slice(start, start + BATCH);
        const tensor = new Float32Array(batch.length * size);
        for (const [i, file] of batch.entries()) {
          try {
            const raw = await toRawImage(await readFile(file), file);
            tensor.set(await cropBatch(raw, [[0, 0, raw.width, raw.height]], model.input, 0), i * size);
          } catch (error) {
            unreadable.push(`${file}: ${(error as Error).message.replace(`${file}: `, '')}`);
          }
        }
        if (unreadable.length === 0) out.push(...(await featuresOfTensor(tensor, batch.length)));
        progress?.(Math.min(files.length, start + BATCH), files.length);
      }
      if (unreadable.length > 0) {
        const more = unreadable.length > 5 ? ` (and ${unreadable.length - 5} more)` : '';
        throw new UnreadableCropsError(`${unreadable.length} crop${unreadable.length === 1 ? '' : 's'} cannot be read: ${unreadable.slice(0, 5).join('; ')}${more}`);
      }
      return out;
    },
    close: () => embedder.close(),
  };
}

/** Each [3, H, W] crop of the batch mirrored left to right. */
export function mirror(tensor: Float32Array, count: number, width: number, height: number): Float32Array {
  const out = new Float32Array(tensor.length);
  for (let row = 0; row < count * 3 * height; row++) {
    const at = row * width;
    for (let x = 0; x < width; x++) out[at + x] = tensor[at + width - 1 - x]!;
  }
  return out;
}
