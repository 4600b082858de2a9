// Cutting a detection out of its image for a second-stage model (a crop classifier, the plate
// reader). Both take a camera Frame (raw RGB) or encoded bytes (a drone photo, an evidence JPEG);
// encoded images are decoded once, so several crops of one image cost one decode.
import sharp, { type Sharp } from 'sharp';
import type { Box, Frame } from '../../contracts/types.ts';
import { checkImage } from './image-input.ts';

/** Raw interleaved RGB with its size: a Frame without the camera fields. */
export interface RawImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Decodes encoded bytes (EXIF orientation applied, as the detector saw them); a Frame is already raw. */
export async function toRawImage(image: Frame | RawImage | Buffer, source = 'image'): Promise<RawImage> {
  if (!Buffer.isBuffer(image)) return image;
  const checked = await checkImage(image, source);
  const { data, info } = await checked.open().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: data };
}

export function openRaw(image: RawImage): Sharp {
  // RGBA pixels read as RGB would shift every colour silently; say so instead.
  if (image.pixels.length !== image.width * image.height * 3) {
    throw new RangeError(`raw image holds ${image.pixels.length} bytes, ${image.width}x${image.height} RGB needs ${image.width * image.height * 3}`);
  }
  return sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } });
}

/**
 * The box grown by `margin` (a fraction of its width and height, on each side) as whole pixels
 * inside the image: classifiers were trained on crops with some context around the object.
 * May be empty (width or height 0) for a box outside the image.
 */
export function cropRegion(box: Box | undefined, width: number, height: number, margin = 0): Region {
  if (!box) return { left: 0, top: 0, width, height };
  const mx = (box[2] - box[0]) * margin;
  const my = (box[3] - box[1]) * margin;
  const left = clamp(Math.floor(box[0] - mx), width);
  const top = clamp(Math.floor(box[1] - my), height);
  const right = Math.max(left, clamp(Math.ceil(box[2] + mx), width));
  const bottom = Math.max(top, clamp(Math.ceil(box[3] + my), height));
  return { left, top, width: right - left, height: bottom - top };
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
