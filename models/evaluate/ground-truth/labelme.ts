// labelme JSON: one file per image; rectangles give boxes directly, polygons give their bounds.
import { readFile } from 'node:fs/promises';

import { LabelFileError, type LabelledBox, type LabelledImage } from '../types.ts';
import { parseJsonFile } from './json-file.ts';
import { labelFileFor, listFiles, listImages } from './image-files.ts';

export async function readLabelmeDataset(imagesDir: string, labelsDir: string): Promise<LabelledImage[]> {
  const labelFiles = await listFiles(labelsDir, '.json');
  const images: LabelledImage[] = [];
  for (const image of await listImages(imagesDir)) {
    const file = labelFileFor(image, labelFiles, '.json');
    images.push({ image, boxes: file ? parseLabelme(await readFile(file, 'utf8'), file) : [] });
  }
  return images;
}

export function parseLabelme(text: string, file: string): LabelledBox[] {
  const { value, lineOf } = parseJsonFile(text, file);
  const doc = value as { shapes?: unknown };
  if (!Array.isArray(doc.shapes)) throw new LabelFileError(file, undefined, '"shapes" must be a list');
  return doc.shapes.map((shape: unknown, i: number) => {
    const where = `shapes[${i}]`;
    const fail = (problem: string) => new LabelFileError(file, lineOf(where), `${where}: ${problem}`);
    const s = shape as { label?: unknown; points?: unknown; shape_type?: unknown };
    if (typeof s.label !== 'string' || s.label === '') throw fail('"label" must be a non-empty string');
    const points = s.points;
    if (!Array.isArray(points) || points.length < 2 || !points.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite))) {
      throw fail('"points" must be a list of at least two [x, y] pairs');
    }
    const type = s.shape_type ?? 'polygon';
    if (type !== 'rectangle' && type !== 'polygon') throw fail(`shape_type "${String(type)}" is not a box (rectangle or polygon)`);
    const xs = (points as number[][]).map((p) => p[0]!);
    const ys = (points as number[][]).map((p) => p[1]!);
    return { label: s.label, box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] };
  });
}

