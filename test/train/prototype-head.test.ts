// The nearest-class-mean head, written as a softmax head: it learns a task whose classes differ in
// direction, chooses exactly the class whose centred mean is nearest in cosine, counts a class of 3
// crops as much as one of 300, and never chooses a class it had no crops of.
import { describe, expect, it } from 'vitest';
import { argmax } from '../../models/train/classify-metrics.ts';
import { seededRandom } from '../../models/train/crop-augment.ts';
import { trainPrototypeHead } from '../../models/train/prototype-head.ts';
import { headProbabilities, type Labelled } from '../../models/train/softmax-head.ts';
import { normalise } from '../../pipeline/embed/pool-features.ts';

/** Unit vectors around a shared offset (what every crop has in common) plus one direction per class. */
function task(perClass: number[], seed: number, noise = 0.6): Labelled {
  const rand = seededRandom(seed);
  const d = 24;
  const x: Float32Array[] = [];
  const y: number[] = [];
  perClass.forEach((n, c) => {
    for (let i = 0; i < n; i++) {
      const v = Float32Array.from({ length: d }, (_, j) => (j === d - 1 ? 3 : 0) + (rand() - 0.5) * noise);
      v[c] = v[c]! + 1;
      x.push(normalise(v));
      y.push(c);
    }
  });
  return { x, y };
}

const accuracyOf = (head: ReturnType<typeof trainPrototypeHead>, data: Labelled, cls?: number) =>
  data.x.filter((v, i) => (cls === undefined || data.y[i] === cls) && argmax(headProbabilities(head, v)) === data.y[i]).length /
  data.y.filter((c) => cls === undefined || c === cls).length;

describe('trainPrototypeHead', () => {
  it('learns classes that differ in direction, a rare class as well as a common one', () => {
    const head = trainPrototypeHead(task([300, 3, 40], 1), 3);
    const test = task([100, 100, 100], 2);
    expect(accuracyOf(head, test, 0)).toBeGreaterThan(0.85);
    expect(accuracyOf(head, test, 1)).toBeGreaterThan(0.85);
    expect(accuracyOf(head, test, 2)).toBeGreaterThan(0.85);
  });

  it('chooses the class whose centred mean direction has the highest cosine', () => {
    const train = task([20, 20, 20], 3, 2);
    const head = trainPrototypeHead(train, 3);
    const unit = (v: Float32Array) => normalise(Float32Array.from(v, (a, j) => a - head.mean[j]!));
    const centredMeans = [0, 1, 2].map((c) => {
      const m = new Float32Array(24);
      train.x.forEach((v, i) => train.y[i] === c && unit(v).forEach((a, j) => (m[j]! += a)));
      return normalise(m);
    });
    for (const v of task([10, 10, 10], 4, 2).x) {
      const u = unit(v);
      const cosines = centredMeans.map((m) => m.reduce((s, a, j) => s + a * u[j]!, 0));
      expect(argmax(headProbabilities(head, v))).toBe(argmax(cosines));
    }
  });

  it('never chooses a class it had no crops of, and refuses an empty training set', () => {
    const train = task([30, 0, 30], 5);
    const head = trainPrototypeHead(train, 3);
    for (const v of task([0, 20, 0], 6).x) {
      const p = headProbabilities(head, v);
      expect(argmax(p)).not.toBe(1);
      expect(p[1]!).toBeLessThan(1e-6);
    }
    expect(() => trainPrototypeHead({ x: [], y: [] }, 3)).toThrow(/no training crops/);
  });
});
