// When a fine-tuned detector replaces the live one (or, with none live, the base it was tuned
// from). Stated once here; registration stores it with the version (comparison.rule), the CLI
// prints it and the models page shows it.
//   AP50 on the same held-out images, averaged over the candidate's classes that have boxes there,
//   is higher by at least 0.01, and AP50-95 is not lower by more than 0.01.
//   The held-out images must exist (a dataset of one source holds nothing out) and hold boxes.
export const MIN_AP50_GAIN = 0.01;
export const MAX_AP50_95_DROP = 0.01;

export const DETECTOR_PROMOTION_RULE =
  `promote a detector when its AP50 on the same held-out images (mean over its classes that have boxes there) is higher than ` +
  `the live detector's (or, with none live, its base's) by at least ${MIN_AP50_GAIN}, and its AP50-95 is not lower by more than ` +
  `${MAX_AP50_95_DROP}; there must be held-out images with boxes`;

export interface DetectorScore {
  ap50: number;
  ap50to95: number;
  /** Boxes of the measured classes on the held-out images. */
  objects: number;
}

export interface DetectorDecision {
  decision: 'promote' | 'refuse';
  reasons: string[];
}

export function decideDetectorPromotion(candidate: DetectorScore, current: DetectorScore, against: string, heldOut: boolean): DetectorDecision {
  const reasons: string[] = [];
  let ok = true;
  if (!heldOut) {
    ok = false;
    reasons.push('nothing was held out (the dataset has one source): measured on training images, which proves nothing');
  }
  if (candidate.objects === 0) {
    ok = false;
    reasons.push('the held-out images hold no boxes of its classes');
  }
  const gain = candidate.ap50 - current.ap50;
  const gainOk = Number.isFinite(gain) && gain >= MIN_AP50_GAIN;
  ok &&= gainOk;
  reasons.push(`AP50 ${f(candidate.ap50)} vs ${against} ${f(current.ap50)}: ${sign(gain)} ${gainOk ? '≥' : '<'} ${MIN_AP50_GAIN}`);
  const drop = current.ap50to95 - candidate.ap50to95;
  const dropOk = Number.isFinite(drop) && drop <= MAX_AP50_95_DROP;
  ok &&= dropOk;
  reasons.push(`AP50-95 ${f(candidate.ap50to95)} vs ${against} ${f(current.ap50to95)}: ${sign(-drop)} ${dropOk ? `not lower by more than ${MAX_AP50_95_DROP}` : `lower by more than ${MAX_AP50_95_DROP}`}`);
  return { decision: ok ? 'promote' : 'refuse', reasons };
}

const f = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : 'n/a');
const sign = (n: number) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(3)}` : 'n/a');
