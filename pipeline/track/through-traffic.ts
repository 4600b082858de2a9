// Traffic is not parking. A car cannot drive through a parked car: when a vehicle that came from
// elsewhere moves through the very place on the ground where a still vehicle stood unseen, the lane
// is flowing there and whatever stood there has left, however alike the next car looks. The tracker
// then forgets the still one, so a car seen there later starts a clock of its own. A queue where
// everything stopped (a jam, a red light) has no vehicle moving through anyone's place: it is judged
// by the zone's dwell, which cities set in minutes. A vehicle passing in the nearer lane stands lower
// in the picture, so it is not in the same place.
import type { Box } from '../../contracts/types.ts';
import { iou } from './box-overlap.ts';

/** Boxes at least this alike (IoU) with their bottom edges this close (share of height) are one place on the ground. */
const SAME_PLACE_IOU = 0.5;
const SAME_GROUND_LINE = 0.15;

export function samePlace(a: Box, b: Box): boolean {
  const h = Math.max(a[3] - a[1], b[3] - b[1], 1e-9);
  return iou(a, b) >= SAME_PLACE_IOU && Math.abs(a[3] - b[3]) <= SAME_GROUND_LINE * h;
}

export interface PlaceUser {
  /** Where it is now. */
  box: Box;
  /** Where it was first seen (its oldest kept sighting). */
  firstBox: Box;
}

/** Some vehicle that came from elsewhere stands in `place` now: it drove into it. */
export function droveThrough(place: Box, movers: readonly PlaceUser[]): boolean {
  return movers.some((m) => samePlace(m.box, place) && !samePlace(m.firstBox, place));
}
