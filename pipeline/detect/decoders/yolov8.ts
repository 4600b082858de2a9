// YOLOv8 / YOLO11 detection head as Ultralytics exports it without NMS: [1, 4 + nc, N], channel-major
// (row c holds feature c for every anchor): cx, cy, w, h in model-input pixels, then nc class scores
// already sigmoided. There is no objectness; an anchor's score is its best class score.

import { singleOutput } from './output-shapes.ts';
import type { Candidate, Decoder } from './types.ts';

export const decodeYolov8: Decoder = (outputs, spec) => {
  const channels = 4 + spec.numClasses;
  const { tensor } = singleOutput(
    outputs,
    spec,
    'yolov8',
    `[1,${channels},N] (4 box + ${spec.numClasses} classes, channel-major)`,
    (dims) => dims.length === 3 && dims[0] === 1 && dims[1] === channels && (dims[2] ?? 0) > 0,
  );
  const n = tensor.dims[2]!;
  const d = tensor.data;

  // Best class per anchor, scanning class rows in memory order (contiguous reads).
  const best = d.slice(4 * n, 5 * n);
  const bestClass = new Int32Array(n);
  for (let c = 1; c < spec.numClasses; c++) {
    const row = (4 + c) * n;
    for (let i = 0; i < n; i++) {
      const s = d[row + i]!;
      if (s > best[i]!) {
        best[i] = s;
        bestClass[i] = c;
      }
    }
  }

  const out: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const score = best[i]!;
    if (!(score >= spec.minScore)) continue;
    const cx = d[i]!;
    const cy = d[n + i]!;
    const hw = d[2 * n + i]! / 2;
    const hh = d[3 * n + i]! / 2;
    out.push({ classIndex: bestClass[i]!, score, box: [cx - hw, cy - hh, cx + hw, cy + hh] });
  }
  return out;
};


