// Is the violation still there? Detections of the case's kind (the labels its type maps to) whose
// box overlaps the place the case was seen. Pure: the detections come from one new frame.
import type { Box, Detection } from '../../contracts/types.ts';

export interface PresenceSettings {
  /** A detection weaker than this does not count as the object (default 0.3). */
  minScore: number;
  /** Intersection over union with the case's box at which it is the same place (default 0.3). */
  minIou: number;
}

export const DEFAULT_PRESENCE: PresenceSettings = { minScore: 0.3, minIou: 0.3 };

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const area = (x: Box) => Math.max(0, x[2] - x[0]) * Math.max(0, x[3] - x[1]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** The detections that are the case's object at the case's place, best first. */
export function objectsAtPlace(detections: readonly Detection[], caseBox: Box, labels: readonly string[], settings: PresenceSettings = DEFAULT_PRESENCE): Detection[] {
  return detections
    .filter((d) => labels.includes(d.label) && d.score >= settings.minScore && iou(d.box, caseBox) >= settings.minIou)
    .sort((a, b) => b.score - a.score);
}
