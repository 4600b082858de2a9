// The embedding stage of the camera path: detections of the labels whose identity matters (the
// vehicles a dwell is counted for), standing where it matters (a no-parking zone), get the
// appearance embedding of their crop, all of one frame in one batched model call; other
// detections pass through unchanged, so traffic outside the zones costs no embedding.
import type { Detection, Frame } from '../../contracts/types.ts';
import type { Sighting } from '../track/appearance.ts';

/** What the camera path needs of an embedder (embedder.ts, or a queue in front of one). */
export interface CropEmbedder {
  embedCrops(images: readonly Frame[], boxes: readonly Detection['box'][]): Promise<Float32Array[]>;
}

/** Boxes smaller than this (pixels, either side) are too small to say anything about a look. */
const MIN_SIDE = 4;

export async function withAppearance(
  frame: Frame,
  detections: readonly Detection[],
  embedder: CropEmbedder,
  labels: ReadonlySet<string>,
  where: (box: Detection['box']) => boolean = () => true,
): Promise<Sighting[]> {
  const picked: number[] = [];
  const boxes: Detection['box'][] = [];
  detections.forEach((d, i) => {
    if (!labels.has(d.label) || !where(d.box)) return;
    const box: Detection['box'] = [Math.max(0, d.box[0]), Math.max(0, d.box[1]), Math.min(frame.width, d.box[2]), Math.min(frame.height, d.box[3])];
    if (box[2] - box[0] < MIN_SIDE || box[3] - box[1] < MIN_SIDE) return;
    picked.push(i);
    boxes.push(box);
  });
  const out: Sighting[] = detections.slice();
  if (boxes.length === 0) return out;
  const embeddings = await embedder.embedCrops(boxes.map(() => frame), boxes);
  picked.forEach((i, k) => (out[i] = { ...detections[i]!, embedding: embeddings[k]! }));
  return out;
}
