// A head with nothing to overfit: each class is the direction of its crops' mean embedding, and a
// crop is scored by its cosine with each class (nearest class mean). The embeddings are first
// centred on the mean of the class means and scaled to unit length, so what all crops share (the
// backbone's bias towards its own training photos) does not decide, and a class with 5 crops counts
// as much as one with 150. No epochs: it trains in one pass, however many crops.
import type { Labelled, SoftmaxHead } from './softmax-head.ts';

/** The logit of a class no training crop had. */
const ABSENT = -1e4;

export interface PrototypeOptions {
  /** Scale of the cosines (default 10: a cosine 0.1 above another is e ≈ 2.7 times as likely). */
  temperature?: number;
  /** Centre on the mean of the class means (default true). */
  centre?: boolean;
}

/**
 * The nearest-class-mean head written as a softmax head, so the exported model and the TypeScript
 * head are the ones every classifier uses: logit_c = w_c · (x − centre) with w_c the unit class
 * direction scaled by temperature / (the training crops' mean distance from the centre). Leaving out
 * the per-crop division by |x − centre| scales every class's logit alike, so the chosen class is the
 * cosine nearest class exactly; only how sure it is varies with the crop's distance from the centre.
 */
export function trainPrototypeHead(train: Labelled, classes: number, o: PrototypeOptions = {}): SoftmaxHead {
  if (train.x.length === 0) throw new Error('no training crops');
  const d = train.x[0]!.length;
  const present = new Array<boolean>(classes).fill(false);
  for (const c of train.y) present[c] = true;
  const k = present.filter(Boolean).length;
  const centre = new Float32Array(d);
  if (o.centre ?? true) classMeans(train.x, train.y, classes, d, centre).forEach((m, c) => {
    if (present[c]) for (let j = 0; j < d; j++) centre[j]! += m[j]! / k;
  });
  let distance = 0;
  for (const v of train.x) distance += norm(v.map((a, j) => a - centre[j]!)) / train.x.length;
  const scale = (o.temperature ?? 10) / (distance || 1);
  const weights = new Float32Array(classes * d);
  classMeans(train.x, train.y, classes, d, centre).forEach((m, c) => weights.set(unit(m).map((a) => a * scale), c * d));
  // A class without crops (one fold of a cross-validation) has no direction: it is never chosen.
  const bias = Float32Array.from(present, (p) => (p ? 0 : ABSENT));
  return { classes, dimensions: d, mean: centre, std: new Float32Array(d).fill(1), weights, bias };
}

function classMeans(x: readonly Float32Array[], y: readonly number[], classes: number, d: number, centre: Float32Array): Float32Array[] {
  const sums = Array.from({ length: classes }, () => new Float32Array(d));
  const counts = new Array<number>(classes).fill(0);
  x.forEach((v, i) => {
    const s = sums[y[i]!]!;
    const u = centred(v, centre);
    for (let j = 0; j < d; j++) s[j]! += u[j]!;
    counts[y[i]!]!++;
  });
  return sums.map((s, c) => s.map((v) => v / Math.max(1, counts[c]!)));
}

/** (x − centre) at unit length; an all-zero difference stays zero. */
function centred(x: Float32Array, centre: Float32Array): Float32Array {
  return unit(x.map((v, j) => v - centre[j]!));
}

function norm(v: Float32Array): number {
  let sq = 0;
  for (const a of v) sq += a * a;
  return Math.sqrt(sq);
}

function unit(v: Float32Array): Float32Array {
  const n = norm(v);
  return v.map((a) => (n > 0 ? a / n : 0));
}
