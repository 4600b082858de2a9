// `npm run bench:verdict -- --images DIR --labels DIR --names FILE`: does a verdict model rank the
// default detector's own detections better than the detector's score does? The detector runs over
// a labelled set (YOLO layout, e.g. coco128); a detection is confirmed when it matches a labelled box
// of its label (IoU ≥ 0.5), else rejected. Cross-validation by image (--folds, default 5): each fold's
// images are held out while heads are trained on the others, so every detection gets a score from a
// head that never saw its image; the pooled scores are ranked. Heads: the crop alone, the detector
// score and label alone, all three, and the crop head's logit averaged with the detector score's.
// Then the verdict model as a correction of the detector score (models/train/verdict-model.ts):
// the calibrated score alone, and the score plus a crop part whose strength (or none) is chosen on
// validation folds by image inside each training fold, so the figures stay honest.
// Prints precision at recall 0.5 / 0.7 / 0.8 / 0.9 for each ranking, measured in this one run.
import { loadDataset } from '../models/evaluate/load-dataset.ts';
import { runDetector } from '../models/evaluate/run-detector.ts';
import { findModel, loadManifest } from '../models/manifest.ts';
import { createCropFeatures, DEFAULT_POOLING } from '../models/train/crop-features.ts';
import { classifyMetrics } from '../models/train/classify-metrics.ts';
import type { Crop } from '../models/train/image-folder.ts';
import { headProbabilities, trainSoftmaxHead } from '../models/train/softmax-head.ts';
import { splitBySource } from '../models/train/source-split.ts';
import { judgeDetections, precisionAtRecall, scoreLogit, verdictFeatures } from '../models/train/verdict-features.ts';
import { calibrate, sigmoid, trainVerdictModel, verdictLogit, type VerdictModel } from '../models/train/verdict-model.ts';
import { toRawImage } from '../pipeline/detect/crop.ts';
import { createDetector } from '../pipeline/detect/detector.ts';
import { cropBatch } from '../pipeline/embed/crop-batch.ts';
import type { Box } from '../contracts/types.ts';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseCli } from './cli/args.ts';

const { values } = parseCli({
  command: 'npm run bench:verdict',
  usage: 'usage: npm run bench:verdict -- --images DIR --labels DIR --names FILE [--folds 5] [--threads 2] [--min-side 16] [--only-prior]',
  options: {
    images: { type: 'string' },
    labels: { type: 'string' },
    names: { type: 'string' },
    folds: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    'min-side': { type: 'string', default: '16' },
    // Only the rows of the prior-corrected model (the crop-only heads take most of the run).
    'only-prior': { type: 'boolean', default: false },
  },
});
for (const need of ['images', 'labels', 'names'] as const) if (!values[need]) throw new Error(`--${need} is required`);
const threads = Number(values.threads);
const RECALLS = [0.5, 0.7, 0.8, 0.9];

interface Judged {
  image: string;
  label: string;
  score: number;
  box: Box;
  confirmed: boolean;
  embedding?: Float32Array;
}


/** The detector over the set, each detection judged against the labelled boxes. */
async function judgedDetections(): Promise<Judged[]> {
  const dataset = await loadDataset({ images: values.images!, labels: values.labels!, format: 'yolo', namesFile: values.names! });
  const manifest = await loadManifest();
  const detector = await createDetector(findModel(manifest), { threads });
  const run = await runDetector(detector, dataset.images);
  await detector.close();
  const minSide = Number(values['min-side']);
  const out: Judged[] = [];
  for (const r of run.results) {
    const big = r.detections.filter((d) => Math.min(d.box[2] - d.box[0], d.box[3] - d.box[1]) >= minSide);
    out.push(...judgeDetections(big, r.groundTruth).map((d) => ({ image: r.image, label: d.label, score: d.score, box: d.box, confirmed: d.confirmed })));
  }
  console.log(`${run.results.length} images, ${out.length} detections (${out.filter((d) => d.confirmed).length} confirmed), ${run.msPerImage.toFixed(0)} ms per image`);
  return out;
}

/** Each detection's crop (10% context, as export and the classify stage cut it) through the frozen backbone. */
async function embedCrops(items: Judged[]): Promise<void> {
  const manifest = await loadManifest();
  if (!manifest.embedder) throw new Error('the manifest declares no embedder');
  const features = await createCropFeatures(manifest.embedder, DEFAULT_POOLING, threads);
  const t0 = performance.now();
  const byImage = new Map<string, Judged[]>();
  for (const d of items) byImage.set(d.image, [...(byImage.get(d.image) ?? []), d]);
  for (const [image, dets] of byImage) {
    const raw = await toRawImage(await readFile(image), image);
    for (let i = 0; i < dets.length; i += 16) {
      const part = dets.slice(i, i + 16);
      const tensor = await cropBatch(raw, part.map((d) => d.box), manifest.embedder.input, 0.1);
      (await features.featuresOfTensor(tensor, part.length)).forEach((v, k) => (part[k]!.embedding = v));
    }
  }
  await features.close();
  console.log(`embedding ${((performance.now() - t0) / items.length).toFixed(1)} ms per crop`);
}

/** Held-out images chosen as the trainer chooses sources (source-split.ts): no image on both sides. */
function splitByImage(items: Judged[], fraction: number): { train: Judged[]; heldOut: Judged[] } {
  const crops: Crop[] = items.map((d, i) => ({ file: String(i), label: d.confirmed ? 0 : 1, source: d.image }));
  const split = splitBySource(crops, fraction);
  return { train: split.train.map((c) => items[Number(c.file)]!), heldOut: split.heldOut.map((c) => items[Number(c.file)]!) };
}

