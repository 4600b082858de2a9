// Candidate scoring: each region becomes a candidate with its outline, area and a score from
// 0 to 1 saying how strongly it changed; small or weak ones are dropped. The score grows with
// the region's mean change strength (strength s scores s / (s + 1): an ordinary unchanged-scene
// difference scores 0.5) so candidates can be ranked across pairs and surveys.
import type { Point } from './polygon.ts';
import { polygonArea } from './polygon.ts';
import type { Raster } from './raster.ts';
import type { Region } from './regions.ts';

export interface ChangeCandidate {
  /** Outline in pixels of the before image's grid (x right, y down, pixel corners). */
  polygon: Point[];
  /** Area inside the outline, square pixels. */
  areaPx: number;
  score: number;
  /** [x1, y1, x2, y2] in pixels. */
  box: [number, number, number, number];
}

export interface CandidateSettings {
  minAreaPx: number;
  minScore: number;
  /** Smallest mean width (twice the area over the outline's length), pixels; 0 keeps every shape. */
  minWidthPx: number;
}

/** Twice the area over the perimeter: the width of a long strip, half the side of a square. */
export function meanWidth(polygon: readonly Point[], areaPx: number): number {
  let perimeter = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x0, y0] = polygon[i]!, [x1, y1] = polygon[(i + 1) % polygon.length]!;
    perimeter += Math.hypot(x1 - x0, y1 - y0);
  }
  return perimeter > 0 ? (2 * areaPx) / perimeter : 0;
}

export function scoreCandidates(regions: readonly Region[], labels: Int32Array, map: Raster, s: CandidateSettings): ChangeCandidate[] {
  const sums = new Float64Array(regions.length + 1);
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) sums[labels[i]!]! += map.data[i]!;
  return regions
    .map((r) => {
      const strength = sums[r.component.label]! / r.component.area;
      const [x1, y1, x2, y2] = r.component.box;
      return { polygon: r.polygon, areaPx: polygonArea(r.polygon), score: strength / (strength + 1), box: [x1, y1, x2 + 1, y2 + 1] as ChangeCandidate['box'] };
    })
    .filter((c) => c.areaPx >= s.minAreaPx && c.score >= s.minScore && meanWidth(c.polygon, c.areaPx) >= s.minWidthPx)
    .sort((a, b) => b.score - a.score);
}
