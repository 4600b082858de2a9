// The MLP head learns what softmax regression cannot: classes laid out as XOR over two features
// (among noise features) are not linearly separable; one hidden layer separates them.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../models/train/crop-augment.ts';
import { argmax } from '../../models/train/classify-metrics.ts';
import { mlpProbabilities, trainMlpHead } from '../../models/train/mlp-head.ts';
import { headProbabilities, trainSoftmaxHead, type Labelled } from '../../models/train/softmax-head.ts';

function xorTask(n: number, seed: number): Labelled {
  const rand = seededRandom(seed);
  const x: Float32Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rand() < 0.5 ? -1 : 1;
    const b = rand() < 0.5 ? -1 : 1;
    const v = Float32Array.from({ length: 16 }, () => rand() - 0.5);
    v[0] = a + (rand() - 0.5) * 0.6;
    v[1] = b + (rand() - 0.5) * 0.6;
    x.push(v);
    y.push(a * b > 0 ? 1 : 0);
  }
  return { x, y };
}

function accuracy(probabilities: (x: Float32Array) => Float32Array, data: Labelled): number {
  return data.x.filter((v, i) => argmax(probabilities(v)) === data.y[i]).length / data.x.length;
}

describe('trainMlpHead', () => {
  const train = xorTask(240, 1);
  const validation = xorTask(60, 2);
  const test = xorTask(200, 3);

  it('learns a task that is separable but not linearly, where softmax regression stays near chance', () => {
    const mlp = trainMlpHead(train, validation, 2, { hidden: 16, learningRate: 0.01, maxEpochs: 400, patience: 50 });
    const linear = trainSoftmaxHead(train, validation, 2);
    expect(accuracy((v) => mlpProbabilities(mlp.head, v), test)).toBeGreaterThan(0.9);
    expect(accuracy((v) => headProbabilities(linear.head, v), test)).toBeLessThan(0.7);
  });

  it('trains the same head from the same seed and data', () => {
    const a = trainMlpHead(train, validation, 2, { hidden: 8, maxEpochs: 20, seed: 5 });
    const b = trainMlpHead(train, validation, 2, { hidden: 8, maxEpochs: 20, seed: 5 });
    expect(Array.from(a.head.w1)).toEqual(Array.from(b.head.w1));
    expect(Array.from(mlpProbabilities(a.head, test.x[0]!))).toEqual(Array.from(mlpProbabilities(b.head, test.x[0]!)));
  });

  it('gives probabilities that sum to one', () => {
    const { head } = trainMlpHead(train, validation, 2, { hidden: 8, maxEpochs: 10 });
    for (const v of test.x.slice(0, 10)) {
      const p = mlpProbabilities(head, v);
      expect(p[0]! + p[1]!).toBeCloseTo(1, 5);
    }
  });

  it('refuses an empty training set', () => {
    expect(() => trainMlpHead({ x: [], y: [] }, validation, 2)).toThrow(/no training crops/);
  });
});
