import { describe, expect, it } from 'vitest';
import { ModelFormatError, type DecoderSpec } from '../../pipeline/detect/decoders/types.ts';
import { decodeYolov8 } from '../../pipeline/detect/decoders/yolov8.ts';
import { tensor } from './tensors.ts';

const spec: DecoderSpec = { modelId: 'v8-test', inputWidth: 640, inputHeight: 640, numClasses: 3, minScore: 0.25 };

// Channel-major [1, 7, 3]: row c holds feature c of anchors 0, 1, 2.
function twoAnchorsAndBackground() {
  const t = tensor([1, 7, 3]);
  t.data.set([
    100, 10, 300, // cx
    50, 20, 300, // cy
    40, 4, 10, // w
    20, 8, 10, // h
    0.1, 0.6, 0.2, // class 0
    0.7, 0.1, 0.1, // class 1
    0.3, 0.05, 0.24, // class 2
  ]);
  return { output0: t };
}

describe('decodeYolov8', () => {
  it('decodes each anchor from its column, best class, no objectness', () => {
    const out = decodeYolov8(twoAnchorsAndBackground(), spec);
    expect(out).toHaveLength(2);
    expect(out[0]!.classIndex).toBe(1);
    expect(out[0]!.score).toBeCloseTo(0.7, 6);
    expect(out[0]!.box).toEqual([80, 40, 120, 60]);
    expect(out[1]!.classIndex).toBe(0);
    expect(out[1]!.score).toBeCloseTo(0.6, 6);
    expect(out[1]!.box).toEqual([8, 16, 12, 24]);
  });

  it('drops anchors whose best class is below minScore', () => {
    const out = decodeYolov8(twoAnchorsAndBackground(), { ...spec, minScore: 0.65 });
    expect(out.map((c) => c.classIndex)).toEqual([1]);
  });

  it('finds the output by shape whatever it is called', () => {
    const { output0 } = twoAnchorsAndBackground();
    const out = decodeYolov8({ proto: tensor([1, 32, 160, 160]), detections: output0 }, spec);
    expect(out).toHaveLength(2);
  });

  it('rejects a transposed [1, N, 4 + nc] output, naming model and shapes', () => {
    const call = () => decodeYolov8({ output0: tensor([1, 3, 7]) }, spec);
    expect(call).toThrow(ModelFormatError);
    expect(call).toThrow(/model v8-test: .*\[1,7,N\].*output0 \[1,3,7\]/);
  });

  it('rejects data that does not fill the declared shape', () => {
    const t = { dims: [1, 7, 3], data: new Float32Array(20) };
    expect(() => decodeYolov8({ output0: t }, spec)).toThrow(/holds 20 values.*21/);
  });
});
