// The verdict model as a correction of the detector's own score: verdict logit = a·logit(detector
// score) + b + w·crop. A head on the crop alone ranks the detector's detections worse than the
// detector's score does (models/README.md): a few hundred reviews cannot teach a 3,072-feature head
// what the detector already knows. Here the crop only corrects the calibrated score: w is
// regularised (weight decay on w only, a and b free), and its strength — including "off" — is chosen on validation folds
// split by source, so when the crop does not help on held-out sources the model is the calibrated
// detector score, which ranks exactly as the detector does.
import { createHash } from 'node:crypto';
import { classWeights, standardise, standardiser, type SoftmaxHead } from './softmax-head.ts';
import { scoreLogit } from './verdict-features.ts';

/** a·logit(score) + b, added at scoring time to the crop head's logit difference (confirmed − rejected). */
export interface DetectorScorePrior {
  a: number;
  b: number;
}

export interface VerdictExample {
  /** The crop's backbone features. */
  x: Float32Array;
  /** The detector's score of the detection the crop is of. */
  score: number;
  confirmed: boolean;
  /** Image, case or camera day: validation folds never split one. */
  source: string;
}

export interface VerdictModel {
  prior: DetectorScorePrior;
  /**
   * Two classes, [confirmed, rejected]. Its logit difference is the crop's correction plus the
   * prior's value at the training data's average detector score, so the head alone (a sighting
   * without a detector score) judges as if the score were that average.
   */
  head: SoftmaxHead;
  /** The crop part's weight decay chosen on validation; Infinity: the crop part is off. */
  cropWeightDecay: number;
  /** Iterations of the final fit (0 with the crop part off). */
  iterations: number;
  /** Mean validation loss of each candidate strength (Infinity first: the calibrated score alone). */
  validation: Array<{ weightDecay: number; loss: number }>;
  /** Validation folds the strengths were judged on (those whose training side had both verdicts). */
  validationFolds: number;
}

export interface VerdictTrainOptions {
  /** Crop weight-decay candidates tried besides "off". */
  weightDecays?: number[];
  /** Validation folds by source. */
  folds?: number;
  maxIterations?: number;
  /** Crops up to which the n × n inner products are kept in memory (default 4,000, 128 MB). */
  gramLimit?: number;
  /** A crop strength must lower the validation loss by this much to beat the score alone. */
  minGain?: number;
  progress?: (line: string) => void;
}

export class VerdictTrainingError extends Error {
  override name = 'VerdictTrainingError';
}

/** A faint ridge keeps a and b finite when the score alone separates the verdicts. */
const SCORE_RIDGE = 1e-3;

/** Up to this many sources, validation leaves one source out at a time instead of hashing into folds. */
export const LEAVE_ONE_OUT_SOURCES = 12;

const DEFAULTS = { weightDecays: [100, 30, 10, 3, 1, 0.3, 0.1, 0.03, 0.01], folds: 3, maxIterations: 400, minGain: 1e-3, gramLimit: 4000 };

