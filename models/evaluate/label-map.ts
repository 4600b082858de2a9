// Datasets and models name things differently (VOC "motorbike", COCO "motorcycle"; VisDrone class 5
// "van", which a COCO model calls "car"). A label map is a JSON object from the dataset's label
// (name, or class number for YOLO files without names) to the model's label; null marks a label
// whose boxes are to be ignored (neither found nor missed). Labels not in the map keep their name.
import { readFile } from 'node:fs/promises';
import { parseJsonFile } from './ground-truth/json-file.ts';
import { LabelFileError, type LabelledImage } from './types.ts';

export type LabelMap = Record<string, string | null>;

export async function readLabelMap(file: string): Promise<LabelMap> {
  const { value } = parseJsonFile(await readFile(file, 'utf8'), file);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LabelFileError(file, undefined, 'a label map is a JSON object {"dataset label": "model label" or null}');
  }
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && (typeof v !== 'string' || v === '')) {
      throw new LabelFileError(file, undefined, `"${k}" must map to a model label or null`);
    }
  }
  return value as LabelMap;
}

export function applyLabelMap(images: readonly LabelledImage[], map: LabelMap): LabelledImage[] {
  return images.map((img) => ({
    image: img.image,
    boxes: img.boxes.map((b) => {
      if (!(b.label in map)) return b;
      const to = map[b.label];
      return to === null ? { ...b, ignore: true } : { ...b, label: to! };
    }),
  }));
}
