// Tiles for detecting small objects in large drone photos: each tile the size of the model input,
// neighbours overlapping by a fraction so an object cut by one tile's edge is whole in the next.
// Edge tiles are shifted inward rather than padded, so every tile is full of real pixels.

export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function planTiles(imageWidth: number, imageHeight: number, tileWidth: number, tileHeight: number, overlap = 0.2): Tile[] {
  if (!(overlap >= 0 && overlap < 1)) throw new RangeError(`tile overlap must be in [0, 1), got ${overlap}`);
  const starts = (size: number, tile: number): number[] => {
    if (size <= tile) return [0];
    const step = Math.max(1, Math.floor(tile * (1 - overlap)));
    const out: number[] = [];
    for (let s = 0; s + tile < size; s += step) out.push(s);
    out.push(size - tile);
    return out;
  };
  const tiles: Tile[] = [];
  for (const y of starts(imageHeight, tileHeight)) {
    for (const x of starts(imageWidth, tileWidth)) {
      tiles.push({ x, y, width: Math.min(tileWidth, imageWidth), height: Math.min(tileHeight, imageHeight) });
    }
  }
  return tiles;
}

/** Copies a tile out of interleaved RGB pixels (row by row: much cheaper than a sharp round trip). */
export function cropRgb(pixels: Uint8Array, imageWidth: number, tile: Tile): Uint8Array {
  const out = new Uint8Array(tile.width * tile.height * 3);
  const rowBytes = tile.width * 3;
  for (let row = 0; row < tile.height; row++) {
    const from = ((tile.y + row) * imageWidth + tile.x) * 3;
    out.set(pixels.subarray(from, from + rowBytes), row * rowBytes);
  }
  return out;
}
