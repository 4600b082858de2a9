// The held-out images of a detector's training, kept with its version (held-out/ in its folder) as
// a YOLO dataset, and any detector measured on them with the product's own evaluator
// (models/evaluate: AP50, AP50-95; tiled as the survey path runs it for aerial detectors). The
// images are the trainer's own split (models/train/detector/held_out.py reads and splits the
// dataset as train.py does), so the candidate never saw them and the live model is judged on the
// same photos.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { evaluateDetections } from '../evaluate/metrics.ts';
import { loadDataset } from '../evaluate/load-dataset.ts';
import { runDetector } from '../evaluate/run-detector.ts';
import type { ModelEntry } from '../manifest.ts';
import { createDetector } from '../../pipeline/detect/detector.ts';
import { runPythonModule } from '../train/detector-python.ts';
import { TrainingInputError } from '../train/train-classifier.ts';
import type { DetectorScore } from './detector-promotion-rule.ts';

export const DETECTOR_HELD_OUT_DIR = 'held-out';
/** The survey path's tile overlap (pipeline/survey/worker.ts). */
const SURVEY_OVERLAP = 0.2;

export interface HeldOutSet {
  dir: string;
  images: number;
  /** False when the dataset had one source: the trainer validated on its training images. */
  heldOut: boolean;
}

export interface TrainingData {
  dataset: string;
  labelMap: string | null;
}

/** Copies the trainer's held-out images and labels of `data` into `into` (images/, labels/, classes.txt). */
export async function keepHeldOut(data: TrainingData, into: string): Promise<HeldOutSet> {
  if (!existsSync(data.dataset)) throw new TrainingInputError(`the training dataset ${data.dataset} is gone: the held-out images cannot be found (give --dataset)`);
  // Without --classes: the split is over every image whatever its classes, and the evaluation keeps
  // the model's own classes; a model of more classes than the dataset (a base copy) is measurable.
  const args = [data.dataset, ...(data.labelMap ? ['--label-map', data.labelMap] : [])];
  const run = await runPythonModule('held_out', args);
  if (run.code !== 0) {
    const message = run.stderr.trim().split('\n').filter((l) => l.startsWith('error: ')).pop();
    throw new TrainingInputError(message ? message.slice('error: '.length) : `reading the held-out images failed:\n${run.stderr.trim().split('\n').slice(-6).join('\n')}`);
  }
  const split = JSON.parse(run.stdout) as { heldOut: boolean; images: string[]; datasetClasses: string[] };
  await mkdir(path.join(into, 'images'), { recursive: true });
  await mkdir(path.join(into, 'labels'), { recursive: true });
  const root = path.join(path.resolve(data.dataset), 'images');
  for (const image of split.images) {
    const rel = path.relative(root, image);
    // Nested folders (train/, val/) are flattened: the evaluator reads one images/ folder.
    const flat = rel.split(path.sep).join('__');
    await copyFile(image, path.join(into, 'images', flat));
    const label = path.join(path.resolve(data.dataset), 'labels', rel).replace(/\.[^.]+$/, '.txt');
    await copyFile(label, path.join(into, 'labels', flat.replace(/\.[^.]+$/, '.txt')));
  }
  await writeFile(path.join(into, 'classes.txt'), `${split.datasetClasses.join('\n')}\n`);
  if (data.labelMap) await writeFile(path.join(into, 'label-map.json'), JSON.stringify(byName(JSON.parse(await readFile(data.labelMap, 'utf8')) as Record<string, string | null>, split.datasetClasses)));
  return { dir: into, images: split.images.length, heldOut: split.heldOut };
}

/** AP50 and AP50-95 of `entry` on a kept held-out set, mean over `classes` that have boxes there. */
export async function measureDetector(entry: ModelEntry, heldOutDir: string, classes: readonly string[], o: { tiles: boolean; threads?: number }): Promise<DetectorScore & { perClass: Record<string, { objects: number; ap50: number; ap50to95: number }> }> {
  const labelMap = path.join(heldOutDir, 'label-map.json');
  const dataset = await loadDataset({
    images: path.join(heldOutDir, 'images'),
    labels: path.join(heldOutDir, 'labels'),
    format: 'yolo',
    namesFile: path.join(heldOutDir, 'classes.txt'),
    ...(existsSync(labelMap) ? { labelMapFile: labelMap } : {}),
  });
  const detector = await createDetector(entry, { threads: o.threads ?? 2 });
  let run;
  try {
    run = await runDetector(detector, dataset.images, undefined, o.tiles ? { tiles: { overlap: SURVEY_OVERLAP } } : {});
  } finally {
    await detector.close();
  }
  if (run.failures.length > 0) throw new Error(`${entry.id} failed on ${run.failures[0]!.image}: ${run.failures[0]!.error}`);
  const measured = evaluateDetections(run.results, 0.35).perLabel.filter((l) => classes.includes(l.label) && l.objects > 0);
  const mean = (k: 'ap50' | 'ap50to95') => (measured.length === 0 ? Number.NaN : measured.reduce((s, l) => s + l[k], 0) / measured.length);
  return {
    ap50: mean('ap50'),
    ap50to95: mean('ap50to95'),
    objects: measured.reduce((s, l) => s + l.objects, 0),
    perClass: Object.fromEntries(measured.map((l) => [l.label, { objects: l.objects, ap50: l.ap50, ap50to95: l.ap50to95 }])),
  };
}

// The trainer's map may key classes by number; the evaluator maps labels after naming them.
function byName(map: Record<string, string | null>, names: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [/^\d+$/.test(k) ? names[Number(k)] ?? k : k, v]));
}
