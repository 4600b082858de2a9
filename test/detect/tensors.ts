// Builders for hand-made output tensors, so each test states only the values that matter.
import type { OutputTensor } from '../../pipeline/detect/decoders/types.ts';

export function tensor(dims: number[], fill = 0): OutputTensor {
  return { dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(fill) };
}

/** Writes values into a row-major tensor starting at the given multi-index (trailing axis). */
export function put(t: OutputTensor, index: number[], values: number[]): void {
  let offset = 0;
  for (let axis = 0; axis < t.dims.length; axis++) offset = offset * t.dims[axis]! + (index[axis] ?? 0);
  t.data.set(values, offset);
}
