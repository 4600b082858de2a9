// Training views of a crop: the same seed and name give the same windows (so a tree trains the same
// head every run), other names or seeds give others, and every window lies inside the crop.
import { describe, expect, it } from 'vitest';
import { jitterWindows, seededRandom, type Augmentation } from '../../models/train/crop-augment.ts';

const a: Augmentation = { views: 6, minSide: 0.8, seed: 7 };

describe('jitterWindows', () => {
  it('is deterministic given the seed and the crop name', () => {
    expect(jitterWindows(120, 80, a, 'cam1__3.jpg')).toEqual(jitterWindows(120, 80, a, 'cam1__3.jpg'));
    expect(jitterWindows(120, 80, a, 'cam1__3.jpg')).not.toEqual(jitterWindows(120, 80, a, 'cam1__4.jpg'));
    expect(jitterWindows(120, 80, a, 'cam1__3.jpg')).not.toEqual(jitterWindows(120, 80, { ...a, seed: 8 }, 'cam1__3.jpg'));
  });

  it('keeps every window inside the crop and at least minSide of each side, give or take the stretch', () => {
    for (const [w, h] of [[120, 80], [33, 200], [1, 1], [640, 480]] as const) {
      const windows = jitterWindows(w, h, { ...a, views: 50 }, `${w}x${h}`);
      expect(windows).toHaveLength(50);
      for (const r of windows) {
        expect(r.left).toBeGreaterThanOrEqual(0);
        expect(r.top).toBeGreaterThanOrEqual(0);
        expect(r.left + r.width).toBeLessThanOrEqual(w);
        expect(r.top + r.height).toBeLessThanOrEqual(h);
        expect(r.width).toBeGreaterThanOrEqual(Math.max(1, Math.floor(w * 0.8 * 0.95)));
        expect(r.height).toBeGreaterThanOrEqual(Math.max(1, Math.floor(h * 0.8 * 0.95)));
      }
    }
  });

  it('gives no windows for zero views, and refuses a bad size or setting by name', () => {
    expect(jitterWindows(50, 50, { ...a, views: 0 }, 'x')).toEqual([]);
    expect(() => jitterWindows(0, 50, a, 'x')).toThrow(/crop size 0x50/);
    expect(() => jitterWindows(50, 50, { ...a, views: -1 }, 'x')).toThrow(/views -1/);
    expect(() => jitterWindows(50, 50, { ...a, minSide: 0 }, 'x')).toThrow(/minSide 0/);
    expect(() => jitterWindows(50, 50, { ...a, minSide: 1.5 }, 'x')).toThrow(/minSide 1.5/);
  });

  it('draws from a seeded generator spread over [0, 1)', () => {
    const r = seededRandom(42);
    const draws = Array.from({ length: 2000 }, r);
    expect(draws.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(draws.filter((v) => v < 0.5).length).toBeGreaterThan(900);
    expect(draws.filter((v) => v < 0.5).length).toBeLessThan(1100);
    expect(Array.from({ length: 5 }, seededRandom(42))).toEqual(draws.slice(0, 5));
  });
});
