// Detection metrics as COCO defines them: greedy matching by score, AP as the mean of the
// interpolated precision at 101 recall points, AP50 at IoU 0.5 and AP50-95 averaged over IoU
// 0.50:0.05:0.95; plus precision and recall at the operating score threshold, and a confusion
// table saying what each ground-truth object was detected as.
import { iou } from '../../pipeline/detect/nms.ts';
import type { DetectedBox, LabelledBox } from './types.ts';

export interface ImageResult {
  image: string;
  groundTruth: readonly LabelledBox[];
  detections: readonly DetectedBox[];
}

export interface LabelMetrics {
  label: string;
  /** Ground-truth boxes (not ignored). */
  objects: number;
  /** At the operating threshold and IoU 0.5. */
  truePositives: number;
  falsePositives: number;
  precision: number;
  recall: number;
  /** NaN when the label has no ground truth. */
  ap50: number;
  ap50to95: number;
}

export interface Evaluation {
  perLabel: LabelMetrics[];
  /** Ground-truth label → what it was detected as (a label, or "missed") → count, at IoU 0.5. */
  confusion: Record<string, Record<string, number>>;
}

// Rounded so that 0.6 is 0.6, not 0.6000000000000001: a box overlapping exactly 60% matches at 0.6.
export const IOU_THRESHOLDS = Array.from({ length: 10 }, (_, i) => Number((0.5 + 0.05 * i).toFixed(2)));

/**
 * Labels evaluated are those with ground truth (after mapping): a dataset that labels only cars
 * cannot say whether a detected person is wrong, so other labels' detections are left out.
 */
export function evaluateDetections(results: readonly ImageResult[], scoreThreshold: number): Evaluation {
  const labels = [...new Set(results.flatMap((r) => r.groundTruth.filter((g) => !g.ignore).map((g) => g.label)))].sort();
  const perLabel = labels.map((label) => {
    const aps = IOU_THRESHOLDS.map((t) => averagePrecision(results, label, t));
    const operating = matchLabel(results, label, 0.5, scoreThreshold);
    const objects = countObjects(results, label);
    return {
      label,
      objects,
      truePositives: operating.tp,
      falsePositives: operating.fp,
      precision: operating.tp + operating.fp === 0 ? 0 : operating.tp / (operating.tp + operating.fp),
      recall: objects === 0 ? 0 : operating.tp / objects,
      ap50: aps[0]!,
      ap50to95: aps.reduce((a, b) => a + b, 0) / aps.length,
    };
  });
  return { perLabel, confusion: confusionTable(results, scoreThreshold) };
}

function countObjects(results: readonly ImageResult[], label: string): number {
  return results.reduce((n, r) => n + r.groundTruth.filter((g) => g.label === label && !g.ignore).length, 0);
}

interface Matched {
  /** Per detection of the label, highest score first: 1 true positive, 0 false positive. Ignored ones left out. */
  hits: number[];
  tp: number;
  fp: number;
}

/** Greedy COCO matching of one label's detections (score ≥ minScore) at one IoU threshold. */
export function matchLabel(results: readonly ImageResult[], label: string, iouThreshold: number, minScore = 0): Matched {
  const dets = results
    .flatMap((r, image) => r.detections.filter((d) => d.label === label && d.score >= minScore).map((d) => ({ d, image })))
    // Stable sort: equal scores keep input order, so results do not depend on the engine.
    .sort((a, b) => b.d.score - a.d.score);
  const taken = results.map((r) => new Array<boolean>(r.groundTruth.length).fill(false));
  const hits: number[] = [];
  for (const { d, image } of dets) {
    const gts = results[image]!.groundTruth;
    let best = -1;
    let bestIou = iouThreshold;
    // Real objects first; only a detection that matches none of them may fall on an ignored region.
    for (const ignoredPass of [false, true]) {
      for (let g = 0; g < gts.length; g++) {
        const gt = gts[g]!;
        if (gt.label !== label || Boolean(gt.ignore) !== ignoredPass || (taken[image]![g] && !gt.ignore)) continue;
        const overlap = iou(d.box, gt.box);
        if (overlap >= bestIou) {
          best = g;
          bestIou = overlap;
        }
      }
      if (best >= 0) break;
    }
    if (best < 0) hits.push(0);
    else if (!gts[best]!.ignore) {
      taken[image]![best] = true;
      hits.push(1);
    }
  }
  const tp = hits.reduce((a, b) => a + b, 0);
  return { hits, tp, fp: hits.length - tp };
}

export function averagePrecision(results: readonly ImageResult[], label: string, iouThreshold: number): number {
  const objects = countObjects(results, label);
  if (objects === 0) return Number.NaN;
  const { hits } = matchLabel(results, label, iouThreshold);
  const precision: number[] = [];
  const recall: number[] = [];
  let tp = 0;
  hits.forEach((h, i) => {
    tp += h;
    precision.push(tp / (i + 1));
    recall.push(tp / objects);
  });
  // Interpolate: precision at recall r is the best precision at any recall ≥ r.
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i]!, precision[i + 1]!);
  let sum = 0;
  let k = 0;
  for (let step = 0; step <= 100; step++) {
    const r = step / 100;
    while (k < recall.length && recall[k]! < r - 1e-12) k++;
    sum += k < precision.length ? precision[k]! : 0;
  }
  return sum / 101;
}

function confusionTable(results: readonly ImageResult[], scoreThreshold: number): Evaluation['confusion'] {
  const table: Evaluation['confusion'] = {};
  for (const r of results) {
    const dets = r.detections.filter((d) => d.score >= scoreThreshold);
    for (const gt of r.groundTruth) {
      if (gt.ignore) continue;
      const overlapping = dets.filter((d) => iou(d.box, gt.box) >= 0.5);
      // Found when any overlapping box has the right label; otherwise what it was mistaken for
      // (the box overlapping it most), or missed.
      const seenAs = overlapping.some((d) => d.label === gt.label)
        ? gt.label
        : (overlapping.sort((a, b) => iou(b.box, gt.box) - iou(a.box, gt.box))[0]?.label ?? 'missed');
      const row = (table[gt.label] ??= {});
      row[seenAs] = (row[seenAs] ?? 0) + 1;
    }
  }
  return table;
}
