// Models with NMS inside (YOLOv10, Ultralytics nms=True exports): [1, K, 6] rows of x1, y1, x2, y2,
// score, class in model-input pixels. K is a fixed budget; unused rows come padded with score 0 and are
// dropped by minScore. Running our NMS after this is harmless (boxes already disjoint per class).

import { singleOutput } from './output-shapes.ts';
import { ModelFormatError, type Candidate, type Decoder } from './types.ts';

export const decodeEndToEnd: Decoder = (outputs, spec) => {
  const { name, tensor } = singleOutput(
    outputs,
    spec,
    'end-to-end',
    '[1,K,6] (x1,y1,x2,y2,score,class)',
    (dims) => dims.length === 3 && dims[0] === 1 && dims[2] === 6,
  );
  const k = tensor.dims[1]!;
  const d = tensor.data;

  const out: Candidate[] = [];
  for (let row = 0; row < k * 6; row += 6) {
    const score = d[row + 4]!;
    if (!(score >= spec.minScore)) continue;
    // The class travels as a float; a non-integer or out-of-range one means the label list does not
    // belong to this model, which must not pass silently as some other label.
    const cls = d[row + 5]!;
    const classIndex = Math.round(cls);
    if (Math.abs(cls - classIndex) > 1e-3 || classIndex < 0 || classIndex >= spec.numClasses) {
      throw new ModelFormatError(
        spec.modelId,
        `output ${name} row ${row / 6} has class ${cls}, expected an integer in [0, ${spec.numClasses})`,
      );
    }
    out.push({ classIndex, score, box: [d[row]!, d[row + 1]!, d[row + 2]!, d[row + 3]!] });
  }
  return out;
};

