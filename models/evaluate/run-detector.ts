// Runs one detector over a labelled dataset, keeping every box down to a low score so that AP can
// trace the whole precision/recall curve; the operating threshold is applied later, in the metrics.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { detectTiled } from '../../pipeline/survey/tiled-detection.ts';
import type { ImageResult } from './metrics.ts';
import type { DetectedBox, LabelledImage } from './types.ts';

export interface DetectorRun {
  modelId: string;
  results: ImageResult[];
  /** Mean wall time per image: detectImage (decode, preprocess, inference, decode, NMS), or with tiles the decode and detectTiled. */
  msPerImage: number;
  failures: Array<{ image: string; error: string }>;
}

export interface RunOptions {
  /**
   * Tiled inference exactly as the survey path runs it (pipeline/survey/tiled-detection.ts): the
   * image decoded to RGB as survey-image.ts does, every tile at the model's input size with this
   * overlap, plus one whole-image pass, merged.
   */
  tiles?: { overlap: number; /** Resampling before tiling, as a survey photo's GSD gives it (survey-scale.ts). */ scale?: number };
}

export async function runDetector(
  detector: Detector,
  dataset: readonly LabelledImage[],
  onProgress?: (done: number, total: number) => void,
  options: RunOptions = {},
): Promise<DetectorRun> {
  const results: ImageResult[] = [];
  const failures: DetectorRun['failures'] = [];
  let totalMs = 0;
  for (const [i, item] of dataset.entries()) {
    try {
      const bytes = await readFile(item.image);
      const started = performance.now();
      const { detections } = options.tiles ? await detectTiledImage(detector, bytes, item.image, options.tiles.overlap, options.tiles.scale ?? 1) : await detector.detectImage(bytes, item.image);
      totalMs += performance.now() - started;
      results.push({ image: item.image, groundTruth: item.boxes, detections });
    } catch (error) {
      failures.push({ image: item.image, error: (error as Error).message });
    }
    onProgress?.(i + 1, dataset.length);
  }
  return { modelId: detector.model.id, results, msPerImage: results.length ? totalMs / results.length : Number.NaN, failures };
}

async function detectTiledImage(detector: Detector, bytes: Buffer, image: string, overlap: number, scale: number): Promise<{ detections: DetectedBox[] }> {
  // The survey's decode: EXIF orientation applied, alpha dropped, sRGB, 8-bit RGB.
  const { data, info } = await sharp(bytes).autoOrient().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${image}: decoded to ${info.channels} channels, expected RGB`);
  const frame = { sourceId: 'eval', capturedAt: new Date(0), width: info.width, height: info.height, pixels: data };
  return detectTiled(detector, frame, { overlap, scale });
}
