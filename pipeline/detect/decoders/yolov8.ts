// YOLOv8 / YOLO11 detection head as Ultralytics exports it without NMS: [1, 4 + nc, N], channel-major
// (row c holds feature c for every anchor): cx, cy, w, h in model-input pixels, then nc class scores
// already sigmoided. There is no objectness; an anchor's score is its best class score.

import { ModelFormatError, type Candidate, type Decoder, type OutputTensor } from './types.ts';

export const decodeYolov8: Decoder = (outputs, spec) => {
  const channels = 4 + spec.numClasses;
  const matches = Object.entries(outputs).filter(
    ([, t]) => t.dims.length === 3 && t.dims[0] === 1 && t.dims[1] === channels && (t.dims[2] ?? 0) > 0,
  );
  if (matches.length !== 1) {
    throw new ModelFormatError(
      spec.modelId,
      `yolov8 expects one output of shape [1,${channels},N] (4 box + ${spec.numClasses} classes, ` +
        `channel-major); ${matches.length === 0 ? 'found' : 'several match among'} ${describe(outputs)}`,
    );
  }
  const [name, tensor] = matches[0]!;
  const n = tensor.dims[2]!;
  checkLength(spec.modelId, name, tensor, channels * n);
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

function describe(outputs: Record<string, OutputTensor>): string {
  const parts = Object.entries(outputs).map(([k, t]) => `${k} [${t.dims.join(',')}]`);
  return parts.length ? parts.join(', ') : 'no outputs';
}

function checkLength(modelId: string, name: string, t: OutputTensor, expected: number): void {
  if (t.data.length !== expected) {
    throw new ModelFormatError(
      modelId,
      `output ${name} [${t.dims.join(',')}] holds ${t.data.length} values, its shape says ${expected}`,
    );
  }
}
