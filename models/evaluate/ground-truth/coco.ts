// COCO detection JSON: one file for the whole set; bbox is [x, y, width, height]; crowd regions are
// kept as "ignore" so a detection on a crowd is neither counted right nor wrong.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LabelFileError, type LabelledImage } from '../types.ts';
import { listImages } from './image-files.ts';
import { parseJsonFile } from './json-file.ts';

interface CocoDoc {
  images?: Array<{ id?: unknown; file_name?: unknown }>;
  annotations?: Array<{ image_id?: unknown; category_id?: unknown; bbox?: unknown; iscrowd?: unknown }>;
  categories?: Array<{ id?: unknown; name?: unknown }>;
}

export async function readCocoDataset(imagesDir: string, annotationsFile: string): Promise<LabelledImage[]> {
  const { value, lineOf } = parseJsonFile(await readFile(annotationsFile, 'utf8'), annotationsFile);
  const doc = value as CocoDoc;
  const fail = (where: string, problem: string) => new LabelFileError(annotationsFile, lineOf(where), `${where}: ${problem}`);
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(doc[key])) throw new LabelFileError(annotationsFile, undefined, `"${key}" must be a list`);
  }
  const names = new Map<unknown, string>();
  doc.categories!.forEach((c, i) => {
    if (typeof c.name !== 'string') throw fail(`categories[${i}]`, '"name" must be a string');
    names.set(c.id, c.name);
  });
  // file_name may carry a folder (JPEGImages/x.jpg); images are matched by base name in imagesDir.
  const onDisk = new Map((await listImages(imagesDir)).map((f) => [path.basename(f), f]));
  const byId = new Map<unknown, LabelledImage>();
  doc.images!.forEach((img, i) => {
    if (typeof img.file_name !== 'string') throw fail(`images[${i}]`, '"file_name" must be a string');
    const file = onDisk.get(path.basename(img.file_name));
    if (file) byId.set(img.id, { image: file, boxes: [] });
  });
  doc.annotations!.forEach((a, i) => {
    const where = `annotations[${i}]`;
    const bbox = a.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(Number.isFinite)) throw fail(where, '"bbox" must be [x, y, width, height]');
    const label = names.get(a.category_id);
    if (label === undefined) throw fail(where, `category_id ${String(a.category_id)} is not among the categories`);
    const [x, y, w, h] = bbox as number[];
    byId.get(a.image_id)?.boxes.push({ label, box: [x!, y!, x! + w!, y! + h!], ...(a.iscrowd ? { ignore: true } : {}) });
  });
  if (byId.size === 0) {
    throw new LabelFileError(annotationsFile, undefined, `none of its ${doc.images!.length} images is in ${imagesDir}`);
  }
  return [...byId.values()].sort((a, b) => a.image.localeCompare(b.image));
}
