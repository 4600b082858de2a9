// The pieces of the verdict measurement (models/train/verdict-features.ts): judging detections
// against labelled boxes, precision at a fixed recall, and the extra inputs of a verdict head.
import { describe, expect, it } from 'vitest';
import { judgeDetections, precisionAtRecall, scoreLogit, verdictFeatures } from '../../models/train/verdict-features.ts';

describe('verdict features', () => {
  it('confirms a detection on an unclaimed labelled box of its label, highest score first', () => {
    const truth = [
      { label: 'car', box: [0, 0, 100, 100] as [number, number, number, number] },
      { label: 'person', box: [200, 0, 250, 100] as [number, number, number, number], ignore: true },
    ];
    const judged = judgeDetections(
      [
        { label: 'car', score: 0.5, box: [5, 5, 100, 100] }, // a second box on the same car
        { label: 'car', score: 0.9, box: [0, 0, 98, 100] },
        { label: 'truck', score: 0.8, box: [0, 0, 100, 100] }, // right place, wrong label
        { label: 'person', score: 0.7, box: [200, 0, 250, 100] }, // on an ignored box: not a match
        { label: 'car', score: 0.6, box: [60, 60, 160, 160] }, // IoU under 0.5
      ],
      truth,
    );
    expect(judged.map((d) => [d.score, d.confirmed])).toEqual([[0.9, true], [0.8, false], [0.7, false], [0.6, false], [0.5, false]]);
  });

  it('measures precision at the first rank that reaches the recall, ties taken together', () => {
    const items = [
      { score: 0.9, confirmed: true },
      { score: 0.8, confirmed: false },
      { score: 0.7, confirmed: true },
      { score: 0.6, confirmed: true },
      { score: 0.5, confirmed: false },
      { score: 0.4, confirmed: true },
    ];
    expect(precisionAtRecall(items, 0.5)).toBeCloseTo(2 / 3);
    expect(precisionAtRecall(items, 0.75)).toBeCloseTo(3 / 4);
    expect(precisionAtRecall(items, 1)).toBeCloseTo(4 / 6);
    const tied = [{ score: 0.9, confirmed: true }, { score: 0.5, confirmed: false }, { score: 0.5, confirmed: true }];
    expect(precisionAtRecall(tied, 1)).toBeCloseTo(2 / 3);
    expect(precisionAtRecall(tied, 0.5)).toBe(1);
    expect(precisionAtRecall([{ score: 0.3, confirmed: false }], 0.5)).toBeNull();
  });

  it('appends the score’s logit and the label’s one-hot to the embedding; an unseen label is all zeros', () => {
    const f = verdictFeatures(Float32Array.of(0.5, -1), 0.75, 'truck', ['car', 'truck']);
    expect(Array.from(f)).toEqual([0.5, -1, Math.fround(Math.log(3)), 0, 1]);
    expect(Array.from(verdictFeatures(new Float32Array(0), 0.5, 'bus', ['car', 'truck']))).toEqual([0, 0, 0]);
    expect(Number.isFinite(scoreLogit(1))).toBe(true);
    expect(Number.isFinite(scoreLogit(0))).toBe(true);
  });
});
