import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import type { InputSpec } from '../../models/manifest.ts';
import { prepareInput } from '../../pipeline/detect/preprocess.ts';

const spec = (over: Partial<InputSpec>): InputSpec => ({
  width: 64, height: 64, layout: 'NCHW', channels: 'RGB', resize: 'letterbox', padValue: 114,
  scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], ...over,
});

/** 200x100: left half pure red, right half pure blue. */
async function redBlue(): Promise<Sharp> {
  const half = (r: number, b: number) =>
    sharp({ create: { width: 100, height: 100, channels: 3, background: { r, g: 0, b } } }).png().toBuffer();
  const canvas = sharp({ create: { width: 200, height: 100, channels: 3, background: '#000' } })
    .composite([{ input: await half(255, 0), left: 0, top: 0 }, { input: await half(0, 255), left: 100, top: 0 }])
    .png();
  return sharp(await canvas.toBuffer());
}

// NCHW value of channel c at (x, y) in a 64x64 tensor.
const at = (t: Float32Array, c: number, x: number, y: number) => t[c * 64 * 64 + y * 64 + x]!;

describe('preprocessing into the model input', () => {
  it('letterboxes a wide image: content centred, grey bars above and below', async () => {
    const { tensor, dims, transform } = await prepareInput(await redBlue(), 200, 100, spec({}));
    expect(dims).toEqual([1, 3, 64, 64]);
    expect(transform).toMatchObject({ resizedWidth: 64, resizedHeight: 32, padLeft: 0, padTop: 16 });
    const grey = 114 / 255;
    expect(at(tensor, 0, 10, 2)).toBeCloseTo(grey, 5); // top bar
    expect(at(tensor, 2, 50, 62)).toBeCloseTo(grey, 5); // bottom bar
    expect(at(tensor, 0, 10, 32)).toBeCloseTo(1, 2); // red half: R = 1
    expect(at(tensor, 2, 10, 32)).toBeCloseTo(0, 2);
    expect(at(tensor, 0, 54, 32)).toBeCloseTo(0, 2); // blue half
    expect(at(tensor, 2, 54, 32)).toBeCloseTo(1, 2);
  });

  it('stretches without bars when the model was trained on stretched input', async () => {
    const { tensor, transform } = await prepareInput(await redBlue(), 200, 100, spec({ resize: 'stretch' }));
    expect(transform).toMatchObject({ resizedWidth: 64, resizedHeight: 64, padTop: 0, scaleX: 0.32, scaleY: 0.64 });
    expect(at(tensor, 0, 10, 1)).toBeCloseTo(1, 2);
    expect(at(tensor, 2, 60, 62)).toBeCloseTo(1, 2);
  });

  it('puts blue first for BGR models and interleaves channels for NHWC', async () => {
    const bgr = await prepareInput(await redBlue(), 200, 100, spec({ channels: 'BGR', resize: 'stretch' }));
    expect(at(bgr.tensor, 0, 10, 10)).toBeCloseTo(0, 2); // channel 0 is blue; left half is red
    expect(at(bgr.tensor, 2, 10, 10)).toBeCloseTo(1, 2);
    const nhwc = await prepareInput(await redBlue(), 200, 100, spec({ layout: 'NHWC', resize: 'stretch' }));
    expect(nhwc.dims).toEqual([1, 64, 64, 3]);
    const px = (x: number, y: number) => Array.from(nhwc.tensor.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)).map((v) => Math.round(v));
    expect(px(10, 10)).toEqual([1, 0, 0]);
    expect(px(60, 10)).toEqual([0, 0, 1]);
  });

  it('applies scale, mean and std per channel (0-255 models and ImageNet-normalised ones)', async () => {
    const raw = await prepareInput(await redBlue(), 200, 100, spec({ scale: 1, resize: 'stretch' }));
    expect(at(raw.tensor, 0, 10, 10)).toBeCloseTo(255, 0);
    const imagenet = spec({ resize: 'stretch', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const norm = await prepareInput(await redBlue(), 200, 100, imagenet);
    expect(at(norm.tensor, 0, 10, 10)).toBeCloseTo((1 - 0.485) / 0.229, 1);
    expect(at(norm.tensor, 1, 10, 10)).toBeCloseTo((0 - 0.456) / 0.224, 1);
  });

  it('turns greyscale and RGBA images into three channels', async () => {
    const grey = sharp({ create: { width: 30, height: 30, channels: 3, background: '#808080' } }).greyscale();
    const g = await prepareInput(sharp(await grey.png().toBuffer()), 30, 30, spec({ resize: 'stretch' }));
    expect(at(g.tensor, 0, 5, 5)).toBeCloseTo(at(g.tensor, 2, 5, 5), 5);
    const rgba = sharp({ create: { width: 30, height: 30, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } } });
    const a = await prepareInput(sharp(await rgba.png().toBuffer()), 30, 30, spec({ resize: 'stretch' }));
    expect(at(a.tensor, 1, 5, 5)).toBeCloseTo(1, 2);
  });
});
