// A small grey copy of a frame for motion checks: each cell is the mean luma of a block of the
// full frame. Averaging (rather than picking one pixel per block) smooths away compression noise
// and sensor grain, which would otherwise read as motion on a still street.
import type { Frame } from '../../contracts/types.ts';

export interface GreyThumbnail {
  width: number;
  height: number;
  /** One 0-255 luma value per cell. */
  pixels: Uint8Array;
}

/** Scales the frame down to about `targetWidth` cells across (aspect kept). */
export function greyThumbnail(frame: Frame, targetWidth = 96): GreyThumbnail {
  const block = Math.max(1, Math.floor(frame.width / targetWidth));
  const width = Math.floor(frame.width / block);
  const height = Math.floor(frame.height / block);
  const sums = new Uint32Array(width * height);
  const src = frame.pixels;
  // Sampling every other pixel of each block halves the cost and is still an average.
  const step = block >= 4 ? 2 : 1;
  for (let y = 0; y < height * block; y += step) {
    const row = (y / block) | 0;
    let i = y * frame.width * 3;
    for (let x = 0; x < width * block; x += step, i += 3 * step) {
      // BT.601 luma in integer arithmetic.
      sums[row * width + ((x / block) | 0)]! += (src[i]! * 77 + src[i + 1]! * 150 + src[i + 2]! * 29) >> 8;
    }
  }
  const samples = Math.ceil(block / step) ** 2;
  const pixels = new Uint8Array(width * height);
  for (let k = 0; k < pixels.length; k++) pixels[k] = Math.round(sums[k]! / samples);
  return { width, height, pixels };
}

/** Share of cells whose luma changed by more than `threshold` between two thumbnails of the same size. */
export function changedShare(a: GreyThumbnail, b: GreyThumbnail, threshold: number): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let changed = 0;
  for (let k = 0; k < a.pixels.length; k++) {
    if (Math.abs(a.pixels[k]! - b.pixels[k]!) > threshold) changed++;
  }
  return changed / a.pixels.length;
}
