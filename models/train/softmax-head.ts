// The trained part of a classifier: softmax regression on standardised backbone features, with
// class weights (each class counts as much as any other, however few crops it has), L2 weight decay
// and early stopping on a validation part. Full-batch Adam: a few thousand crops of a few thousand
// features train in seconds on one core.
export interface SoftmaxHead {
  classes: number;
  dimensions: number;
  /** Per-feature standardisation learnt on the training crops. */
  mean: Float32Array;
  std: Float32Array;
  /** [classes × dimensions], row-major. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface TrainOptions {
  /** Weight decay candidates; the one with the lowest validation loss wins. */
  l2?: number[];
  maxEpochs?: number;
  /** Epochs without a better validation loss before stopping. */
  patience?: number;
  learningRate?: number;
  /** Wall-clock budget (ms) for the whole search; training stops with the best weights so far. */
  budgetMs?: number;
  progress?: (line: string) => void;
}

export interface Labelled {
  x: Float32Array[];
  y: number[];
}

export interface TrainedHead {
  head: SoftmaxHead;
  l2: number;
  epochs: number;
  validationLoss: number;
}

/** Class weights n / (k · count): a class with half the crops counts twice per crop. */
export function classWeights(y: readonly number[], classes: number): Float64Array {
  const counts = new Float64Array(classes);
  for (const c of y) counts[c]!++;
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? y.length / (present * c) : 0));
}

/**
 * Trains on `train`, choosing weight decay and the number of epochs on `validation`, then (when a
 * validation part exists) retrains on both with the chosen settings so no labelled crop is wasted.
 */
export function trainSoftmaxHead(train: Labelled, validation: Labelled, classes: number, options: TrainOptions = {}): TrainedHead {
  if (train.x.length === 0) throw new Error('no training crops');
  const deadline = Date.now() + (options.budgetMs ?? Infinity);
  const l2s = options.l2 ?? [1e-2, 1e-1, 1];
  const maxEpochs = options.maxEpochs ?? 200;
  const patience = options.patience ?? 30;
  if (validation.x.length === 0) {
    const head = fit(train, classes, l2s[1] ?? l2s[0]!, maxEpochs, undefined, patience, options.learningRate, deadline).head;
    return { head, l2: l2s[1] ?? l2s[0]!, epochs: maxEpochs, validationLoss: NaN };
  }
  let best: { l2: number; epochs: number; loss: number } | undefined;
  for (const l2 of l2s) {
    if (Date.now() > deadline && best) break;
    const r = fit(train, classes, l2, maxEpochs, validation, patience, options.learningRate, deadline);
    options.progress?.(`  weight decay ${l2}: validation loss ${r.loss.toFixed(4)} after ${r.epochs} epochs`);
    if (!best || r.loss < best.loss) best = { l2, epochs: r.epochs, loss: r.loss };
  }
  const all = { x: [...train.x, ...validation.x], y: [...train.y, ...validation.y] };
  const head = fit(all, classes, best!.l2, best!.epochs, undefined, patience, options.learningRate, Infinity).head;
  return { head, l2: best!.l2, epochs: best!.epochs, validationLoss: best!.loss };
}

/** Class probabilities for one feature vector. */
export function headProbabilities(head: SoftmaxHead, x: Float32Array): Float32Array {
  const logits = new Float32Array(head.classes);
  for (let c = 0; c < head.classes; c++) {
    let z = head.bias[c]!;
    const row = c * head.dimensions;
    for (let j = 0; j < head.dimensions; j++) z += head.weights[row + j]! * ((x[j]! - head.mean[j]!) / head.std[j]!);
    logits[c] = z;
  }
  return softmax(logits);
}

/** Logits to probabilities, in a new array. */
export function softmax(z: Float32Array | Float64Array): Float32Array {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  const out = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) sum += out[i] = Math.exp(z[i]! - max);
  for (let i = 0; i < z.length; i++) out[i]! /= sum;
  return out;
}

/** Per-feature mean and standard deviation (floored), shared with the verdict model's crop part. */
export function standardiser(x: readonly Float32Array[]): { mean: Float32Array; std: Float32Array } {
  const d = x[0]!.length;
  const mean = new Float32Array(d);
  const std = new Float32Array(d);
  for (const v of x) for (let j = 0; j < d; j++) mean[j]! += v[j]! / x.length;
  for (const v of x) for (let j = 0; j < d; j++) std[j]! += (v[j]! - mean[j]!) ** 2 / x.length;
  // A floor keeps a feature that never varies in training from exploding on a crop where it does.
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) + 1e-3;
  return { mean, std };
}

