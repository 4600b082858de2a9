// Which pixels changed: hysteresis on the change map. Strong change seeds a region and weaker
// change connected to it extends it, so a new roof is found whole even where part of it
// resembles what stood there before. Thresholds are absolute (in the map's units, where 1 is an
// ordinary difference on an unchanged scene), so a pair where nothing changed yields nothing,
// rather than the "most different half" a per-pair threshold such as Otsu's would always find.
import type { Raster } from './raster.ts';

export function hysteresis(map: Raster, high: number, low: number): Uint8Array {
  const { width: w, height: h, data } = map;
  const mask = new Uint8Array(w * h);
  const stack: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= high && !mask[i]) {
      mask[i] = 1;
      stack.push(i);
      while (stack.length > 0) {
        const j = stack.pop()!;
        const x = j % w, y = (j - x) / w;
        for (let ny = Math.max(0, y - 1); ny <= Math.min(h - 1, y + 1); ny++) {
          for (let nx = Math.max(0, x - 1); nx <= Math.min(w - 1, x + 1); nx++) {
            const k = ny * w + nx;
            if (!mask[k] && data[k]! >= low) {
              mask[k] = 1;
              stack.push(k);
            }
          }
        }
      }
    }
  }
  return mask;
}

/**
 * Otsu's threshold of the map's valid pixels (the level that best splits them into two classes),
 * over a 256-bin histogram up to the 99.9th percentile so a few extreme pixels do not squash it.
 */
export function otsu(map: Raster, valid?: Uint8Array): number {
  const values: number[] = [];
  for (let i = 0; i < map.data.length; i++) if (!valid || valid[i]) values.push(map.data[i]!);
  if (values.length === 0) return Infinity;
  values.sort((a, b) => a - b);
  const top = values[Math.floor(0.999 * (values.length - 1))]!;
  if (!(top > 0)) return Infinity;
  const bins = 256;
  const histogram = new Float64Array(bins);
  for (const v of values) histogram[Math.min(bins - 1, Math.floor((v / top) * bins))]!++;
  const total = values.length;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) sumAll += b * histogram[b]!;
  let weightLow = 0, sumLow = 0, best = 0, bestBin = 0;
  for (let b = 0; b < bins; b++) {
    weightLow += histogram[b]!;
    if (weightLow === 0 || weightLow === total) continue;
    sumLow += b * histogram[b]!;
    const meanLow = sumLow / weightLow, meanHigh = (sumAll - sumLow) / (total - weightLow);
    const between = weightLow * (total - weightLow) * (meanLow - meanHigh) ** 2;
    if (between > best) { best = between; bestBin = b; }
  }
  return ((bestBin + 1) / bins) * top;
}
