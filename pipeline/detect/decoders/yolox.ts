// YOLOX exported raw (decode_in_inference=False): [1, N, 5 + nc] rows of grid-relative box terms,
// objectness, nc class scores (the last two already sigmoided). Rows run over the levels in stride
// order, cells row-major within a level (index = y * gridW + x), one anchor per cell, so
// N = sum over strides of ceil(W/s) * ceil(H/s) (3549 at 416x416).
// Decode: centre = (p + cell) * s, size = exp(p) * s; score = objectness * best class.
//
// An export with decode_in_inference=True has the same shape but pixel boxes; it would decode to
// enormous boxes here. Its manifest entry should say yolov5-style rows instead.

import { singleOutput } from './output-shapes.ts';
import type { Candidate, Decoder } from './types.ts';

export const decodeYolox: Decoder = (outputs, spec) => {
  const strides = spec.strides ?? [8, 16, 32];
  const width = 5 + spec.numClasses;
  const levels = strides.map((s) => ({
    s,
    gridW: Math.ceil(spec.inputWidth / s),
    gridH: Math.ceil(spec.inputHeight / s),
  }));
  const n = levels.reduce((sum, l) => sum + l.gridW * l.gridH, 0);

  const { tensor } = singleOutput(
    outputs,
    spec,
    'yolox',
    `[1,${n},${width}] (${spec.inputWidth}x${spec.inputHeight} input, strides ${strides.join('/')}, ${spec.numClasses} classes)`,
    (dims) => dims.length === 3 && dims[0] === 1 && dims[1] === n && dims[2] === width,
  );
  const d = tensor.data;

  const out: Candidate[] = [];
  let anchor = 0;
  for (const { s, gridW, gridH } of levels) {
    for (let y = 0; y < gridH; y++) {
      for (let x = 0; x < gridW; x++, anchor++) {
        const row = anchor * width;
        const obj = d[row + 4]!;
        // Class scores are at most 1: a cell whose objectness fails cannot pass.
        if (!(obj >= spec.minScore)) continue;
        let best = d[row + 5]!;
        let bestClass = 0;
        for (let c = 1; c < spec.numClasses; c++) {
          const v = d[row + 5 + c]!;
          if (v > best) {
            best = v;
            bestClass = c;
          }
        }
        const score = obj * best;
        if (!(score >= spec.minScore)) continue;
        const cx = (d[row]! + x) * s;
        const cy = (d[row + 1]! + y) * s;
        const hw = (Math.exp(d[row + 2]!) * s) / 2;
        const hh = (Math.exp(d[row + 3]!) * s) / 2;
        out.push({ classIndex: bestClass, score, box: [cx - hw, cy - hh, cx + hw, cy + hh] });
      }
    }
  }
  return out;
};

