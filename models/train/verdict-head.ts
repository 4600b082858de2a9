// The trainer's verdict path: a confirmed/rejected tree whose crops all carry the detector's score
// (detector-scores.csv, written by `dataset:export --crops`) trains the verdict model that corrects
// that score (verdict-model.ts) instead of a crop-only softmax head. The head goes into the ONNX
// file like any other; the prior goes into the manifest entry (`prior.detectorScore`).
import type { Crop, ImageFolder } from './image-folder.ts';
import type { TrainedHead } from './softmax-head.ts';
import { sigmoid, trainVerdictModel, verdictLogit, type VerdictModel } from './verdict-model.ts';
import { DETECTOR_SCORES_FILE, readDetectorScores } from './verdict-scores.ts';

export const VERDICT_CLASSES = ['confirmed', 'rejected'] as const;

/**
 * The detector scores to train with, or undefined for a crop-only head: when the tree is not a
 * verdict tree, has no scores file, or some crop has no score (cases exported before scores were)
 * — said in the log, since the model then cannot start from the detector's score.
 */
export async function verdictScoresFor(tree: ImageFolder, log: (line: string) => void): Promise<Map<string, number> | undefined> {
  if (tree.classes.join(',') !== VERDICT_CLASSES.join(',')) return undefined;
  const scores = await readDetectorScores(tree.dir);
  if (!scores) {
    log(`no ${DETECTOR_SCORES_FILE} in ${tree.dir}: training a crop-only verdict head`);
    return undefined;
  }
  const missing = tree.crops.filter((c) => !scores.has(c.file));
  if (missing.length > 0) {
    log(`${missing.length} of ${tree.crops.length} crops have no detector score (first: ${missing[0]!.file}): training a crop-only verdict head`);
    return undefined;
  }
  return scores;
}

export interface VerdictHead {
  trained: TrainedHead;
  model: VerdictModel;
}

export function trainVerdictHead(crops: readonly Crop[], x: ReadonlyMap<string, Float32Array>, scores: ReadonlyMap<string, number>, log: (line: string) => void): VerdictHead {
  log('verdict model: the detector score, calibrated, corrected by the crop where validation by source says the crop helps');
  const model = trainVerdictModel(
    crops.map((c) => ({ x: x.get(c.file)!, score: scores.get(c.file)!, confirmed: c.label === 0, source: c.source })),
    { progress: log },
  );
  log(`  prior a·logit(score) + b: a ${model.prior.a.toFixed(3)}, b ${model.prior.b.toFixed(3)}`);
  const chosen = model.validation.find((v) => v.weightDecay === model.cropWeightDecay);
  return { trained: { head: model.head, l2: model.cropWeightDecay, epochs: model.iterations, validationLoss: chosen?.loss ?? NaN }, model };
}

/** The class index (0 confirmed, 1 rejected) the model gives a crop with its score. */
export function verdictClassOf(model: VerdictModel, x: Float32Array, score: number): number {
  return sigmoid(verdictLogit(model, x, score)) >= 0.5 ? 0 : 1;
}
