// The verdict stage: "would a reviewer confirm this?" asked once per reported sighting, of the
// verdict classifier the manifest declares for the sighting's violation type: a `classifier` entry
// with labels confirmed/rejected, trained on the crops/<type>/ tree `dataset:export --crops` writes,
// declared either with attribute `verdict` and appliesTo naming the type (or `<type>@<camera id>`
// for a camera with a model of its own, preferred), or with attribute `verdict_<type>` as the
// training job (models/versions/) declares the versions it promotes.
import type { Violation } from '../../contracts/types.ts';
import type { Classifier } from '../classify/classifier.ts';
import { toRawImage } from '../detect/crop.ts';

export const VERDICT_ATTRIBUTE = 'verdict';
export const CONFIRMED = 'confirmed';

/** The verdict classifier for this sighting, camera-specific first; undefined when none applies. */
export function verdictClassifierFor(v: Pick<Violation, 'type' | 'sourceId'>, classifiers: readonly Classifier[]): Classifier | undefined {
  const verdicts = classifiers.filter((c) => isVerdictAttribute(c.model.attribute) && c.model.labels.includes(CONFIRMED));
  const named = (c: Classifier) => c.model.attribute === VERDICT_ATTRIBUTE;
  return (
    verdicts.find((c) => named(c) && c.model.appliesTo.includes(`${v.type}@${v.sourceId}`)) ??
    verdicts.find((c) => named(c) && c.model.appliesTo.includes(v.type)) ??
    verdicts.find((c) => c.model.attribute === `${VERDICT_ATTRIBUTE}_${v.type}`)
  );
}

/** `verdict`, or `verdict_<type>` (a training-job version). */
export function isVerdictAttribute(attribute: string): boolean {
  return attribute === VERDICT_ATTRIBUTE || attribute.startsWith(`${VERDICT_ATTRIBUTE}_`);
}

/** The probability of `confirmed` among a classification's probabilities (labels in the entry's order). */
export function confirmedProbability(classifier: Classifier, probabilities: readonly number[]): number {
  return probabilities[classifier.model.labels.indexOf(CONFIRMED)]!;
}

/**
 * The sighting with attributes verdict (the likelier label), verdictScore (probability of
 * confirmed), verdictModelId and verdictModelSha256, judged on the box in the confirming frame (the
 * last evidence frame). Unchanged when no verdict classifier applies or the box is empty.
 */
export async function withVerdict(v: Violation, classifiers: readonly Classifier[]): Promise<Violation> {
  const classifier = verdictClassifierFor(v, classifiers);
  const frame = v.evidenceFrames[v.evidenceFrames.length - 1];
  if (!classifier || !frame) return v;
  const result = await classifier.classifyBox(await toRawImage(frame), v.box);
  if (!result) return v;
  return {
    ...v,
    attributes: {
      ...v.attributes,
      verdict: result.label,
      verdictScore: confirmedProbability(classifier, result.probabilities),
      verdictModelId: classifier.model.id,
      verdictModelSha256: classifier.model.sha256,
    },
  };
}
