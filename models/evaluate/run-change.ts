// Runs the product's change detector on each pair of a folder and measures it against the masks.
import { detectChange, type ChangeSettings } from '../../pipeline/change/detect-change.ts';
import { checkSameSize, loadMask, loadRgb } from '../../pipeline/change/load-image.ts';
import { countPair, overallMetrics, pairMetrics, type ChangeEvaluation, type PairMetrics } from './change-metrics.ts';
import type { ChangePair } from './change-pairs.ts';

export async function evaluateChange(pairs: readonly ChangePair[], settings: Partial<ChangeSettings> = {}, progress?: (done: number, total: number) => void): Promise<ChangeEvaluation> {
  const perPair: PairMetrics[] = [];
  for (const [i, pair] of pairs.entries()) {
    const [before, after, label] = [await loadRgb(pair.before), await loadRgb(pair.after), await loadMask(pair.label)];
    checkSameSize(before, after, [pair.before, pair.after]);
    checkSameSize(before, label, [pair.before, pair.label]);
    const { candidates } = detectChange(before, after, settings);
    perPair.push(pairMetrics(pair.name, countPair(label.data, label.width, label.height, candidates)));
    progress?.(i + 1, pairs.length);
  }
  return overallMetrics(perPair);
}
