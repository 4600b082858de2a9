// The comparison, tile by tile over the common grid: each tile (with an overlap so that nothing on
// a border is cut) is read from both surveys, averaged down to the detection resolution, compared
// by the image change detector (and the surface models, when both exist), and its candidates are
// placed on the whole detection grid. Only one tile of each survey is in memory at a time.
import type { Grid } from './common-grid.ts';
import { detectChange, type ChangeSettings } from './detect-change.ts';
import { riseCandidates, type RiseSettings } from './dsm-rise.ts';
import type { GeoTiffSource } from './geotiff-source.ts';
import { sampleOnGrid, type GridWindow } from './grid-sampler.ts';
import type { PlacedCandidate } from './merge-candidates.ts';
import type { Point } from './polygon.ts';

export interface Surveys {
  before: GeoTiffSource;
  after: GeoTiffSource;
  beforeDsm?: GeoTiffSource;
  afterDsm?: GeoTiffSource;
}

export interface TileSettings {
  /** Tile side and overlap, pixels of the detection grid. */
  tileSize: number;
  overlap: number;
  /** Grid pixels averaged into one detection pixel along each axis. */
  factor: number;
  /** Rows of the detection grid sampled at once (bounds the full-resolution buffer). */
  bandRows: number;
  change: Partial<ChangeSettings>;
  rise: RiseSettings;
}

/** The tiles of the detection grid, each widened by the overlap (clipped to the grid). */
export function tileWindows(grid: Grid, t: Pick<TileSettings, 'tileSize' | 'overlap' | 'factor'>): GridWindow[] {
  const width = Math.floor(grid.width / t.factor), height = Math.floor(grid.height / t.factor);
  const windows: GridWindow[] = [];
  for (let ty = 0; ty < height; ty += t.tileSize) {
    for (let tx = 0; tx < width; tx += t.tileSize) {
      const x = Math.max(0, tx - t.overlap), y = Math.max(0, ty - t.overlap);
      windows.push({ x, y, width: Math.min(width, tx + t.tileSize + t.overlap) - x, height: Math.min(height, ty + t.tileSize + t.overlap) - y });
    }
  }
  return windows;
}

/** `offset`: metres (grid CRS) added to grid coordinates when reading the after survey. */
export async function compareTile(s: Surveys, grid: Grid, offset: [number, number], win: GridWindow, t: TileSettings): Promise<PlacedCandidate[]> {
  const before = await sampleAveraged(s.before, grid, win, t, [0, 1, 2], [0, 0]);
  const after = await sampleAveraged(s.after, grid, win, t, [0, 1, 2], offset);
  const n = win.width * win.height;
  // Where only one survey reaches, both show the same pixels: an edge of coverage is not a change.
  const both = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    both[i] = before.valid[i]! & after.valid[i]!;
    if (both[i]) continue;
    const [from, to] = before.valid[i] ? [before.data, after.data] : [after.data, before.data];
    for (let c = 0; c < 3; c++) to[3 * i + c] = from[3 * i + c]!;
  }
  const found: PlacedCandidate[] = detectChange(toRgb(before.data, win), toRgb(after.data, win), t.change).candidates.map((c) => ({ ...place(c, win), kind: 'appearance' }));
  if (s.beforeDsm && s.afterDsm) {
    const hb = await sampleAveraged(s.beforeDsm, grid, win, t, [0], [0, 0]);
    const ha = await sampleAveraged(s.afterDsm, grid, win, t, [0], offset);
    const valid = new Uint8Array(n);
    for (let i = 0; i < n; i++) valid[i] = hb.valid[i]! & ha.valid[i]!;
    const rises = riseCandidates(hb.data, ha.data, valid, win.width, win.height, grid.res * t.factor, t.rise);
    found.push(...rises.map((c) => ({ ...place(c, win), kind: 'rise' as const, rise: c.rise })));
  }
  return found;
}

/** A window of the detection grid: full-resolution pixels read band of rows by band of rows, box-averaged. */
async function sampleAveraged(src: GeoTiffSource, grid: Grid, win: GridWindow, t: TileSettings, bands: number[], offset: [number, number]) {
  const k = t.factor, nb = bands.length;
  const data = new Float32Array(win.width * win.height * nb);
  const valid = new Uint8Array(win.width * win.height);
  for (let r0 = 0; r0 < win.height; r0 += t.bandRows) {
    const rows = Math.min(t.bandRows, win.height - r0);
    const fine = await sampleOnGrid(src, grid, { x: win.x * k, y: (win.y + r0) * k, width: win.width * k, height: rows * k }, bands, offset);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < win.width; x++) {
        const o = (r0 + y) * win.width + x;
        let count = 0;
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) {
            const i = (y * k + dy) * fine.width + x * k + dx;
            if (!fine.valid[i]) continue;
            count++;
            for (let b = 0; b < nb; b++) data[o * nb + b]! += fine.data[i * nb + b]!;
          }
        }
        if (count === 0) continue;
        valid[o] = 1;
        for (let b = 0; b < nb; b++) data[o * nb + b]! /= count;
      }
    }
  }
  return { data, valid };
}

function toRgb(data: Float32Array, win: GridWindow) {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(data[i]!)));
  return { width: win.width, height: win.height, data: out };
}

function place<C extends { polygon: Point[]; box: [number, number, number, number]; areaPx: number; score: number }>(c: C, win: GridWindow) {
  return {
    polygon: c.polygon.map(([x, y]) => [x + win.x, y + win.y] as Point),
    areaPx: c.areaPx,
    score: c.score,
    box: [c.box[0] + win.x, c.box[1] + win.y, c.box[2] + win.x, c.box[3] + win.y] as [number, number, number, number],
  };
}
