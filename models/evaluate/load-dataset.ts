// Reads a labelled dataset in any supported format, choosing the format from what the label path
// holds when none is given, and applies the label map.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCocoDataset } from './ground-truth/coco.ts';
import { readLabelmeDataset } from './ground-truth/labelme.ts';
import { readVocDataset } from './ground-truth/voc.ts';
import { readYoloDataset } from './ground-truth/yolo.ts';
import { applyLabelMap, readLabelMap } from './label-map.ts';
import type { LabelledImage } from './types.ts';

export type LabelFormat = 'yolo' | 'coco' | 'labelme' | 'voc';
export const LABEL_FORMATS: readonly LabelFormat[] = ['yolo', 'coco', 'labelme', 'voc'];
export const LABEL_MAPS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'label-maps');

export interface DatasetOptions {
  images: string;
  labels: string;
  format?: LabelFormat;
  /** YOLO: class names, one per line, in class order. */
  namesFile?: string;
  labelMapFile?: string;
}

export interface LoadedDataset {
  images: LabelledImage[];
  format: LabelFormat;
  /** Which label map was applied and why, for the report. */
  labelMap?: { file: string; reason: string };
}

export async function loadDataset(options: DatasetOptions): Promise<LoadedDataset> {
  const format = options.format ?? (await guessFormat(options.labels));
  let images: LabelledImage[];
  switch (format) {
    case 'coco':
      images = await readCocoDataset(options.images, options.labels);
      break;
    case 'labelme':
      images = await readLabelmeDataset(options.images, options.labels);
      break;
    case 'voc':
      images = await readVocDataset(options.images, options.labels);
      break;
    case 'yolo': {
      const names = options.namesFile ? await readNames(options.namesFile) : undefined;
      images = await readYoloDataset(options.images, options.labels, names);
      break;
    }
  }
  const labelMap = options.labelMapFile
    ? { file: options.labelMapFile, reason: 'given with --label-map' }
    : await shippedMapFor(images);
  if (labelMap) images = applyLabelMap(images, await readLabelMap(labelMap.file));
  return { images, format, ...(labelMap ? { labelMap } : {}) };
}

async function guessFormat(labels: string): Promise<LabelFormat> {
  if ((await stat(labels)).isFile()) {
    if (labels.endsWith('.json')) return 'coco';
    throw new Error(`${labels}: a single label file must be COCO JSON; for YOLO, labelme or VOC give the folder`);
  }
  const files = await readdir(labels);
  const has = (ext: string) => files.some((f) => f.toLowerCase().endsWith(ext));
  if (has('.xml')) return 'voc';
  if (has('.json')) return 'labelme';
  if (has('.txt')) return 'yolo';
  throw new Error(`${labels}: no .txt, .json or .xml label files; say which with --format (${LABEL_FORMATS.join(', ')})`);
}

/**
 * YOLO files without names carry bare class numbers, which mean nothing to a model. When the image
 * names say which dataset they come from (visdrone_*.jpg) and we ship its map, use it, and say so.
 */
async function shippedMapFor(images: readonly LabelledImage[]): Promise<LoadedDataset['labelMap']> {
  if (!images.some((i) => i.boxes.some((b) => /^\d+$/.test(b.label)))) return undefined;
  const maps = (await readdir(LABEL_MAPS_DIR)).filter((f) => f.endsWith('-to-coco.json'));
  for (const map of maps) {
    const dataset = map.replace('-to-coco.json', '');
    if (images.every((i) => path.basename(i.image).toLowerCase().startsWith(dataset))) {
      return { file: path.join(LABEL_MAPS_DIR, map), reason: `image names start with "${dataset}"; pass --label-map to override` };
    }
  }
  throw new Error('labels are class numbers with no names: pass --names <file> or --label-map <file> (see models/evaluate/label-maps/)');
}

async function readNames(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  // data.yaml style "names: [a, b]" or one name per line.
  const inline = /names:\s*\[([^\]]*)\]/.exec(text);
  if (inline) return inline[1]!.split(',').map((s) => s.trim().replace(/^['"]|['"]$/g, ''));
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}
