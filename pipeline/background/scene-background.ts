// A camera's long-term picture of its empty scene, and what in a frame differs from it.
//
// - It learns slowly (time constant `learnSeconds` of scene time), and only in the blocks the caller
//   allows: never where a tracked person or vehicle stands, never where a candidate is being timed;
//   a block first seen free is taken as it is.
// - Comparisons survive lighting: clouds, dusk and headlights change a block's brightness and
//   contrast, not its structure. The frame is first matched to the background by one robust affine
//   map of block means (global light), then each block's residual is taken against the median
//   residual of its neighbourhood (light that varies smoothly across the picture). A block has
//   changed when what is left is large, when its pattern no longer correlates with the background's
//   (both textured), or when texture appeared on a plain surface or vanished from a textured one.
import { BLOCK, forBlockPixels, type BlockGrid } from './block-grid.ts';

export interface SceneBackgroundOptions {
  /** Scene seconds for the background to take up about two thirds of a lasting change it may learn. */
  learnSeconds: number;
  /** Smallest brightness step (0-255) left after the lighting match that counts as a change. */
  minStep: number;
  /** Below this correlation two textured blocks show different things. */
  minCorrelation: number;
}

export const SCENE_BACKGROUND_DEFAULTS: SceneBackgroundOptions = { learnSeconds: 120, minStep: 22, minCorrelation: 0.35 };

/** Block contrast (standard deviation of grey) above which a block has texture worth correlating. */
const TEXTURED = 7;
/** A region standing out from its surroundings less than this share of how much the background did is a ghost. */
const GHOST_RATIO = 0.5;
/** Blocks each side of a block whose residuals give its local lighting. */
const NEIGHBOURHOOD = 5;

export interface BlockComparison {
  /** 1 where the block differs from the background, per block in row order. */
  changed: Uint8Array;
  /** 1 where the background knows the block (seen free of tracked things at least once). */
  known: Uint8Array;
  /** Scene time (ms) each block was last taken as it was (first seen free, or absorbed); NaN when unknown. */
  seededAt: Float64Array;
}

export interface SceneBackground {
  compare(grid: BlockGrid): BlockComparison;
  /** Learns the frame's blocks where `learnable` is 1; `at` is the frame's scene time. */
  learn(grid: BlockGrid, learnable: Uint8Array, at: Date): void;
  /** Takes these blocks as they are at `at`: something that stays is part of the scene from here on. */
  absorb(grid: BlockGrid, blocks: readonly number[], at: Date): void;
  /**
   * Whether a changed region is a ghost: something the background learned (a car that stood there
   * when the camera started, half out of the picture, so never tracked) has gone, and the frame now
   * looks like the ground around it while the background did not. A thing left behind is the
   * opposite: it stands out from its surroundings now, and the background there did not.
   */
  isGhost(grid: BlockGrid, blocks: readonly number[]): boolean;
}

interface Stats {
  mean: Float32Array;
  std: Float32Array;
}

export function createSceneBackground(options: Partial<SceneBackgroundOptions> = {}): SceneBackground {
  const o = { ...SCENE_BACKGROUND_DEFAULTS, ...options };
  if (!(o.learnSeconds > 0)) throw new Error(`scene background: learnSeconds must be above 0, got ${o.learnSeconds}`);
  let bg: Float32Array | undefined;
  let known = new Uint8Array(0);
  let seededAt = new Float64Array(0);
  let size = '';
  let learnedAt: Date | undefined;

  // A new frame size (the operator changed analysis.width) starts the scene again.
  const fit = (grid: BlockGrid) => {
    const s = `${grid.grey.width}x${grid.grey.height}`;
    if (s === size && bg) return bg;
    size = s;
    bg = new Float32Array(grid.grey.width * grid.grey.height);
    known = new Uint8Array(grid.cols * grid.rows);
    seededAt = new Float64Array(grid.cols * grid.rows).fill(Number.NaN);
    learnedAt = undefined;
    return bg;
  };

  return {
    compare(grid) {
      const back = fit(grid);
      return { changed: changedBlocks(grid, back, known, o), known: known.slice(), seededAt: seededAt.slice() };
    },
    learn(grid, learnable, at) {
      const back = fit(grid);
      const dt = learnedAt ? Math.max(0, (at.getTime() - learnedAt.getTime()) / 1000) : 0;
      learnedAt = at;
      const rate = 1 - Math.exp(-dt / o.learnSeconds);
      const px = grid.grey.pixels;
      for (let k = 0; k < known.length; k++) {
        if (!learnable[k]) continue;
        if (!known[k]) {
          forBlockPixels(grid, k, (i) => (back[i] = px[i]!));
          known[k] = 1;
          seededAt[k] = at.getTime();
        } else if (rate > 0) {
          forBlockPixels(grid, k, (i) => (back[i] = back[i]! + rate * (px[i]! - back[i]!)));
        }
      }
    },
    isGhost(grid, blocks) {
      const back = fit(grid);
      const ring = surroundings(grid, blocks, known);
      if (ring.length < 4) return false;
      // Clearly more like its surroundings than the background was: a thing that stands out a little
      // less than uneven ground under it did is still a thing.
      return standsOut(grid, grid.grey.pixels, blocks, ring) < GHOST_RATIO * standsOut(grid, back, blocks, ring);
    },
    absorb(grid, blocks, at) {
      const back = fit(grid);
      for (const k of blocks) {
        forBlockPixels(grid, k, (i) => (back[i] = grid.grey.pixels[i]!));
        known[k] = 1;
        seededAt[k] = at.getTime();
      }
    },
  };
}

