// Photo pairs the tests make from real aerial photos (OpenCV's aero1.jpg and aero3.jpg): the after
// photo is the before one seen from a drone a little turned, higher and off to the side (a known
// homography, TRUTH), in other light, optionally with a block of buildings added at BLOCK.
import sharp from 'sharp';
import { apply, type Homography } from '../../pipeline/change/homography.ts';
import type { RgbImage } from '../../pipeline/change/raster.ts';
import { samplePath } from '../support/samples.ts';

export const SIZE = 400;
/** Where the block is put in the before photo's pixels, [left, top, width, height]. */
export const BLOCK: [number, number, number, number] = [210, 190, 72, 56];

export async function ground(withBlock: boolean): Promise<Buffer> {
  const base = sharp(samplePath('opencv/aero1.jpg')).extract({ left: 240, top: 80, width: SIZE, height: SIZE });
  if (!withBlock) return base.png().toBuffer();
  const block = await sharp(samplePath('opencv/aero3.jpg')).extract({ left: 300, top: 150, width: BLOCK[2], height: BLOCK[3] }).png().toBuffer();
  return base.composite([{ input: block, left: BLOCK[0], top: BLOCK[1] }]).png().toBuffer();
}

export async function rgb(png: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** The view after: turned 4°, 8% farther, 12 px right and 9 px down, a slight tilt; brighter, more contrast. */
export const TRUTH: Homography = (() => {
  const a = (4 * Math.PI) / 180, s = 1 / 1.08;
  return [s * Math.cos(a), -s * Math.sin(a), 30, s * Math.sin(a), s * Math.cos(a), -10, 2e-5, -1e-5, 1];
})();

/** Renders the after photo: each after pixel looks up the before pixel the inverse of TRUTH sends it to. */
export async function afterView(png: Buffer): Promise<RgbImage> {
  const src = await rgb(await sharp(png).linear(1.2, -10).png().toBuffer());
  const inv = invert(TRUTH);
  const out = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
    const [u, v] = apply(inv, x + 0.5, y + 0.5);
    const sx = Math.floor(u), sy = Math.floor(v);
    if (sx < 0 || sy < 0 || sx >= SIZE || sy >= SIZE) continue;
    out.set(src.data.subarray((sy * SIZE + sx) * 3, (sy * SIZE + sx) * 3 + 3), (y * SIZE + x) * 3);
  }
  return { width: SIZE, height: SIZE, data: out };
}

function invert(h: Homography): Homography {
  const [a, b, c, d, e, f, g, k, i] = h as [number, number, number, number, number, number, number, number, number];
  const m = [e * i - f * k, c * k - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * k - e * g, b * g - a * k, a * e - b * d];
  return m.map((v) => v / m[8]!);
}

