// YOLO txt labels: one file per image, one line per box, "class cx cy w h" normalised to 0..1.
// Class numbers become names through the names list (data.yaml / classes.txt) when one is given,
// else stay as numbers for a label map to translate (e.g. VisDrone's 4 = car).
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { LabelFileError, type LabelledBox, type LabelledImage } from '../types.ts';
import { labelFileFor, listFiles, listImages } from './image-files.ts';

export async function readYoloDataset(imagesDir: string, labelsDir: string, names?: readonly string[]): Promise<LabelledImage[]> {
  const labelFiles = await listFiles(labelsDir, '.txt');
  const images: LabelledImage[] = [];
  for (const image of await listImages(imagesDir)) {
    const file = labelFileFor(image, labelFiles, '.txt');
    // An image without a label file has no objects: that is how YOLO datasets mark negatives.
    if (!file) {
      images.push({ image, boxes: [] });
      continue;
    }
    const { width, height } = await sharp(image).metadata();
    images.push({ image, boxes: parseYoloLabels(await readFile(file, 'utf8'), file, width!, height!, names) });
  }
  return images;
}

export function parseYoloLabels(text: string, file: string, width: number, height: number, names?: readonly string[]): LabelledBox[] {
  const boxes: LabelledBox[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fail = (problem: string) => new LabelFileError(file, i + 1, problem);
    const fields = line.split(/\s+/);
    if (fields.length !== 5) throw fail(`expected "class cx cy w h", found ${fields.length} fields`);
    const cls = Number(fields[0]);
    if (!Number.isInteger(cls) || cls < 0) throw fail(`class "${fields[0]}" is not a non-negative integer`);
    const [cx, cy, w, h] = fields.slice(1).map(Number) as [number, number, number, number];
    if (![cx, cy, w, h].every(Number.isFinite)) throw fail('box values must be numbers');
    if ([cx, cy, w, h].some((v) => v < 0 || v > 1)) throw fail('box values must be normalised to 0..1');
    if (names && cls >= names.length) throw fail(`class ${cls} is beyond the ${names.length} names given`);
    const label = names ? names[cls]! : String(cls);
    boxes.push({ label, box: [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height] });
  });
  return boxes;
}
