import { describe, expect, it } from 'vitest';
import { decodeEndToEnd } from '../../pipeline/detect/decoders/end-to-end.ts';
import { ModelFormatError, type DecoderSpec } from '../../pipeline/detect/decoders/types.ts';
import { put, tensor } from './tensors.ts';

const spec: DecoderSpec = { modelId: 'e2e-test', inputWidth: 640, inputHeight: 640, numClasses: 80, minScore: 0.3 };

describe('decodeEndToEnd', () => {
  it('passes rows through as corners, dropping low scores and zero padding', () => {
    const t = tensor([1, 4, 6]);
    put(t, [0, 0], [10, 20, 110, 220, 0.91, 5]);
    put(t, [0, 1], [1, 2, 3, 4, 0.2, 7]);
    put(t, [0, 2], [300, 310, 320, 330, 0.3, 0]);
    // row 3 stays zero: the padding a fixed-K export leaves behind.
    const out = decodeEndToEnd({ output0: t }, spec);
    expect(out.map((c) => [c.classIndex, c.box])).toEqual([
      [5, [10, 20, 110, 220]],
      [0, [300, 310, 320, 330]],
    ]);
    expect(out[0]!.score).toBeCloseTo(0.91, 6);
  });

  it('rejects class indices the label list does not have', () => {
    const t = tensor([1, 1, 6]);
    put(t, [0, 0], [0, 0, 1, 1, 0.9, 80]);
    expect(() => decodeEndToEnd({ output0: t }, spec)).toThrow(/row 0 has class 80/);
  });

  it('rejects a [1, 84, N] raw head declared as end-to-end', () => {
    const call = () => decodeEndToEnd({ output0: tensor([1, 84, 8400]) }, spec);
    expect(call).toThrow(ModelFormatError);
    expect(call).toThrow(/model e2e-test: .*\[1,K,6\].*output0 \[1,84,8400\]/);
  });
});