/** The verdict logit of one crop: the head's logit difference plus the prior, or the head alone without a score. */
export function verdictLogit(model: Pick<VerdictModel, 'prior' | 'head'>, x: Float32Array, score: number | undefined): number {
  const { head } = model;
  let z = head.bias[0]! - head.bias[1]!;
  for (let j = 0; j < head.dimensions; j++) z += (head.weights[j]! - head.weights[head.dimensions + j]!) * ((x[j]! - head.mean[j]!) / head.std[j]!);
  return score === undefined ? z : z + model.prior.a * scoreLogit(score) + model.prior.b;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function trainVerdictModel(examples: readonly VerdictExample[], options: VerdictTrainOptions = {}): VerdictModel {
  const o = { ...DEFAULTS, ...options };
  checkExamples(examples);
  // Strongest first: each fit starts from the one before (a warm start along the path).
  const strengths = [Infinity, ...[...o.weightDecays].sort((x, y) => y - x)];
  const prepared = prepare(examples, o.gramLimit);
  const validation = crossValidate(examples, foldsBySource(examples, o.folds), strengths, o);
  if (!validation) {
    // Nothing to judge the crop by: the conservative model, the calibrated score.
    o.progress?.('  too few sources to validate the crop part on (every fold leaves one verdict out of training): the model is the calibrated detector score');
    return { ...asHead(start(prepared), prepared, examples), cropWeightDecay: Infinity, iterations: 0, validation: [], validationFolds: 0 };
  }
  for (const v of validation.losses) o.progress?.(`  crop weight decay ${v.weightDecay === Infinity ? 'off' : v.weightDecay}: validation loss ${v.loss.toFixed(4)}`);
  const alone = validation.losses[0]!;
  // The crop part has to earn its place: the score alone wins ties and near-ties.
  const best = validation.losses.slice(1).reduce((b, v) => (v.loss < b.loss ? v : b), alone);
  const chosen = best.loss < alone.loss - o.minGain ? best : alone;
  const fit = chosen === alone ? start(prepared) : solve(prepared, chosen.weightDecay, start(prepared), o.maxIterations);
  o.progress?.(chosen === alone ? '  the crop does not help on validation: the model is the calibrated detector score' : `  crop part on, weight decay ${chosen.weightDecay} (${fit.iterations} iterations)`);
  return { ...asHead(fit, prepared, examples), cropWeightDecay: chosen.weightDecay, iterations: fit.iterations, validation: validation.losses, validationFolds: validation.folds };
}

function checkExamples(examples: readonly VerdictExample[]): void {
  if (examples.length === 0) throw new VerdictTrainingError('no reviewed crops to train a verdict model on');
  const bad = examples.find((e) => !(Number.isFinite(e.score) && e.score >= 0 && e.score <= 1));
  if (bad) throw new VerdictTrainingError(`detector score ${bad.score} of a crop from ${bad.source} is not a number from 0 to 1`);
  if (!examples.some((e) => e.confirmed) || examples.every((e) => e.confirmed)) {
    throw new VerdictTrainingError('a verdict model needs both confirmed and rejected crops');
  }
  const d = examples[0]!.x.length;
  const other = examples.find((e) => e.x.length !== d);
  if (other) throw new VerdictTrainingError(`crop features of ${other.source} have ${other.x.length} dimensions, others ${d}`);
}

/**
 * Source → fold by a hash of its name, so a source stays in one fold whatever else is in the set.
 * With few sources (a pilot's first reviews, the demo's), hashing into `folds` folds often leaves
 * a fold whose training side lacks a verdict, and then the crop part can never be judged: each
 * source is then its own fold (leave one source out), which costs little with so few crops.
 */
function foldsBySource(examples: readonly VerdictExample[], folds: number): number[] {
  const sources = [...new Set(examples.map((e) => e.source))].sort();
  if (sources.length <= LEAVE_ONE_OUT_SOURCES) return examples.map((e) => sources.indexOf(e.source));
  return examples.map((e) => createHash('sha256').update(`verdict-fold:${e.source}`).digest().readUInt32BE(0) % folds);
}

/** Mean validation loss of each strength over the folds whose training side has both verdicts; null when no fold has. */
function crossValidate(examples: readonly VerdictExample[], fold: readonly number[], strengths: readonly number[], o: typeof DEFAULTS): { losses: Array<{ weightDecay: number; loss: number }>; folds: number } | null {
  const sums = strengths.map(() => 0);
  let used = 0;
  for (const f of new Set(fold)) {
    const train = examples.filter((_, i) => fold[i] !== f);
    const held = examples.filter((_, i) => fold[i] === f);
    if (!train.some((e) => e.confirmed) || train.every((e) => e.confirmed)) continue;
    used++;
    const prepared = prepare(train, o.gramLimit);
    const xv = standardise(held.map((e) => e.x), prepared.scaling);
    const sv = held.map((e) => scoreLogit(e.score));
    const weight = weightOf(train);
    let fit = start(prepared);
    strengths.forEach((l2, k) => {
      if (l2 !== Infinity) fit = solve(prepared, l2, fit, o.maxIterations);
      sums[k]! += weightedLoss(held, xv, sv, fit.a, fit.b, weightsOf(prepared, fit.alpha), weight);
    });
  }
  if (used === 0) return null;
  return { losses: strengths.map((weightDecay, k) => ({ weightDecay, loss: sums[k]! / used })), folds: used };
}

interface Prepared {
  xs: Float64Array[];
  /** logit(detector score) per crop. */
  s: number[];
  /** 1 confirmed, 0 rejected. */
  t: number[];
  /** Balanced class weights, divided by their sum: the loss is a weighted mean. */
  c: number[];
  scaling: { mean: Float32Array; std: Float32Array };
  /** v → Kv for the crops' inner products K (n × n), made once and shared by every strength. */
  gram?: (v: Float64Array) => Float64Array;
  curvature?: number;
  gramLimit: number;
}

function weightOf(train: readonly VerdictExample[]): (confirmed: boolean) => number {
  const cw = classWeights(train.map((e) => (e.confirmed ? 0 : 1)), 2);
  return (confirmed) => cw[confirmed ? 0 : 1]! || 1;
}

function prepare(train: readonly VerdictExample[], gramLimit: number): Prepared {
  const scaling = standardiser(train.map((e) => e.x));
  const weight = weightOf(train);
  const total = train.reduce((n, e) => n + weight(e.confirmed), 0);
  return {
    xs: standardise(train.map((e) => e.x), scaling),
    s: train.map((e) => scoreLogit(e.score)),
    t: train.map((e) => (e.confirmed ? 1 : 0)),
    c: train.map((e) => weight(e.confirmed) / total),
    scaling,
    gramLimit,
  };
}

/** w = Σ alpha_i x_i: weight decay keeps w in the span of the training crops, so it is solved there. */
interface Fit {
  a: number;
  b: number;
  alpha: Float64Array;
  iterations: number;
}

/** The calibrated score alone: w = 0. */
function start(p: Prepared): Fit {
  return { ...calibrate(p.s, p.t, p.c), alpha: new Float64Array(p.xs.length), iterations: 0 };
}

function weightsOf(p: Prepared, alpha: Float64Array): Float64Array {
  const w = new Float64Array(p.xs[0]!.length);
  p.xs.forEach((x, i) => {
    const k = alpha[i]!;
    if (k !== 0) for (let j = 0; j < w.length; j++) w[j]! += k * x[j]!;
  });
  return w;
}

/**
 * Class-weighted logistic loss of a·s + b + w·x plus (l2/2)|w|², a and b free, solved to
 * convergence by accelerated gradient descent (step 1/L from the data's largest curvature, momentum
 * restarted when it stops helping) from `from`. A convex problem with one answer per strength, so
 * the strength chosen on validation means the same thing when refitted on all the crops. The
 * iterates are those of gradient descent on w, kept as w = Σ alpha_i x_i: with fewer crops than
 * features a step costs n² rather than n·d.
 */
function solve(p: Prepared, l2: number, from: Fit, maxIterations: number): Fit {
  const n = p.xs.length;
  const times = gramOf(p);
  const L = 0.25 * curvatureOf(p) + l2 + SCORE_RIDGE;
  let th = { alpha: from.alpha.slice(), a: from.a, b: from.b };
  let prev = { alpha: from.alpha.slice(), a: from.a, b: from.b };
  let momentum = 1;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const last = momentum;
    momentum = (1 + Math.sqrt(1 + 4 * momentum * momentum)) / 2;
    const beta = (last - 1) / momentum;
    const y = { alpha: th.alpha.map((v, i) => v + beta * (v - prev.alpha[i]!)), a: th.a + beta * (th.a - prev.a), b: th.b + beta * (th.b - prev.b) };
    const ky = times(y.alpha);
    // The gradient in w is Σ g_i x_i with g = r + l2·alpha: kept as g.
    const g = new Float64Array(n);
    let ga = SCORE_RIDGE * y.a;
    let gb = SCORE_RIDGE * y.b;
    for (let i = 0; i < n; i++) {
      const r = (sigmoid(y.a * p.s[i]! + y.b + ky[i]!) - p.t[i]!) * p.c[i]!;
      g[i] = r + l2 * y.alpha[i]!;
      ga += r * p.s[i]!;
      gb += r;
    }
    const next = { alpha: y.alpha.map((v, i) => v - g[i]! / L), a: y.a - ga / L, b: y.b - gb / L };
    const step = next.alpha.map((v, i) => v - th.alpha[i]!);
    const kStep = times(step);
    // Restart the momentum when the step goes uphill against it; stop when it no longer moves.
    let uphill = ga * (next.a - th.a) + gb * (next.b - th.b);
    let moved = (next.a - th.a) ** 2 + (next.b - th.b) ** 2;
    for (let i = 0; i < n; i++) {
      uphill += g[i]! * kStep[i]!;
      moved += step[i]! * kStep[i]!;
    }
    prev = th;
    th = next;
    if (uphill > 0) momentum = 1;
    if (Math.sqrt(Math.max(moved, 0)) < 1e-6) break;
  }
  return { ...th, iterations };
}

