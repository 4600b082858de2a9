// A minimal tiled, uncompressed GeoTIFF writer that streams: tiles are asked for one at a time and
// written in order, so a survey-sized raster (20000 × 20000 px) never sits in memory. geotiff's own
// writeArrayBuffer builds the whole file in one buffer, as one strip. Little-endian, baseline TIFF
// plus the three GeoTIFF tags (ModelPixelScale, ModelTiepoint, GeoKeyDirectory).
import { open } from 'node:fs/promises';

export interface TiledGeoTiff {
  width: number;
  height: number;
  bands: 1 | 3;
  format: 'uint8' | 'float32';
  tileSize: number;
  /** EPSG code (4326 or a projected code), map coordinates of the top-left corner, units per pixel. */
  epsg: number;
  x0: number;
  y0: number;
  res: number;
}

/** `tile(x, y, w, h)` returns the pixels of that block, bands interleaved, w × h (edge tiles are padded). */
export async function writeTiledGeoTiff(file: string, t: TiledGeoTiff, tile: (x: number, y: number, w: number, h: number) => Uint8Array | Float32Array): Promise<void> {
  const across = Math.ceil(t.width / t.tileSize), down = Math.ceil(t.height / t.tileSize);
  const bytes = t.format === 'uint8' ? 1 : 4;
  const tileBytes = t.tileSize * t.tileSize * t.bands * bytes;
  const header = directory(t, across * down, tileBytes);
  const fh = await open(file, 'w');
  try {
    await fh.write(header);
    for (let ty = 0; ty < down; ty++) {
      for (let tx = 0; tx < across; tx++) {
        const data = tile(tx * t.tileSize, ty * t.tileSize, t.tileSize, t.tileSize);
        if (data.byteLength !== tileBytes) throw new Error(`tile ${tx},${ty} has ${data.byteLength} bytes, expected ${tileBytes}`);
        await fh.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      }
    }
  } finally {
    await fh.close();
  }
}

interface Entry {
  tag: number;
  type: 3 | 4 | 12; // SHORT, LONG, DOUBLE
  values: number[];
}

const SIZE = { 3: 2, 4: 4, 12: 8 } as const;

/** Header, directory and out-of-line values; tiles follow right after, in row-major order. */
function directory(t: TiledGeoTiff, tiles: number, tileBytes: number): Buffer {
  const geographic = t.epsg === 4326;
  const keys = [[1024, geographic ? 2 : 1], [1025, 1], [geographic ? 2048 : 3072, t.epsg]] as const;
  const entries = (tileOffsets: number[]): Entry[] => [
    { tag: 256, type: 4, values: [t.width] },
    { tag: 257, type: 4, values: [t.height] },
    { tag: 258, type: 3, values: Array(t.bands).fill(t.format === 'uint8' ? 8 : 32) },
    { tag: 259, type: 3, values: [1] },
    { tag: 262, type: 3, values: [t.bands === 3 ? 2 : 1] },
    { tag: 277, type: 3, values: [t.bands] },
    { tag: 284, type: 3, values: [1] },
    { tag: 322, type: 4, values: [t.tileSize] },
    { tag: 323, type: 4, values: [t.tileSize] },
    { tag: 324, type: 4, values: tileOffsets },
    { tag: 325, type: 4, values: Array(tiles).fill(tileBytes) },
    { tag: 339, type: 3, values: Array(t.bands).fill(t.format === 'uint8' ? 1 : 3) },
    { tag: 33550, type: 12, values: [t.res, t.res, 0] },
    { tag: 33922, type: 12, values: [0, 0, 0, t.x0, t.y0, 0] },
    { tag: 34735, type: 3, values: [1, 1, 0, keys.length, ...keys.flatMap(([id, v]) => [id, 0, 1, v])] },
  ];
  const layout = (list: Entry[]) => {
    const ifdSize = 2 + list.length * 12 + 4;
    let extra = 8 + ifdSize;
    const at = list.map((e) => {
      const size = SIZE[e.type] * e.values.length;
      if (size <= 4) return -1;
      const offset = extra;
      extra += size + (size % 2);
      return offset;
    });
    return { at, end: extra };
  };
  // Offsets of the tiles depend on the directory's size, which does not depend on their values.
  const { end } = layout(entries(Array(tiles).fill(0)));
  const list = entries(Array.from({ length: tiles }, (_, i) => end + i * tileBytes));
  const { at } = layout(list);
  const buf = Buffer.alloc(end);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  buf.writeUInt16LE(list.length, 8);
  list.forEach((e, k) => {
    const p = 10 + k * 12;
    buf.writeUInt16LE(e.tag, p);
    buf.writeUInt16LE(e.type, p + 2);
    buf.writeUInt32LE(e.values.length, p + 4);
    const target = at[k]! >= 0 ? at[k]! : p + 8;
    e.values.forEach((v, i) => {
      if (e.type === 3) buf.writeUInt16LE(v, target + 2 * i);
      else if (e.type === 4) buf.writeUInt32LE(v, target + 4 * i);
      else buf.writeDoubleLE(v, target + 8 * i);
    });
    if (at[k]! >= 0) buf.writeUInt32LE(at[k]!, p + 8);
  });
  buf.writeUInt32LE(0, 10 + list.length * 12);
  return buf;
}
