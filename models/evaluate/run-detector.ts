// Runs one detector over a labelled dataset, keeping every box down to a low score so that AP can
// trace the whole precision/recall curve; the operating threshold is applied later, in the metrics.
import { readFile } from 'node:fs/promises';
import type { Detector } from '../../pipeline/detect/detector.ts';
import type { ImageResult } from './metrics.ts';
import type { LabelledImage } from './types.ts';

export interface DetectorRun {
  modelId: string;
  results: ImageResult[];
  /** Mean wall time of detectImage per image (decode, preprocess, inference, decode, NMS). */
  msPerImage: number;
  failures: Array<{ image: string; error: string }>;
}

export async function runDetector(
  detector: Detector,
  dataset: readonly LabelledImage[],
  onProgress?: (done: number, total: number) => void,
): Promise<DetectorRun> {
  const results: ImageResult[] = [];
  const failures: DetectorRun['failures'] = [];
  let totalMs = 0;
  for (const [i, item] of dataset.entries()) {
    try {
      const bytes = await readFile(item.image);
      const started = performance.now();
      const { detections } = await detector.detectImage(bytes, item.image);
      totalMs += performance.now() - started;
      results.push({ image: item.image, groundTruth: item.boxes, detections });
    } catch (error) {
      failures.push({ image: item.image, error: (error as Error).message });
    }
    onProgress?.(i + 1, dataset.length);
  }
  return { modelId: detector.model.id, results, msPerImage: results.length ? totalMs / results.length : Number.NaN, failures };
}
