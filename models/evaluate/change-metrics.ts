// Change-detection metrics against a change mask: pixel precision, recall and F1 of the area the
// candidates cover; objectRecall, the share of changed regions (8-connected, at least
// MIN_REGION_PX pixels) at least half covered by candidates; and false candidates, those that
// overlap no changed pixel at all. Overall figures add up pixels, regions and candidates over all
// pairs (a large pair weighs more), rather than averaging per-pair ratios.
import { connectedComponents } from '../../pipeline/change/components.ts';
import { fillPolygon, type Point } from '../../pipeline/change/polygon.ts';

export const MIN_REGION_PX = 64;

export interface PairCounts {
  truePositivePx: number;
  falsePositivePx: number;
  falseNegativePx: number;
  regions: number;
  regionsFound: number;
  candidates: number;
  falseCandidates: number;
}

export interface PairMetrics extends PairCounts {
  pair: string;
  precision: number;
  recall: number;
  pixelF1: number;
  objectRecall: number;
}

export interface ChangeEvaluation {
  pairs: number;
  precision: number;
  recall: number;
  pixelF1: number;
  objectRecall: number;
  falseCandidatesPerPair: number;
  perPair: PairMetrics[];
}

/** `label`: 1 changed, 0 not; candidates' polygons in the same pixel grid. */
export function countPair(label: Uint8Array, width: number, height: number, candidates: readonly { polygon: readonly Point[] }[]): PairCounts {
  const covered = new Uint8Array(width * height);
  const one = new Uint8Array(width * height);
  let falseCandidates = 0;
  for (const c of candidates) {
    one.fill(0);
    fillPolygon(c.polygon, one, width, height);
    let overlaps = false;
    for (let i = 0; i < one.length; i++) {
      if (!one[i]) continue;
      covered[i] = 1;
      if (label[i]) overlaps = true;
    }
    if (!overlaps) falseCandidates++;
  }
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < label.length; i++) {
    if (covered[i] && label[i]) tp++;
    else if (covered[i]) fp++;
    else if (label[i]) fn++;
  }
  const { labels, components } = connectedComponents(label, width, height);
  const coveredPx = new Float64Array(components.length + 1);
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0 && covered[i]) coveredPx[labels[i]!]! += 1;
  const regions = components.filter((c) => c.area >= MIN_REGION_PX);
  const regionsFound = regions.filter((c) => coveredPx[c.label]! * 2 >= c.area).length;
  return { truePositivePx: tp, falsePositivePx: fp, falseNegativePx: fn, regions: regions.length, regionsFound, candidates: candidates.length, falseCandidates };
}

export function pairMetrics(pair: string, c: PairCounts): PairMetrics {
  return { pair, ...c, ...ratios(c) };
}

export function overallMetrics(perPair: PairMetrics[]): ChangeEvaluation {
  const sum = (k: keyof PairCounts) => perPair.reduce((n, p) => n + p[k], 0);
  const total: PairCounts = {
    truePositivePx: sum('truePositivePx'),
    falsePositivePx: sum('falsePositivePx'),
    falseNegativePx: sum('falseNegativePx'),
    regions: sum('regions'),
    regionsFound: sum('regionsFound'),
    candidates: sum('candidates'),
    falseCandidates: sum('falseCandidates'),
  };
  const r = ratios(total);
  return {
    pairs: perPair.length,
    precision: r.precision,
    recall: r.recall,
    pixelF1: r.pixelF1,
    objectRecall: r.objectRecall,
    falseCandidatesPerPair: perPair.length === 0 ? 0 : total.falseCandidates / perPair.length,
    perPair,
  };
}

/**
 * Ratios with nothing to measure are defined the way a reviewer would read them: no candidates is
 * precision 1 (nothing wrong was raised), no change is recall 1 (nothing was missed).
 */
function ratios(c: PairCounts): { precision: number; recall: number; pixelF1: number; objectRecall: number } {
  const precision = c.truePositivePx + c.falsePositivePx === 0 ? 1 : c.truePositivePx / (c.truePositivePx + c.falsePositivePx);
  const recall = c.truePositivePx + c.falseNegativePx === 0 ? 1 : c.truePositivePx / (c.truePositivePx + c.falseNegativePx);
  const pixelF1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const objectRecall = c.regions === 0 ? 1 : c.regionsFound / c.regions;
  return { precision, recall, pixelF1, objectRecall };
}
