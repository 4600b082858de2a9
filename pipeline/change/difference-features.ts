// How much each place changed between the two normalised images, from four cues that survive a
// change of light: standardised intensity, standardised chromaticity, edges (gradient magnitude) and texture (local contrast).
// Each cue is shift-tolerant: a pixel counts as changed only if nothing within `tolerance` pixels
// of it in the other image looks like it, so residual misregistration and the lean of tall
// objects photographed from a different angle do not light up every edge.
import { boxMean, localStd, maxFilter, minFilter, sobel } from './filters.ts';
import type { NormalisedImage } from './normalise.ts';
import { raster, type Raster } from './raster.ts';

export interface DifferenceFeatures {
  intensity: Raster;
  colour: Raster;
  gradient: Raster;
  texture: Raster;
}

export interface FeatureSettings {
  /** Pixels of residual misalignment forgiven. */
  tolerance: number;
  /** Radius of the window over which each cue is averaged. */
  window: number;
}

export function differenceFeatures(a: NormalisedImage, b: NormalisedImage, settings: FeatureSettings): DifferenceFeatures {
  const { tolerance: t, window: r } = settings;
  const la = boxMean(a.luminance, 1);
  const lb = boxMean(b.luminance, 1);
  const intensity = boxMean(tolerantDifference(la, lb, t), r);
  const ra = tolerantDifference(boxMean(a.chromaR, 1), boxMean(b.chromaR, 1), t);
  const gaC = tolerantDifference(boxMean(a.chromaG, 1), boxMean(b.chromaG, 1), t);
  const colour = boxMean(raster(ra.width, ra.height, ra.data.map((v, i) => Math.hypot(v, gaC.data[i]!))), r);
  const ga = gradientMagnitude(la);
  const gb = gradientMagnitude(lb);
  const gradient = boxMean(tolerantDifference(ga, gb, t), r);
  const ta = localStd(a.luminance, r);
  const tb = localStd(b.luminance, r);
  const texture = raster(ta.width, ta.height);
  // Contrast ratio, not difference: texture doubling in a dark field matters as much as in a bright one.
  for (let i = 0; i < texture.data.length; i++) texture.data[i] = Math.abs(Math.log((ta.data[i]! + 0.05) / (tb.data[i]! + 0.05)));
  return { intensity, colour, gradient, texture };
}

function gradientMagnitude(src: Raster): Raster {
  const { gx, gy } = sobel(src);
  const out = raster(src.width, src.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.hypot(gx.data[i]!, gy.data[i]!);
  return out;
}

/**
 * How far each value lies outside the range the other image takes within `t` pixels, taken both
 * ways and the smaller kept: a shifted edge finds its match nearby in either direction.
 */
function tolerantDifference(a: Raster, b: Raster, t: number): Raster {
  const aMin = minFilter(a, t), aMax = maxFilter(a, t);
  const bMin = minFilter(b, t), bMax = maxFilter(b, t);
  const out = raster(a.width, a.height);
  for (let i = 0; i < out.data.length; i++) {
    const va = a.data[i]!, vb = b.data[i]!;
    const bFromA = Math.max(0, vb - aMax.data[i]!, aMin.data[i]! - vb);
    const aFromB = Math.max(0, va - bMax.data[i]!, bMin.data[i]! - va);
    out.data[i] = Math.min(bFromA, aFromB);
  }
  return out;
}
