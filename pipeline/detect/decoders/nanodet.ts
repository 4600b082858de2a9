// NanoDet (GFL head), two outputs per stride: class scores [1, N, nc] already sigmoided and box
// distributions [1, N, 4 * (regMax + 1)]: for left, top, right, bottom in that order, regMax + 1 raw
// logits over distances 0..regMax in units of the stride. The distance is the softmax expectation
// (GFL's Integral), measured from the cell centre ((x + 0.5) * s, (y + 0.5) * s). Cells are row-major
// (index = y * gridW + x) with gridW = ceil(W / s), gridH = ceil(H / s).
//
// Tensors are matched by shape, not name: converters (TF.js, onnx) rename outputs freely, while the
// shapes follow from the input size, strides, class count and regMax alone.

import { ModelFormatError, type Candidate, type Decoder, type DecoderSpec, type OutputTensor } from './types.ts';

interface Level {
  stride: number;
  gridW: number;
  gridH: number;
  scores?: OutputTensor;
  boxes?: OutputTensor;
}

export const decodeNanodet: Decoder = (outputs, spec) => {
  const strides = spec.strides ?? [8, 16, 32];
  const bins = (spec.regMax ?? 10) + 1;
  const levels = matchLevels(outputs, spec, strides, bins);

  const nc = spec.numClasses;
  const boxWidth = 4 * bins;
  const out: Candidate[] = [];
  for (const { stride, gridW, gridH, scores, boxes } of levels) {
    const sd = scores!.data;
    const bd = boxes!.data;
    for (let cell = 0; cell < gridW * gridH; cell++) {
      let best = sd[cell * nc]!;
      let bestClass = 0;
      for (let c = 1; c < nc; c++) {
        const v = sd[cell * nc + c]!;
        if (v > best) {
          best = v;
          bestClass = c;
        }
      }
      // Most cells are background; the four softmaxes are only worth doing for the few that pass.
      if (!(best >= spec.minScore)) continue;
      const cx = ((cell % gridW) + 0.5) * stride;
      const cy = (Math.floor(cell / gridW) + 0.5) * stride;
      const base = cell * boxWidth;
      out.push({
        classIndex: bestClass,
        score: best,
        box: [
          cx - expectation(bd, base, bins) * stride,
          cy - expectation(bd, base + bins, bins) * stride,
          cx + expectation(bd, base + 2 * bins, bins) * stride,
          cy + expectation(bd, base + 3 * bins, bins) * stride,
        ],
      });
    }
  }
  return out;
};

/** Softmax over data[start .. start + bins) and its expected bin index (max subtracted for stability). */
function expectation(data: Float32Array, start: number, bins: number): number {
  let max = -Infinity;
  for (let j = 0; j < bins; j++) max = Math.max(max, data[start + j]!);
  let sum = 0;
  let weighted = 0;
  for (let j = 0; j < bins; j++) {
    const e = Math.exp(data[start + j]! - max);
    sum += e;
    weighted += j * e;
  }
  return weighted / sum;
}

function matchLevels(outputs: Record<string, OutputTensor>, spec: DecoderSpec, strides: number[], bins: number): Level[] {
  const nc = spec.numClasses;
  const boxWidth = 4 * bins;
  const levels: Level[] = strides.map((stride) => ({
    stride,
    gridW: Math.ceil(spec.inputWidth / stride),
    gridH: Math.ceil(spec.inputHeight / stride),
  }));
  const fail: (why: string) => never = (why) => {
    const expected = levels
      .map((l) => `[1,${l.gridW * l.gridH},${nc}] + [1,${l.gridW * l.gridH},${boxWidth}] (stride ${l.stride})`)
      .join(', ');
    const found = Object.entries(outputs)
      .map(([k, t]) => `${k} [${t.dims.join(',')}]`)
      .join(', ');
    throw new ModelFormatError(
      spec.modelId,
      `nanodet ${why}: expected scores + boxes per stride ${expected} ` +
        `(${spec.inputWidth}x${spec.inputHeight} input, ${nc} classes, regMax ${bins - 1}); found ${found || 'no outputs'}`,
    );
  };

  for (const [name, t] of Object.entries(outputs)) {
    if (t.dims.length !== 3 || t.dims[0] !== 1) continue;
    const level = levels.find((l) => l.gridW * l.gridH === t.dims[1]);
    if (!level) continue;
    const last = t.dims[2];
    if (last !== nc && last !== boxWidth) continue;
    const kind = last !== boxWidth ? 'scores' : last !== nc ? 'boxes' : kindFromName(name);
    if (!kind) fail(`cannot tell scores from boxes by shape or name for output ${name}`);
    if (level[kind]) fail(`two ${kind} outputs for stride ${level.stride}`);
    if (t.data.length !== t.dims[1]! * last!) {
      fail(`output ${name} holds ${t.data.length} values where its shape says ${t.dims[1]! * last!}`);
    }
    level[kind] = t;
  }
  const missing = levels.flatMap((l) => [
    ...(l.scores ? [] : [`scores for stride ${l.stride}`]),
    ...(l.boxes ? [] : [`boxes for stride ${l.stride}`]),
  ]);
  if (missing.length) fail(`missing ${missing.join(', ')}`);
  return levels;
}

// Only needed when numClasses happens to equal 4 * (regMax + 1) (e.g. 44 classes with regMax 10).
function kindFromName(name: string): 'scores' | 'boxes' | undefined {
  const n = name.toLowerCase();
  const score = /score|cls|class/.test(n);
  const box = /box|reg/.test(n);
  return score === box ? undefined : score ? 'scores' : 'boxes';
}
