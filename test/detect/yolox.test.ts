import { describe, expect, it } from 'vitest';
import { ModelFormatError, type DecoderSpec } from '../../pipeline/detect/decoders/types.ts';
import { decodeYolox } from '../../pipeline/detect/decoders/yolox.ts';
import { put, tensor } from './tensors.ts';

// 64x48 input: stride 8 -> 8x6 = 48 cells, 16 -> 4x3 = 12, 32 -> 2x2 = 4 (ceil(48/32) = 2); N = 64.
const spec: DecoderSpec = { modelId: 'yolox-test', inputWidth: 64, inputHeight: 48, numClasses: 2, minScore: 0.5 };

describe('decodeYolox', () => {
  it('decodes a stride-16 cell: centre (p + cell) * s, size exp(p) * s', () => {
    const t = tensor([1, 64, 7]);
    // Stride 16, cell x = 3, y = 1: anchor 48 + 1 * 4 + 3 = 55.
    put(t, [0, 55], [0.5, -0.25, Math.log(2), 0, 0.8, 0.9, 0.1]);
    const [c, ...rest] = decodeYolox({ output: t }, spec);
    expect(rest).toEqual([]);
    expect(c!.classIndex).toBe(0);
    expect(c!.score).toBeCloseTo(0.72, 6);
    // centre (56, 12), size 32 x 16.
    const expected = [40, 4, 72, 20];
    c!.box.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('walks the levels in stride order and cells row-major', () => {
    const t = tensor([1, 64, 7]);
    put(t, [0, 7], [0, 0, 0, 0, 1, 0, 1]); // stride 8, x = 7, y = 0: centre (56, 0)
    put(t, [0, 8], [0, 0, 0, 0, 1, 1, 0]); // stride 8, x = 0, y = 1: centre (0, 8)
    put(t, [0, 63], [0, 0, 0, 0, 1, 0, 1]); // stride 32, x = 1, y = 1: centre (32, 32)
    const out = decodeYolox({ output: t }, spec);
    expect(out.map((c) => [c.classIndex, c.box])).toEqual([
      [1, [52, -4, 60, 4]],
      [0, [-4, 4, 4, 12]],
      [1, [16, 16, 48, 48]],
    ]);
  });

  it('drops cells whose objectness times class is below minScore', () => {
    const t = tensor([1, 64, 7]);
    put(t, [0, 0], [0, 0, 0, 0, 0.6, 0.8, 0]); // 0.48
    put(t, [0, 1], [0, 0, 0, 0, 0.4, 1, 1]); // objectness alone fails
    expect(decodeYolox({ output: t }, spec)).toEqual([]);
  });

  it('rejects an N that does not fit the input size and strides', () => {
    const call = () => decodeYolox({ output: tensor([1, 3549, 7]) }, spec);
    expect(call).toThrow(ModelFormatError);
    expect(call).toThrow(/model yolox-test: yolox expects .*\[1,64,7\].*output \[1,3549,7\]/);
  });

  it('expects 3549 rows at 416x416', () => {
    const at416 = { ...spec, inputWidth: 416, inputHeight: 416, numClasses: 80 };
    expect(decodeYolox({ output: tensor([1, 3549, 85]) }, at416)).toEqual([]);
  });
});
