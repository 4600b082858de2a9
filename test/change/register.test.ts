// Co-registration on a real aerial photo moved by a known offset, in another light.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { estimateShift } from '../../pipeline/change/register.ts';
import type { RgbImage } from '../../pipeline/change/raster.ts';
import { beforeScene, relit, shifted } from './change-pairs.ts';

async function rgb(png: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

describe('estimateShift', () => {
  it('finds the offset of the after view whatever the light, and leaves an aligned pair alone', async () => {
    const before = await beforeScene().png().toBuffer();
    for (const [dx, dy] of [[-4, 3], [6, -5], [1, 0]] as const) {
      const after = await shifted(await relit(sharp(before)).png().toBuffer(), dx, dy);
      const found = estimateShift(await rgb(before), await rgb(after), 8);
      // shifted() moves the content by (−dx, −dy): the after pixel for (x, y) is at (x − dx, y − dy).
      expect({ dx: found.dx, dy: found.dy }).toEqual({ dx: 0 - dx, dy: 0 - dy });
    }
    const same = estimateShift(await rgb(before), await rgb(await relit(sharp(before)).png().toBuffer()), 8);
    expect({ dx: same.dx, dy: same.dy }).toEqual({ dx: 0, dy: 0 });
  });
});
