// Survey against survey on photos (no orthomosaic): the after photo turned by the difference of the
// two headings (telemetry), aligned onto the before photo by feature matching and a homography
// (homography.ts), resampled onto its pixels, and compared by the change detector. Where the after
// photo does not reach, the before photo stands in for it, so the edge of its coverage is not a
// change. A pair that cannot be aligned is refused (AlignmentRefused) with the reason.
import sharp from 'sharp';
import { DEFAULT_CHANGE_SETTINGS, detectChange, type ChangeSettings } from './detect-change.ts';
import type { ChangeCandidate } from './candidates.ts';
import { alignPhotos, warpOnto, type AlignSettings, type Alignment } from './homography.ts';
import type { RgbImage } from './raster.ts';

export interface PhotoComparison {
  alignment: Alignment;
  /** Outlines in the before photo's pixels. */
  candidates: ChangeCandidate[];
  /** Share of the before photo the after photo covers. */
  overlap: number;
  /** The after photo on the before photo's pixels (the before photo where the after one does not reach). */
  aligned: RgbImage;
}

export interface PhotoCompareSettings {
  align?: Partial<AlignSettings>;
  change?: Partial<ChangeSettings>;
}

/** `turnDeg`: how far the after photo's heading is turned from the before photo's, clockwise (photo-pairs.ts). */
export async function comparePhotoPair(before: RgbImage, after: RgbImage, turnDeg: number, settings: PhotoCompareSettings = {}): Promise<PhotoComparison> {
  if (Math.abs(turnDeg) < 2) return comparePhotos(before, after, undefined, settings);
  // Turned back by the heading difference; the corners the turn leaves empty are transparent, not compared.
  const { data, info } = await sharp(after.data, { raw: { width: after.width, height: after.height, channels: 3 } })
    .ensureAlpha()
    .rotate(turnDeg, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const rgb = new Uint8Array(n * 3), inside = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    rgb.set(data.subarray(4 * i, 4 * i + 3), 3 * i);
    inside[i] = data[4 * i + 3]! === 255 ? 1 : 0;
  }
  return comparePhotos(before, { width: info.width, height: info.height, data: rgb }, inside, settings);
}

export function comparePhotos(before: RgbImage, after: RgbImage, afterInside?: Uint8Array, settings: PhotoCompareSettings = {}): PhotoComparison {
  const alignment = alignPhotos(before, after, settings.align);
  const { image, valid } = warpOnto(after, alignment.homography, before.width, before.height);
  const inside = afterInside ? warpOnto(maskImage(afterInside, after.width, after.height), alignment.homography, before.width, before.height).image.data : undefined;
  let covered = 0;
  for (let i = 0; i < valid.length; i++) {
    if (valid[i] && (!inside || inside[3 * i]! >= 250)) { covered++; continue; }
    for (let c = 0; c < 3; c++) image.data[3 * i + c] = before.data[3 * i + c]!;
  }
  // Already aligned to the pixel: the detector's own whole-pixel shift search is not needed.
  const { candidates } = detectChange(before, image, { ...DEFAULT_CHANGE_SETTINGS, ...settings.change, maxShift: 0 });
  return { alignment, candidates, overlap: covered / valid.length, aligned: image };
}

function maskImage(mask: Uint8Array, width: number, height: number): RgbImage {
  const data = new Uint8Array(mask.length * 3);
  for (let i = 0; i < mask.length; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = mask[i] ? 255 : 0;
  return { width, height, data };
}
