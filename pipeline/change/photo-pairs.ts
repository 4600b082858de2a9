// Which photo of the earlier survey to compare each photo of the later one with: the one whose
// ground footprint (the photo's corners put on the ground from its telemetry, georeference.ts)
// covers most of it. A photo whose footprint cannot be known (no telemetry, looking at the horizon)
// or that no earlier photo covers enough of is not compared, and the reason is given.
import { cameraPose, distanceM, eastNorthOf, pixelToGround, type CameraPose } from '../survey/georeference.ts';
import type { Telemetry } from '../../contracts/types.ts';

export interface SurveyPhoto {
  name: string;
  width: number;
  height: number;
  telemetry: Telemetry;
  focalLengthPx?: number;
}

export interface Footprint {
  /** The photo's corners on the ground, [lon, lat], in the photo's corner order (top-left first). */
  corners: [number, number][];
  pose: CameraPose;
}

export interface PhotoPair {
  before: SurveyPhoto;
  after: SurveyPhoto;
  /** Share of the after photo's footprint the before photo's covers, 0–1. */
  overlap: number;
  /** After heading minus before heading, degrees in (−180, 180]: how far the after photo is turned. */
  turnDeg: number;
}

export interface Unpaired {
  after: SurveyPhoto;
  reason: string;
}

export function footprintOf(p: SurveyPhoto): Footprint | string {
  const pose = cameraPose(p.telemetry, p.focalLengthPx, p.width, p.height);
  if (typeof pose === 'string') return pose;
  const corners: [number, number][] = [];
  for (const [x, y] of [[0, 0], [p.width, 0], [p.width, p.height], [0, p.height]] as const) {
    const g = pixelToGround(pose, x, y);
    if (!g) return 'a corner of the photo looks at or above the horizon: its ground footprint is unbounded';
    corners.push([g.lon, g.lat]);
  }
  return { corners, pose };
}

export function choosePairs(before: readonly SurveyPhoto[], after: readonly SurveyPhoto[], minOverlap = 0.5): { pairs: PhotoPair[]; unpaired: Unpaired[] } {
  const earlier = before.map((p) => ({ p, f: footprintOf(p) })).filter((e): e is { p: SurveyPhoto; f: Footprint } => typeof e.f !== 'string');
  const pairs: PhotoPair[] = [];
  const unpaired: Unpaired[] = [];
  for (const a of after) {
    const fa = footprintOf(a);
    if (typeof fa === 'string') {
      unpaired.push({ after: a, reason: `no ground footprint: ${fa}` });
      continue;
    }
    let best: { p: SurveyPhoto; f: Footprint; share: number } | undefined;
    for (const e of earlier) {
      // Photos more than a kilometre apart cannot overlap; skip the clipping.
      if (distanceM(e.f.pose, fa.pose) > 1000) continue;
      const share = overlapShare(fa.corners, e.f.corners);
      if (!best || share > best.share) best = { ...e, share };
    }
    if (!best || best.share < minOverlap) {
      unpaired.push({ after: a, reason: `no earlier photo covers ${Math.round(minOverlap * 100)}% of its ground (best ${Math.round((best?.share ?? 0) * 100)}%${best ? `, ${best.p.name}` : ''})` });
      continue;
    }
    pairs.push({ before: best.p, after: a, overlap: best.share, turnDeg: turn(fa.pose.yawDeg - best.f.pose.yawDeg) });
  }
  return { pairs, unpaired };
}

function turn(deg: number): number {
  const d = ((deg % 360) + 360) % 360;
  return d > 180 ? d - 360 : d;
}

/** Share of polygon a's area inside polygon b (both convex quadrilaterals on the ground, [lon, lat]). */
export function overlapShare(a: [number, number][], b: [number, number][]): number {
  const origin = { lat: a[0]![1], lon: a[0]![0] };
  const local = (ring: [number, number][]) => ring.map(([lon, lat]) => eastNorthOf(origin.lat, origin.lon, { lat, lon }));
  const pa = counterClockwise(local(a)), pb = counterClockwise(local(b));
  const whole = Math.abs(area(pa));
  return whole > 0 ? Math.abs(area(clip(pa, pb))) / whole : 0;
}

function area(ring: [number, number][]): number {
  let s = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x0, y0] = ring[i]!, [x1, y1] = ring[(i + 1) % ring.length]!;
    s += x0 * y1 - x1 * y0;
  }
  return s / 2;
}

function counterClockwise(ring: [number, number][]): [number, number][] {
  return area(ring) < 0 ? [...ring].reverse() : ring;
}

/** Sutherland–Hodgman: the part of `subject` inside the convex counter-clockwise `clipper`. */
function clip(subject: [number, number][], clipper: [number, number][]): [number, number][] {
  let out = subject;
  for (let i = 0; i < clipper.length && out.length > 0; i++) {
    const [ax, ay] = clipper[i]!, [bx, by] = clipper[(i + 1) % clipper.length]!;
    const inside = ([x, y]: [number, number]) => (bx - ax) * (y - ay) - (by - ay) * (x - ax) >= 0;
    const cross = (p: [number, number], q: [number, number]): [number, number] => {
      const [px, py] = p, [qx, qy] = q;
      const d = (bx - ax) * (qy - py) - (by - ay) * (qx - px);
      const t = ((bx - ax) * (ay - py) - (by - ay) * (ax - px)) / d;
      return [px + t * (qx - px), py + t * (qy - py)];
    };
    const input = out;
    out = [];
    for (let j = 0; j < input.length; j++) {
      const p = input[j]!, q = input[(j + 1) % input.length]!;
      if (inside(q)) {
        if (!inside(p)) out.push(cross(p, q));
        out.push(q);
      } else if (inside(p)) out.push(cross(p, q));
    }
  }
  return out;
}
