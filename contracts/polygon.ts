// One check of a polygon ring for every place that takes one: camera zones (points normalised to
// the picture) and survey areas and zone layers (GeoJSON [lon, lat] positions). A ring must be a
// list of in-range points, closed where its format closes rings, with some area and no edge
// crossing another: a bow-tie "zone" would put a car inside or outside depending on which test
// looks, so it is refused with the two edges that cross named.

/** Points per ring: a city block traced from a GIS has hundreds; 10,000 is a district boundary. */
export const MAX_RING_POINTS = 10_000;

export interface Axis {
  min: number;
  max: number;
  /** Says what the number is, after the range: " (latitude in degrees)". */
  hint: string;
}

export interface RingRules {
  axes: readonly [Axis, Axis];
  /** GeoJSON rings repeat their first position at the end; camera zones close on their own. */
  closed: boolean;
  /** Numbers a point may carry after x and y (GeoJSON altitude); they are not checked further. */
  extraCoordinates: number;
  /** Below this |area|, in the axes' squared units, the ring encloses nothing. */
  minArea: number;
  maxPoints: number;
}

/** Where in the ring: [] the ring, [i] its point i, [i, axis] one coordinate. */
export interface RingProblem {
  at: number[];
  problem: string;
}

export type RingCheck = { points: Array<[number, number]> } | RingProblem;

export function checkRing(raw: unknown, rules: RingRules): RingCheck {
  const minPoints = rules.closed ? 4 : 3;
  if (!Array.isArray(raw)) return { at: [], problem: `must be a list of [x, y] points, got ${describeValue(raw)}` };
  if (raw.length < minPoints) return { at: [], problem: `needs at least ${minPoints} points${rules.closed ? ' (the last repeats the first)' : ''}, got ${raw.length}` };
  if (raw.length > rules.maxPoints) return { at: [], problem: `has ${raw.length} points; at most ${rules.maxPoints} are taken (simplify it in the GIS)` };
  const points: Array<[number, number]> = [];
  for (const [i, p] of raw.entries()) {
    if (!Array.isArray(p) || p.length < 2 || p.length > 2 + rules.extraCoordinates) {
      return { at: [i], problem: `must be an [x, y] pair${rules.extraCoordinates ? ' (an altitude may follow)' : ''}, got ${describeValue(p)}` };
    }
    for (const axis of [0, 1] as const) {
      const v = p[axis] as unknown;
      const { min, max, hint } = rules.axes[axis];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) return { at: [i, axis], problem: `must be a number from ${min} to ${max}${hint}, got ${describeValue(v)}` };
    }
    for (let k = 2; k < p.length; k++) {
      if (typeof p[k] !== 'number' || !Number.isFinite(p[k])) return { at: [i, k], problem: `must be a number, got ${describeValue(p[k])}` };
    }
    points.push([p[0] as number, p[1] as number]);
  }
  if (rules.closed) {
    const first = points[0]!;
    const last = points.at(-1)!;
    if (first[0] !== last[0] || first[1] !== last[1]) {
      return { at: [], problem: `is not closed: its last position must repeat its first ([${first.join(', ')}]), got [${last.join(', ')}]` };
    }
  }
  const shape = shapeProblem(rules.closed ? points.slice(0, -1) : points, rules.minArea);
  return shape ? { at: [], problem: shape } : { points };
}

/** The ring as a shape (closing point left out): distinct points, not on one line, no crossing edges, some area. */
function shapeProblem(points: Array<[number, number]>, minArea: number): string | undefined {
  // Repeated consecutive points are common in GIS exports and harmless: skip them, keep the numbering.
  const ring: Array<{ p: [number, number]; index: number }> = [];
  for (const [index, p] of points.entries()) {
    const prev = ring.at(-1)?.p;
    if (!prev || prev[0] !== p[0] || prev[1] !== p[1]) ring.push({ p, index });
  }
  while (ring.length > 1 && samePoint(ring[0]!.p, ring.at(-1)!.p)) ring.pop();
  if (ring.length === 1) return `has all its points at one place ([${ring[0]!.p.join(', ')}]): it encloses no area`;
  const [a, b] = [ring[0]!.p, ring[1]!.p];
  if (ring.every(({ p }) => orient(a, b, p) === 0)) return 'has all its points on one line: it encloses no area';
  const crossing = firstCrossing(ring.map((r) => r.p));
  if (crossing) {
    const edge = (e: number) => `point ${ring[e]!.index} to point ${ring[(e + 1) % ring.length]!.index}`;
    return `crosses itself: the edge from ${edge(crossing[0])} meets the edge from ${edge(crossing[1])}`;
  }
  if (Math.abs(area(ring.map((r) => r.p))) < minArea) return 'encloses no area (its points are almost on one line)';
  return undefined;
}

function samePoint(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function orient(a: readonly [number, number], b: readonly [number, number], c: readonly [number, number]): number {
  return Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
}

function onSegment(a: readonly [number, number], b: readonly [number, number], p: readonly [number, number]): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** Whether segments ab and cd share any point (touching counts). */
function segmentsMeet(a: [number, number], b: [number, number], c: [number, number], d: [number, number]): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) || (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b));
}

/**
 * The first pair of edges that meet where they should not, as edge indices (edge e runs from point
 * e to point e + 1). Neighbouring edges share a point; they only cross when the ring turns straight
 * back on itself. Edges are swept in order of their left end, so only edges whose x ranges overlap
 * are compared: near n log n for real outlines. A ring built so that every edge overlaps every
 * other in x (a 10,000-point comb) is the worst case: under a second, and a 1 MB body holds few.
 */
function firstCrossing(ring: Array<[number, number]>): [number, number] | undefined {
  const n = ring.length;
  const edges = ring.map((p, e) => {
    const q = ring[(e + 1) % n]!;
    return { e, p, q, minX: Math.min(p[0], q[0]), maxX: Math.max(p[0], q[0]), minY: Math.min(p[1], q[1]), maxY: Math.max(p[1], q[1]) };
  });
  const byLeft = [...edges].sort((x, y) => x.minX - y.minX);
  for (let i = 0; i < byLeft.length; i++) {
    const s = byLeft[i]!;
    for (let j = i + 1; j < byLeft.length && byLeft[j]!.minX <= s.maxX; j++) {
      const t = byLeft[j]!;
      if (t.maxY < s.minY || t.minY > s.maxY) continue;
      const [lo, hi] = s.e < t.e ? [s, t] : [t, s];
      const neighbours = hi.e - lo.e === 1 || (lo.e === 0 && hi.e === n - 1);
      if (neighbours) {
        if (n > 3 && turnsBack(lo, hi)) return [lo.e, hi.e];
        continue;
      }
      if (segmentsMeet(s.p, s.q, t.p, t.q)) return [lo.e, hi.e];
    }
  }
  return undefined;
}

/** Two neighbouring edges on one line going opposite ways: the ring runs back over itself. */
function turnsBack(lo: { e: number; p: [number, number]; q: [number, number] }, hi: { e: number; p: [number, number]; q: [number, number] }): boolean {
  // The shared point, and the far ends of each edge.
  const [shared, u, v] = hi.e - lo.e === 1 ? [lo.q, lo.p, hi.q] : [lo.p, lo.q, hi.p];
  if (orient(shared, u, v) !== 0) return false;
  return (u[0] - shared[0]) * (v[0] - shared[0]) + (u[1] - shared[1]) * (v[1] - shared[1]) > 0;
}

/** Signed area by the shoelace formula. */
export function area(points: ReadonlyArray<readonly [number, number]>): number {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    const [x2, y2] = points[(i + 1) % points.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
