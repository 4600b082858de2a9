// Detections in image pixels → points on the ground. Which pixel of a box stands for the object:
// - looking straight down (nadir), the box is the object's footprint seen from above, so its
//   centre is where the object stands;
// - looking obliquely, the box also covers the object's height, and the ray through its centre
//   meets the ground behind the object; its bottom-centre is where the object touches the ground.
import type { Anchor } from '../../contracts/survey.ts';
import type { Box } from '../../contracts/types.ts';
import { isNadir, pixelToGround, type CameraPose, type ErrorBudget, type GroundPoint } from './georeference.ts';

export function anchorFor(pose: CameraPose): Anchor {
  return isNadir(pose.pitchDeg) ? 'centre' : 'bottom-centre';
}

export function anchorPixel(box: Box, anchor: Anchor): [number, number] {
  const x = (box[0] + box[2]) / 2;
  return [x, anchor === 'centre' ? (box[1] + box[3]) / 2 : box[3]];
}

export function groundPointOf(box: Box, pose: CameraPose, errors: ErrorBudget): { anchor: Anchor; point?: GroundPoint } {
  const anchor = anchorFor(pose);
  const [x, y] = anchorPixel(box, anchor);
  return { anchor, point: pixelToGround(pose, x, y, errors) };
}
