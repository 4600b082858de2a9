// Turns bytes from outside (an upload, a file a user named) into a decodable image, or a clear
// error saying what is wrong with it. Only the header is read before the pixel-limit check, so a
// file that claims 30000x30000 pixels is refused without allocating anything for it.
import sharp, { type Metadata, type Sharp } from 'sharp';

/** 100 megapixels: above any camera or drone photo we expect, far below what would exhaust memory. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

const SUPPORTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'avif', 'heif']);

/** An input image that cannot be used. `source` names the file (or upload) it came from. */
export class ImageInputError extends Error {
  override name = 'ImageInputError';
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
  }
}

export interface CheckedImage {
  width: number;
  height: number;
  format: string;
  /** A sharp pipeline that fails on truncated or corrupt data instead of returning grey pixels. */
  open: () => Sharp;
}

export async function checkImage(
  bytes: Buffer,
  source: string,
  maxPixels: number = DEFAULT_MAX_PIXELS,
): Promise<CheckedImage> {
  if (bytes.length === 0) throw new ImageInputError(source, 'empty file (0 bytes)');
  let meta: Metadata;
  try {
    // limitInputPixels off here: we want the header's size to give our own message below.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageInputError(source, `not a readable image (${describeSharpError(error)})`);
  }
  const { width, height, format } = meta;
  if (!format || !SUPPORTED_FORMATS.has(format)) {
    throw new ImageInputError(source, `unsupported image format "${format ?? 'unknown'}"`);
  }
  if (!width || !height) throw new ImageInputError(source, 'image header has no width or height');
  if (width * height > maxPixels) {
    throw new ImageInputError(
      source,
      `image is ${width}x${height} (${formatMegapixels(width * height)}), above the ${formatMegapixels(maxPixels)} limit`,
    );
  }
  return {
    format,
    // autoOrient so that a phone photo with an EXIF rotation is analysed the way people see it;
    // the reported width/height below follow the same orientation.
    open: () => sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels }).autoOrient(),
    ...orientedSize(meta),
  };
}

function orientedSize(meta: Metadata): { width: number; height: number } {
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  // EXIF orientations 5-8 swap the axes.
  return meta.orientation && meta.orientation >= 5 ? { width: h, height: w } : { width: w, height: h };
}

function formatMegapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(1)} megapixels`;
}

function describeSharpError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