type Input = (d: Judged, labels: readonly string[]) => Float32Array;

const HEADS: Record<string, Input> = {
  'crop only': (d) => d.embedding!,
  'score + label only': (d, labels) => verdictFeatures(new Float32Array(0), d.score, d.label, labels),
  'crop + score + label': (d, labels) => verdictFeatures(d.embedding!, d.score, d.label, labels),
};

/** Image → fold, by a hash of the name: stable, and independent of what else is in the set. */
function foldOf(image: string, folds: number): number {
  return createHash('sha256').update(image).digest().readUInt32BE(0) % folds;
}

/** Per head, each detection's probability of confirmed from the fold that held its image out. */
function crossValidated(items: Judged[], folds: number): Record<string, number[]> {
  const heads = values['only-prior'] ? {} : HEADS;
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(heads).map((h) => [h, new Array<number>(items.length).fill(NaN)]));
  for (let f = 0; f < folds; f++) {
    const train = items.filter((d) => foldOf(d.image, folds) !== f);
    const labels = [...new Set(train.map((d) => d.label))].sort();
    // Weight decay and epochs chosen on a further split of the training images, then refit on all of them.
    const inner = splitByImage(train, 0.2);
    for (const [name, input] of Object.entries(heads)) {
      const set = (ds: Judged[]) => ({ x: ds.map((d) => input(d, labels)), y: ds.map((d) => (d.confirmed ? 0 : 1)) });
      const { head } = trainSoftmaxHead(set(inner.train), set(inner.heldOut), 2, { l2: [1e-3, 1e-2, 1e-1, 1] });
      items.forEach((d, i) => {
        if (foldOf(d.image, folds) === f) out[name]![i] = headProbabilities(head, input(d, labels))[0]!;
      });
    }
  }
  return out;
}

/**
 * Per outer fold: the detector score calibrated on the training images (a·logit + b, crop off), and
 * the verdict model whose crop strength is chosen on folds of the training images alone.
 */
function priorCorrected(items: Judged[], folds: number): { calibrated: number[]; corrected: number[]; chosen: string[] } {
  const calibrated = new Array<number>(items.length).fill(NaN);
  const corrected = new Array<number>(items.length).fill(NaN);
  const chosen: string[] = [];
  for (let f = 0; f < folds; f++) {
    const train = items.filter((d) => foldOf(d.image, folds) !== f);
    const t = train.map((d) => (d.confirmed ? 1 : 0));
    const nConfirmed = t.filter((y) => y === 1).length;
    const weights = t.map((y) => train.length / (2 * (y === 1 ? nConfirmed : train.length - nConfirmed)));
    const prior = calibrate(train.map((d) => scoreLogit(d.score)), t, weights);
    const model: VerdictModel = trainVerdictModel(train.map((d) => ({ x: d.embedding!, score: d.score, confirmed: d.confirmed, source: d.image })));
    chosen.push(model.cropWeightDecay === Infinity ? 'off' : `weight decay ${model.cropWeightDecay}`);
    items.forEach((d, i) => {
      if (foldOf(d.image, folds) !== f) return;
      calibrated[i] = sigmoid(prior.a * scoreLogit(d.score) + prior.b);
      corrected[i] = sigmoid(verdictLogit(model, d.embedding!, d.score));
    });
  }
  return { calibrated, corrected, chosen };
}

function report(items: Judged[], folds: number): void {
  const t0 = performance.now();
  const scores = crossValidated(items, folds);
  // No fitting: the crop head's opinion and the detector's, in equal parts.
  if (scores['crop only']) scores['crop, averaged with detector score'] = scores['crop only'].map((p, i) => (scoreLogit(p) + scoreLogit(items[i]!.score)) / 2);
  const t1 = performance.now();
  const prior = priorCorrected(items, folds);
  scores['detector score, calibrated'] = prior.calibrated;
  scores['detector score + crop correction'] = prior.corrected;
  console.log(`crop part per fold: ${prior.chosen.join('; ')} (${((performance.now() - t1) / 1000).toFixed(0)} s)`);
  console.log(`${folds}-fold cross-validation by image: ${items.length} detections (${items.filter((d) => d.confirmed).length} confirmed), heads trained in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const truth = items.map((d) => (d.confirmed ? 0 : 1));
  const row = (name: string, s: readonly number[], extra = '') =>
    console.log(`${name.padEnd(36)} ${RECALLS.map((r) => (precisionAtRecall(items.map((d, i) => ({ score: s[i]!, confirmed: d.confirmed })), r) ?? NaN).toFixed(2)).join(' / ')}${extra}`);
  console.log(`${'ranking by'.padEnd(36)} precision at recall ${RECALLS.join(' / ')}`);
  row('detector score', items.map((d) => d.score));
  for (const [name, s] of Object.entries(scores)) {
    const m = !name.startsWith('crop, averaged') ? classifyMetrics(['confirmed', 'rejected'], truth, s.map((p) => (p >= 0.5 ? 0 : 1))) : undefined;
    row(`verdict: ${name}`, s, m ? `   balanced accuracy ${m.balancedAccuracy.toFixed(2)}` : '');
  }
}

const started = performance.now();
const judged = await judgedDetections();
await embedCrops(judged);
report(judged, Number(values.folds));
console.log(`whole run ${((performance.now() - started) / 1000).toFixed(0)} s`);
