// Detection over a large image: every tile at the model's own resolution (small cars stay big
// enough to see), plus one pass over the whole image for objects larger than a tile, merged into
// one list in image pixels.
import sharp from 'sharp';
import type { Box, Detection, Frame } from '../../contracts/types.ts';
import type { Detector } from '../detect/detector.ts';
import { iou } from '../detect/nms.ts';
import { cropRgb, planTiles } from './tiles.ts';

export interface TiledOptions {
  /** Fraction of a tile shared with its neighbour (default 0.2). */
  overlap?: number;
  /** Also run once on the whole image, for objects bigger than a tile (default true). */
  wholeImagePass?: boolean;
  /**
   * Resample the image by this factor (0 < scale <= 1) before tiling, so objects appear at the
   * scale the detector suits (survey-scale.ts); boxes come back in the original image's pixels.
   */
  scale?: number;
}

export interface TiledTimings {
  /** Resampling the image to the detector's GSD (0 when not resampled). */
  resampleMs: number;
  tilingMs: number;
  inferenceMs: number;
  mergeMs: number;
  tiles: number;
  /** Images per session.run (the detector's maxBatch). */
  batch: number;
  /** The factor the image was resampled by (1: its own resolution). */
  scale: number;
}

export async function detectTiled(detector: Detector, frame: Frame, options: TiledOptions = {}): Promise<{ detections: Detection[]; timings: TiledTimings }> {
  const { width: tileWidth, height: tileHeight } = detector.model.input;
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`tiling scale must be in (0, 1], got ${scale}`);
  let t = performance.now();
  const image = scale < 1 ? await resample(frame, scale) : frame;
  const resampleMs = scale < 1 ? performance.now() - t : 0;
  const tiles = planTiles(image.width, image.height, tileWidth, tileHeight, options.overlap ?? 0.2);
  const timings: TiledTimings = { resampleMs, tilingMs: 0, inferenceMs: 0, mergeMs: 0, tiles: tiles.length, batch: detector.maxBatch, scale };
  // A single tile covering the image is the whole-image pass already.
  const passes = tiles.length > 1 || !(options.wholeImagePass ?? true) ? tiles : [];
  const all: Detection[] = [];
  for (let i = 0; i < passes.length; i += detector.maxBatch) {
    const group = passes.slice(i, i + detector.maxBatch);
    t = performance.now();
    const crops = group.map((tile) => ({ ...image, width: tile.width, height: tile.height, pixels: cropRgb(image.pixels, image.width, tile) }));
    timings.tilingMs += performance.now() - t;
    t = performance.now();
    const results = await detector.detectFrames(crops);
    timings.inferenceMs += performance.now() - t;
    results.forEach(({ detections }, k) => {
      const tile = group[k]!;
      for (const d of detections) all.push({ ...d, box: [d.box[0] + tile.x, d.box[1] + tile.y, d.box[2] + tile.x, d.box[3] + tile.y] });
    });
  }
  if (options.wholeImagePass ?? true) {
    t = performance.now();
    all.push(...(await detector.detectFrame(image)).detections);
    timings.inferenceMs += performance.now() - t;
  }
  t = performance.now();
  const merged = mergeDetections(all).map((d) => (scale < 1 ? { ...d, box: d.box.map((v) => v / scale) as Box } : d));
  timings.mergeMs = performance.now() - t;
  return { detections: merged, timings };
}

/** The frame shrunk by `scale` (sharp's default Lanczos, which averages rather than skips pixels). */
async function resample(frame: Frame, scale: number): Promise<Frame> {
  const width = Math.max(1, Math.round(frame.width * scale));
  const height = Math.max(1, Math.round(frame.height * scale));
  const { data } = await sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { ...frame, width, height, pixels: data };
}

/**
 * Class-aware NMS, plus dropping a box that lies mostly inside a better box of the same label: a
 * car cut by a tile edge yields a partial box whose IoU with the whole one is low, but which is
 * almost entirely contained in it.
 */
export function mergeDetections(detections: readonly Detection[], iouThreshold = 0.5, containment = 0.8): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    const duplicate = kept.some((k) => k.label === d.label && (iou(k.box, d.box) > iouThreshold || insideFraction(d.box, k.box) > containment));
    if (!duplicate) kept.push(d);
  }
  return kept;
}

/** Share of `inner`'s area that lies inside `outer`. */
function insideFraction(inner: Box, outer: Box): number {
  const w = Math.min(inner[2], outer[2]) - Math.max(inner[0], outer[0]);
  const h = Math.min(inner[3], outer[3]) - Math.max(inner[1], outer[1]);
  const area = (inner[2] - inner[0]) * (inner[3] - inner[1]);
  return w > 0 && h > 0 && area > 0 ? (w * h) / area : 0;
}
