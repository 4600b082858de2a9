// Aligning two photos of the same ground by feature matching and a homography, in plain TypeScript
// (no OpenCV in node_modules): Harris corners spread over a grid, each described by its
// normalised 15 × 15 neighbourhood (light-invariant, as the two flights had different light),
// matched both ways with a ratio test, and a homography fitted by RANSAC on four-point samples and
// refined on its inliers. Photos are expected roughly the same way up and at a similar scale (the
// caller turns one by the difference of the telemetry headings); a pair that still does not match
// is refused with the reason, never compared misaligned.
import { ChangeInputError } from './load-image.ts';
import type { RgbImage } from './raster.ts';

/** Row-major 3 × 3, mapping before pixels to after pixels. */
export type Homography = number[];

export interface AlignSettings {
  maxCorners: number;
  /** Grid cell, pixels: at most one corner per cell, so matches cover the whole photo. */
  cell: number;
  /** Best distance over second best, at most. */
  ratio: number;
  /** Reprojection error of an inlier, pixels. */
  inlierPx: number;
  iterations: number;
  minInliers: number;
  /** Share of matches that must agree with the homography. */
  minInlierShare: number;
}

export const DEFAULT_ALIGN_SETTINGS: AlignSettings = { maxCorners: 600, cell: 16, ratio: 0.85, inlierPx: 3, iterations: 2000, minInliers: 12, minInlierShare: 0.25 };

export interface Alignment {
  homography: Homography;
  matches: number;
  inliers: number;
  /** Mean reprojection error of the inliers, pixels. */
  errorPx: number;
}

/** Photos that cannot be aligned: the message says why. */
export class AlignmentRefused extends ChangeInputError {}

const R = 7; // descriptor radius: 15 × 15

export function alignPhotos(before: RgbImage, after: RgbImage, settings: Partial<AlignSettings> = {}): Alignment {
  const s = { ...DEFAULT_ALIGN_SETTINGS, ...settings };
  const a = features(gray(before), before.width, before.height, s);
  const b = features(gray(after), after.width, after.height, s);
  if (a.length < s.minInliers || b.length < s.minInliers) {
    throw new AlignmentRefused(`too little texture to align: ${a.length} corners in the before photo, ${b.length} in the after photo (at least ${s.minInliers} needed)`);
  }
  const matches = match(a, b, s.ratio);
  if (matches.length < s.minInliers) throw new AlignmentRefused(`only ${matches.length} features match between the photos (at least ${s.minInliers} needed): not the same ground, or turned or scaled too far apart`);
  const fit = ransac(matches, s);
  if (!fit || fit.inliers.length < Math.max(s.minInliers, s.minInlierShare * matches.length)) {
    throw new AlignmentRefused(`no homography agrees with enough matches: ${fit?.inliers.length ?? 0} of ${matches.length} within ${s.inlierPx} px (at least ${Math.ceil(Math.max(s.minInliers, s.minInlierShare * matches.length))} needed)`);
  }
  const h = leastSquares(fit.inliers) ?? fit.h;
  const problem = implausible(h, before.width, before.height);
  if (problem) throw new AlignmentRefused(`the best homography is not a view of the same ground: ${problem}`);
  const errors = fit.inliers.map((m) => reprojection(h, m));
  return { homography: h, matches: matches.length, inliers: fit.inliers.length, errorPx: errors.reduce((x, y) => x + y, 0) / errors.length };
}

/** The after photo resampled onto the before photo's pixels; `valid` is 0 where it does not reach. */
export function warpOnto(after: RgbImage, h: Homography, width: number, height: number): { image: RgbImage; valid: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  const valid = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = apply(h, x + 0.5, y + 0.5);
      const sx = u - 0.5, sy = v - 0.5;
      if (!(sx >= 0 && sy >= 0 && sx <= after.width - 1 && sy <= after.height - 1)) continue;
      const x0 = Math.floor(sx), y0 = Math.floor(sy), x1 = Math.min(x0 + 1, after.width - 1), y1 = Math.min(y0 + 1, after.height - 1);
      const fx = sx - x0, fy = sy - y0, o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = after.data[(y0 * after.width + x0) * 3 + c]! * (1 - fx) + after.data[(y0 * after.width + x1) * 3 + c]! * fx;
        const bottom = after.data[(y1 * after.width + x0) * 3 + c]! * (1 - fx) + after.data[(y1 * after.width + x1) * 3 + c]! * fx;
        data[o + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
      valid[y * width + x] = 1;
    }
  }
  return { image: { width, height, data }, valid };
}

