// How sharp a region of a frame is: the variance of the Laplacian of its grey levels (Pech-Pacheco
// et al. 2000). Motion blur and defocus take out the fine edges a plate's characters are made of,
// so of several frames of a parked car, the one with the highest variance is the one to read.
import type { Box, Frame } from '../../contracts/types.ts';

/** Variance of the 4-neighbour Laplacian over the box (the whole frame when absent). */
export function laplacianVariance(frame: Pick<Frame, 'pixels' | 'width' | 'height'>, box?: Box): number {
  const { pixels, width, height } = frame;
  const x1 = Math.max(1, Math.floor(box?.[0] ?? 0));
  const y1 = Math.max(1, Math.floor(box?.[1] ?? 0));
  const x2 = Math.min(width - 1, Math.ceil(box?.[2] ?? width));
  const y2 = Math.min(height - 1, Math.ceil(box?.[3] ?? height));
  const grey = (x: number, y: number) => {
    const i = (y * width + x) * 3;
    return 0.299 * pixels[i]! + 0.587 * pixels[i + 1]! + 0.114 * pixels[i + 2]!;
  };
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      const l = grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1) - 4 * grey(x, y);
      sum += l;
      sumSq += l * l;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/** The frames ordered sharpest first within the box (ties keep their order: the later frame last). */
export function sharpestFirst<F extends Pick<Frame, 'pixels' | 'width' | 'height'>>(frames: readonly F[], box?: Box): F[] {
  return frames
    .map((f, i) => ({ f, i, s: laplacianVariance(f, box) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.f);
}
