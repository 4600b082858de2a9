// The verdict stage: "would a reviewer confirm this?" asked once per reported sighting, of the
// verdict classifier the manifest declares for the sighting's violation type: a `classifier` entry
// with labels confirmed/rejected, trained on the crops/<type>/ tree `dataset:export --crops` writes,
// declared either with attribute `verdict` and appliesTo naming the type (or `<type>@<camera id>`
// for a camera with a model of its own, preferred), or with attribute `verdict_<type>` as the
// training job (models/versions/) declares the versions it promotes; a camera's own version of the
// job, attribute `verdict_<type>@<camera id>`, comes before all of them for that camera's sightings
// (reviewers there judged its sightings, so it is the job's best word on them). A model whose entry declares
// `prior.detectorScore` {a, b} is a correction of the detector's score (models/train/verdict-model.ts):
// its verdict logit is the model's logit difference (confirmed − rejected) plus a·logit(score) + b,
// with the sighting's score (the confirming detection's). A sighting without a usable score (not a
// number from 0 to 1) is judged by the crop alone, as such models are trained to do: as if its
// score were the average of their training crops.
import type { Violation } from '../../contracts/types.ts';
import type { Classification, Classifier } from '../classify/classifier.ts';
import { toRawImage } from '../detect/crop.ts';
import { scoreLogit } from '../../models/train/verdict-features.ts';

export const VERDICT_ATTRIBUTE = 'verdict';
export const CONFIRMED = 'confirmed';

/** The verdict classifier for this sighting, camera-specific first; undefined when none applies. */
export function verdictClassifierFor(v: Pick<Violation, 'type' | 'sourceId'>, classifiers: readonly Classifier[]): Classifier | undefined {
  const verdicts = classifiers.filter((c) => isVerdictAttribute(c.model.attribute) && c.model.labels.includes(CONFIRMED));
  const named = (c: Classifier) => c.model.attribute === VERDICT_ATTRIBUTE;
  return (
    verdicts.find((c) => c.model.attribute === cameraVerdictAttribute(v.type, v.sourceId)) ??
    verdicts.find((c) => named(c) && c.model.appliesTo.includes(`${v.type}@${v.sourceId}`)) ??
    verdicts.find((c) => named(c) && c.model.appliesTo.includes(v.type)) ??
    verdicts.find((c) => c.model.attribute === `${VERDICT_ATTRIBUTE}_${v.type}`)
  );
}

/** `verdict`, `verdict_<type>` or `verdict_<type>@<camera id>` (training-job versions). */
export function isVerdictAttribute(attribute: string): boolean {
  return attribute === VERDICT_ATTRIBUTE || attribute.startsWith(`${VERDICT_ATTRIBUTE}_`);
}

/** The attribute (and training target) of one camera's own verdict model of a type. */
export function cameraVerdictAttribute(type: string, camera: string): string {
  return `${VERDICT_ATTRIBUTE}_${type}@${camera}`;
}

/** The type and, for a camera's own model, the camera a `verdict_<type>[@<camera>]` target judges; undefined for other targets. */
export function verdictTargetOf(target: string): { type: string; camera?: string } | undefined {
  const m = /^verdict_([^@]+)(?:@(.+))?$/.exec(target);
  if (!m) return undefined;
  return m[2] === undefined ? { type: m[1]! } : { type: m[1]!, camera: m[2] };
}

/** The probability of `confirmed` among a classification's probabilities (labels in the entry's order). */
export function confirmedProbability(classifier: Classifier, probabilities: readonly number[]): number {
  return probabilities[classifier.model.labels.indexOf(CONFIRMED)]!;
}

/** A probability as a logit, floored so a float32 0 or 1 from the model stays finite. */
function logitOf(p: number): number {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return Math.log(q / (1 - q));
}

/** Whether a sighting's score can feed a prior: a number from 0 to 1. */
export function usableScore(score: unknown): score is number {
  return typeof score === 'number' && Number.isFinite(score) && score >= 0 && score <= 1;
}

/**
 * The verdict of one classification: the likelier label and the probability of confirmed, with the
 * entry's detector-score prior added to the model's logit when it has one and the score is usable.
 */
export function judgedVerdict(classifier: Classifier, result: Pick<Classification, 'label' | 'probabilities'>, score: number | undefined): { label: string; confirmed: number } {
  const pConfirmed = confirmedProbability(classifier, result.probabilities);
  const prior = classifier.model.prior?.detectorScore;
  if (!prior) return { label: result.label, confirmed: pConfirmed };
  // Two labels (the manifest checks it): the logit of confirmed is the logit difference.
  const z = logitOf(pConfirmed) + (usableScore(score) ? prior.a * scoreLogit(score) + prior.b : 0);
  const confirmed = 1 / (1 + Math.exp(-z));
  return { label: confirmed >= 0.5 ? CONFIRMED : classifier.model.labels.find((l) => l !== CONFIRMED)!, confirmed };
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
  const judged = judgedVerdict(classifier, result, v.score);
  return {
    ...v,
    attributes: {
      ...v.attributes,
      verdict: judged.label,
      verdictScore: judged.confirmed,
      verdictModelId: classifier.model.id,
      verdictModelSha256: classifier.model.sha256,
    },
  };
}