/** K is kept in memory up to `gramLimit` crops (8n² bytes); beyond, Kv = X(Xᵀv) costs 2·n·d. */
function gramOf(p: Prepared): (v: Float64Array) => Float64Array {
  if (p.gram) return p.gram;
  const n = p.xs.length;
  if (n > p.gramLimit) {
    return (p.gram = (v) => {
      const w = weightsOf(p, v);
      return Float64Array.from(p.xs, (x) => dot(w, x));
    });
  }
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = i; k < n; k++) {
      const v = dot(p.xs[i]!, p.xs[k]!);
      K[i * n + k] = v;
      K[k * n + i] = v;
    }
  }
  return (p.gram = (v) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let z = 0;
      const row = i * n;
      for (let k = 0; k < n; k++) z += K[row + k]! * v[k]!;
      out[i] = z;
    }
    return out;
  });
}

/** The largest eigenvalue of the weighted design's second moment [x, s, 1], by power iteration (with a margin). */
function curvatureOf(p: Prepared): number {
  if (p.curvature !== undefined) return p.curvature;
  const d = p.xs[0]!.length;
  let v = new Float64Array(d + 2).fill(1 / Math.sqrt(d + 2));
  let lambda = 0;
  for (let k = 0; k < 30; k++) {
    const out = new Float64Array(d + 2);
    for (let i = 0; i < p.xs.length; i++) {
      const x = p.xs[i]!;
      let u = v[d]! * p.s[i]! + v[d + 1]!;
      for (let j = 0; j < d; j++) u += v[j]! * x[j]!;
      u *= p.c[i]!;
      for (let j = 0; j < d; j++) out[j]! += u * x[j]!;
      out[d]! += u * p.s[i]!;
      out[d + 1]! += u;
    }
    lambda = Math.hypot(...out);
    if (lambda === 0) return (p.curvature = 1);
    v = out.map((o) => o / lambda);
  }
  return (p.curvature = lambda * 1.05);
}

