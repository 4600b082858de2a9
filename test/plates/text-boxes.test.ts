import { describe, expect, it } from 'vitest';
import { ctcGreedy, paddleCharset } from '../../pipeline/plates/ctc.ts';
import { findTextBoxes, mergeLineBoxes, PADDLE_DB_DEFAULTS } from '../../pipeline/plates/text-boxes.ts';

/** A width x height map with rectangles [x1, y1, x2, y2) filled with a probability. */
function map(width: number, height: number, rects: Array<[number, number, number, number, number]>): Float32Array {
  const m = new Float32Array(width * height);
  for (const [x1, y1, x2, y2, p] of rects) {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) m[y * width + x] = p;
  }
  return m;
}

describe('DB text boxes', () => {
  it('finds each kernel and grows it back by area * ratio / perimeter', () => {
    const boxes = findTextBoxes(map(100, 40, [[10, 10, 50, 20, 0.9], [60, 12, 90, 18, 0.8]]), 100, 40);
    expect(boxes).toHaveLength(2);
    // 40x10 kernel: offset = 400 * 1.5 / 100 = 6.
    expect(boxes[0]!.box).toEqual([4, 4, 56, 26]);
    expect(boxes[0]!.score).toBeCloseTo(0.9, 6);
    // 30x6 kernel: offset = 180 * 1.5 / 72 = 3.75.
    expect(boxes[1]!.box.map((v) => Math.round(v * 100) / 100)).toEqual([56.25, 8.25, 93.75, 21.75]);
  });

  it('clips grown boxes to the map', () => {
    const [box] = findTextBoxes(map(50, 20, [[0, 0, 20, 5, 0.9]]), 50, 20);
    expect(box!.box[0]).toBe(0);
    expect(box!.box[1]).toBe(0);
  });

  it('drops faint regions, thin specks and pixels below the threshold', () => {
    const m = map(100, 40, [[10, 10, 50, 20, 0.5], [60, 10, 62, 30, 0.95], [70, 10, 90, 20, 0.25]]);
    expect(findTextBoxes(m, 100, 40)).toEqual([]);
    expect(findTextBoxes(m, 100, 40, { ...PADDLE_DB_DEFAULTS, boxThreshold: 0.4 })).toHaveLength(1);
  });

  it('joins diagonal neighbours into one kernel (8-connected)', () => {
    const m = map(20, 20, [[2, 2, 6, 6, 0.9], [6, 6, 10, 10, 0.9]]);
    expect(findTextBoxes(m, 20, 20)).toHaveLength(1);
  });

  it('refuses a map of the wrong size', () => {
    expect(() => findTextBoxes(new Float32Array(10), 4, 4)).toThrow(/holds 10 values, 4x4 needs 16/);
  });

  it('merges the two halves of a plate split at its dot, but not two lines', () => {
    const left = { box: [10, 10, 40, 30] as [number, number, number, number], score: 0.9 };
    const right = { box: [48, 11, 120, 31] as [number, number, number, number], score: 0.8 };
    const below = { box: [10, 40, 120, 60] as [number, number, number, number], score: 0.7 };
    const lines = mergeLineBoxes([right, below, left]);
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.box[1] === 10)).toEqual({ box: [10, 10, 120, 31], score: 0.8 });
  });
});

describe('CTC greedy decoding', () => {
  const charset = paddleCharset('A\nB\n');
  it('maps class 0 to blank, the dictionary to 1..n and a space last', () => {
    expect(charset).toEqual(['', 'A', 'B', ' ']);
  });

  it('collapses repeats, drops blanks, and keeps a letter doubled across a blank', () => {
    // Steps: A A blank A B B space
    const steps = [1, 1, 0, 1, 2, 2, 3];
    const probs = new Float32Array(steps.length * 4);
    steps.forEach((c, t) => {
      probs.fill(0.1 / 3, t * 4, t * 4 + 4);
      probs[t * 4 + c] = 0.9;
    });
    const out = ctcGreedy(probs, steps.length, 4, charset);
    expect(out.map((c) => c.char).join('')).toBe('AAB ');
    expect(out[0]!.prob).toBeCloseTo(0.9, 6);
  });

  it('refuses a dictionary that does not fit the recogniser', () => {
    expect(() => ctcGreedy(new Float32Array(10), 2, 5, charset)).toThrow(/5 classes but the dictionary gives 4/);
  });
});
