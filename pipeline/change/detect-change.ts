// Change detection between a before and an after image of the same place: register, normalise,
// measure differences, discount plants and shadows, threshold, outline, score. Each stage is its
// own module; this file only chains them and holds the settings in one place.
import { scoreCandidates, type CandidateSettings, type ChangeCandidate } from './candidates.ts';
import { changeMap, type ChangeMapSettings } from './change-map.ts';
import { differenceFeatures, type FeatureSettings } from './difference-features.ts';
import { normalise } from './normalise.ts';
import { minFilter } from './filters.ts';
import { raster, type Raster, type RgbImage } from './raster.ts';
import { regionsOf } from './regions.ts';
import { applyShift, estimateShift } from './register.ts';
import { hysteresis, otsu } from './threshold.ts';

export interface ChangeSettings extends FeatureSettings, ChangeMapSettings, CandidateSettings {
  /** Largest misregistration, pixels, searched for and corrected. */
  maxShift: number;
  /**
   * Change strength below which nothing is a change, whatever the pair: a pair that differs only
   * by light stays empty. Above it, regions start at the pair's own Otsu level (the strongest
   * changes of this pair) and extend down to `extend` times that level.
   */
  minStrength: number;
  extend: number;
  /** Radii (pixels) of the opening that drops slivers and the closing that joins pieces. */
  opening: number;
  closing: number;
}

export const DEFAULT_CHANGE_SETTINGS: ChangeSettings = {
  maxShift: 8,
  tolerance: 1,
  window: 4,
  scale: { intensity: 0.8, colour: 0.8, gradient: 0.01, texture: 1.2 },
  vegetation: 0.08,
  shadow: 0.5,
  minStrength: 1,
  extend: 0.5,
  opening: 2,
  // Joins the roofs, yards and drives of one development into one place for a reviewer to look at.
  closing: 8,
  // 100 m² at 0.5 m/px (LEVIR-CD's resolution): a house, not a car or a tree.
  minAreaPx: 400,
  minScore: 0,
  // 5 m at 0.5 m/px: a house is wider; a row of parked cars (2 m) or a roof edge's parallax strip is not.
  minWidthPx: 10,
};

export interface ChangeResult {
  candidates: ChangeCandidate[];
  shift: { dx: number; dy: number };
  /** Change strength per pixel of the before grid (0 where the after image does not reach). */
  map: Raster;
}

export function detectChange(before: RgbImage, after: RgbImage, settings: Partial<ChangeSettings> = {}): ChangeResult {
  const s = { ...DEFAULT_CHANGE_SETTINGS, ...settings };
  const shift = s.maxShift > 0 ? estimateShift(before, after, s.maxShift) : { dx: 0, dy: 0 };
  const moved = shift.dx === 0 && shift.dy === 0 ? { image: after, valid: undefined } : applyShift(after, shift);
  const a = normalise(before, moved.valid);
  const b = normalise(moved.image, moved.valid);
  // Filters near the edge of a shifted image read the empty margin: those pixels are not compared.
  const compared = moved.valid && shrink(moved.valid, before.width, before.height, s.tolerance + s.window + 1);
  const map = changeMap(differenceFeatures(a, b, s), a, b, compared, s);
  const high = Math.max(s.minStrength, otsu(map, compared));
  const mask = hysteresis(map, high, high * s.extend);
  const { regions, labels } = regionsOf(mask, before.width, before.height, s.opening, s.closing);
  return { candidates: scoreCandidates(regions, labels, map, s), shift: { dx: shift.dx, dy: shift.dy }, map };
}

function shrink(valid: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const out = minFilter(raster(width, height, Float32Array.from(valid)), r);
  return Uint8Array.from(out.data);
}
