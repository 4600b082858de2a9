import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../pipeline/detect/decoders/types.ts';
import { iou, nms } from '../../pipeline/detect/nms.ts';

const cand = (classIndex: number, score: number, box: Candidate['box']): Candidate => ({ classIndex, score, box });

describe('iou', () => {
  it('is 1 for identical boxes and 0 for disjoint or edge-touching ones', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
  });

  it('computes partial overlaps', () => {
    // Overlap 5x10 = 50, union 100 + 100 - 50 = 150.
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 12);
    // Contained: 25 / 100.
    expect(iou([0, 0, 10, 10], [0, 0, 5, 5])).toBe(0.25);
    // Corner overlap: 2x3 = 6 over 16 + 30 - 6 = 40.
    expect(iou([0, 0, 4, 4], [2, 1, 8, 6])).toBeCloseTo(6 / 40, 12);
  });

  it('is symmetric', () => {
    expect(iou([2, 1, 8, 6], [0, 0, 4, 4])).toBe(iou([0, 0, 4, 4], [2, 1, 8, 6]));
  });

  it('gives 0, not NaN, for zero-area and inverted boxes', () => {
    expect(iou([5, 5, 5, 5], [5, 5, 5, 5])).toBe(0);
    expect(iou([0, 5, 10, 5], [0, 5, 10, 5])).toBe(0);
    expect(iou([2, 2, 2, 8], [0, 0, 10, 10])).toBe(0);
    expect(iou([10, 10, 0, 0], [0, 0, 10, 10])).toBe(0);
  });
});

describe('nms', () => {
  it('suppresses an overlapping lower-scored box of the same class', () => {
    const kept = nms([cand(0, 0.6, [5, 0, 15, 10]), cand(0, 0.9, [0, 0, 10, 10])], 0.3);
    expect(kept).toEqual([cand(0, 0.9, [0, 0, 10, 10])]);
  });

  it('keeps overlapping boxes of different classes', () => {
    const kept = nms([cand(0, 0.9, [0, 0, 10, 10]), cand(1, 0.8, [0, 0, 10, 10])]);
    expect(kept.map((c) => c.classIndex)).toEqual([0, 1]);
  });

  it('suppresses only above the threshold (IoU equal to it is kept)', () => {
    // IoU = 1/3 exactly for these two.
    const pair = [cand(0, 0.9, [0, 0, 10, 10]), cand(0, 0.8, [5, 0, 15, 10])];
    expect(nms(pair, 0.5)).toHaveLength(2);
    expect(nms(pair, 0.3)).toHaveLength(1);
    // Contained box, IoU 0.25: threshold exactly 0.25 keeps it.
    expect(nms([cand(0, 0.9, [0, 0, 10, 10]), cand(0, 0.8, [0, 0, 5, 5])], 0.25)).toHaveLength(2);
  });

  it('uses 0.45 by default', () => {
    // IoU 0.5 > 0.45: suppressed. IoU 0.4 < 0.45: kept.
    expect(nms([cand(0, 0.9, [0, 0, 10, 10]), cand(0, 0.8, [0, 0, 10, 5])])).toHaveLength(1);
    expect(nms([cand(0, 0.9, [0, 0, 10, 10]), cand(0, 0.8, [0, 0, 10, 4])])).toHaveLength(2);
  });

  it('is greedy: a suppressed box does not suppress others', () => {
    // A overlaps B (IoU 1/3), B overlaps C (1/3), A and C do not overlap.
    const a = cand(0, 0.9, [0, 0, 10, 10]);
    const b = cand(0, 0.8, [5, 0, 15, 10]);
    const c = cand(0, 0.7, [10, 0, 20, 10]);
    expect(nms([c, b, a], 0.3)).toEqual([a, c]);
  });

  it('never lets zero-area boxes suppress each other', () => {
    const kept = nms([cand(0, 0.9, [3, 3, 3, 3]), cand(0, 0.8, [3, 3, 3, 3])], 0);
    expect(kept).toHaveLength(2);
  });

  it('returns scores descending across classes, ties in input order, capped by maxDetections', () => {
    const input = [
      cand(2, 0.5, [0, 0, 1, 1]),
      cand(1, 0.7, [0, 0, 1, 1]),
      cand(0, 0.5, [5, 5, 6, 6]),
      cand(1, 0.9, [5, 5, 6, 6]),
    ];
    expect(nms(input).map((c) => [c.classIndex, c.score])).toEqual([
      [1, 0.9],
      [1, 0.7],
      [2, 0.5],
      [0, 0.5],
    ]);
    expect(nms(input, 0.45, 2).map((c) => c.score)).toEqual([0.9, 0.7]);
    // Ties across classes follow input order, not the order classes were first seen.
    const ties = [cand(0, 0.9, [0, 0, 1, 1]), cand(1, 0.5, [0, 0, 1, 1]), cand(0, 0.5, [5, 5, 6, 6])];
    expect(nms(ties)).toEqual([ties[0], ties[1], ties[2]]);
    expect(nms(input, 0.45, 0)).toEqual([]);
  });

  it('does not modify its input', () => {
    const input = [cand(0, 0.1, [0, 0, 10, 10]), cand(0, 0.9, [0, 0, 10, 10])];
    const copy = structuredClone(input);
    nms(input);
    expect(input).toEqual(copy);
  });

  it('handles a few thousand candidates quickly and still suppresses correctly', () => {
    // 3000 boxes in a 10-class grid: each class has a column of heavily overlapping boxes.
    const input: Candidate[] = [];
    for (let i = 0; i < 3000; i++) {
      const cls = i % 10;
      const y = Math.floor(i / 10) * 0.01;
      input.push(cand(cls, 1 - i / 3000, [cls * 100, y, cls * 100 + 50, y + 50]));
    }
    const t = performance.now();
    const kept = nms(input);
    expect(performance.now() - t).toBeLessThan(500);
    // Within a class all boxes overlap the first almost entirely: one per class survives.
    expect(kept.map((c) => c.classIndex).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
