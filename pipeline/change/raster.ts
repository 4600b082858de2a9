// The plain data that flows through change detection: single-band float rasters and the RGB
// images they come from. Pixels are row-major; (x, y) is column, row from the top left.

export interface Raster {
  width: number;
  height: number;
  data: Float32Array;
}

/** 3 interleaved channels (R, G, B), 0–255 as decoded. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export function raster(width: number, height: number, data?: Float32Array): Raster {
  return { width, height, data: data ?? new Float32Array(width * height) };
}

export function mapRaster(a: Raster, f: (v: number, i: number) => number): Raster {
  const out = raster(a.width, a.height);
  for (let i = 0; i < a.data.length; i++) out.data[i] = f(a.data[i]!, i);
  return out;
}

export function combine(a: Raster, b: Raster, f: (va: number, vb: number, i: number) => number): Raster {
  const out = raster(a.width, a.height);
  for (let i = 0; i < a.data.length; i++) out.data[i] = f(a.data[i]!, b.data[i]!, i);
  return out;
}
