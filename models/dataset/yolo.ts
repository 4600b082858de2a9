// YOLO label lines, the format every YOLO trainer (Ultralytics, darknet, YOLOX's converters) reads.

/** One YOLO label line: class, then centre x, centre y, width, height as fractions of the image; null for a box with no area inside it. */
export function yoloLine(cls: number, box: readonly number[], width: number, height: number): string | null {
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const x1 = clamp(box[0]!, width);
  const y1 = clamp(box[1]!, height);
  const x2 = clamp(box[2]!, width);
  const y2 = clamp(box[3]!, height);
  if (x2 <= x1 || y2 <= y1) return null;
  const f = (v: number) => v.toFixed(6);
  return `${cls} ${f((x1 + x2) / 2 / width)} ${f((y1 + y2) / 2 / height)} ${f((x2 - x1) / width)} ${f((y2 - y1) / height)}`;
}
