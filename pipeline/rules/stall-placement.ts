// Where a stall stands. Zones are drawn on the pavement, so a stall is judged by where it touches
// the ground: the feet of the people standing at it, and the bottom of a table, cart or goods. An
// umbrella or canopy is in the air above all of these, and the bottom edge of its box floats over
// the pavement (often over the zone's far edge, or the wall behind it): it is placed at the feet of
// the people under it, or, with nobody under it, its box is projected down to the ground.
//
// The projection ratio was measured on real photos (ground under the canopy − bottom of the
// canopy's box, over the box's width): COCO people under umbrellas with their feet in view (coco128:
// 0.63 0.78 1.39 1.92 2.21 2.92, side views of hand-held umbrellas) and vendor umbrellas on
// e-bikes and stalls in an oblique drone view of a Chinese street (VisDrone val 0000001_02999:
// 0.41 0.59 0.63 0.65, to the wheels under the pole). The median, 0.7 of the width, is on the short
// side for street cameras looking along a pavement: a point that falls short of the ground stays
// close to the stall, one that overshoots would land on the road.
import type { Box } from '../../contracts/types.ts';
import { grow, intersection } from '../track/box-overlap.ts';
import { bottomCentre } from './zones.ts';

/** Props that are a roof over a stall rather than something standing on the pavement. */
export const CANOPY_LABELS: readonly string[] = ['umbrella', 'canopy', 'parasol', 'awning', 'tent'];

/** How far below a canopy's box its ground is, in widths of the box (see above). */
export const CANOPY_DROP_RATIO = 0.7;

export interface Placed {
  label: string;
  box: Box;
}

export function isCanopy(label: string): boolean {
  return CANOPY_LABELS.includes(label);
}

/** A person stands under a canopy when they are within its width and their feet are below it. */
export function standsUnder(person: Box, canopy: Box): boolean {
  const x = (person[0] + person[2]) / 2;
  return x >= canopy[0] && x <= canopy[2] && person[3] > canopy[3];
}

/** The pavement under a canopy nobody is seen under: its box's bottom centre, projected down. */
export function canopyGroundPoint(canopy: Box, ratio = CANOPY_DROP_RATIO): [number, number] {
  const [x, y] = bottomCentre(canopy);
  return [x, y + ratio * (canopy[2] - canopy[0])];
}

/**
 * The points (pixels) where a stall touches the ground: the feet of the people at it (`people`,
 * those attending the prop), and the prop's own footing: a table's or cart's bottom centre, a
 * canopy's people under it or its projection. The stall is in a zone when any of them is.
 */
export function stallGroundPoints(prop: Placed, people: readonly Placed[]): Array<[number, number]> {
  const feet = people.map((p) => bottomCentre(p.box));
  if (!isCanopy(prop.label)) return [bottomCentre(prop.box), ...feet];
  const under = people.filter((p) => standsUnder(p.box, prop.box));
  return under.length > 0 ? feet : [canopyGroundPoint(prop.box), ...feet];
}

/**
 * A person stands at a stall prop when they are within about half their own height of it in the
 * picture and on the same ground: under the canopy, or with their feet level with the prop's
 * footing (a table's legs, the pavement under an umbrella) within half their height. A vendor
 * behind a table or cart shows only down to its top: their box may end anywhere from there down.
 * Someone standing still far behind a stall overlaps it in the picture, but their feet are higher up.
 */
export function standsAt(person: Box, prop: Placed): boolean {
  const h = person[3] - person[1];
  if (intersection(grow(person, h * 0.5, h * 0.25), prop.box) <= 0) return false;
  if (!isCanopy(prop.label)) return person[3] >= prop.box[1] - h * 0.25 && person[3] <= prop.box[3] + h * 0.5;
  return standsUnder(person, prop.box) || Math.abs(person[3] - canopyGroundPoint(prop.box)[1]) <= h * 0.5;
}
