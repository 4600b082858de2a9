import { describe, expect, it } from 'vitest';
import { decodeNanodet } from '../../pipeline/detect/decoders/nanodet.ts';
import { ModelFormatError, type DecoderSpec, type ModelOutputs } from '../../pipeline/detect/decoders/types.ts';
import { put, tensor } from './tensors.ts';

// 48x32 input, strides 8/16/32: grids 6x4 = 24, 3x2 = 6, 2x1 = 2 cells (ceil). Non-square on purpose:
// a decoder mixing up gridW and gridH, or row- and column-major, lands on another cell.
const spec: DecoderSpec = { modelId: 'nanodet-test', inputWidth: 48, inputHeight: 32, numClasses: 3, minScore: 0.4 };
const BINS = 11;

function emptyOutputs(): ModelOutputs {
  return {
    scores_s8: tensor([1, 24, 3]),
    boxes_s8: tensor([1, 24, 44]),
    scores_s16: tensor([1, 6, 3]),
    boxes_s16: tensor([1, 6, 44]),
    scores_s32: tensor([1, 2, 3]),
    boxes_s32: tensor([1, 2, 44]),
  };
}

/** Logits whose softmax is `probs` (zeros become -Infinity), shifted to show softmax is applied. */
function logits(probs: Record<number, number>, shift = 3): number[] {
  return Array.from({ length: BINS }, (_, j) => Math.log(probs[j] ?? 0) + shift);
}

