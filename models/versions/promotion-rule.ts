// When a newly trained version replaces the live one. Stated once here; the job logs it, stores it
// with the version (comparison.rule) and the models page shows it.
//   With a live version: the candidate's balanced accuracy on the same held-out reviews is higher by
//   at least 0.01, and no class's recall is lower than the live version's by more than 0.05.
//   Without one: its balanced accuracy beats chance (1 / classes) by at least 0.10.
//   Either way every class has held-out reviews; a class never measured is never promoted blind.
//   A camera's own verdict model (`verdict_<type>@<camera>`) faces the model that would otherwise
//   judge that camera's sightings, on the camera's held-out reviews: its live camera version, else
//   the type's live version, else chance. A camera model that is no better than the type's is noise.
import type { ClassifyMetrics } from '../train/classify-metrics.ts';

export const MIN_GAIN = 0.01;
export const MAX_RECALL_DROP = 0.05;
export const MIN_OVER_CHANCE = 0.1;

export const PROMOTION_RULE =
  `promote when balanced accuracy on the same held-out reviews is higher than the live version's by at least ${MIN_GAIN} ` +
  `and no class's recall is lower by more than ${MAX_RECALL_DROP}; with no live version, when balanced accuracy beats chance ` +
  `(1/classes) by at least ${MIN_OVER_CHANCE}; every class must have held-out reviews`;

export const CAMERA_PROMOTION_RULE =
  `a camera's own verdict model is measured on that camera's held-out reviews against the model that would otherwise judge ` +
  `its sightings: the camera's live version, else the type's live verdict version (measured on the same crops), else chance; ` +
  `then as for any version: ${PROMOTION_RULE}`;

export interface RuleDecision {
  decision: 'promote' | 'refuse';
  /** Why, one line per test, each with its figures. */
  reasons: string[];
}

/** `against` names the current model in the reasons ("live", or the type's model a camera candidate faces). */
export function decidePromotion(candidate: ClassifyMetrics, current: ClassifyMetrics | null, against = 'live'): RuleDecision {
  const reasons: string[] = [];
  let ok = true;
  const unmeasured = candidate.perClass.filter((c) => c.support === 0).map((c) => c.label);
  if (unmeasured.length > 0) {
    ok = false;
    reasons.push(`no held-out reviews of ${unmeasured.join(', ')}`);
  }
  const ba = candidate.balancedAccuracy;
  if (current === null) {
    const chance = 1 / candidate.labels.length;
    const pass = ba >= chance + MIN_OVER_CHANCE;
    ok &&= pass;
    reasons.push(`balanced accuracy ${f(ba)} ${pass ? '≥' : '<'} chance ${f(chance)} + ${MIN_OVER_CHANCE} (no live version)`);
    return { decision: ok ? 'promote' : 'refuse', reasons };
  }
  const gain = ba - current.balancedAccuracy;
  const gainOk = gain >= MIN_GAIN;
  ok &&= gainOk;
  reasons.push(`balanced accuracy ${f(ba)} vs ${against} ${f(current.balancedAccuracy)}: ${gain >= 0 ? '+' : ''}${f(gain)} ${gainOk ? '≥' : '<'} ${MIN_GAIN}`);
  for (const c of candidate.perClass) {
    const before = current.perClass.find((p) => p.label === c.label);
    if (!before || !Number.isFinite(before.recall) || !Number.isFinite(c.recall)) continue;
    const drop = before.recall - c.recall;
    if (drop > MAX_RECALL_DROP) {
      ok = false;
      reasons.push(`recall of ${c.label} ${f(c.recall)} vs ${against} ${f(before.recall)}: lower by ${f(drop)} > ${MAX_RECALL_DROP}`);
    }
  }
  if (ok) reasons.push(`no class's recall lower by more than ${MAX_RECALL_DROP}`);
  return { decision: ok ? 'promote' : 'refuse', reasons };
}

const f = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : 'n/a');
