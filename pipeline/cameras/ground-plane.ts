// Where on the ground a street camera's box stands: a homography from the camera's picture to the
// road, fitted from marks an operator measured, so a camera sighting can be put on the map and fold
// into the case a drone survey opened for the same car.
//
// Picking the points (camera config `ground.points`): choose at least 4 spots on the road surface
// that you can see in the camera's picture and find on a map or with a GNSS receiver: lane-marking
// corners, stop-line ends, the centres of manhole covers, kerb corners at a driveway. Read their
// pixels from a frame at the analysis size (`analysis.width`, default 1280 wide), which is what boxes
// are measured in, not from a full-size snapshot. Spread them over the stretch where cars park and
// stalls stand, near and far, left and right: the fit is good between the marks and worsens away
// from them. All must lie on the road plane (not on walls, roofs or a raised pavement) and no three
// on one line: the four corners of a parking bay work, four marks along one lane line do not. With
// 6 or more the fit can tell how well the marks agree (the residual), and every position's
// accuracy includes it.
//
// The fit is the direct linear transform with Hartley normalisation (both point sets moved to their
// centroid and scaled to a mean distance of √2, so pixel hundreds and metre tens weigh alike in the
// equations), solved by least squares through the normal equations. Ground coordinates are metres
// east and north of the marks' centroid.
import type { GroundCalibrationPoint } from '../../contracts/camera.ts';
import { eastNorthOf, offsetLatLon } from '../survey/georeference.ts';

/**
 * Added to every position's accuracy. The marks' map coordinates (a base map, a phone-grade GNSS
 * fix) are good to a metre or two, and a box's bottom centre is the near end of a car as the camera
 * sees it, while a drone places the car's middle, about 2 m away.
 */
export const GROUND_ACCURACY_FLOOR_M = 2;
/**
 * Positions further than this from the marks' centroid are refused. A homography extrapolated away
 * from its marks magnifies every error (a pixel there covers metres of road), and a road is not
 * flat over more than a camera's nearby stretch; beyond it a position could be off by more than any
 * dedupe radius.
 */
export const MAX_GROUND_REACH_M = 150;
/** How far a detector's bottom box edge may be from where tyres meet the road, in pixels. */
export const BOX_EDGE_ERROR_PX = 3;
/** Marks are clicked to about a pixel; a point closer than this to the line through two others leaves the fit to the noise. */
export const MIN_OFF_LINE_PX = 3;
/** The same on the map, where marks are measured to about a metre. */
export const MIN_OFF_LINE_M = 1;
export const MIN_GROUND_POINTS = 4;
/** More marks than this add nothing to a fit of 8 numbers, and keep the general-position search small. */
export const MAX_GROUND_POINTS = 50;

/** Marks that cannot calibrate a camera; the message says which and why, for ground.points. */
export class GroundCalibrationError extends Error {
  override name = 'GroundCalibrationError';
  constructor(
    problem: string,
    /** The one point at fault, when it is one. */
    readonly point?: number,
  ) {
    super(problem);
  }
}

export interface GroundPosition {
  lat: number;
  lon: number;
  /** Radius in metres: floor + the marks' residual (growing away from them) + a box edge's error there. */
  accuracyM: number;
}

export interface GroundPlane {
  /** Where pixel [x, y] of the analysed frame lies on the road, or undefined at or above the horizon or out of reach. */
  groundOf(pixel: readonly [number, number]): GroundPosition | undefined;
  /** RMS distance in metres between where the fit puts the marks and where they were measured. */
  readonly residualM: number;
  /** The marks' centroid, where the ground coordinates start. */
  readonly origin: { lat: number; lon: number };
}

type Vec2 = readonly [number, number];
type Mat3 = [number, number, number, number, number, number, number, number, number];

