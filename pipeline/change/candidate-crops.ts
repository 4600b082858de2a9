// The before and after pictures of one candidate, as a reviewer needs them: both surveys sampled on
// the same small north-up grid around the candidate's outline (the after survey shifted by the
// alignment the comparison found), so the two crops show the same ground pixel for pixel and the
// outline falls on the same place in both. Read as windows: a crop never loads a whole survey.
import type { Grid } from './common-grid.ts';
import { converter } from './crs.ts';
import type { GeoTiffSource } from './geotiff-source.ts';
import { sampleOnGrid } from './grid-sampler.ts';

export interface CropSettings {
  /** Ground around the outline, as a share of its larger side (at least minMarginM). */
  margin: number;
  minMarginM: number;
  /** The crop's longer side is at most this many pixels: a large development is shown coarser. */
  maxSide: number;
}

export const DEFAULT_CROP_SETTINGS: CropSettings = { margin: 0.5, minMarginM: 8, maxSide: 640 };

export interface CandidateCrops {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel; pixels a survey does not cover are black. */
  before: Uint8Array;
  after: Uint8Array;
  /** The outline in crop pixels. */
  outline: [number, number][];
  /** Metres per crop pixel. */
  resolution: number;
}

/**
 * `polygon` is [lon, lat]; `grid` is the comparison's (its CRS and finest pixel size); `offset` the
 * metres east and north added to the after survey's georeferencing.
 */
export async function cropCandidate(
  surveys: { before: GeoTiffSource; after: GeoTiffSource },
  grid: Pick<Grid, 'epsg' | 'res'>,
  offset: [number, number],
  polygon: readonly [number, number][],
  settings: Partial<CropSettings> = {},
): Promise<CandidateCrops> {
  const s = { ...DEFAULT_CROP_SETTINGS, ...settings };
  const toGrid = converter(4326, grid.epsg);
  const ring = polygon.map((p) => toGrid([p[0], p[1]]));
  const xs = ring.map((p) => p[0]), ys = ring.map((p) => p[1]);
  const side = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const margin = Math.max(s.minMarginM, side * s.margin);
  const minX = Math.min(...xs) - margin, maxX = Math.max(...xs) + margin;
  const minY = Math.min(...ys) - margin, maxY = Math.max(...ys) + margin;
  const res = Math.max(grid.res, Math.max(maxX - minX, maxY - minY) / s.maxSide);
  const width = Math.max(1, Math.round((maxX - minX) / res)), height = Math.max(1, Math.round((maxY - minY) / res));
  const local: Grid = { epsg: grid.epsg, x0: minX, y0: maxY, res, width, height };
  const window = { x: 0, y: 0, width, height };
  const [before, after] = await Promise.all([
    sampleOnGrid(surveys.before, local, window, [0, 1, 2]),
    sampleOnGrid(surveys.after, local, window, [0, 1, 2], offset),
  ]);
  return {
    width,
    height,
    before: toBytes(before.data),
    after: toBytes(after.data),
    outline: ring.map(([x, y]) => [(x - minX) / res, (maxY - y) / res]),
    resolution: res,
  };
}

function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(values[i]!)));
  return out;
}
