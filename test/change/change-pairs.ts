// Change pairs the tests make from real aerial photos (OpenCV's aero1.jpg and aero3.jpg), with the
// change mask known because the test made the change: a block of buildings from one photo pasted
// into a wooded part of the other; a different day's light (brightness and contrast); the drone a
// few pixels off.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { samplePath } from '../support/samples.ts';

export const SIZE = 320;
/** Where the pasted block lands in the after image, [left, top, width, height]. */
export const PASTED: [number, number, number, number] = [150, 120, 72, 56];

/** The before scene: aero1's lower right (woods, sand, a few houses), SIZE x SIZE. */
export function beforeScene(): Sharp {
  return sharp(samplePath('opencv/aero1.jpg')).extract({ left: 300, top: 150, width: SIZE, height: SIZE });
}

/** A block of apartment buildings cut from aero3, the size of PASTED. */
async function buildingBlock(): Promise<Buffer> {
  return sharp(samplePath('opencv/aero3.jpg')).extract({ left: 300, top: 150, width: PASTED[2], height: PASTED[3] }).png().toBuffer();
}

/** A different day's light: brighter and with more contrast, the same for every pixel. */
export function relit(image: Sharp): Sharp {
  return image.linear(1.25, -12);
}

/** The same view with the drone `dx`, `dy` pixels off: content moves by (−dx, −dy), edges repeat. */
export async function shifted(png: Buffer, dx: number, dy: number): Promise<Buffer> {
  const pad = Math.max(Math.abs(dx), Math.abs(dy));
  const padded = await sharp(png).extend({ top: pad, bottom: pad, left: pad, right: pad, extendWith: 'copy' }).png().toBuffer();
  return sharp(padded).extract({ left: pad + dx, top: pad + dy, width: SIZE, height: SIZE }).png().toBuffer();
}

export async function mask(rect?: [number, number, number, number]): Promise<Buffer> {
  const pixels = Buffer.alloc(SIZE * SIZE);
  if (rect) for (let y = rect[1]; y < rect[1] + rect[3]; y++) pixels.fill(255, y * SIZE + rect[0], y * SIZE + rect[0] + rect[2]);
  return sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 1 } }).png().toBuffer();
}

export interface MadePair {
  before: Buffer;
  after: Buffer;
  label: Buffer;
}

/** A structure appears where there were trees; the after image is also in other light and 3 px off. */
export async function pastedPair(): Promise<MadePair> {
  const before = await beforeScene().png().toBuffer();
  const withBlock = await sharp(before).composite([{ input: await buildingBlock(), left: PASTED[0], top: PASTED[1] }]).png().toBuffer();
  const after = await shifted(await relit(sharp(withBlock)).png().toBuffer(), 3, -2);
  // Masks are in the before image's grid, where the block was pasted (the detector registers the
  // after view onto that grid).
  return { before, after, label: await mask(PASTED) };
}

/** Nothing changed but the light and the drone's position. */
export async function lightingPair(): Promise<MadePair> {
  const before = await beforeScene().png().toBuffer();
  const after = await shifted(await relit(sharp(before)).png().toBuffer(), -4, 3);
  return { before, after, label: await mask() };
}

/** Writes pairs as `eval change` reads them: DIR/A, DIR/B, DIR/label with the same names. */
export async function writePairs(pairs: Record<string, MadePair>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'change-pairs-'));
  for (const sub of ['A', 'B', 'label']) await mkdir(path.join(dir, sub));
  for (const [name, p] of Object.entries(pairs)) {
    await writeFile(path.join(dir, 'A', `${name}.png`), p.before);
    await writeFile(path.join(dir, 'B', `${name}.png`), p.after);
    await writeFile(path.join(dir, 'label', `${name}.png`), p.label);
  }
  return dir;
}
