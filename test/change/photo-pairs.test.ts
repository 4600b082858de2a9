// Photo pairs (no orthomosaic), on real aerial photos (OpenCV's aero1.jpg and aero3.jpg): the after
// photo is the before one seen from a drone a little turned, higher and off to the side (a known
// homography, applied by the test), in other light, with a block of buildings added. Alignment must
// recover the homography, the block must be found where it was put, a change of light and view
// alone must raise nothing, and photos of different places must be refused with the reason.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { comparePhotoPair, comparePhotos } from '../../pipeline/change/compare-photos.ts';
import { AlignmentRefused, apply } from '../../pipeline/change/homography.ts';
import { samplePath } from '../support/samples.ts';
import { afterView, BLOCK, ground, rgb, SIZE, TRUTH } from './photo-views.ts';

describe('photo pairs aligned by a homography', () => {
  it('recovers the view and finds the block where it was put', async () => {
    const before = await rgb(await ground(false));
    const result = comparePhotos(before, await afterView(await ground(true)));
    // Every corner of the before photo lands within 2 px of where the truth sends it.
    for (const [x, y] of [[0, 0], [SIZE, 0], [SIZE, SIZE], [0, SIZE]] as const) {
      const [u, v] = apply(result.alignment.homography, x, y);
      const [tu, tv] = apply(TRUTH, x, y);
      expect(Math.hypot(u - tu, v - tv)).toBeLessThan(2);
    }
    expect(result.alignment.inliers).toBeGreaterThanOrEqual(12);
    expect(result.candidates).toHaveLength(1);
    const [x1, y1, x2, y2] = result.candidates[0]!.box;
    const [bx, by, bw, bh] = BLOCK;
    expect(Math.abs((x1 + x2) / 2 - (bx + bw / 2))).toBeLessThan(8);
    expect(Math.abs((y1 + y2) / 2 - (by + bh / 2))).toBeLessThan(8);
  });

  it('turns back a photo of a flight line flown the other way, by the headings, and finds the block', async () => {
    const before = await rgb(await ground(false));
    const view = await afterView(await ground(true));
    // The drone flew this line the other way: its photo is turned 175° (clockwise heading difference).
    const turned = await rgb(await sharp(view.data, { raw: { width: SIZE, height: SIZE, channels: 3 } }).rotate(-175).png().toBuffer());
    expect(() => comparePhotos(before, turned)).toThrow(AlignmentRefused);
    const result = await comparePhotoPair(before, turned, 175);
    expect(result.candidates).toHaveLength(1);
    const [x1, y1, x2, y2] = result.candidates[0]!.box;
    expect(Math.abs((x1 + x2) / 2 - (BLOCK[0] + BLOCK[2] / 2))).toBeLessThan(8);
    expect(Math.abs((y1 + y2) / 2 - (BLOCK[1] + BLOCK[3] / 2))).toBeLessThan(8);
  });

  it('raises nothing when only the light and the view changed', async () => {
    const before = await rgb(await ground(false));
    expect(comparePhotos(before, await afterView(await ground(false))).candidates).toEqual([]);
  });

  it('refuses photos of different places, saying why', async () => {
    const before = await rgb(await ground(false));
    const elsewhere = await rgb(await sharp(samplePath('darknet/dog.jpg')).resize(SIZE, SIZE, { fit: 'cover' }).png().toBuffer());
    expect(() => comparePhotos(before, elsewhere)).toThrow(AlignmentRefused);
    expect(() => comparePhotos(before, elsewhere)).toThrow(/features match|no homography agrees|not a view of the same ground/);
  });
});