describe('decodeNanodet', () => {
  it('decodes one stride-8 cell from its four distributions', () => {
    const out = emptyOutputs();
    // Cell x = 2, y = 1 of the 6-wide grid: index 1 * 6 + 2 = 8, centre (20, 12).
    put(out.scores_s8!, [0, 8], [0.1, 0.85, 0.3]);
    put(out.boxes_s8!, [0, 8], [
      ...logits({ 1: 1 }), // left: 1 bin -> 8 px
      ...logits({ 0: 0.5, 1: 0.5 }), // top: 0.5 -> 4 px
      ...logits({ 2: 0.25, 4: 0.75 }), // right: 0.5 + 3 = 3.5 -> 28 px
      ...Array(BINS).fill(-2), // bottom: uniform, mean of 0..10 = 5 -> 40 px
    ]);
    const [c, ...rest] = decodeNanodet(out, spec);
    expect(rest).toEqual([]);
    expect(c!.classIndex).toBe(1);
    expect(c!.score).toBeCloseTo(0.85, 6);
    const expected = [20 - 8, 12 - 4, 20 + 28, 12 + 40];
    c!.box.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('uses the stride of the level a cell belongs to', () => {
    const out = emptyOutputs();
    // Stride 16, cell x = 1, y = 1 of the 3-wide grid: index 4, centre (24, 24).
    put(out.scores_s16!, [0, 4], [0.9, 0, 0]);
    // Stride 32, cell x = 1, y = 0: index 1, centre (48, 16).
    put(out.scores_s32!, [0, 1], [0, 0, 0.5]);
    const oneBin = [...logits({ 1: 1 }), ...logits({ 1: 1 }), ...logits({ 1: 1 }), ...logits({ 1: 1 })];
    put(out.boxes_s16!, [0, 4], oneBin);
    put(out.boxes_s32!, [0, 1], oneBin);
    const found = decodeNanodet(out, spec).map((c) => [c.classIndex, c.box.map((v) => Math.round(v * 1e4) / 1e4)]);
    expect(found).toEqual([
      [0, [8, 8, 40, 40]],
      [2, [16, -16, 80, 48]],
    ]);
  });

  it('drops cells whose best class is below minScore', () => {
    const out = emptyOutputs();
    put(out.scores_s8!, [0, 0], [0.39, 0.2, 0.1]);
    put(out.scores_s8!, [0, 23], [0.4, 0, 0]);
    const found = decodeNanodet(out, spec);
    expect(found.map((c) => c.score)).toEqual([expect.closeTo(0.4, 6)]);
    // Cell 23 is x = 5, y = 3: centre (44, 28); all-zero logits are uniform, 5 bins = 40 px each side.
    found[0]!.box.forEach((v, i) => expect(v).toBeCloseTo([4, -12, 84, 68][i]!, 4));
  });

  it('matches tensors by shape, not by name or order', () => {
    const out = emptyOutputs();
    put(out.scores_s16!, [0, 0], [0, 0.7, 0]);
    const renamed: ModelOutputs = {
      a: out.boxes_s32!,
      b: out.scores_s16!,
      c: out.boxes_s8!,
      d: out.scores_s32!,
      e: out.boxes_s16!,
      f: out.scores_s8!,
    };
    const found = decodeNanodet(renamed, spec);
    expect(found.map((c) => c.classIndex)).toEqual([1]);
    // Stride 16 cell 0: centre (8, 8), uniform distributions: 80 px each side.
    found[0]!.box.forEach((v, i) => expect(v).toBeCloseTo([-72, -72, 88, 88][i]!, 4));
  });

  it('uses default strides 8/16/32 and regMax 10 at 416x416 (2704 / 676 / 169 cells)', () => {
    const at416 = { ...spec, inputWidth: 416, inputHeight: 416, numClasses: 80 };
    const out: ModelOutputs = {
      scores_s8: tensor([1, 2704, 80]),
      boxes_s8: tensor([1, 2704, 44]),
      scores_s16: tensor([1, 676, 80]),
      boxes_s16: tensor([1, 676, 44]),
      scores_s32: tensor([1, 169, 80]),
      boxes_s32: tensor([1, 169, 44]),
    };
    // Stride 32, cell x = 12, y = 3: index 3 * 13 + 12 = 51, centre (400, 112); class 79.
    put(out.scores_s32!, [0, 51, 79], [0.95]);
    put(out.boxes_s32!, [0, 51], [...logits({ 2: 1 }), ...logits({ 0: 1 }), ...logits({ 10: 1 }), ...logits({ 3: 1 })]);
    const found = decodeNanodet(out, at416);
    expect(found).toHaveLength(1);
    expect(found[0]!.classIndex).toBe(79);
    found[0]!.box.forEach((v, i) => expect(v).toBeCloseTo([336, 112, 720, 208][i]!, 4));
  });

  it('honours a different regMax', () => {
    const out = emptyOutputs();
    const bins = 8; // regMax 7
    out.boxes_s8 = tensor([1, 24, 4 * bins]);
    out.boxes_s16 = tensor([1, 6, 4 * bins]);
    out.boxes_s32 = tensor([1, 2, 4 * bins]);
    put(out.scores_s8!, [0, 0], [1, 0, 0]);
    const found = decodeNanodet(out, { ...spec, regMax: 7 });
    // Uniform over 0..7: mean 3.5 bins = 28 px around centre (4, 4).
    found[0]!.box.forEach((v, i) => expect(v).toBeCloseTo([-24, -24, 32, 32][i]!, 4));
  });

  it('names the model, the expected and the found shapes when one is missing or wrong', () => {
    const out = emptyOutputs();
    out.boxes_s16 = tensor([1, 6, 40]);
    const call = () => decodeNanodet(out, spec);
    expect(call).toThrow(ModelFormatError);
    expect(call).toThrow(/model nanodet-test: nanodet missing boxes for stride 16/);
    expect(call).toThrow(/\[1,6,3\] \+ \[1,6,44\] \(stride 16\)/);
    expect(call).toThrow(/boxes_s16 \[1,6,40\]/);
  });

  it('rejects outputs sized for another input size', () => {
    const out = emptyOutputs();
    expect(() => decodeNanodet(out, { ...spec, inputWidth: 64 })).toThrow(/missing scores for stride 8/);
  });

  it('rejects two tensors claiming the same role', () => {
    const out = { ...emptyOutputs(), extra: tensor([1, 24, 3]) };
    expect(() => decodeNanodet(out, spec)).toThrow(/two scores outputs for stride 8/);
  });

  it('falls back to names when numClasses equals the box width', () => {
    const wide = { ...spec, numClasses: 44 };
    const out: ModelOutputs = {
      cls_8: tensor([1, 24, 44]),
      reg_8: tensor([1, 24, 44]),
      cls_16: tensor([1, 6, 44]),
      reg_16: tensor([1, 6, 44]),
      cls_32: tensor([1, 2, 44]),
      reg_32: tensor([1, 2, 44]),
    };
    put(out.cls_8!, [0, 0, 43], [0.9]);
    expect(decodeNanodet(out, wide).map((c) => c.classIndex)).toEqual([43]);
    const unnamed = Object.fromEntries(Object.values(out).map((t, i) => [`out${i}`, t]));
    expect(() => decodeNanodet(unnamed, wide)).toThrow(/cannot tell scores from boxes/);
  });
});
