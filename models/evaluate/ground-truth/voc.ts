// Pascal VOC XML: one file per image, <object><name/><difficult/><bndbox>…</bndbox></object>.
// The format is flat and regular, so a small line-aware reader does, without an XML dependency;
// errors name the line of the object that is wrong.
import { readFile } from 'node:fs/promises';
import { LabelFileError, type LabelledBox, type LabelledImage } from '../types.ts';
import { labelFileFor, listFiles, listImages } from './image-files.ts';

export async function readVocDataset(imagesDir: string, labelsDir: string): Promise<LabelledImage[]> {
  const labelFiles = await listFiles(labelsDir, '.xml');
  const images: LabelledImage[] = [];
  for (const image of await listImages(imagesDir)) {
    const file = labelFileFor(image, labelFiles, '.xml');
    images.push({ image, boxes: file ? parseVoc(await readFile(file, 'utf8'), file) : [] });
  }
  return images;
}

export function parseVoc(text: string, file: string): LabelledBox[] {
  if (!/<annotation[\s>]/.test(text)) throw new LabelFileError(file, 1, 'not a VOC annotation (no <annotation> element)');
  const boxes: LabelledBox[] = [];
  const objects = /<object>([\s\S]*?)<\/object>/g;
  let open = 0;
  for (let m = objects.exec(text); m; m = objects.exec(text)) {
    const line = text.slice(0, m.index).split('\n').length;
    open++;
    const body = m[1]!;
    const tag = (name: string) => new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(body)?.[1];
    const label = tag('name');
    if (!label) throw new LabelFileError(file, line, 'object has no <name>');
    const coords = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => Number(tag(k)));
    if (!coords.every(Number.isFinite)) throw new LabelFileError(file, line, `object "${label}" needs numeric xmin, ymin, xmax, ymax in <bndbox>`);
    const [x1, y1, x2, y2] = coords as [number, number, number, number];
    if (x2 <= x1 || y2 <= y1) throw new LabelFileError(file, line, `object "${label}" has an empty box (${coords.join(', ')})`);
    boxes.push({ label, box: [x1, y1, x2, y2], ...(tag('difficult') === '1' ? { ignore: true } : {}) });
  }
  if (open !== (text.match(/<object>/g) ?? []).length) throw new LabelFileError(file, undefined, 'an <object> element is not closed');
  return boxes;
}