/** The comparison itself (see the file comment), over the blocks the background knows. */
export function changedBlocks(grid: BlockGrid, back: Float32Array, known: Uint8Array, o: SceneBackgroundOptions): Uint8Array {
  const n = grid.cols * grid.rows;
  const cur = blockStats(grid, grid.grey.pixels);
  const ref = blockStats(grid, back);
  const corr = blockCorrelation(grid, back, cur, ref);
  const [gain, offset] = lightingMatch(cur.mean, ref.mean, known);
  const residual = new Float32Array(n);
  for (let k = 0; k < n; k++) residual[k] = cur.mean[k]! - (gain * ref.mean[k]! + offset);
  // The local light only matters where the residual is large: computed there alone (it is the costly part).
  const local = neighbourhoodMedian(grid, residual, known, (k) => Math.abs(residual[k]!) > o.minStep / 2);

  const changed = new Uint8Array(n);
  const clipped = clippedBlocks(grid);
  for (let k = 0; k < n; k++) {
    // Blown-out sky or crushed shadow has lost what the comparison needs: such a block is not judged.
    if (!known[k] || clipped[k]) continue;
    const expected = gain * ref.mean[k]! + offset;
    const step = Math.abs(residual[k]! - local[k]!) > Math.max(o.minStep, 0.15 * expected);
    const refStd = Math.abs(gain) * ref.std[k]!;
    const curStd = cur.std[k]!;
    const restructured = refStd > TEXTURED && curStd > TEXTURED && corr[k]! < o.minCorrelation;
    const textureCame = curStd > 2 * refStd + TEXTURED;
    const textureWent = refStd > 2 * curStd + TEXTURED;
    if (step || restructured || textureCame || textureWent) changed[k] = 1;
  }
  return changed;
}

/** Known blocks within two blocks of the region, not in it: the ground around it. */
export function surroundings(grid: BlockGrid, blocks: readonly number[], known: Uint8Array): number[] {
  const inside = new Set(blocks);
  const ring = new Set<number>();
  for (const k of blocks) {
    const bx = k % grid.cols;
    const by = Math.floor(k / grid.cols);
    for (let y = Math.max(0, by - 2); y <= Math.min(grid.rows - 1, by + 2); y++) {
      for (let x = Math.max(0, bx - 2); x <= Math.min(grid.cols - 1, bx + 2); x++) {
        const j = y * grid.cols + x;
        if (!inside.has(j) && known[j]) ring.add(j);
      }
    }
  }
  return [...ring];
}

/**
 * How much the region's blocks differ from the ground around them in one picture (brightness and
 * contrast, relative to the ground's brightness so a darker picture is not simply "less different").
 */
export function standsOut(grid: BlockGrid, px: ArrayLike<number>, blocks: readonly number[], ring: readonly number[]): number {
  const stat = (k: number): [number, number] => {
    let s = 0;
    let s2 = 0;
    forBlockPixels(grid, k, (i) => {
      s += px[i]!;
      s2 += px[i]! * px[i]!;
    });
    const m = s / (BLOCK * BLOCK);
    return [m, Math.sqrt(Math.max(0, s2 / (BLOCK * BLOCK) - m * m))];
  };
  const around = ring.map(stat);
  const mean = median(around.map(([m]) => m));
  const std = median(around.map(([, d]) => d));
  let sum = 0;
  for (const k of blocks) {
    const [m, d] = stat(k);
    sum += (Math.abs(m - mean) + Math.abs(d - std)) / (mean + 10);
  }
  return sum / blocks.length;
}