/** Fits the picture-to-road homography from the operator's marks; throws GroundCalibrationError when they cannot determine one. */
export function fitGroundPlane(points: readonly GroundCalibrationPoint[]): GroundPlane {
  if (points.length < MIN_GROUND_POINTS) {
    throw new GroundCalibrationError(`needs at least ${MIN_GROUND_POINTS} points (marks on the road with their pixel and lat/lon), got ${points.length}`);
  }
  if (points.length > MAX_GROUND_POINTS) throw new GroundCalibrationError(`takes at most ${MAX_GROUND_POINTS} points, got ${points.length}`);
  const origin = {
    lat: points.reduce((s, p) => s + p.lat, 0) / points.length,
    lon: points.reduce((s, p) => s + p.lon, 0) / points.length,
  };
  const image = points.map((p) => p.pixel);
  const ground = points.map((p) => eastNorthOf(origin.lat, origin.lon, p));
  // Usually a typo in a lat or lon: a camera's marks lie on one stretch of road. Measured from the
  // marks' median, which one wrong mark cannot drag along, so the wrong one is the one named.
  const median = (values: number[]) => {
    const v = [...values].sort((x, y) => x - y);
    return (v[Math.floor((v.length - 1) / 2)]! + v[Math.ceil((v.length - 1) / 2)]!) / 2;
  };
  const middle = { lat: median(points.map((p) => p.lat)), lon: median(points.map((p) => p.lon)) };
  const away = points.map((p) => Math.hypot(...eastNorthOf(middle.lat, middle.lon, p)));
  const worst = away.indexOf(Math.max(...away));
  if (away[worst]! > MAX_GROUND_REACH_M) {
    throw new GroundCalibrationError(`is ${Math.round(away[worst]!)} m from the other points, more than ${MAX_GROUND_REACH_M} m (one camera's stretch of road): check its lat/lon`, worst);
  }
  checkGeneralPosition(image, ground);

  const ti = normaliser(image);
  const tg = normaliser(ground);
  const a: number[][] = Array.from({ length: 8 }, () => new Array<number>(8).fill(0));
  const b = new Array<number>(8).fill(0);
  for (let i = 0; i < points.length; i++) {
    const [x, y] = apply(ti, image[i]!);
    const [gx, gy] = apply(tg, ground[i]!);
    // h33 = 1: after normalisation the image origin is the marks' centroid, which lies on the
    // road in front of the camera, so its ground point is finite and h33 cannot be 0.
    const rows: Array<[number[], number]> = [
      [[x, y, 1, 0, 0, 0, -x * gx, -y * gx], gx],
      [[0, 0, 0, x, y, 1, -x * gy, -y * gy], gy],
    ];
    for (const [row, rhs] of rows) {
      for (let r = 0; r < 8; r++) {
        b[r]! += row[r]! * rhs;
        for (let c = 0; c < 8; c++) a[r]![c]! += row[r]! * row[c]!;
      }
    }
  }
  const h = solve(a, b);
  if (!h) throw new GroundCalibrationError('do not determine a ground plane (the equations are singular): spread the points over the road');
  const hn: Mat3 = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1];
  let hm = multiply(invertSimilarity(tg), multiply(hn, ti));
  // The homography's sign is arbitrary; make the marks' side of the horizon the positive one.
  const w = image.map(([x, y]) => hm[6] * x + hm[7] * y + hm[8]);
  if (w.every((v) => v < 0)) hm = hm.map((v) => -v) as Mat3;
  else if (!w.every((v) => v > 0)) {
    throw new GroundCalibrationError('do not fit one flat road seen by one camera (some would lie behind it): check each point\'s pixel and lat/lon');
  }

  const toGround = (x: number, y: number): { east: number; north: number; w: number } => {
    const wv = hm[6] * x + hm[7] * y + hm[8];
    return { east: (hm[0] * x + hm[1] * y + hm[2]) / wv, north: (hm[3] * x + hm[4] * y + hm[5]) / wv, w: wv };
  };
  const residualM = Math.sqrt(
    image.reduce((s, [x, y], i) => {
      const p = toGround(x, y);
      return s + (p.east - ground[i]![0]) ** 2 + (p.north - ground[i]![1]) ** 2;
    }, 0) / points.length,
  );
  // How far the marks reach from their centroid: within it the residual holds, beyond it grows.
  const spreadM = Math.max(1, Math.sqrt(ground.reduce((s, [e, n]) => s + e * e + n * n, 0) / points.length));
  // W is about 1 over the marks; near 0 the pixel looks at the horizon, below 0 behind the camera.
  const wFloor = 1e-9 * Math.max(...w.map(Math.abs));

  return {
    residualM,
    origin,
    groundOf([x, y]) {
      const p = toGround(x, y);
      if (!(p.w > wFloor)) return undefined;
      const reach = Math.hypot(p.east, p.north);
      if (!(reach <= MAX_GROUND_REACH_M)) return undefined;
      // Ground metres per pixel here, in the worst direction (largest singular value of the Jacobian).
      const j11 = (hm[0] - p.east * hm[6]) / p.w;
      const j12 = (hm[1] - p.east * hm[7]) / p.w;
      const j21 = (hm[3] - p.north * hm[6]) / p.w;
      const j22 = (hm[4] - p.north * hm[7]) / p.w;
      const sq = j11 * j11 + j12 * j12 + j21 * j21 + j22 * j22;
      const det = j11 * j22 - j12 * j21;
      const metresPerPixel = Math.sqrt((sq + Math.sqrt(Math.max(0, sq * sq - 4 * det * det))) / 2);
      const accuracyM = GROUND_ACCURACY_FLOOR_M + residualM * Math.max(1, reach / spreadM) + BOX_EDGE_ERROR_PX * metresPerPixel;
      return { ...offsetLatLon(origin.lat, origin.lon, p.east, p.north), accuracyM };
    },
  };
}

