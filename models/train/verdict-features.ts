// Inputs of a verdict head beyond the crop: the detector's own score (as its logit, so 0.35 → 0.9
// spans a range like the standardised embedding's) and its label (one-hot over the labels the
// training data has; an unseen label is all zeros). The crop alone does not beat the detector
// score at ranking its own detections (models/README.md); with these the head can start from it.
import type { Box } from '../../contracts/types.ts';
import { iou } from '../../pipeline/detect/nms.ts';

export function scoreLogit(score: number): number {
  const p = Math.min(1 - 1e-4, Math.max(1e-4, score));
  return Math.log(p / (1 - p));
}

/** The embedding followed by the score's logit and the label's one-hot. */
export function verdictFeatures(embedding: Float32Array, score: number, label: string, labels: readonly string[]): Float32Array {
  const out = new Float32Array(embedding.length + 1 + labels.length);
  out.set(embedding, 0);
  out[embedding.length] = scoreLogit(score);
  const k = labels.indexOf(label);
  if (k >= 0) out[embedding.length + 1 + k] = 1;
  return out;
}

export interface Ranked {
  score: number;
  confirmed: boolean;
}

/**
 * Precision when ranking by score and taking the fewest top items that reach `recall` of all the
 * confirmed ones; ties are taken together. Null when there is nothing confirmed or the recall is
 * never reached.
 */
export function precisionAtRecall(items: readonly Ranked[], recall: number): number | null {
  const positives = items.filter((i) => i.confirmed).length;
  if (positives === 0) return null;
  const sorted = [...items].sort((a, b) => b.score - a.score);
  let tp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]!.confirmed) tp++;
    // Take the whole run of equal scores before judging.
    if (i + 1 < sorted.length && sorted[i + 1]!.score === sorted[i]!.score) continue;
    if (tp / positives >= recall - 1e-9) return tp / (i + 1);
  }
  return null;
}

/**
 * The detector's mistakes as verdicts: a detection is confirmed when it overlaps (IoU ≥ 0.5) a
 * labelled box of its label that no higher-scored detection took, else rejected.
 */
export function judgeDetections<D extends { label: string; score: number; box: Box }>(
  detections: readonly D[],
  truth: ReadonlyArray<{ label: string; box: Box; ignore?: boolean }>,
  minIou = 0.5,
): Array<D & { confirmed: boolean }> {
  const taken = new Set<number>();
  return [...detections]
    .sort((a, b) => b.score - a.score)
    .map((d) => {
      let best = -1;
      let bestIou = minIou;
      truth.forEach((t, i) => {
        if (t.ignore || taken.has(i) || t.label !== d.label) return;
        const o = iou(d.box, t.box);
        if (o >= bestIou) {
          bestIou = o;
          best = i;
        }
      });
      if (best >= 0) taken.add(best);
      return { ...d, confirmed: best >= 0 };
    });
}
