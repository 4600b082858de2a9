import { describe, expect, it } from 'vitest';
import { ModelFormatError, type DecoderSpec } from '../../pipeline/detect/decoders/types.ts';
import { decodeYolov5 } from '../../pipeline/detect/decoders/yolov5.ts';
import { put, tensor } from './tensors.ts';

const spec: DecoderSpec = { modelId: 'v5-test', inputWidth: 640, inputHeight: 640, numClasses: 2, minScore: 0.5 };

describe('decodeYolov5', () => {
  it('scores objectness times class and converts centre/size to corners', () => {
    const t = tensor([1, 3, 7]);
    put(t, [0, 0], [50, 40, 20, 10, 0.9, 0.2, 0.8]); // 0.9 * 0.8 = 0.72, class 1
    put(t, [0, 1], [60, 60, 10, 10, 0.5, 0.9, 0.1]); // 0.45: both factors pass, the product does not
    put(t, [0, 2], [70, 70, 10, 10, 0.3, 1.0, 1.0]); // objectness fails
    const out = decodeYolov5({ output: t }, spec);
    expect(out).toHaveLength(1);
    expect(out[0]!.classIndex).toBe(1);
    expect(out[0]!.score).toBeCloseTo(0.72, 6);
    expect(out[0]!.box).toEqual([40, 35, 60, 45]);
  });

  it('rejects the channel-major layout and names the shapes', () => {
    const call = () => decodeYolov5({ output: tensor([1, 7, 3]) }, spec);
    expect(call).toThrow(ModelFormatError);
    expect(call).toThrow(/model v5-test: yolov5 expects .*\[1,N,7\].*output \[1,7,3\]/);
  });

  it('rejects a class count that does not match the labels', () => {
    expect(() => decodeYolov5({ output: tensor([1, 3, 85]) }, spec)).toThrow(/\[1,N,7\].*\[1,3,85\]/);
  });
});
