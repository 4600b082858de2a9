// Refining the georeferencing of the after survey onto the before survey: two orthomosaics of the
// same place often disagree by a few metres (GNSS without ground control). Both are sampled over a
// block in the middle of the common area at a resolution where the largest expected offset is a
// few dozen pixels, and register.ts finds the translation that lines their edges up.
import type { Grid } from './common-grid.ts';
import type { GeoTiffSource } from './geotiff-source.ts';
import { sampleOnGrid } from './grid-sampler.ts';
import { estimateShift } from './register.ts';
import type { RgbImage } from './raster.ts';

export interface Alignment {
  /** Metres (east, north) added to grid coordinates to read the after survey. */
  offset: [number, number];
  /** Correlation of the edge maps at that offset. */
  correlation: number;
  /** Metres per pixel the offset was measured at (its precision). */
  resolution: number;
}

const SEARCH_PIXELS = 12;
const BLOCK = 384;

export async function alignByImage(before: GeoTiffSource, after: GeoTiffSource, grid: Grid, maxOffset: number): Promise<Alignment> {
  if (maxOffset <= 0) return { offset: [0, 0], correlation: 0, resolution: grid.res };
  const res = Math.max(grid.res, maxOffset / SEARCH_PIXELS);
  const width = Math.min(BLOCK, Math.floor((grid.width * grid.res) / res)), height = Math.min(BLOCK, Math.floor((grid.height * grid.res) / res));
  // The block is centred on the common area, on a coarser grid with the same corner.
  const coarse: Grid = { ...grid, res, width, height };
  const cx = Math.floor(((grid.width * grid.res) / res - width) / 2), cy = Math.floor(((grid.height * grid.res) / res - height) / 2);
  const win = { x: cx, y: cy, width, height };
  const a = await sampleOnGrid(before, coarse, win, [0, 1, 2]);
  const b = await sampleOnGrid(after, coarse, win, [0, 1, 2]);
  const shift = estimateShift(toRgb(a.data, width, height), toRgb(b.data, width, height), Math.ceil(maxOffset / res));
  // after(x + dx, y + dy) lands at (x, y): x grows east, y grows south.
  return { offset: [shift.dx * res, -shift.dy * res], correlation: shift.correlation, resolution: res };
}

function toRgb(data: Float32Array, width: number, height: number): RgbImage {
  return { width, height, data: Uint8Array.from(data, (v) => Math.max(0, Math.min(255, Math.round(v)))) };
}
