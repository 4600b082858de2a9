// Detection over a large image: every tile at the model's own resolution (small cars stay big
// enough to see), plus one pass over the whole image for objects larger than a tile, merged into
// one list in image pixels.
import type { Box, Detection, Frame } from '../../contracts/types.ts';
import type { Detector } from '../detect/detector.ts';
import { iou } from '../detect/nms.ts';
import { cropRgb, planTiles } from './tiles.ts';

export interface TiledOptions {
  /** Fraction of a tile shared with its neighbour (default 0.2). */
  overlap?: number;
  /** Also run once on the whole image, for objects bigger than a tile (default true). */
  wholeImagePass?: boolean;
}

export interface TiledTimings {
  tilingMs: number;
  inferenceMs: number;
  mergeMs: number;
  tiles: number;
}

export async function detectTiled(detector: Detector, frame: Frame, options: TiledOptions = {}): Promise<{ detections: Detection[]; timings: TiledTimings }> {
  const { width: tileWidth, height: tileHeight } = detector.model.input;
  const tiles = planTiles(frame.width, frame.height, tileWidth, tileHeight, options.overlap ?? 0.2);
  const timings: TiledTimings = { tilingMs: 0, inferenceMs: 0, mergeMs: 0, tiles: tiles.length };
  const all: Detection[] = [];
  // A single tile covering the image is the whole-image pass already.
  const passes = tiles.length > 1 || !(options.wholeImagePass ?? true) ? tiles : [];
  for (const tile of passes) {
    let t = performance.now();
    const pixels = cropRgb(frame.pixels, frame.width, tile);
    timings.tilingMs += performance.now() - t;
    t = performance.now();
    const { detections } = await detector.detectFrame({ ...frame, width: tile.width, height: tile.height, pixels });
    timings.inferenceMs += performance.now() - t;
    for (const d of detections) {
      all.push({ ...d, box: [d.box[0] + tile.x, d.box[1] + tile.y, d.box[2] + tile.x, d.box[3] + tile.y] });
    }
  }
  if (options.wholeImagePass ?? true) {
    const t = performance.now();
    all.push(...(await detector.detectFrame(frame)).detections);
    timings.inferenceMs += performance.now() - t;
  }
  const t = performance.now();
  const merged = mergeDetections(all);
  timings.mergeMs = performance.now() - t;
  return { detections: merged, timings };
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
