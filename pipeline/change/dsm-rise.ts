// Surface-model change: where the after DSM stands at least `minRise` metres above the before DSM
// over at least `minRiseArea` m², something was built (or piled) there. Heights are compared on the
// same grid window as the images; pixels either model lacks are not compared.
import type { ChangeCandidate } from './candidates.ts';
import { polygonArea } from './polygon.ts';
import { regionsOf } from './regions.ts';

export interface RiseSettings {
  /** Metres the surface must rise. */
  minRise: number;
  /** Square metres the rise must cover. */
  minRiseArea: number;
}

export const DEFAULT_RISE_SETTINGS: RiseSettings = { minRise: 2, minRiseArea: 10 };

export interface RiseCandidate extends ChangeCandidate {
  /** Mean rise over the region, metres. */
  rise: number;
}

/** `res` is metres per pixel of the window the two height rasters cover. */
export function riseCandidates(before: Float32Array, after: Float32Array, valid: Uint8Array, width: number, height: number, res: number, s: RiseSettings): RiseCandidate[] {
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = valid[i] && after[i]! - before[i]! >= s.minRise ? 1 : 0;
  // A one-pixel opening drops the isolated spikes photogrammetry leaves on edges and trees.
  const { regions, labels } = regionsOf(mask, width, height, 1, 1);
  const sums = new Float64Array(regions.length + 1), counts = new Float64Array(regions.length + 1);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! > 0 && valid[i]) { sums[labels[i]!]! += after[i]! - before[i]!; counts[labels[i]!]!++; }
  }
  const minAreaPx = s.minRiseArea / (res * res);
  return regions
    .map((r) => {
      const rise = sums[r.component.label]! / Math.max(1, counts[r.component.label]!);
      const [x1, y1, x2, y2] = r.component.box;
      return { polygon: r.polygon, areaPx: polygonArea(r.polygon), rise, score: rise / (rise + s.minRise), box: [x1, y1, x2 + 1, y2 + 1] as ChangeCandidate['box'] };
    })
    .filter((c) => c.areaPx >= minAreaPx)
    .sort((a, b) => b.score - a.score);
}
