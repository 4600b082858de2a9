// Co-registration of the after image onto the before image by a whole-pixel translation: photos
// and orthomosaics of the same place rarely line up to the pixel, and an unexplained shift turns
// every edge into a "change". The shift maximises the correlation of gradient magnitudes (which
// ignore lighting), searched coarse-to-fine.
import { boxMean, sobel } from './filters.ts';
import { raster, type Raster, type RgbImage } from './raster.ts';

export interface Registration {
  /** The after image moved onto the before image's pixel grid: after(x + dx, y + dy) lands at (x, y). */
  dx: number;
  dy: number;
  /** Correlation of the gradient magnitudes at the chosen shift (−1 to 1). */
  correlation: number;
}

export function estimateShift(before: RgbImage, after: RgbImage, maxShift: number): Registration {
  const a = edgeStrength(luminanceOf(before));
  const b = edgeStrength(luminanceOf(after));
  // Coarse search on a half-size grid, then one pixel around the doubled answer at full size.
  const coarse = maxShift >= 2 ? bestShift(halve(a), halve(b), Math.ceil(maxShift / 2), 0, 0) : { dx: 0, dy: 0, correlation: 0 };
  const best = bestShift(a, b, maxShift >= 2 ? 1 : maxShift, coarse.dx * 2, coarse.dy * 2, maxShift);
  // Surveys are usually registered already; a shift is taken only when it explains the pair
  // clearly better than none, so that a large real change cannot pull the grid off by a pixel.
  const none = correlation(a, b, 0, 0);
  return best.correlation - none > MIN_GAIN ? best : { dx: 0, dy: 0, correlation: none };
}

/** Gain in gradient correlation a shift must bring to be applied. */
const MIN_GAIN = 0.05;

/** The after image on the before image's grid, and which pixels of that grid it covers. */
export function applyShift(after: RgbImage, shift: Pick<Registration, 'dx' | 'dy'>): { image: RgbImage; valid: Uint8Array } {
  const { width: w, height: h } = after;
  const out = new Uint8Array(w * h * 3);
  const valid = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = y + shift.dy;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < w; x++) {
      const sx = x + shift.dx;
      if (sx < 0 || sx >= w) continue;
      valid[y * w + x] = 1;
      out.set(after.data.subarray((sy * w + sx) * 3, (sy * w + sx) * 3 + 3), (y * w + x) * 3);
    }
  }
  return { image: { width: w, height: h, data: out }, valid };
}

function luminanceOf(image: RgbImage): Raster {
  const out = raster(image.width, image.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = 0.299 * image.data[3 * i]! + 0.587 * image.data[3 * i + 1]! + 0.114 * image.data[3 * i + 2]!;
  return out;
}

function edgeStrength(lum: Raster): Raster {
  const { gx, gy } = sobel(boxMean(lum, 1));
  const out = raster(lum.width, lum.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.hypot(gx.data[i]!, gy.data[i]!);
  return out;
}

function halve(src: Raster): Raster {
  const w = Math.floor(src.width / 2), h = Math.floor(src.height / 2);
  const out = raster(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * src.width + 2 * x;
      out.data[y * w + x] = (src.data[i]! + src.data[i + 1]! + src.data[i + src.width]! + src.data[i + src.width + 1]!) / 4;
    }
  }
  return out;
}

function bestShift(a: Raster, b: Raster, radius: number, cx: number, cy: number, limit = Infinity): Registration {
  let best: Registration = { dx: cx, dy: cy, correlation: -Infinity };
  for (let dy = cy - radius; dy <= cy + radius; dy++) {
    for (let dx = cx - radius; dx <= cx + radius; dx++) {
      if (Math.abs(dx) > limit || Math.abs(dy) > limit) continue;
      const c = correlation(a, b, dx, dy);
      // Ties go to the smaller shift, so a featureless pair is left where it is.
      if (c > best.correlation + 1e-9) best = { dx, dy, correlation: c };
    }
  }
  return best;
}

function correlation(a: Raster, b: Raster, dx: number, dy: number): number {
  const w = a.width, h = a.height;
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;
  for (let y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
    for (let x = Math.max(0, -dx); x < Math.min(w, w - dx); x++) {
      const va = a.data[y * w + x]!;
      const vb = b.data[(y + dy) * w + x + dx]!;
      sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb; n++;
    }
  }
  if (n === 0) return -1;
  const cov = sab / n - (sa / n) * (sb / n);
  const den = Math.sqrt(Math.max(1e-12, (saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2)));
  return cov / den;
}
