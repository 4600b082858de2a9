// The grid both surveys are compared on: a UTM grid (metres on the ground) over the area both
// cover, at the finer of the two pixel sizes. What had to change to get there (a reprojection, a
// resampling) is stated in `notes`, since a reviewer should know that one survey was interpolated.
import { converter, isUtm, utmFor } from './crs.ts';
import type { GeoTiffSource } from './geotiff-source.ts';
import { ChangeInputError } from './load-image.ts';

export interface Grid {
  epsg: number;
  /** Map coordinates (grid CRS) of the top-left corner. */
  x0: number;
  y0: number;
  /** Metres per pixel, the same along x and y. */
  res: number;
  width: number;
  height: number;
}

export function commonGrid(before: GeoTiffSource, after: GeoTiffSource): { grid: Grid; notes: string[] } {
  const epsg = isUtm(before.epsg) ? before.epsg : utmFor(...centreLonLat(before));
  const resB = groundResolution(before, epsg), resA = groundResolution(after, epsg);
  const res = Math.min(resB, resA);
  const notes: string[] = [];
  for (const [role, src, r] of [['before', before, resB], ['after', after, resA]] as const) {
    if (src.epsg !== epsg) notes.push(`${role} reprojected from EPSG:${src.epsg} to EPSG:${epsg}`);
    if (Math.abs(r - res) > 0.01 * res) notes.push(`${role} resampled from ${round(r)} m to ${round(res)} m`);
  }
  const b = footprint(before, epsg), a = footprint(after, epsg);
  const minX = Math.max(b[0], a[0]), minY = Math.max(b[1], a[1]), maxX = Math.min(b[2], a[2]), maxY = Math.min(b[3], a[3]);
  const width = Math.floor((maxX - minX) / res), height = Math.floor((maxY - minY) / res);
  if (width < 1 || height < 1) {
    throw new ChangeInputError(`${before.file} and ${after.file} do not overlap (in EPSG:${epsg}, before covers ${box(b)}, after covers ${box(a)})`);
  }
  return { grid: { epsg, x0: minX, y0: maxY, res, width, height }, notes };
}

/** [minX, minY, maxX, maxY] of a source in the grid CRS, from its corners and edge midpoints. */
export function footprint(src: GeoTiffSource, epsg: number): [number, number, number, number] {
  const toGrid = converter(src.epsg, epsg);
  const xs: number[] = [], ys: number[] = [];
  for (const fx of [0, 0.5, 1]) {
    for (const fy of [0, 0.5, 1]) {
      const [x, y] = toGrid(pixelToMap(src, fx * src.width, fy * src.height));
      xs.push(x); ys.push(y);
    }
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export function pixelToMap(src: GeoTiffSource, col: number, row: number): [number, number] {
  return [src.origin[0] + col * src.resolution[0], src.origin[1] + row * src.resolution[1]];
}

/** Ground metres per pixel at the source's centre, measured in the (metric) grid CRS. */
function groundResolution(src: GeoTiffSource, epsg: number): number {
  const toGrid = converter(src.epsg, epsg);
  const cx = src.width / 2, cy = src.height / 2;
  const [x0, y0] = toGrid(pixelToMap(src, cx, cy));
  const [x1, y1] = toGrid(pixelToMap(src, cx + 1, cy));
  const [x2, y2] = toGrid(pixelToMap(src, cx, cy + 1));
  return Math.sqrt(Math.hypot(x1 - x0, y1 - y0) * Math.hypot(x2 - x0, y2 - y0));
}

function centreLonLat(src: GeoTiffSource): [number, number] {
  return converter(src.epsg, 4326)(pixelToMap(src, src.width / 2, src.height / 2));
}

function round(v: number): number {
  return Number(v.toPrecision(3));
}

function box(b: number[]): string {
  return b.map((v) => v.toFixed(1)).join(', ');
}
