// Changed blocks grouped into regions: one region per thing that differs from the background
// (blocks touching at an edge or a corner belong together).
import type { Box } from '../../contracts/types.ts';
import { blockBox, type BlockGrid } from './block-grid.ts';

export interface ChangedRegion {
  /** Block indices, row order. */
  blocks: number[];
  /** Bounding box in frame pixels. */
  box: Box;
  /** Area in frame pixels (blocks × block area), not the box's. */
  area: number;
}

export function changedRegions(grid: Pick<BlockGrid, 'cols' | 'rows' | 'scale'>, changed: Uint8Array): ChangedRegion[] {
  const { cols, rows } = grid;
  const seen = new Uint8Array(changed.length);
  const regions: ChangedRegion[] = [];
  const blockArea = (blockBox(grid, 0)[2] - blockBox(grid, 0)[0]) ** 2;
  for (let start = 0; start < changed.length; start++) {
    if (!changed[start] || seen[start]) continue;
    const blocks: number[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const k = stack.pop()!;
      blocks.push(k);
      const bx = k % cols;
      const by = (k / cols) | 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = bx + dx;
          const y = by + dy;
          if (x < 0 || y < 0 || x >= cols || y >= rows) continue;
          const j = y * cols + x;
          if (changed[j] && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    blocks.sort((a, b) => a - b);
    regions.push({ blocks, box: boundingBox(grid, blocks), area: blocks.length * blockArea });
  }
  return regions;
}

function boundingBox(grid: Pick<BlockGrid, 'cols' | 'scale'>, blocks: readonly number[]): Box {
  let box: Box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const k of blocks) {
    const [x1, y1, x2, y2] = blockBox(grid, k);
    box = [Math.min(box[0], x1), Math.min(box[1], y1), Math.max(box[2], x2), Math.max(box[3], y2)];
  }
  return box;
}
