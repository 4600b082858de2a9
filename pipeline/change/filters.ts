// Neighbourhood filters the change features are built from. Box means run through an integral
// image so their cost does not grow with the window; edges are handled by averaging only the
// pixels inside the image.
import { raster, type Raster } from './raster.ts';

/** Mean over the (2r+1)² window around each pixel. */
export function boxMean(src: Raster, r: number): Raster {
  const { width: w, height: h } = src;
  const integral = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += src.data[y * w + x]!;
      integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1]! + row;
    }
  }
  const out = raster(w, h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const sum = integral[y1 * (w + 1) + x1]! - integral[y0 * (w + 1) + x1]! - integral[y1 * (w + 1) + x0]! + integral[y0 * (w + 1) + x0]!;
      out.data[y * w + x] = sum / ((x1 - x0) * (y1 - y0));
    }
  }
  return out;
}

/** Local standard deviation over the (2r+1)² window: a texture measure. */
export function localStd(src: Raster, r: number): Raster {
  const mean = boxMean(src, r);
  const sq = raster(src.width, src.height);
  for (let i = 0; i < src.data.length; i++) sq.data[i] = src.data[i]! * src.data[i]!;
  const meanSq = boxMean(sq, r);
  const out = raster(src.width, src.height);
  for (let i = 0; i < src.data.length; i++) out.data[i] = Math.sqrt(Math.max(0, meanSq.data[i]! - mean.data[i]! ** 2));
  return out;
}

/** Horizontal and vertical Sobel derivatives (divided by 8, so a unit step gives about 0.5). */
export function sobel(src: Raster): { gx: Raster; gy: Raster } {
  const { width: w, height: h } = src;
  const gx = raster(w, h);
  const gy = raster(w, h);
  const at = (x: number, y: number) => src.data[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))]!;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = at(x - 1, y - 1), b = at(x, y - 1), c = at(x + 1, y - 1);
      const d = at(x - 1, y), f = at(x + 1, y);
      const g = at(x - 1, y + 1), k = at(x, y + 1), l = at(x + 1, y + 1);
      gx.data[y * w + x] = (c + 2 * f + l - a - 2 * d - g) / 8;
      gy.data[y * w + x] = (g + 2 * k + l - a - 2 * b - c) / 8;
    }
  }
  return { gx, gy };
}

/** Minimum over the (2r+1)² window (separable). */
export function minFilter(src: Raster, r: number): Raster {
  return separable(src, r, Math.min, Infinity);
}

/** Maximum over the (2r+1)² window (separable). */
export function maxFilter(src: Raster, r: number): Raster {
  return separable(src, r, Math.max, -Infinity);
}

function separable(src: Raster, r: number, pick: (a: number, b: number) => number, start: number): Raster {
  const { width: w, height: h } = src;
  const tmp = raster(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = start;
      for (let k = Math.max(0, x - r); k <= Math.min(w - 1, x + r); k++) v = pick(v, src.data[y * w + k]!);
      tmp.data[y * w + x] = v;
    }
  }
  const out = raster(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = start;
      for (let k = Math.max(0, y - r); k <= Math.min(h - 1, y + r); k++) v = pick(v, tmp.data[k * w + x]!);
      out.data[y * w + x] = v;
    }
  }
  return out;
}
