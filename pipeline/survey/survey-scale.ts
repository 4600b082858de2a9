// How much to shrink a drone photo before tiling, so objects appear at the scale the detector suits
// (the manifest's input.gsdCm). A survey flown low sees a car ten times larger than the detector
// was trained on; shrinking the photo to the model's GSD keeps the car within what one tile sees
// and cuts the tile count by the square of the factor. Photos are never enlarged: enlarging adds
// no detail, only tiles.
import { isNadir, obliqueOffset, type CameraPose } from './georeference.ts';

/**
 * Centimetres of ground per pixel. Nadir: height / focal length. Oblique: at the top edge's centre,
 * the farthest ground the photo sees (the coarsest GSD in it), so shrinking never makes the far
 * objects smaller than the model suits; undefined when the top edge looks at the sky.
 */
export function photoGsdCm(pose: CameraPose): number | undefined {
  if (isNadir(pose.pitchDeg)) return (100 * pose.heightM) / pose.focalLengthPx;
  const offset = obliqueOffset(pose, pose.imageWidth / 2, 0);
  if (!offset) return undefined;
  const range = Math.hypot(offset[0], offset[1], pose.heightM);
  return (100 * range) / pose.focalLengthPx;
}

/** The resampling factor (at most 1) taking a photo of `photoGsd` cm/px to the model's `modelGsd`. */
export function resampleFactor(photoGsd: number | undefined, modelGsd: number | undefined): number {
  if (photoGsd === undefined || modelGsd === undefined) return 1;
  if (!(photoGsd > 0 && Number.isFinite(photoGsd))) throw new RangeError(`photo ground sample distance must be a positive number of cm per pixel, got ${photoGsd}`);
  return Math.min(1, photoGsd / modelGsd);
}