export function standardise(x: readonly Float32Array[], s: { mean: Float32Array; std: Float32Array }): Float64Array[] {
  return x.map((v) => Float64Array.from(v, (a, j) => (a - s.mean[j]!) / s.std[j]!));
}

interface Fit {
  head: SoftmaxHead;
  epochs: number;
  loss: number;
}

function fit(train: Labelled, k: number, l2: number, maxEpochs: number, validation: Labelled | undefined, patience: number, lr = 0.003, deadline: number): Fit {
  const s = standardiser(train.x);
  const d = train.x[0]!.length;
  const xs = standardise(train.x, s);
  const xv = validation ? standardise(validation.x, s) : [];
  const cw = classWeights(train.y, k);
  const w = new Float64Array(k * d);
  const b = new Float64Array(k);
  const adam = { m: new Float64Array(k * d + k), v: new Float64Array(k * d + k), t: 0 };
  const grad = new Float64Array(k * d + k);
  let best = { loss: Infinity, epoch: 0, w: w.slice(), b: b.slice() };
  let epoch = 0;
  for (epoch = 1; epoch <= maxEpochs; epoch++) {
    grad.fill(0);
    let total = 0;
    for (let i = 0; i < xs.length; i++) total += cw[train.y[i]!]!;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const p = probabilities(w, b, x, k, d);
      const scale = cw[train.y[i]!]! / total;
      for (let c = 0; c < k; c++) {
        const g = (p[c]! - (c === train.y[i] ? 1 : 0)) * scale;
        if (g === 0) continue;
        const row = c * d;
        for (let j = 0; j < d; j++) grad[row + j]! += g * x[j]!;
        grad[k * d + c]! += g;
      }
    }
    for (let j = 0; j < k * d; j++) grad[j]! += l2 * w[j]!;
    adamStep(adam, grad, w, b, k * d, lr);
    if (validation) {
      const loss = weightedLoss(w, b, xv, validation.y, k, d, cw);
      if (loss < best.loss - 1e-6) best = { loss, epoch, w: w.slice(), b: b.slice() };
      else if (epoch - best.epoch >= patience) break;
    }
    if (Date.now() > deadline) break;
  }
  const final = validation ? best : { loss: NaN, epoch: Math.min(epoch, maxEpochs), w, b };
  return {
    head: { classes: k, dimensions: d, mean: s.mean, std: s.std, weights: Float32Array.from(final.w), bias: Float32Array.from(final.b) },
    epochs: final.epoch,
    loss: final.loss,
  };
}

function probabilities(w: Float64Array, b: Float64Array, x: Float64Array, k: number, d: number): Float64Array {
  const z = new Float64Array(k);
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let v = b[c]!;
    const row = c * d;
    for (let j = 0; j < d; j++) v += w[row + j]! * x[j]!;
    z[c] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c]! - max);
  for (let c = 0; c < k; c++) z[c]! /= sum;
  return z;
}

function weightedLoss(w: Float64Array, b: Float64Array, xs: Float64Array[], y: readonly number[], k: number, d: number, cw: Float64Array): number {
  let loss = 0;
  let total = 0;
  xs.forEach((x, i) => {
    const p = probabilities(w, b, x, k, d);
    const weight = cw[y[i]!]! || 1;
    loss -= weight * Math.log(Math.max(p[y[i]!]!, 1e-12));
    total += weight;
  });
  return loss / total;
}

function adamStep(s: { m: Float64Array; v: Float64Array; t: number }, g: Float64Array, w: Float64Array, b: Float64Array, nw: number, lr: number): void {
  s.t++;
  const c1 = 1 - 0.9 ** s.t;
  const c2 = 1 - 0.999 ** s.t;
  for (let i = 0; i < g.length; i++) {
    s.m[i] = 0.9 * s.m[i]! + 0.1 * g[i]!;
    s.v[i] = 0.999 * s.v[i]! + 0.001 * g[i]! * g[i]!;
    const step = (lr * (s.m[i]! / c1)) / (Math.sqrt(s.v[i]! / c2) + 1e-8);
    if (i < nw) w[i]! -= step;
    else b[i - nw]! -= step;
  }
}
