// Feature maps → one appearance vector: each [N, C, H, W] map averaged over a grid×grid of cells
// (grid 1: over the whole crop; grid 2: its four quadrants, so a white roof above an orange front
// is not the same as the reverse), each cell's vector scaled to unit length so no map or cell
// outvotes the others, then the whole vector to unit length, so a dot product is the cosine
// similarity.

export interface FeatureMap {
  data: Float32Array;
  /** [N, C, H, W] */
  dims: readonly number[];
}

/** One unit vector per batch item from the maps of one model call. */
export function poolFeatures(maps: readonly FeatureMap[], grid = 1): Float32Array[] {
  if (maps.length === 0) throw new Error('no feature maps to pool');
  if (!Number.isInteger(grid) || grid < 1) throw new Error(`pooling grid ${grid} is not a whole number from 1`);
  const n = maps[0]!.dims[0]!;
  for (const m of maps) {
    if (m.dims.length !== 4 || m.dims[0] !== n) throw new Error(`feature map [${m.dims.join(',')}] is not [${n}, C, H, W]`);
    if (m.data.length !== m.dims.reduce((a, b) => a * b, 1)) throw new Error(`feature map [${m.dims.join(',')}] holds ${m.data.length} values`);
    if (m.dims[2]! < grid || m.dims[3]! < grid) throw new Error(`feature map [${m.dims.join(',')}] is smaller than the ${grid}x${grid} pooling grid`);
  }
  const length = maps.reduce((s, m) => s + m.dims[1]! * grid * grid, 0);
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = new Float32Array(length);
    let at = 0;
    for (const m of maps) {
      const [, c, h, w] = m.dims as [number, number, number, number];
      for (let gy = 0; gy < grid; gy++) {
        const y0 = Math.floor((gy * h) / grid);
        const y1 = Math.floor(((gy + 1) * h) / grid);
        for (let gx = 0; gx < grid; gx++) {
          const x0 = Math.floor((gx * w) / grid);
          const x1 = Math.floor(((gx + 1) * w) / grid);
          const cells = (y1 - y0) * (x1 - x0);
          const part = v.subarray(at, at + c);
          for (let k = 0; k < c; k++) {
            const base = (i * c + k) * h * w;
            let sum = 0;
            for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += m.data[base + y * w + x]!;
            part[k] = sum / cells;
          }
          normalise(part);
          at += c;
        }
      }
    }
    out.push(normalise(v));
  }
  return out;
}

/** Scales in place to unit length; an all-zero vector stays zero (it is similar to nothing). */
export function normalise(v: Float32Array): Float32Array {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  if (sq > 0) {
    const inv = 1 / Math.sqrt(sq);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}
