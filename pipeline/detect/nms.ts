// Class-aware greedy non-maximum suppression: a box only suppresses boxes of its own class, so a person
// standing in front of a stall keeps both detections. Works in whatever pixel space the boxes are in.

import type { Candidate } from './decoders/types.ts';

type Box = readonly [number, number, number, number];

/**
 * Intersection over union of two [x1, y1, x2, y2] boxes. Inverted sides count as zero extent, and two
 * boxes with no area between them (zero-area or degenerate) have IoU 0 rather than NaN, so they never
 * suppress anything.
 */
export function iou(a: Box, b: Box): number {
  return iouWithAreas(a, area(a), b, area(b));
}

/**
 * Returns the kept candidates, highest score first (ties keep input order), at most maxDetections of
 * them over all classes. A box is suppressed when its IoU with a kept, higher-scoring box of the same
 * class exceeds iouThreshold; equal to it is kept, as in torchvision. The input is not modified.
 */
export function nms(
  candidates: readonly Candidate[],
  iouThreshold = 0.45,
  maxDetections = Infinity,
): Candidate[] {
  // Bucketing first keeps the quadratic part per class: a few thousand candidates spread over
  // several classes stay cheap. Work on indices so ties can fall back to input order everywhere.
  const byClass = new Map<number, number[]>();
  candidates.forEach((c, i) => {
    const bucket = byClass.get(c.classIndex);
    if (bucket) bucket.push(i);
    else byClass.set(c.classIndex, [i]);
  });
  const byScore = (p: number, q: number) => candidates[q]!.score - candidates[p]!.score || p - q;

  const kept: number[] = [];
  for (const bucket of byClass.values()) {
    bucket.sort(byScore);
    const boxes = bucket.map((i) => candidates[i]!.box);
    const areas = boxes.map(area);
    const suppressed = new Uint8Array(bucket.length);
    for (let i = 0; i < bucket.length; i++) {
      if (suppressed[i]) continue;
      kept.push(bucket[i]!);
      for (let j = i + 1; j < bucket.length; j++) {
        if (suppressed[j]) continue;
        if (iouWithAreas(boxes[i]!, areas[i]!, boxes[j]!, areas[j]!) > iouThreshold) suppressed[j] = 1;
      }
    }
  }

  kept.sort(byScore);
  return kept.slice(0, Math.max(0, maxDetections)).map((i) => candidates[i]!);
}

function area(b: Box): number {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  return w > 0 && h > 0 ? w * h : 0;
}

// Areas precomputed once per box: NMS compares each kept box against many others.
function iouWithAreas(a: Box, areaA: number, b: Box, areaB: number): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  if (iw <= 0) return 0;
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}
