// Per-image normalisation, so that what is compared survives a change of light: luminance is
// standardised per image (a brighter or higher-contrast day shifts and scales every pixel alike),
// and vegetation and shadow are read from colour ratios and relative darkness, which do not
// depend on exposure either.
import { raster, type Raster, type RgbImage } from './raster.ts';

export interface NormalisedImage {
  /** Luminance in standard deviations from the image's mean. */
  luminance: Raster;
  /** Excess-green index 2g − r − b of the chromatic coordinates (g = G / (R + G + B)): above ~0.05 is green plants. */
  excessGreen: Raster;
  /**
   * Chromaticity (R and G as shares of R + G + B), standardised per image: the hue of a surface
   * whatever the exposure, so green canopy becoming a grey roof shows even at equal brightness.
   */
  chromaR: Raster;
  chromaG: Raster;
  /** 1 where a channel is clipped at white: what the surface looks like there is unknown. */
  clipped: Uint8Array;
  /** Luminance as a share of the image's median luminance: shadows are well below 1. */
  relativeBrightness: Raster;
}

/** A channel this bright has (almost surely) hit the sensor's or the encoder's ceiling. */
const CLIPPED = 250;

export function normalise(image: RgbImage, valid?: Uint8Array): NormalisedImage {
  const n = image.width * image.height;
  const lum = raster(image.width, image.height);
  const exg = raster(image.width, image.height);
  const cr = raster(image.width, image.height);
  const cg = raster(image.width, image.height);
  const clipped = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = image.data[3 * i]!, g = image.data[3 * i + 1]!, b = image.data[3 * i + 2]!;
    lum.data[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    const sum = r + g + b;
    clipped[i] = r >= CLIPPED || g >= CLIPPED || b >= CLIPPED ? 1 : 0;
    exg.data[i] = sum < 30 ? 0 : (2 * g - r - b) / sum;
    // Near-black pixels have no reliable hue: they count as neutral grey.
    cr.data[i] = sum < 30 ? 1 / 3 : r / sum;
    cg.data[i] = sum < 30 ? 1 / 3 : g / sum;
  }
  const { mean, std, median } = statistics(lum.data, valid);
  const luminance = raster(image.width, image.height);
  const relativeBrightness = raster(image.width, image.height);
  for (let i = 0; i < n; i++) {
    luminance.data[i] = (lum.data[i]! - mean) / std;
    relativeBrightness.data[i] = lum.data[i]! / median;
  }
  return { luminance, excessGreen: exg, chromaR: standardise(cr, valid), chromaG: standardise(cg, valid), clipped, relativeBrightness };
}

function standardise(src: Raster, valid?: Uint8Array): Raster {
  let sum = 0, sumSq = 0, count = 0;
  for (let i = 0; i < src.data.length; i++) {
    if (valid && !valid[i]) continue;
    sum += src.data[i]!;
    sumSq += src.data[i]! ** 2;
    count++;
  }
  const mean = count ? sum / count : 0;
  // Chromaticity of a grey scene barely varies: a floor keeps noise from being blown up.
  const std = Math.max(0.01, Math.sqrt(Math.max(0, count ? sumSq / count - mean * mean : 0)));
  const out = raster(src.width, src.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = (src.data[i]! - mean) / std;
  return out;
}

function statistics(values: Float32Array, valid?: Uint8Array): { mean: number; std: number; median: number } {
  const histogram = new Float64Array(256);
  let sum = 0, sumSq = 0, count = 0;
  for (let i = 0; i < values.length; i++) {
    if (valid && !valid[i]) continue;
    const v = values[i]!;
    sum += v;
    sumSq += v * v;
    count++;
    histogram[Math.min(255, Math.max(0, Math.round(v)))]!++;
  }
  if (count === 0) return { mean: 0, std: 1, median: 1 };
  const mean = sum / count;
  // A flat image has no contrast to standardise by; one grey level keeps the arithmetic finite.
  const std = Math.max(1, Math.sqrt(Math.max(0, sumSq / count - mean * mean)));
  let seen = 0, median = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v]!;
    if (seen >= count / 2) { median = v; break; }
  }
  return { mean, std, median: Math.max(1, median) };
}
