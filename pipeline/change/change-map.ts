// One change strength per pixel from the difference cues, with the changes a survey is not
// looking for discounted: plants (green in the after image: whatever stands there now is not a
// structure, and seasons change plants most) and shadows (dark in either image: shadows move with
// the sun and the season, and a new building's shadow falls beside it, not on it); pixels clipped
// at white in either image are not compared.
import type { DifferenceFeatures } from './difference-features.ts';
import type { NormalisedImage } from './normalise.ts';
import { raster, type Raster } from './raster.ts';

export interface ChangeMapSettings {
  /** Typical size of each cue on an unchanged scene; a cue at this size contributes 1. */
  scale: { intensity: number; colour: number; gradient: number; texture: number };
  /** Excess-green index from which a pixel is plants. */
  vegetation: number;
  /** Share of the median brightness below which a pixel is in shadow. */
  shadow: number;
}

export function changeMap(f: DifferenceFeatures, before: NormalisedImage, after: NormalisedImage, valid: Uint8Array | undefined, s: ChangeMapSettings): Raster {
  const out = raster(f.intensity.width, f.intensity.height);
  for (let i = 0; i < out.data.length; i++) {
    if (valid && !valid[i]) continue;
    const strength = (f.intensity.data[i]! / s.scale.intensity + f.colour.data[i]! / s.scale.colour + f.gradient.data[i]! / s.scale.gradient + f.texture.data[i]! / s.scale.texture) / 4;
    out.data[i] = strength * discount(before, after, i, s);
  }
  return out;
}

/** 1 where a change can be a structure, falling to 0 over plants and shadows. */
function discount(before: NormalisedImage, after: NormalisedImage, i: number, s: ChangeMapSettings): number {
  const plants = ramp(after.excessGreen.data[i]!, s.vegetation * 0.5, s.vegetation);
  const shade = Math.max(ramp(-before.relativeBrightness.data[i]!, -s.shadow, -s.shadow * 0.7), ramp(-after.relativeBrightness.data[i]!, -s.shadow, -s.shadow * 0.7));
  // Clipped highlights: a brighter day saturates light roofs, and a saturated pixel says nothing.
  const clipped = before.clipped[i] || after.clipped[i] ? 1 : 0;
  return (1 - plants) * (1 - shade) * (1 - clipped);
}

/** 0 at or below `from`, 1 at or above `to`, linear between. */
function ramp(v: number, from: number, to: number): number {
  return Math.min(1, Math.max(0, (v - from) / (to - from)));
}
