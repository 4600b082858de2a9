// A classifier trained on an image-folder tree, in stages: read the tree → split by source → embed
// every crop with the frozen backbone → train the head (class-head.ts) → measure it on the held-out crops →
// write one ONNX file (backbone + pooling + head) and its manifest entry. A confirmed/rejected tree
// whose crops carry the detector's score trains a verdict model that corrects that score
// (verdict-head.ts): its prior goes into the entry as `prior.detectorScore`.
import path from 'node:path';
import { isAttributeName, loadManifest, type EmbedderEntry } from '../manifest.ts';
import { readVerifiedModel } from '../model-file.ts';
import { argmax, classifyMetrics, formatMetrics, type ClassifyMetrics } from './classify-metrics.ts';
import { buildClassifierOnnx } from './classifier-onnx.ts';
import { trainClassHead, type HeadKind } from './class-head.ts';
import { CLASS_POOLING, createCropFeatures, DEFAULT_POOLING, type Pooling } from './crop-features.ts';
import { checkIdIsFree, writeClassifier } from './declare-classifier.ts';
import { readImageFolder, type Crop, type ImageFolder } from './image-folder.ts';
import { headProbabilities, type TrainedHead } from './softmax-head.ts';
import { splitBySource } from './source-split.ts';
import { readDetectorScores } from './verdict-scores.ts';
import { trainVerdictHead, VERDICT_CLASSES, verdictClassOf, verdictScoresFor, type VerdictHead } from './verdict-head.ts';

export interface TrainClassifierOptions {
  crops: string;
  id: string;
  out: string;
  /** Wall-clock budget for training the head (embedding is not counted). */
  minutes?: number;
  /** The attribute it sets (default: the crops folder's name when it is a plain name, else "class"). */
  attribute?: string;
  /** Detector labels it applies to (default: the classes, when they are all labels of the default detector). */
  appliesTo?: string[];
  /** Where the embedder (backbone) is declared; the product manifest by default. */
  manifest?: string;
  /** Default: CLASS_POOLING, DEFAULT_POOLING for a confirmed/rejected (verdict) tree. */
  pooling?: Pooling;
  /** Default: the nearest-class-mean head, softmax regression for a verdict tree (class-head.ts). */
  head?: HeadKind;
  heldOutFraction?: number;
  /**
   * A tree of held-out crops the caller chose (the training job's held-out reviews, which it also
   * measures the live version on): the trainer then trains on every crop of `crops` and reports its
   * metrics on these, rather than holding out a second share of its own. With a few dozen reviews a
   * second hold-out would leave too few to learn from.
   */
  heldOut?: string;
  /** Context the workers add around a detection's box before classifying (the crops had it too). */
  cropMargin?: number;
  threads?: number;
  log?: (line: string) => void;
}

export interface TrainedClassifier {
  manifest: string;
  file: string;
  sha256: string;
  heldOut: ClassifyMetrics;
  head: TrainedHead;
  /** The verdict model, when the tree was a verdict tree with detector scores. */
  verdict?: VerdictHead['model'];
}

export class TrainingInputError extends Error {
  override name = 'TrainingInputError';
}