export function apply(h: Homography, x: number, y: number): [number, number] {
  const w = h[6]! * x + h[7]! * y + h[8]!;
  return [(h[0]! * x + h[1]! * y + h[2]!) / w, (h[3]! * x + h[4]! * y + h[5]!) / w];
}

interface Feature {
  x: number;
  y: number;
  d: Float32Array;
}

interface Match {
  a: Feature;
  b: Feature;
}

function gray(img: RgbImage): Float32Array {
  const g = new Float32Array(img.width * img.height);
  for (let i = 0; i < g.length; i++) g[i] = 0.299 * img.data[3 * i]! + 0.587 * img.data[3 * i + 1]! + 0.114 * img.data[3 * i + 2]!;
  return g;
}

/** Harris corners, the strongest per grid cell, each with a zero-mean unit-norm patch descriptor. */
function features(g: Float32Array, w: number, h: number, s: AlignSettings): Feature[] {
  const blur = box3(box3(g, w, h), w, h);
  const ix = new Float32Array(w * h), iy = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    const i = y * w + x;
    ix[i] = (blur[i + 1]! - blur[i - 1]!) / 2;
    iy[i] = (blur[i + w]! - blur[i - w]!) / 2;
  }
  const xx = box3(ix.map((v) => v * v), w, h), yy = box3(iy.map((v) => v * v), w, h);
  const xy = box3(ix.map((v, i) => v * iy[i]!), w, h);
  const best = new Map<number, { i: number; r: number }>();
  const cols = Math.ceil(w / s.cell);
  for (let y = R + 1; y < h - R - 1; y++) for (let x = R + 1; x < w - R - 1; x++) {
    const i = y * w + x;
    const r = xx[i]! * yy[i]! - xy[i]! * xy[i]! - 0.04 * (xx[i]! + yy[i]!) ** 2;
    if (r <= 0) continue;
    const cell = Math.floor(y / s.cell) * cols + Math.floor(x / s.cell);
    const have = best.get(cell);
    if (!have || r > have.r) best.set(cell, { i, r });
  }
  const strongest = [...best.values()].sort((p, q) => q.r - p.r).slice(0, s.maxCorners);
  const floor = (strongest[0]?.r ?? 0) * 1e-4; // flat cells (sky, water, a roof) have no corner worth matching
  const out: Feature[] = [];
  for (const { i, r } of strongest) {
    if (r < floor) continue;
    const x = i % w, y = Math.floor(i / w);
    const d = new Float32Array((2 * R + 1) ** 2);
    let k = 0, mean = 0;
    for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) mean += d[k++] = blur[(y + dy) * w + x + dx]!;
    mean /= d.length;
    let norm = 0;
    for (let j = 0; j < d.length; j++) norm += (d[j]! -= mean) ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-3) continue;
    for (let j = 0; j < d.length; j++) d[j]! /= norm;
    out.push({ x, y, d });
  }
  return out;
}

function box3(g: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(g.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let sum = 0, n = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy, xx = x + dx;
      if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
      sum += g[yy * w + xx]!;
      n++;
    }
    out[y * w + x] = sum / n;
  }
  return out;
}

