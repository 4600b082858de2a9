// Pixels of a source GeoTIFF on a window of the comparison grid: the grid pixel centres are
// mapped into the source (through proj4 when the projections differ, shifted by the alignment
// offset), the source window they fall in is read, and values are interpolated bilinearly.
// Projection is exact on a lattice every LATTICE pixels and interpolated between, which is well
// under a centimetre off over a tile, and keeps proj4 out of the per-pixel loop.
import { converter } from './crs.ts';
import type { Grid } from './common-grid.ts';
import { readWindow, type GeoTiffSource } from './geotiff-source.ts';

export interface GridWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Sampled {
  width: number;
  height: number;
  /** Bands interleaved per pixel. */
  data: Float32Array;
  bands: number;
  /** 1 where the source covers the grid pixel. */
  valid: Uint8Array;
}

const LATTICE = 16;

/** `offset` (metres, grid CRS) is added to grid coordinates before looking them up in the source. */
export async function sampleOnGrid(src: GeoTiffSource, grid: Grid, win: GridWindow, bands: number[], offset: [number, number] = [0, 0]): Promise<Sampled> {
  const coords = sourceCoordinates(src, grid, win, offset);
  const data = new Float32Array(win.width * win.height * bands.length);
  const valid = new Uint8Array(win.width * win.height);
  const read = sourceWindow(coords, src);
  if (!read) return { width: win.width, height: win.height, data, bands: bands.length, valid };
  const [rx0, ry0, rx1, ry1] = read;
  const rw = rx1 - rx0, rh = ry1 - ry0;
  // RGB(A) orthomosaics read their alpha band too: pixels outside the mosaic are not compared.
  const withAlpha = src.alpha && bands.length === 3;
  const values = await readWindow(src, read, withAlpha ? [...bands, 3] : bands);
  const missing = missingPixels(values, rw * rh, src.noData, withAlpha);
  for (let i = 0; i < win.width * win.height; i++) {
    const sx = coords.col[i]! - rx0, sy = coords.row[i]! - ry0;
    if (sx < -0.5 || sy < -0.5 || sx > rw - 0.5 || sy > rh - 0.5) continue;
    const cx = Math.min(rw - 1, Math.max(0, sx)), cy = Math.min(rh - 1, Math.max(0, sy));
    const x0 = Math.floor(cx), y0 = Math.floor(cy), fx = cx - x0, fy = cy - y0;
    const x1 = Math.min(rw - 1, x0 + 1), y1 = Math.min(rh - 1, y0 + 1);
    if (missing && (missing[y0 * rw + x0] || missing[y0 * rw + x1] || missing[y1 * rw + x0] || missing[y1 * rw + x1])) continue;
    valid[i] = 1;
    for (let b = 0; b < bands.length; b++) {
      const v = values[b]!;
      const top = v[y0 * rw + x0]! * (1 - fx) + v[y0 * rw + x1]! * fx;
      const bottom = v[y1 * rw + x0]! * (1 - fx) + v[y1 * rw + x1]! * fx;
      data[i * bands.length + b] = top * (1 - fy) + bottom * fy;
    }
  }
  return { width: win.width, height: win.height, data, bands: bands.length, valid };
}

/** Source pixel coordinates (pixel centres at integers) of every grid pixel centre of the window. */
function sourceCoordinates(src: GeoTiffSource, grid: Grid, win: GridWindow, offset: [number, number]): { col: Float64Array; row: Float64Array } {
  const toSource = converter(grid.epsg, src.epsg);
  const nx = Math.ceil(win.width / LATTICE) + 1, ny = Math.ceil(win.height / LATTICE) + 1;
  const lc = new Float64Array(nx * ny), lr = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const gx = win.x + i * LATTICE + 0.5, gy = win.y + j * LATTICE + 0.5;
      const [mx, my] = toSource([grid.x0 + gx * grid.res + offset[0], grid.y0 - gy * grid.res + offset[1]]);
      lc[j * nx + i] = (mx - src.origin[0]) / src.resolution[0] - 0.5;
      lr[j * nx + i] = (my - src.origin[1]) / src.resolution[1] - 0.5;
    }
  }
  const col = new Float64Array(win.width * win.height), row = new Float64Array(win.width * win.height);
  for (let y = 0; y < win.height; y++) {
    const j = Math.floor(y / LATTICE), fy = (y - j * LATTICE) / LATTICE;
    for (let x = 0; x < win.width; x++) {
      const i = Math.floor(x / LATTICE), fx = (x - i * LATTICE) / LATTICE;
      const k = j * nx + i;
      const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
      col[y * win.width + x] = lc[k]! * w00 + lc[k + 1]! * w10 + lc[k + nx]! * w01 + lc[k + nx + 1]! * w11;
      row[y * win.width + x] = lr[k]! * w00 + lr[k + 1]! * w10 + lr[k + nx]! * w01 + lr[k + nx + 1]! * w11;
    }
  }
  return { col, row };
}

/** The source pixel window (end exclusive) holding every coordinate, clipped to the source; none if outside. */
function sourceWindow(c: { col: Float64Array; row: Float64Array }, src: GeoTiffSource): [number, number, number, number] | undefined {
  let minC = Infinity, maxC = -Infinity, minR = Infinity, maxR = -Infinity;
  for (let i = 0; i < c.col.length; i++) {
    minC = Math.min(minC, c.col[i]!); maxC = Math.max(maxC, c.col[i]!);
    minR = Math.min(minR, c.row[i]!); maxR = Math.max(maxR, c.row[i]!);
  }
  const x0 = Math.max(0, Math.floor(minC) - 1), y0 = Math.max(0, Math.floor(minR) - 1);
  const x1 = Math.min(src.width, Math.ceil(maxC) + 2), y1 = Math.min(src.height, Math.ceil(maxR) + 2);
  return x1 > x0 && y1 > y0 ? [x0, y0, x1, y1] : undefined;
}

/** Pixels marked "no data" (the GDAL_NODATA value, NaN) or transparent; undefined when none can be. */
function missingPixels(values: ArrayLike<number>[], n: number, noData: number | null, withAlpha: boolean): Uint8Array | undefined {
  const floats = values.some((v) => v instanceof Float32Array || v instanceof Float64Array);
  if (noData === null && !withAlpha && !floats) return undefined;
  const missing = new Uint8Array(n);
  const alpha = withAlpha ? values[values.length - 1]! : undefined;
  const data = withAlpha ? values.slice(0, -1) : values;
  for (let i = 0; i < n; i++) {
    if (alpha && alpha[i] === 0) { missing[i] = 1; continue; }
    // As GDAL reads it: a pixel is "no data" when every band holds the value (a red roof may have 0 blue).
    let none = 0;
    for (const band of data) {
      const v = band[i]!;
      if (Number.isNaN(v)) none = data.length;
      else if (v === noData) none++;
    }
    if (none === data.length) missing[i] = 1;
  }
  return missing;
}
