// A one-hidden-layer head (ReLU) on standardised backbone features, the alternative to softmax
// regression that crop-features' measurements weigh (models/README.md): the same class weights,
// weight decay and early stopping on a validation part, full-batch Adam, and a seeded start so the
// same crops train the same head.
import { classWeights, softmax, standardiser, type Labelled } from './softmax-head.ts';
import { seededRandom } from './crop-augment.ts';

export interface MlpHead {
  classes: number;
  dimensions: number;
  hidden: number;
  mean: Float32Array;
  std: Float32Array;
  /** [hidden × dimensions], row-major. */
  w1: Float32Array;
  b1: Float32Array;
  /** [classes × hidden], row-major. */
  w2: Float32Array;
  b2: Float32Array;
}

export interface MlpOptions {
  hidden?: number;
  l2?: number;
  maxEpochs?: number;
  patience?: number;
  learningRate?: number;
  seed?: number;
}

export function trainMlpHead(train: Labelled, validation: Labelled, classes: number, o: MlpOptions = {}): { head: MlpHead; epochs: number; validationLoss: number } {
  if (train.x.length === 0) throw new Error('no training crops');
  const d = train.x[0]!.length;
  const h = o.hidden ?? 64;
  const l2 = o.l2 ?? 1e-2;
  const lr = o.learningRate ?? 1e-3;
  const maxEpochs = o.maxEpochs ?? 200;
  const patience = o.patience ?? 20;
  const { mean, std } = standardiser(train.x);
  const xs = train.x.map((v) => Float32Array.from(v, (a, j) => (a - mean[j]!) / std[j]!));
  const xv = validation.x.map((v) => Float32Array.from(v, (a, j) => (a - mean[j]!) / std[j]!));
  const rand = seededRandom(o.seed ?? 1);
  // He initialisation: ReLU units start with inputs of unit variance.
  const w1 = Float32Array.from({ length: h * d }, () => (rand() * 2 - 1) * Math.sqrt(6 / d));
  const b1 = new Float32Array(h);
  const w2 = Float32Array.from({ length: classes * h }, () => (rand() * 2 - 1) * Math.sqrt(6 / h));
  const b2 = new Float32Array(classes);
  const params = [w1, b1, w2, b2];
  const grads = params.map((p) => new Float32Array(p.length));
  const adam = params.map((p) => ({ m: new Float32Array(p.length), v: new Float32Array(p.length) }));
  const cw = classWeights(train.y, classes);
  const head = (): MlpHead => ({ classes, dimensions: d, hidden: h, mean, std, w1: w1.slice(), b1: b1.slice(), w2: w2.slice(), b2: b2.slice() });
  let best = { loss: Infinity, epoch: 0, head: head() };
  let t = 0;
  const hidden = new Float32Array(h);
  const dh = new Float32Array(h);
  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    for (const g of grads) g.fill(0);
    let total = 0;
    for (const c of train.y) total += cw[c]!;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const p = forward(x, w1, b1, w2, b2, d, h, classes, hidden);
      const scale = cw[train.y[i]!]! / total;
      dh.fill(0);
      for (let c = 0; c < classes; c++) {
        const g = (p[c]! - (c === train.y[i] ? 1 : 0)) * scale;
        grads[3]![c]! += g;
        for (let u = 0; u < h; u++) {
          grads[2]![c * h + u]! += g * hidden[u]!;
          dh[u]! += g * w2[c * h + u]!;
        }
      }
      for (let u = 0; u < h; u++) {
        if (hidden[u]! <= 0 || dh[u] === 0) continue;
        const g = dh[u]!;
        grads[1]![u]! += g;
        const row = u * d;
        const gw = grads[0]!;
        for (let j = 0; j < d; j++) gw[row + j]! += g * x[j]!;
      }
    }
    for (let j = 0; j < w1.length; j++) grads[0]![j]! += l2 * w1[j]!;
    for (let j = 0; j < w2.length; j++) grads[2]![j]! += l2 * w2[j]!;
    t++;
    params.forEach((p, k) => adamStep(p, grads[k]!, adam[k]!, t, lr));
    if (xv.length > 0) {
      const loss = weightedLoss(xv, validation.y, cw, (x) => forward(x, w1, b1, w2, b2, d, h, classes, hidden));
      if (loss < best.loss - 1e-6) best = { loss, epoch, head: head() };
      else if (epoch - best.epoch >= patience) break;
    } else best = { loss: NaN, epoch, head: head() };
  }
  return { head: best.head, epochs: best.epoch, validationLoss: best.loss };
}

/** Class probabilities for one (unstandardised) feature vector. */
export function mlpProbabilities(m: MlpHead, x: Float32Array): Float32Array {
  const z = Float32Array.from(x, (a, j) => (a - m.mean[j]!) / m.std[j]!);
  return forward(z, m.w1, m.b1, m.w2, m.b2, m.dimensions, m.hidden, m.classes, new Float32Array(m.hidden));
}

function forward(x: Float32Array, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array, d: number, h: number, k: number, hidden: Float32Array): Float32Array {
  for (let u = 0; u < h; u++) {
    let s = b1[u]!;
    const row = u * d;
    for (let j = 0; j < d; j++) s += w1[row + j]! * x[j]!;
    hidden[u] = s > 0 ? s : 0;
  }
  const z = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    let s = b2[c]!;
    for (let u = 0; u < h; u++) s += w2[c * h + u]! * hidden[u]!;
    z[c] = s;
  }
  return softmax(z);
}

function weightedLoss(xs: Float32Array[], y: readonly number[], cw: Float64Array, probs: (x: Float32Array) => Float32Array): number {
  let loss = 0;
  let total = 0;
  xs.forEach((x, i) => {
    const w = cw[y[i]!]! || 1;
    loss -= w * Math.log(Math.max(probs(x)[y[i]!]!, 1e-12));
    total += w;
  });
  return loss / total;
}

function adamStep(p: Float32Array, g: Float32Array, s: { m: Float32Array; v: Float32Array }, t: number, lr: number): void {
  const c1 = 1 - 0.9 ** t;
  const c2 = 1 - 0.999 ** t;
  for (let i = 0; i < p.length; i++) {
    s.m[i] = 0.9 * s.m[i]! + 0.1 * g[i]!;
    s.v[i] = 0.999 * s.v[i]! + 0.001 * g[i]! * g[i]!;
    p[i]! -= (lr * (s.m[i]! / c1)) / (Math.sqrt(s.v[i]! / c2) + 1e-8);
  }
}
