// Which detector labels may become cases, per kind of source, with a minimum score per label. The
// default COCO detector was trained on ground-level photos; from the air it calls roofs "toilet"
// and vans "refrigerator". Until an aerial model is installed only vehicle labels, at scores it
// rarely reaches by accident, may raise a case from a survey. Settings, not code: a city with an
// aerial model widens the list (SURVEY_LABELS, a JSON object label → minimum score).
import type { SourceKind } from '../../contracts/case.ts';
import type { Detection } from '../../contracts/types.ts';

/** label → minimum score. */
export type LabelAllowList = Record<string, number>;

export const DEFAULT_ALLOW_LISTS: Record<SourceKind, LabelAllowList> = {
  survey: { car: 0.4, truck: 0.45, bus: 0.45, motorcycle: 0.5 },
  // Cameras are judged by their own rules and per-camera settings (pipeline/rules); listed for symmetry.
  camera: {},
};

/** Why a detection may not raise a case, or undefined when it may. */
export function whyDropped(d: Detection, allow: LabelAllowList): string | undefined {
  const min = allow[d.label];
  if (min === undefined) return `label "${d.label}" is not on the allow-list for this source`;
  if (d.score < min) return `score ${d.score.toFixed(2)} is under the ${min} threshold for "${d.label}"`;
  return undefined;
}

/** Parses SURVEY_LABELS-style JSON ({"car": 0.4, …}); throws naming the bad entry. */
export function parseAllowList(text: string, source: string): LabelAllowList {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: must be an object of label → minimum score`);
  const out: LabelAllowList = {};
  for (const [label, score] of Object.entries(raw)) {
    if (typeof score !== 'number' || !(score >= 0 && score <= 1)) throw new Error(`${source}: "${label}" must map to a score between 0 and 1, got ${JSON.stringify(score)}`);
    out[label] = score;
  }
  return out;
}