export async function trainClassifier(o: TrainClassifierOptions): Promise<TrainedClassifier> {
  const log = o.log ?? (() => undefined);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(o.id)) throw new TrainingInputError(`--id "${o.id}": use lower-case letters, digits, ".", "_" and "-"`);
  await checkIdIsFree(o.out, o.id);
  const tree = await readImageFolder(o.crops, 2);
  // Verdict trees keep the pooling and head measured for them; classes of things get those measured on street crops.
  const verdictTree = tree.classes.join(',') === VERDICT_CLASSES.join(',');
  const pooling = o.pooling ?? (verdictTree ? DEFAULT_POOLING : CLASS_POOLING);
  const headKind = o.head ?? (verdictTree ? 'softmax' : 'prototype');
  const manifest = await loadManifest(o.manifest);
  if (!manifest.embedder) throw new TrainingInputError(`${manifest.path} declares no embedder (the backbone a classifier is trained on)`);
  const attribute = o.attribute ?? attributeFromFolder(o.crops);
  if (!isAttributeName(attribute)) throw new TrainingInputError(`--attribute "${attribute}" must be a plain name such as "cover", or "verdict_<type>@<camera id>"`);
  const appliesTo = o.appliesTo ?? defaultAppliesTo(tree.classes, manifest.models.find((m) => m.id === manifest.defaultDetector)?.labels ?? []);

  const given = o.heldOut === undefined ? undefined : await heldOutTree(o.heldOut, tree);
  const scores = await verdictScoresFor(tree, log);
  const heldScores = given && scores ? await readDetectorScores(given.dir) : undefined;
  if (given && scores && (!heldScores || given.crops.some((c) => !heldScores.has(c.file)))) throw new TrainingInputError(`the held-out crops in ${o.heldOut} carry no detector scores, while the training crops do: a verdict model is measured with the scores it was trained with`);
  const split = given ? { train: tree.crops, heldOut: given.crops } : splitBySource(tree.crops, o.heldOutFraction ?? 0.2);
  const fit = splitBySource(split.train, 0.15, 'validation:');
  log(`${tree.crops.length} crops of ${tree.classes.length} classes (${countsOf(tree.classes, tree.crops)}), ${new Set(tree.crops.map((c) => c.source)).size} sources`);
  log(`held out ${given ? `by the caller (${o.heldOut})` : 'by source'}: ${split.heldOut.length} crops; training ${fit.train.length}, validation ${fit.heldOut.length}`);
  for (const [file, score] of heldScores ?? []) scores!.set(file, score);

  const features = await createCropFeatures(manifest.embedder, pooling, o.threads);
  let x: Map<string, Float32Array>;
  try {
    const started = Date.now();
    const files = [...tree.crops, ...(given?.crops ?? [])].map((c) => c.file);
    const vectors = await features.featuresOf(files, (done, total) => {
      if (done % 160 === 0 || done === total) log(`embedding ${done}/${total}`);
    });
    x = new Map(files.map((f, i) => [f, vectors[i]!]));
    log(`embedded in ${((Date.now() - started) / 1000).toFixed(1)} s (${((Date.now() - started) / files.length).toFixed(1)} ms per crop)`);
  } finally {
    await features.close();
  }
  const labelled = (crops: readonly Crop[]) => ({ x: crops.map((c) => x.get(c.file)!), y: crops.map((c) => c.label) });

  const started = Date.now();
  // The verdict model chooses its crop strength on folds of all the training crops by source.
  const verdict = scores ? trainVerdictHead(split.train, x, scores, log) : undefined;
  const classHead = verdict
    ? undefined
    : trainClassHead(headKind, labelled(fit.train), labelled(fit.heldOut), tree.classes.length, {
        ...(o.minutes !== undefined ? { budgetMs: o.minutes * 60_000 } : {}),
        progress: log,
      });
  const head = verdict?.trained ?? classHead!.trained;
  log(`head trained in ${((Date.now() - started) / 1000).toFixed(1)} s (${classHead?.describe ?? `weight decay ${head.l2}, ${head.epochs} epochs`})`);

  const held = labelled(split.heldOut);
  const predict = verdict ? (c: Crop) => verdictClassOf(verdict.model, x.get(c.file)!, scores!.get(c.file)!) : (c: Crop) => argmax(headProbabilities(head.head, x.get(c.file)!));
  const heldOut = classifyMetrics(tree.classes, held.y, split.heldOut.map(predict));
  log(`held-out crops (sources never seen in training):\n${formatMetrics(heldOut)}`);

  const backbone = await readVerifiedModel(manifest.embedder);
  const onnx = buildClassifierOnnx(backbone, pooling, head.head, o.id);
  const written = await writeClassifier(o.out, onnx, {
    id: o.id,
    labels: tree.classes,
    attribute,
    appliesTo,
    input: { ...manifest.embedder.input, name: 'input' },
    cropMargin: o.cropMargin ?? 0.1,
    source: `trained by npm run train on ${path.resolve(o.crops)}: the frozen backbone ${manifest.embedder.id} (${manifest.embedder.sha256.slice(0, 12)}…) with a ${verdict ? 'softmax head, added to the calibrated detector score (prior)' : headKind === 'prototype' ? 'nearest-class-mean head' : 'softmax head'}`,
    notes: `pooling ${pooling.features.join(' + ')}, grid ${pooling.grid}${pooling.flip ? ', mirror averaged' : ''}; held-out balanced accuracy ${heldOut.balancedAccuracy.toFixed(3)} on ${heldOut.count} crops`,
    training: {
      crops: path.resolve(o.crops),
      classes: Object.fromEntries(tree.classes.map((c, i) => [c, tree.crops.filter((k) => k.label === i).length])),
      sources: new Set(tree.crops.map((c) => c.source)).size,
      trainCrops: split.train.length,
      heldOutCrops: split.heldOut.length,
      splitBy: given ? `held out by the caller: ${path.resolve(o.heldOut!)}` : 'source (file name "<source>__<n>.<ext>", else the file)',
      backbone: { id: manifest.embedder.id, sha256: manifest.embedder.sha256 },
      pooling,
      head: verdict
        ? { kind: 'detector score corrected by the crop', cropWeightDecay: head.l2, epochs: head.epochs, classWeights: 'balanced', validation: verdict.model.validation, validationFolds: verdict.model.validationFolds }
        : classHead!.summary,
    },
    ...(verdict ? { prior: { detectorScore: verdict.model.prior } } : {}),
    metrics: { heldOut: metricsJson(heldOut) },
  });
  log(`wrote ${written.file} (sha256 ${written.sha256.slice(0, 12)}…) and declared it in ${written.manifest}`);
  return { ...written, heldOut, head, ...(verdict ? { verdict: verdict.model } : {}) };
}

