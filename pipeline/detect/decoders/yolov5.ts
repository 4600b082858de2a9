// YOLOv5 as its standard export gives it: [1, N, 5 + nc] rows of cx, cy, w, h (model-input pixels),
// objectness, nc class scores, all already sigmoided and grid-decoded. Score = objectness * class.
// Only this row-major layout is accepted; anything else is a wrong manifest entry, not a variant.
//
// N is not checked: it depends on anchors per cell and the stride set (P5 vs P6 models). Beware that
// a YOLOX raw export has the same shape and would decode to garbage here: its format is 'yolox'.

import { singleOutput } from './output-shapes.ts';
import type { Candidate, Decoder } from './types.ts';

export const decodeYolov5: Decoder = (outputs, spec) => {
  const width = 5 + spec.numClasses;
  const { tensor } = singleOutput(
    outputs,
    spec,
    'yolov5',
    `[1,N,${width}] (4 box + objectness + ${spec.numClasses} classes)`,
    (dims) => dims.length === 3 && dims[0] === 1 && dims[2] === width && (dims[1] ?? 0) > 0,
  );
  const n = tensor.dims[1]!;
  const d = tensor.data;

  const out: Candidate[] = [];
  for (let i = 0, row = 0; i < n; i++, row += width) {
    const obj = d[row + 4]!;
    // Class scores are at most 1, so a row whose objectness fails cannot pass: skip the class scan.
    if (!(obj >= spec.minScore)) continue;
    let best = d[row + 5]!;
    let bestClass = 0;
    for (let c = 1; c < spec.numClasses; c++) {
      const s = d[row + 5 + c]!;
      if (s > best) {
        best = s;
        bestClass = c;
      }
    }
    const score = obj * best;
    if (!(score >= spec.minScore)) continue;
    const cx = d[row]!;
    const cy = d[row + 1]!;
    const hw = d[row + 2]! / 2;
    const hh = d[row + 3]! / 2;
    out.push({ classIndex: bestClass, score, box: [cx - hw, cy - hh, cx + hw, cy + hh] });
  }
  return out;
};