/** 1 where more than half a block's grey pixels are at the ends of the scale (over- or under-exposed). */
function clippedBlocks(grid: BlockGrid): Uint8Array {
  const out = new Uint8Array(grid.cols * grid.rows);
  const px = grid.grey.pixels;
  for (let k = 0; k < out.length; k++) {
    let ends = 0;
    forBlockPixels(grid, k, (i) => {
      if (px[i]! >= 250 || px[i]! <= 5) ends++;
    });
    if (ends > (BLOCK * BLOCK) / 2) out[k] = 1;
  }
  return out;
}

function blockStats(grid: BlockGrid, px: ArrayLike<number>): Stats {
  const n = grid.cols * grid.rows;
  const mean = new Float32Array(n);
  const std = new Float32Array(n);
  const count = BLOCK * BLOCK;
  for (let k = 0; k < n; k++) {
    let s = 0;
    let s2 = 0;
    forBlockPixels(grid, k, (i) => {
      const v = px[i]!;
      s += v;
      s2 += v * v;
    });
    const m = s / count;
    mean[k] = m;
    std[k] = Math.sqrt(Math.max(0, s2 / count - m * m));
  }
  return { mean, std };
}

/** Pearson correlation of each block's pixels with the background's (0 where either is flat). */
function blockCorrelation(grid: BlockGrid, back: Float32Array, cur: Stats, ref: Stats): Float32Array {
  const n = grid.cols * grid.rows;
  const out = new Float32Array(n);
  const px = grid.grey.pixels;
  const count = BLOCK * BLOCK;
  for (let k = 0; k < n; k++) {
    const sc = cur.std[k]!;
    const sr = ref.std[k]!;
    if (sc < 1e-3 || sr < 1e-3) continue;
    const mc = cur.mean[k]!;
    const mr = ref.mean[k]!;
    let cov = 0;
    forBlockPixels(grid, k, (i) => (cov += (px[i]! - mc) * (back[i]! - mr)));
    out[k] = cov / count / (sc * sr);
  }
  return out;
}

/**
 * gain and offset with current ≈ gain × background + offset over the known blocks: a least-squares
 * fit, refitted without the blocks it fits worst, so a new object or a passer-by does not bend it.
 */
export function lightingMatch(cur: Float32Array, ref: Float32Array, known: Uint8Array): [number, number] {
  let use = Array.from(known.keys()).filter((k) => known[k]);
  if (use.length < 4) return [1, 0];
  let fit: [number, number] = [1, 0];
  for (let pass = 0; pass < 3; pass++) {
    fit = leastSquares(use, cur, ref);
    const errors = use.map((k) => Math.abs(cur[k]! - (fit[0] * ref[k]! + fit[1])));
    const cut = Math.max(2, 2.5 * median(errors));
    const kept = use.filter((_, j) => errors[j]! <= cut);
    if (kept.length < 4 || kept.length === use.length) break;
    use = kept;
  }
  return fit;
}

function leastSquares(use: readonly number[], cur: Float32Array, ref: Float32Array): [number, number] {
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (const k of use) {
    const x = ref[k]!;
    const y = cur[k]!;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const n = use.length;
  const den = n * sxx - sx * sx;
  // A uniform background (all one grey) has no slope to fit: light is an offset only.
  if (Math.abs(den) < 1e-6) return [1, (sy - sx) / n];
  const gain = (n * sxy - sx * sy) / den;
  return [gain, (sy - gain * sx) / n];
}

/** Each wanted block's median residual over its known neighbours, itself included (0 elsewhere). */
function neighbourhoodMedian(grid: BlockGrid, values: Float32Array, known: Uint8Array, wanted: (k: number) => boolean): Float32Array {
  const out = new Float32Array(values.length);
  const window: number[] = [];
  for (let by = 0; by < grid.rows; by++) {
    for (let bx = 0; bx < grid.cols; bx++) {
      if (!wanted(by * grid.cols + bx)) continue;
      window.length = 0;
      for (let y = Math.max(0, by - NEIGHBOURHOOD); y <= Math.min(grid.rows - 1, by + NEIGHBOURHOOD); y++) {
        for (let x = Math.max(0, bx - NEIGHBOURHOOD); x <= Math.min(grid.cols - 1, bx + NEIGHBOURHOOD); x++) {
          const k = y * grid.cols + x;
          if (known[k]) window.push(values[k]!);
        }
      }
      out[by * grid.cols + bx] = window.length ? median(window) : 0;
    }
  }
  return out;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
