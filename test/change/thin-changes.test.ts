// The shape rule of change candidates, on real aerial photos: a thin strip that changed (a row of
// parked cars, the parallax strip along a roof edge) is not a candidate, while a block of buildings
// of the same area is; with the rule off (minWidthPx 0) the strip is found, so the rule is what
// drops it.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { meanWidth } from '../../pipeline/change/candidates.ts';
import { detectChange } from '../../pipeline/change/detect-change.ts';
import type { RgbImage } from '../../pipeline/change/raster.ts';
import { samplePath } from '../support/samples.ts';
import { beforeScene } from './change-pairs.ts';

async function rgb(png: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** The before scene with a piece of aero3 (buildings) pasted at [left, top, width, height]. */
async function withPiece([left, top, width, height]: [number, number, number, number]): Promise<RgbImage> {
  const piece = await sharp(samplePath('opencv/aero3.jpg')).extract({ left: 300, top: 150, width, height }).png().toBuffer();
  return rgb(await beforeScene().composite([{ input: piece, left, top }]).png().toBuffer());
}

describe('thin changes', () => {
  it('measures mean width as twice the area over the outline', () => {
    expect(meanWidth([[0, 0], [100, 0], [100, 8], [0, 8]], 800)).toBeCloseTo(1600 / 216, 5);
    expect(meanWidth([[0, 0], [30, 0], [30, 30], [0, 30]], 900)).toBeCloseTo(15, 5);
  });

  it('drops a strip 7 px wide (as wide as a car at 0.3 m/px) and keeps a block of about the same area', async () => {
    const before = await rgb(await beforeScene().png().toBuffer());
    const strip = await withPiece([150, 140, 120, 7]);
    const block = await withPiece([150, 120, 36, 30]);
    expect(detectChange(before, strip).candidates).toEqual([]);
    const found = detectChange(before, strip, { minWidthPx: 0 }).candidates;
    expect(found).toHaveLength(1);
    expect(meanWidth(found[0]!.polygon, found[0]!.areaPx)).toBeLessThan(10);
    const blocks = detectChange(before, block).candidates;
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.box[0]).toBeGreaterThanOrEqual(140);
  });
});