export function metricsJson(m: ClassifyMetrics): { accuracy: number; balancedAccuracy: number; perClass: ClassifyMetrics['perClass']; confusion: number[][]; labels: string[]; crops: number } {
  return { accuracy: m.accuracy, balancedAccuracy: m.balancedAccuracy, perClass: m.perClass, confusion: m.confusion, labels: m.labels, crops: m.count };
}

function attributeFromFolder(dir: string): string {
  const name = path.basename(path.resolve(dir));
  return /^[a-z][a-zA-Z0-9_]*$/.test(name) ? name : 'class';
}

function defaultAppliesTo(classes: readonly string[], detectorLabels: readonly string[]): string[] {
  if (classes.every((c) => detectorLabels.includes(c))) return [...classes];
  throw new TrainingInputError(
    `the classes (${classes.join(', ')}) are not all labels of the default detector: say which detections the classifier is for with --applies-to LABEL[,LABEL…] (e.g. --applies-to truck)`,
  );
}

function countsOf(classes: readonly string[], crops: readonly Crop[]): string {
  return classes.map((c, i) => `${c} ${crops.filter((k) => k.label === i).length}`).join(', ');
}

/** The caller's held-out tree, its crops labelled by the training tree's class indices; a class the training tree lacks is refused by name. */
async function heldOutTree(dir: string, tree: ImageFolder): Promise<ImageFolder> {
  const held = await readImageFolder(dir, 1);
  const unknown = held.classes.filter((c) => !tree.classes.includes(c));
  if (unknown.length > 0) throw new TrainingInputError(`held-out class ${unknown.map((c) => `"${c}"`).join(', ')} in ${dir} is not a class of the training crops (${tree.classes.join(', ')})`);
  return { ...held, crops: held.crops.map((c) => ({ ...c, label: tree.classes.indexOf(held.classes[c.label]!) })) };
}
