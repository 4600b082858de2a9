// Cuts a rotated rectangle out of an RGB image and lays it level: the affine map that takes the
// rectangle's corners to an upright outWidth x outHeight image (PaddleOCR's get_rotate_crop_image
// does the same with a perspective warp of the four points), sampled bilinearly. Pixels outside
// the source repeat its edge, so a plate touching the crop's border keeps its colour there.
import type { Point } from './rotated-rect.ts';

export interface RgbImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** `corners`: top-left, top-right, bottom-right, bottom-left in reading order (rectCorners). */
export function warpLevel(src: RgbImage, corners: readonly [Point, Point, Point, Point], outWidth: number, outHeight: number): RgbImage {
  const w = Math.max(1, Math.round(outWidth));
  const h = Math.max(1, Math.round(outHeight));
  const [tl, tr, , bl] = corners;
  const ax = (tr[0] - tl[0]) / w;
  const ay = (tr[1] - tl[1]) / w;
  const bx = (bl[0] - tl[0]) / h;
  const by = (bl[1] - tl[1]) / h;
  const out = new Uint8Array(w * h * 3);
  const { pixels, width, height } = src;
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      // Centre of the output pixel, mapped into the source; source pixel i covers [i, i + 1).
      const x = tl[0] + (u + 0.5) * ax + (v + 0.5) * bx - 0.5;
      const y = tl[1] + (u + 0.5) * ay + (v + 0.5) * by - 0.5;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const xa = clamp(x0, width - 1);
      const xb = clamp(x0 + 1, width - 1);
      const ya = clamp(y0, height - 1);
      const yb = clamp(y0 + 1, height - 1);
      const o = (v * w + u) * 3;
      for (let c = 0; c < 3; c++) {
        const p00 = pixels[(ya * width + xa) * 3 + c]!;
        const p10 = pixels[(ya * width + xb) * 3 + c]!;
        const p01 = pixels[(yb * width + xa) * 3 + c]!;
        const p11 = pixels[(yb * width + xb) * 3 + c]!;
        out[o + c] = Math.round((p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy);
      }
    }
  }
  return { pixels: out, width: w, height: h };
}

function clamp(v: number, hi: number): number {
  return v < 0 ? 0 : v > hi ? hi : v;
}
