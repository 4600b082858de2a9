// Post-processing for a DB (Differentiable Binarization) text detector such as PaddleOCR's: the
// model gives a probability map, one value per input pixel, that the pixel lies inside text.
// Thresholding it gives "shrunk" text kernels (DB is trained on regions shrunk by the Vatti
// offset), so each connected kernel is grown back ("unclipped") by the same offset to cover the
// whole text line.
//
// Like PaddleOCR, each kernel also gets the minimum-area rotated rectangle around it (rotated-
// rect.ts), grown by the same offset: a plate on a car parked at an angle is a tilted line, which
// the reader warps level before recognising it. The axis-aligned box stays for level lines.
import { convexHull, growRect, minAreaRect, type Point, type RotatedRect } from './rotated-rect.ts';

export interface TextBoxOptions {
  /** A pixel with probability above this is text (PaddleOCR det_db_thresh). */
  threshold: number;
  /** A region whose mean probability is below this is dropped (PaddleOCR det_db_box_thresh). */
  boxThreshold: number;
  /** How far a kernel is grown back: offset = area * ratio / perimeter (det_db_unclip_ratio). */
  unclipRatio: number;
  /** Kernels thinner than this many pixels are noise (PaddleOCR min_size). */
  minSize: number;
}

export const PADDLE_DB_DEFAULTS: TextBoxOptions = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 };

export interface TextBox {
  /** [x1, y1, x2, y2] in probability-map pixels, after unclipping, clipped to the map. */
  box: [number, number, number, number];
  /** Mean probability over the kernel's pixels. */
  score: number;
  /** The rotated rectangle around the kernel, after unclipping (not clipped to the map). */
  rect?: RotatedRect;
  /** The kernel's outline (convex hull, map pixels) and its unclip offset, to refit joined lines. */
  hull?: Point[];
  offset?: number;
}

/** Text regions in a width x height probability map (row-major), largest-scoring first. */
export function findTextBoxes(
  prob: Float32Array,
  width: number,
  height: number,
  options: TextBoxOptions = PADDLE_DB_DEFAULTS,
): TextBox[] {
  if (prob.length !== width * height) {
    throw new RangeError(`probability map holds ${prob.length} values, ${width}x${height} needs ${width * height}`);
  }
  const label = new Int32Array(width * height).fill(-1);
  const stack: number[] = [];
  const boxes: TextBox[] = [];
  for (let start = 0; start < prob.length; start++) {
    if (label[start] !== -1 || !(prob[start]! > options.threshold)) continue;
    // Flood fill (8-connected) one kernel, collecting its extent and probability mass.
    let x1 = width, y1 = height, x2 = -1, y2 = -1;
    let sum = 0;
    let count = 0;
    // Per row, the kernel's leftmost and rightmost pixel: enough for its convex hull.
    const rows = new Map<number, [number, number]>();
    label[start] = start;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      sum += prob[i]!;
      count++;
      const row = rows.get(y);
      if (!row) rows.set(y, [x, x]);
      else if (x < row[0]) row[0] = x;
      else if (x > row[1]) row[1] = x;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (label[j] === -1 && prob[j]! > options.threshold) {
            label[j] = start;
            stack.push(j);
          }
        }
      }
    }
    // Pixel i covers [i, i + 1): the kernel spans x1 .. x2 + 1.
    const w = x2 + 1 - x1;
    const h = y2 + 1 - y1;
    if (Math.min(w, h) < options.minSize) continue;
    const score = sum / count;
    if (score < options.boxThreshold) continue;
    const offset = (w * h * options.unclipRatio) / (2 * (w + h));
    const hull: Point[] = [];
    for (const [y, [a, b]] of rows) hull.push([a, y], [a, y + 1], [b + 1, y], [b + 1, y + 1]);
    const kernel = minAreaRect(hull);
    // The rotated fit's own offset (PaddleOCR unclips the fitted box, not the upright one).
    const rectOffset = (kernel.width * kernel.height * options.unclipRatio) / (2 * (kernel.width + kernel.height));
    boxes.push({
      box: [
        Math.max(0, x1 - offset),
        Math.max(0, y1 - offset),
        Math.min(width, x2 + 1 + offset),
        Math.min(height, y2 + 1 + offset),
      ],
      score,
      rect: growRect(kernel, rectOffset, rectOffset),
      hull: convexHull(hull),
      offset: rectOffset,
    });
  }
  return boxes.sort((a, b) => b.score - a.score);
}

/**
 * Joins boxes that sit on one text line: a plate's separator dot (京A·12345) often splits it into
 * two detections, and the recogniser needs the whole line. Boxes join when they overlap vertically
 * by most of the smaller height and the horizontal gap is under `maxGap` line heights.
 */
export function mergeLineBoxes(boxes: readonly TextBox[], maxGap = 1): TextBox[] {
  const sorted = [...boxes].sort((a, b) => a.box[0] - b.box[0]);
  const lines: TextBox[] = [];
  for (const b of sorted) {
    const line = lines.find((l) => sameLine(l.box, b.box, maxGap));
    if (!line) {
      lines.push({ ...b, box: [...b.box] });
      continue;
    }
    line.box = [
      Math.min(line.box[0], b.box[0]),
      Math.min(line.box[1], b.box[1]),
      Math.max(line.box[2], b.box[2]),
      Math.max(line.box[3], b.box[3]),
    ];
    line.score = Math.min(line.score, b.score);
    if (line.hull && b.hull) {
      // One rotated rectangle around both parts, grown by the larger of their offsets.
      line.hull = convexHull([...line.hull, ...b.hull]);
      line.offset = Math.max(line.offset ?? 0, b.offset ?? 0);
      line.rect = growRect(minAreaRect(line.hull), line.offset, line.offset);
    }
  }
  return lines;
}

function sameLine(a: TextBox['box'], b: TextBox['box'], maxGap: number): boolean {
  const overlap = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  const minHeight = Math.min(a[3] - a[1], b[3] - b[1]);
  if (overlap < 0.6 * minHeight) return false;
  const gap = Math.max(a[0], b[0]) - Math.min(a[2], b[2]);
  return gap <= maxGap * Math.max(a[3] - a[1], b[3] - b[1]);
}
