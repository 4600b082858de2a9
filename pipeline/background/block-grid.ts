// The scene as a grid of small blocks of a grey copy of the frame. The background model compares
// and learns block by block: a block is the smallest thing it can say "changed" about, and per-block
// statistics (mean, contrast, correlation) are what make a comparison survive lighting changes.
import type { Frame } from '../../contracts/types.ts';
import { greyThumbnail, type GreyThumbnail } from '../motion/grey-thumbnail.ts';

/** Grey copy width the model works at: about 2-4 frame pixels per grey pixel at usual sizes. */
export const GREY_WIDTH = 320;
/** Block side in grey pixels. */
export const BLOCK = 8;

export interface BlockGrid {
  /** Blocks across and down. */
  cols: number;
  rows: number;
  /** Frame pixels per grey pixel (the grey copy's scale). */
  scale: number;
  grey: GreyThumbnail;
}

export function blockGrid(frame: Frame): BlockGrid {
  const grey = greyThumbnail(frame, GREY_WIDTH);
  return { cols: Math.floor(grey.width / BLOCK), rows: Math.floor(grey.height / BLOCK), scale: frame.width / grey.width, grey };
}

/** A block's box in frame pixels [x1, y1, x2, y2]. */
export function blockBox(grid: Pick<BlockGrid, 'cols' | 'scale'>, k: number): [number, number, number, number] {
  const bx = k % grid.cols;
  const by = Math.floor(k / grid.cols);
  const side = BLOCK * grid.scale;
  return [bx * side, by * side, (bx + 1) * side, (by + 1) * side];
}

/** Calls `each(offset)` for every grey pixel of block k. */
export function forBlockPixels(grid: BlockGrid, k: number, each: (offset: number) => void): void {
  const x0 = (k % grid.cols) * BLOCK;
  const y0 = Math.floor(k / grid.cols) * BLOCK;
  for (let y = y0; y < y0 + BLOCK; y++) {
    const row = y * grid.grey.width;
    for (let x = x0; x < x0 + BLOCK; x++) each(row + x);
  }
}