/**
 * A homography needs 4 points with no three on one line, in the picture and on the map. Among more
 * points some may be on one line (marks along a lane line) as long as 4 others are not.
 */
function checkGeneralPosition(image: readonly Vec2[], ground: readonly Vec2[]): void {
  const n = image.length;
  const flat = (pts: readonly Vec2[], tol: number, i: number, j: number, k: number) => minAltitude(pts[i]!, pts[j]!, pts[k]!) < tol;
  const flatIn = (i: number, j: number, k: number): 'in the picture' | 'on the map' | undefined =>
    flat(image, MIN_OFF_LINE_PX, i, j, k) ? 'in the picture' : flat(ground, MIN_OFF_LINE_M, i, j, k) ? 'on the map' : undefined;
  let firstFlat: string | undefined;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      for (let c = b + 1; c < n; c++) {
        for (let d = c + 1; d < n; d++) {
          const triples: Array<[number, number, number]> = [[a, b, c], [a, b, d], [a, c, d], [b, c, d]];
          const bad = triples.map((t) => [t, flatIn(...t)] as const).find(([, where]) => where !== undefined);
          if (!bad) return;
          const [[i, j, k], where] = bad;
          firstFlat ??= `points ${i}, ${j} and ${k} are on one line ${where} (within ${where === 'in the picture' ? `${MIN_OFF_LINE_PX} px` : `${MIN_OFF_LINE_M} m`})`;
        }
      }
    }
  }
  const why = n === MIN_GROUND_POINTS ? firstFlat : `the ${n} points hold no such 4 (e.g. ${firstFlat})`;
  throw new GroundCalibrationError(`needs 4 points with no three on one line: ${why}; pick marks spread over the road, such as the four corners of a parking bay`);
}

/** The smallest height of the triangle: 0 when the points are on one line or two coincide. */
function minAltitude(p: Vec2, q: Vec2, r: Vec2): number {
  const cross = Math.abs((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const longest = Math.max(Math.hypot(q[0] - p[0], q[1] - p[1]), Math.hypot(r[0] - p[0], r[1] - p[1]), Math.hypot(r[0] - q[0], r[1] - q[1]));
  return longest === 0 ? 0 : cross / longest;
}

/** Hartley's similarity: centroid to the origin, mean distance √2. */
function normaliser(pts: readonly Vec2[]): Mat3 {
  const cx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const cy = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const mean = pts.reduce((s, p) => s + Math.hypot(p[0] - cx, p[1] - cy), 0) / pts.length;
  const s = Math.SQRT2 / mean;
  return [s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1];
}

function invertSimilarity(t: Mat3): Mat3 {
  const s = t[0];
  return [1 / s, 0, -t[2] / s, 0, 1 / s, -t[5] / s, 0, 0, 1];
}

function apply(t: Mat3, [x, y]: Vec2): [number, number] {
  return [t[0] * x + t[1] * y + t[2], t[3] * x + t[4] * y + t[5]];
}

function multiply(p: Mat3, q: Mat3): Mat3 {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[r * 3 + c]! += p[r * 3 + k]! * q[k * 3 + c]!;
  return out as Mat3;
}

/** Gaussian elimination with partial pivoting; undefined when a pivot vanishes (a singular system). */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  const scale = Math.max(...m.flatMap((row) => row.slice(0, n).map(Math.abs)));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (!(Math.abs(m[pivot]![col]!) > 1e-12 * scale)) return undefined;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const top = m[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = m[r]!;
      const f = row[col]! / top[col]!;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) row[c]! -= f * top[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = m[r]![n]!;
    for (let c = r + 1; c < n; c++) sum -= m[r]![c]! * x[c]!;
    x[r] = sum / m[r]![r]!;
  }
  return x;
}