/** Weighted logistic regression of the verdict on the score's logit alone, by Newton's method. */
export function calibrate(s: readonly number[], t: readonly number[], weights: readonly number[]): DetectorScorePrior {
  let a = 1;
  let b = 0;
  const ridge = SCORE_RIDGE;
  for (let iter = 0; iter < 50; iter++) {
    let ga = ridge * a, gb = ridge * b, haa = ridge, hab = 0, hbb = ridge;
    let total = 0;
    for (let i = 0; i < s.length; i++) total += weights[i]!;
    for (let i = 0; i < s.length; i++) {
      const p = sigmoid(a * s[i]! + b);
      const w = weights[i]! / total;
      ga += w * (p - t[i]!) * s[i]!;
      gb += w * (p - t[i]!);
      const h = w * p * (1 - p);
      haa += h * s[i]! * s[i]!;
      hab += h * s[i]!;
      hbb += h;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}

function weightedLoss(examples: readonly VerdictExample[], xs: Float64Array[], s: readonly number[], a: number, b: number, w: Float64Array, weight: (confirmed: boolean) => number): number {
  let loss = 0;
  let total = 0;
  examples.forEach((e, i) => {
    const z = a * s[i]! + b + dot(w, xs[i]!);
    // log σ(z) for confirmed, log σ(−z) for rejected, computed without overflow.
    const m = e.confirmed ? -z : z;
    loss += weight(e.confirmed) * (Math.max(m, 0) + Math.log1p(Math.exp(-Math.abs(m))));
    total += weight(e.confirmed);
  });
  return loss / total;
}

function dot(w: Float64Array, x: Float64Array): number {
  let z = 0;
  for (let j = 0; j < w.length; j++) z += w[j]! * x[j]!;
  return z;
}

/** The fit as a two-class head [confirmed, rejected] plus the prior, centred on the average score. */
function asHead(fit: Fit, p: Prepared, examples: readonly VerdictExample[]): Pick<VerdictModel, 'prior' | 'head'> {
  const w = weightsOf(p, fit.alpha);
  const d = w.length;
  const meanLogit = examples.reduce((n, e) => n + scoreLogit(e.score), 0) / examples.length;
  const weights = new Float32Array(2 * d);
  weights.set(Float32Array.from(w), 0);
  return {
    prior: { a: fit.a, b: -fit.a * meanLogit },
    head: { classes: 2, dimensions: d, mean: p.scaling.mean, std: p.scaling.std, weights, bias: Float32Array.from([fit.a * meanLogit + fit.b, 0]) },
  };
}