/** Mutual nearest neighbours by correlation that pass the ratio test. */
function match(a: Feature[], b: Feature[], ratio: number): Match[] {
  const nearest = (f: Feature, pool: Feature[]) => {
    let best = -1, bestD = Infinity, second = Infinity;
    pool.forEach((g, j) => {
      let dot = 0;
      for (let k = 0; k < f.d.length; k++) dot += f.d[k]! * g.d[k]!;
      const dist = 2 - 2 * dot; // squared distance of unit vectors
      if (dist < bestD) { second = bestD; bestD = dist; best = j; } else if (dist < second) second = dist;
    });
    return { best, ok: Math.sqrt(bestD) <= ratio * Math.sqrt(second) };
  };
  const out: Match[] = [];
  a.forEach((f, i) => {
    const fwd = nearest(f, b);
    if (!fwd.ok || fwd.best < 0) return;
    if (nearest(b[fwd.best]!, a).best !== i) return;
    out.push({ a: f, b: b[fwd.best]! });
  });
  return out;
}

/** A fixed-seed generator: the same pair aligns the same way every time. */
function random(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function ransac(matches: Match[], s: AlignSettings): { h: Homography; inliers: Match[] } | undefined {
  const rnd = random(matches.length);
  let best: { h: Homography; inliers: Match[] } | undefined;
  for (let it = 0; it < s.iterations; it++) {
    const pick = new Set<number>();
    while (pick.size < 4) pick.add(Math.floor(rnd() * matches.length));
    const h = solve([...pick].map((i) => matches[i]!));
    if (!h) continue;
    const inliers = matches.filter((m) => reprojection(h, m) <= s.inlierPx);
    if (!best || inliers.length > best.inliers.length) best = { h, inliers };
  }
  return best;
}

function reprojection(h: Homography, m: Match): number {
  const [u, v] = apply(h, m.a.x, m.a.y);
  return Math.hypot(u - m.b.x, v - m.b.y);
}

/** The homography through four or more correspondences (h8 = 1), least squares by normal equations. */
function solve(ms: Match[]): Homography | undefined {
  const ata = Array.from({ length: 8 }, () => new Float64Array(8));
  const atb = new Float64Array(8);
  // Coordinates scaled near 1 keep the normal equations well conditioned.
  const k = 1 / 1000;
  for (const { a, b } of ms) {
    const x = a.x * k, y = a.y * k, u = b.x * k, v = b.y * k;
    for (const [row, rhs] of [[[x, y, 1, 0, 0, 0, -u * x, -u * y], u], [[0, 0, 0, x, y, 1, -v * x, -v * y], v]] as const) {
      for (let i = 0; i < 8; i++) {
        atb[i]! += row[i]! * rhs;
        for (let j = 0; j < 8; j++) ata[i]![j]! += row[i]! * row[j]!;
      }
    }
  }
  const p = gauss(ata, atb);
  if (!p) return undefined;
  // Undo the scaling: H = S⁻¹ · Hs · S with S = diag(k, k, 1).
  return [p[0]!, p[1]!, p[2]! / k, p[3]!, p[4]!, p[5]! / k, p[6]! * k, p[7]! * k, 1];
}

function leastSquares(inliers: Match[]): Homography | undefined {
  return solve(inliers);
}

function gauss(m: Float64Array[], b: Float64Array): Float64Array | undefined {
  const n = b.length;
  const a = m.map((row, i) => Float64Array.from([...row, b[i]!]));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    if (Math.abs(a[p]![c]!) < 1e-12) return undefined;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return Float64Array.from({ length: n }, (_, i) => a[i]![n]! / a[i]![i]!);
}

/** Why a homography cannot be two views of flat ground from a drone, or undefined. */
function implausible(h: Homography, w: number, hgt: number): string | undefined {
  const corners = [[0, 0], [w, 0], [w, hgt], [0, hgt]].map(([x, y]) => apply(h, x!, y!));
  if (corners.some(([u, v]) => !Number.isFinite(u) || !Number.isFinite(v))) return 'it sends a corner of the photo to infinity';
  let area = 0;
  for (let i = 0; i < 4; i++) {
    const [x0, y0] = corners[i]!, [x1, y1] = corners[(i + 1) % 4]!;
    area += x0 * y1 - x1 * y0;
  }
  const scale = Math.sqrt(Math.abs(area / 2) / (w * hgt));
  if (area <= 0) return 'it mirrors the photo';
  if (scale < 0.33 || scale > 3) return `it scales the ground by ${scale.toFixed(2)} (flights at such different heights are not compared)`;
  return undefined;
}
