// The smallest rotated rectangle around a text region (OpenCV's minAreaRect, which PaddleOCR's DB
// post-processing fits to each text contour): a plate on a car parked at an angle is a tilted
// line of text, and its axis-aligned box holds the ends of the line above and below the middle,
// which the recogniser reads as other characters or not at all.
//
// Convex hull (Andrew's monotone chain), then the rectangle flush with each hull edge: the
// minimum-area one is flush with one of them (Freeman & Shapira 1975).

export type Point = readonly [number, number];

export interface RotatedRect {
  /** Centre. */
  cx: number;
  cy: number;
  /** Length along the text (the long side) and across it. */
  width: number;
  height: number;
  /** Angle of the long side from the x axis, radians, in (-π/2, π/2]: positive turns clockwise on screen (y down). */
  angle: number;
}

export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length <= 2) return pts;
  const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** The minimum-area rectangle around the points; degenerate sets give a zero-sized side. */
export function minAreaRect(points: readonly Point[]): RotatedRect {
  const hull = convexHull(points);
  if (hull.length === 0) throw new RangeError('minAreaRect needs at least one point');
  let best: RotatedRect | undefined;
  let bestArea = Infinity;
  const edges = hull.length === 1 ? 1 : hull.length;
  for (let i = 0; i < edges; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const [ux, uy] = len > 0 ? [(b[0] - a[0]) / len, (b[1] - a[1]) / len] : [1, 0];
    // Project every hull point on the edge direction u and its normal v.
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const p of hull) {
      const u = p[0] * ux + p[1] * uy;
      const v = -p[0] * uy + p[1] * ux;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const mu = (minU + maxU) / 2;
      const mv = (minV + maxV) / 2;
      best = normalise({ cx: mu * ux - mv * uy, cy: mu * uy + mv * ux, width: maxU - minU, height: maxV - minV, angle: Math.atan2(uy, ux) });
    }
  }
  return best!;
}

/** Long side as width, angle folded into (-π/2, π/2]. */
function normalise(r: RotatedRect): RotatedRect {
  let { width, height, angle } = r;
  if (height > width) {
    [width, height] = [height, width];
    angle += Math.PI / 2;
  }
  while (angle > Math.PI / 2) angle -= Math.PI;
  while (angle <= -Math.PI / 2) angle += Math.PI;
  return { ...r, width, height, angle };
}

/** The rectangle grown by `dw` along the text and `dh` across it, on each side. */
export function growRect(r: RotatedRect, dw: number, dh: number): RotatedRect {
  return { ...r, width: r.width + 2 * dw, height: r.height + 2 * dh };
}

/**
 * Corners in reading order: top-left, top-right, bottom-right, bottom-left of the text as it reads
 * (left to right along the long side, top above).
 */
export function rectCorners(r: RotatedRect): [Point, Point, Point, Point] {
  const ux = Math.cos(r.angle);
  const uy = Math.sin(r.angle);
  // The normal pointing down the picture (y grows downwards).
  const [vx, vy] = [-uy, ux];
  const hw = r.width / 2;
  const hh = r.height / 2;
  const at = (su: number, sv: number): Point => [r.cx + su * hw * ux + sv * hh * vx, r.cy + su * hw * uy + sv * hh * vy];
  return [at(-1, -1), at(1, -1), at(1, 1), at(-1, 1)];
}

/** Axis-aligned bounds of the rectangle. */
export function rectBounds(r: RotatedRect): [number, number, number, number] {
  const c = rectCorners(r);
  const xs = c.map((p) => p[0]);
  const ys = c.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
