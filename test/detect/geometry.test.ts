import { describe, expect, it } from 'vitest';
import { planResize, toSourceBox } from '../../pipeline/detect/geometry.ts';

describe('planResize', () => {
  it('letterboxes 1920x1080 into 640x640 with 140 rows of padding above', () => {
    expect(planResize(1920, 1080, 640, 640, 'letterbox')).toEqual({
      mode: 'letterbox',
      srcWidth: 1920,
      srcHeight: 1080,
      dstWidth: 640,
      dstHeight: 640,
      scaleX: 1 / 3,
      scaleY: 1 / 3,
      padLeft: 0,
      padTop: 140,
      resizedWidth: 640,
      resizedHeight: 360,
    });
  });

  it('letterboxes portrait sources with padding left and right', () => {
    const t = planResize(1080, 1920, 640, 640, 'letterbox');
    expect([t.resizedWidth, t.resizedHeight, t.padLeft, t.padTop]).toEqual([360, 640, 140, 0]);
  });

  it('rounds resized dims and gives the odd padding pixel to the bottom', () => {
    // r = 0.64; 51 * 0.64 = 32.64 -> 33 rows, 31 rows of padding: 15 above, 16 below.
    const t = planResize(100, 51, 64, 64, 'letterbox');
    expect([t.resizedWidth, t.resizedHeight, t.padLeft, t.padTop]).toEqual([64, 33, 0, 15]);
    expect(t.scaleY).toBe(33 / 51);
  });

  it('stretches to the model size with independent scales', () => {
    const t = planResize(1920, 1080, 640, 640, 'stretch');
    expect([t.scaleX, t.scaleY, t.padLeft, t.padTop, t.resizedWidth, t.resizedHeight]).toEqual([
      1 / 3,
      640 / 1080,
      0,
      0,
      640,
      640,
    ]);
  });

  it('upscales small sources', () => {
    const t = planResize(320, 240, 640, 640, 'letterbox');
    expect([t.scaleX, t.scaleY, t.resizedWidth, t.resizedHeight, t.padLeft, t.padTop]).toEqual([
      2, 2, 640, 480, 0, 80,
    ]);
  });

  it('rejects non-positive or fractional sizes', () => {
    expect(() => planResize(0, 1080, 640, 640, 'letterbox')).toThrow(/srcW/);
    expect(() => planResize(1920, 1080, 640.5, 640, 'stretch')).toThrow(/dstW/);
  });
});

describe('toSourceBox', () => {
  it('undoes a letterbox exactly', () => {
    const t = planResize(1920, 1080, 640, 640, 'letterbox');
    // x * 3, (y - 140) * 3.
    expect(toSourceBox([100, 200, 300, 400], t)).toEqual([300, 180, 900, 780]);
  });

  it('undoes a stretch exactly', () => {
    const t = planResize(1920, 1080, 640, 640, 'stretch');
    // x * 3, y * 1080 / 640.
    expect(toSourceBox([100, 200, 300, 400], t)).toEqual([300, 337.5, 900, 675]);
  });

  it('clips to the source image, including boxes reaching into the padding', () => {
    const t = planResize(1920, 1080, 640, 640, 'letterbox');
    // y1 in the top padding: (100 - 140) * 3 = -120 -> 0; x2 = 2100 -> 1920; y2 = (600 - 140) * 3 = 1380 -> 1080.
    expect(toSourceBox([-10, 100, 700, 600], t)).toEqual([0, 0, 1920, 1080]);
    // Entirely inside the bottom padding: collapses onto the bottom edge.
    expect(toSourceBox([10, 510, 20, 520], t)).toEqual([30, 1080, 60, 1080]);
  });

  it('maps the letterboxed content edges onto the source edges', () => {
    const t = planResize(100, 51, 64, 64, 'letterbox');
    const content = [t.padLeft, t.padTop, t.padLeft + t.resizedWidth, t.padTop + t.resizedHeight] as const;
    const [x1, y1, x2, y2] = toSourceBox(content, t);
    expect(x1).toBe(0);
    expect(y1).toBe(0);
    expect(x2).toBeCloseTo(100, 10);
    expect(y2).toBeCloseTo(51, 10);
  });

  it('round-trips a source box through model pixels', () => {
    const src = [123, 456, 789, 1011] as const;
    for (const mode of ['letterbox', 'stretch'] as const) {
      const t = planResize(1920, 1080, 416, 416, mode);
      const model = [
        src[0] * t.scaleX + t.padLeft,
        src[1] * t.scaleY + t.padTop,
        src[2] * t.scaleX + t.padLeft,
        src[3] * t.scaleY + t.padTop,
      ] as const;
      const back = toSourceBox(model, t);
      back.forEach((v, i) => expect(v).toBeCloseTo(src[i]!, 9));
    }
  });
});
