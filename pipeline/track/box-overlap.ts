// Overlap measures between boxes. IoU says "the same place"; containment says "a smaller part of
// the same place", which is what a parked car half hidden behind a bus looks like.
import type { Box } from '../../contracts/types.ts';
export { iou } from '../detect/nms.ts';

export function area(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

export function intersection(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Share of `inner`'s area that lies inside `outer`. */
export function containment(inner: Box, outer: Box): number {
  const a = area(inner);
  return a === 0 ? 0 : intersection(inner, outer) / a;
}

export function union(a: Box, b: Box): Box {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

export function grow(b: Box, dx: number, dy: number): Box {
  return [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy];
}
