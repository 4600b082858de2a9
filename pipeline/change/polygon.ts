// A region's outline as a polygon (what a reviewer and a map see), and back to pixels (what the
// metrics and the evidence crops need). Outlines follow pixel edges, then are simplified within
// `tolerance` pixels; holes are not kept, as a candidate is the whole place that changed.

export type Point = [number, number];

/**
 * The outer boundary of the region labelled `label` that contains pixel `start` (its first pixel in
 * raster order), walked along pixel edges with the region on the right.
 */
export function traceOutline(labels: Int32Array, width: number, height: number, label: number, start: number): Point[] {
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] === label;
  const sx = start % width, sy = (start - sx) / width;
  let cx = sx, cy = sy, dx = 1, dy = 0;
  const points: Point[] = [];
  const maxSteps = 4 * (width + 1) * (height + 1);
  for (let step = 0; step < maxSteps; step++) {
    // The two pixels ahead of the corner (cx, cy) when walking (dx, dy), left and right of the way.
    const [lx, ly, rx, ry] = aheadPixels(cx, cy, dx, dy);
    let ndx: number, ndy: number;
    if (inside(lx, ly)) { ndx = dy; ndy = -dx; } // turn left
    else if (inside(rx, ry)) { ndx = dx; ndy = dy; } // straight on
    else { ndx = -dy; ndy = dx; } // turn right
    if (ndx !== dx || ndy !== dy || step === 0) points.push([cx, cy]);
    dx = ndx; dy = ndy;
    cx += dx; cy += dy;
    if (cx === sx && cy === sy) break;
  }
  return points;
}

function aheadPixels(cx: number, cy: number, dx: number, dy: number): [number, number, number, number] {
  if (dx === 1) return [cx, cy - 1, cx, cy];
  if (dy === 1) return [cx, cy, cx - 1, cy];
  if (dx === -1) return [cx - 1, cy, cx - 1, cy - 1];
  return [cx - 1, cy - 1, cx, cy - 1];
}

/** Douglas–Peucker on a closed ring: drops vertices within `tolerance` of the simplified outline. */
export function simplify(ring: Point[], tolerance: number): Point[] {
  if (ring.length <= 4) return ring;
  // Split the ring at the vertex farthest from the first, and simplify both halves as open lines.
  let far = 0, farDist = -1;
  for (let i = 1; i < ring.length; i++) {
    const d = (ring[i]![0] - ring[0]![0]) ** 2 + (ring[i]![1] - ring[0]![1]) ** 2;
    if (d > farDist) { farDist = d; far = i; }
  }
  const first = simplifyLine(ring.slice(0, far + 1), tolerance);
  const second = simplifyLine([...ring.slice(far), ring[0]!], tolerance);
  const out = [...first.slice(0, -1), ...second.slice(0, -1)];
  return out.length >= 3 ? out : ring;
}

function simplifyLine(line: Point[], tolerance: number): Point[] {
  if (line.length <= 2) return line;
  const [ax, ay] = line[0]!, [bx, by] = line[line.length - 1]!;
  const len = Math.hypot(bx - ax, by - ay);
  let worst = 0, index = 0;
  for (let i = 1; i < line.length - 1; i++) {
    const [px, py] = line[i]!;
    const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / len;
    if (d > worst) { worst = d; index = i; }
  }
  if (worst <= tolerance) return [line[0]!, line[line.length - 1]!];
  return [...simplifyLine(line.slice(0, index + 1), tolerance).slice(0, -1), ...simplifyLine(line.slice(index), tolerance)];
}

/** Shoelace area of a ring, always positive. */
export function polygonArea(ring: readonly Point[]): number {
  let twice = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!, [x2, y2] = ring[(i + 1) % ring.length]!;
    twice += x1 * y2 - x2 * y1;
  }
  return Math.abs(twice) / 2;
}

/** Sets (to `value`) every pixel whose centre lies inside the ring (even–odd rule). */
export function fillPolygon(ring: readonly Point[], target: Uint8Array | Int32Array, width: number, height: number, value = 1): void {
  let minY = Infinity, maxY = -Infinity;
  for (const [, y] of ring) { minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
  const crossings: number[] = [];
  for (let y = Math.max(0, Math.floor(minY)); y < Math.min(height, Math.ceil(maxY)); y++) {
    const cy = y + 0.5;
    crossings.length = 0;
    for (let i = 0; i < ring.length; i++) {
      const [x1, y1] = ring[i]!, [x2, y2] = ring[(i + 1) % ring.length]!;
      if ((y1 <= cy && y2 > cy) || (y2 <= cy && y1 > cy)) crossings.push(x1 + ((cy - y1) / (y2 - y1)) * (x2 - x1));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const from = Math.max(0, Math.ceil(crossings[k]! - 0.5));
      const to = Math.min(width - 1, Math.ceil(crossings[k + 1]! - 0.5) - 1);
      for (let x = from; x <= to; x++) target[y * width + x] = value;
    }
  }
}
