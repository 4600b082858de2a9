// Decoding the before and after images of a comparison, with errors that name the file.
import sharp from 'sharp';
import type { RgbImage } from './raster.ts';

export class ChangeInputError extends Error {}

export async function loadRgb(file: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    throw new ChangeInputError(`${file}: not a readable image (${(error as Error).message})`);
  }
}

/** A single-channel mask: any value above 127 is set. */
export async function loadMask(file: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  try {
    const { data, info } = await sharp(file).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const mask = new Uint8Array(info.width * info.height);
    for (let i = 0; i < mask.length; i++) mask[i] = data[i * info.channels]! > 127 ? 1 : 0;
    return { width: info.width, height: info.height, data: mask };
  } catch (error) {
    throw new ChangeInputError(`${file}: not a readable mask image (${(error as Error).message})`);
  }
}

export function checkSameSize(before: { width: number; height: number }, after: { width: number; height: number }, names: [string, string]): void {
  if (before.width !== after.width || before.height !== after.height) {
    throw new ChangeInputError(`${names[1]} is ${after.width}x${after.height} but ${names[0]} is ${before.width}x${before.height}: a pair must cover the same grid`);
  }
}
